"""NotifySuccess, NotifyError and NotifyBatch: close the tracking record and say what happened.

notify_success   Input: the whole state after OptimizeImage. Marks the record SUCCEEDED and
                 publishes which web files were made and how much smaller they are.
notify_error     Input: the state with "error" ({"Error", "Cause"}) added by a Catch. Finds the
                 specific reason, marks the record FAILED, deletes any half-made intermediates
                 and publishes why the photo was rejected. The upload itself is never touched.
notify_batch     Input: {"listing", "results"} from the batch workflow's Map. One summary.

"publish": false in the input (the batch workflow sets it per image) records without
publishing. With "executionArn" in the input, a retried step does not publish a second time.
SNS subjects must be ASCII, one line, under 100 characters; file names in any script go in the
message body.

Environment: TABLE_NAME, TOPIC_ARN (required); OUTPUT_BUCKET, WORK_PREFIX (for the clean-up).
"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Mapping
from typing import Any

import imaging
import settings
import storage
import tracking
from vendor import aws

logger = logging.getLogger()
logger.setLevel(logging.INFO)

MAX_SUBJECT_LENGTH = 99
# Failures that are not the photo's fault, by Step Functions error name.
_SERVICE_REASONS = {
    "States.Timeout": "timeout",
    "Sandbox.Timedout": "timeout",
    "Lambda.Unknown": "crashed",
    "Runtime.OutOfMemory": "crashed",
    "Runtime.ExitError": "crashed",
    "Lambda.TooManyRequestsException": "throttled",
}
REASONS: Mapping[str, str] = {
    **imaging.REASONS,
    "not_valid": "the validator returned that the image is not valid",
    "timeout": "a step took longer than its time limit",
    "crashed": "a step ran out of memory or stopped unexpectedly",
    "throttled": "the functions were at their concurrency limit, even after retries",
    "internal_error": "a step failed for a reason that is not the photo's fault",
}
"""Every reason a failure can have: the image errors, then the workflow's own."""


class NotificationInputError(Exception):
    """The input lacks what a notification needs."""


# -- pure functions --------------------------------------------------------------------------
def safe_subject(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    single = " ".join("".join(c if c.isprintable() else " " for c in plain).split())
    single = single or "Photo gallery"
    if len(single) > MAX_SUBJECT_LENGTH:
        single = single[: MAX_SUBJECT_LENGTH - 3].rstrip() + "..."
    return single


def human_bytes(count: int | None) -> str:
    if count is None:
        return "?"
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count / 1024 / 1024:.1f} MB"


def explain_error(error: Any) -> dict[str, str]:
    """{"type", "reason", "message"} from a Catch's {"Error", "Cause"}.

    Lambda errors carry the handler's exception in Cause as JSON; an InvalidImageError's
    message starts with its reason code ("truncated: The image data stops early ...").
    """
    error = error if isinstance(error, Mapping) else {}
    state_error = str(error.get("Error") or "UnknownError")
    error_type = state_error
    raw_cause = error.get("Cause")
    cause: Any = raw_cause
    if isinstance(raw_cause, str):
        try:
            cause = json.loads(raw_cause)
        except ValueError:
            cause = raw_cause
    message = ""
    reason = ""
    if isinstance(cause, Mapping):
        message = str(cause.get("errorMessage") or cause.get("message") or "")
        reason = str(cause.get("reason") or "")
        error_type = str(cause.get("errorType") or error_type)
    elif cause:
        message = str(cause)
    if not reason and ": " in message:
        code, _, rest = message.partition(": ")
        if code in imaging.REASONS:
            reason, message = code, rest
    if not reason:
        service = _SERVICE_REASONS.get(error_type) or _SERVICE_REASONS.get(state_error)
        if service:
            reason = service
        elif state_error == "ImageNotValid":
            reason = "not_valid"
        else:
            reason = "internal_error"
    return {"type": error_type, "reason": reason, "message": message or REASONS[reason]}


def success_message(state: Mapping[str, Any]) -> tuple[str, str]:
    validation = state.get("validation") or {}
    optimized = state.get("optimized") or {}
    outputs = optimized.get("outputs") or []
    original = optimized.get("originalBytes") or validation.get("bytes")
    largest = optimized.get("largestBytes")
    filename = str(state.get("key", "?")).rsplit("/", 1)[-1]
    saving = ""
    if original and largest is not None:
        saving = f", the largest {100 * (1 - largest / original):.0f}% smaller"
    subject = safe_subject(f"Your photo is ready: {len(outputs)} web files{saving}")
    lines = [
        f"{filename} is ready for the web.",
        "",
        f"Original:  s3://{state.get('bucket')}/{state.get('key')}  "
        f"({validation.get('format', '?')}, {validation.get('displayWidth', '?')}x"
        f"{validation.get('displayHeight', '?')}, {human_bytes(original)})",
        f"Filters:   {', '.join(validation.get('filters') or []) or 'none'}",
        "",
        "Web files (every piece of metadata removed, the GPS position too):",
    ]
    for item in outputs:
        saved = item.get("savedPercent")
        if saved is None:
            note = ""
        elif saved >= 0:
            note = f"  {saved:.0f}% smaller"
        else:
            note = f"  {-saved:.0f}% larger"
        lines.append(
            f"  {item['name']:<12} {item['format']:<5} {item['width']}x{item['height']:<6} "
            f"{human_bytes(item['bytes']):>9}{note}  s3://{item['bucket']}/{item['key']}"
        )
    return subject, "\n".join(lines) + "\n"


def failure_message(state: Mapping[str, Any], explained: Mapping[str, str]) -> tuple[str, str]:
    filename = str(state.get("key", "?")).rsplit("/", 1)[-1]
    reason = explained["reason"]
    subject = safe_subject(f"Photo not processed: {reason.replace('_', ' ')} ({filename})")
    version = f" (version {state['versionId']})" if state.get("versionId") else ""
    lines = [
        f"{filename} could not be processed.",
        "",
        f"Reason:    {reason}: {REASONS.get(reason, '')}",
        f"Details:   {explained['message']}",
        f"Error:     {explained['type']}",
        "",
        f"Upload:    s3://{state.get('bucket')}/{state.get('key')}{version}",
        "The upload was left exactly as it was. Fix the file and upload it again.",
    ]
    return subject, "\n".join(lines) + "\n"


def batch_message(results: list[Mapping[str, Any]], listing: Mapping[str, Any]) -> tuple[str, str]:
    succeeded = [r for r in results if r.get("status") == tracking.SUCCEEDED]
    failed = [r for r in results if r.get("status") != tracking.SUCCEEDED]
    where = f"s3://{listing.get('bucket')}/{listing.get('prefix', '')}"
    subject = safe_subject(
        f"Batch done: {len(succeeded)} processed, {len(failed)} rejected of {len(results)}"
    )
    lines = [f"Batch over {where}: {len(results)} images.", ""]
    lines.append(f"Processed: {len(succeeded)}")
    lines.append(f"Rejected:  {len(failed)}")
    for item in failed:
        lines.append(f"  {item.get('key')}: {item.get('reason')} ({item.get('message', '')})")
    if listing.get("truncated"):
        lines += ["", f"Only the first {len(results)} images were processed (MAX_BATCH_IMAGES)."]
    return subject, "\n".join(lines) + "\n"


# -- publishing ------------------------------------------------------------------------------
def publish(subject: str, message: str, attributes: Mapping[str, str]) -> str:
    response = aws.client("sns").publish(
        TopicArn=settings.required("TOPIC_ARN"),
        Subject=subject,
        Message=message,
        # Subscribers can filter on these, e.g. only failures to the moderators.
        MessageAttributes={
            name: {"DataType": "String", "StringValue": value}
            for name, value in attributes.items()
            if value
        },
    )
    return response["MessageId"]


def publish_once(
    tracker: tracking.Tracker,
    image_id: str,
    state: Mapping[str, Any],
    status: str,
    compose: tuple[str, str],
) -> str:
    """Publish, unless this execution already announced this outcome.

    Step Functions retries a notify step that timed out or crashed, possibly after its message
    went out; the tracking record remembers the message, so the user gets one, not two.
    """
    execution = str(state.get("executionArn") or "")
    previous = tracker.notification(image_id) if execution else None
    if previous and previous.get("execution") == execution and previous.get("status") == status:
        logger.info("notify: already announced as message %s", previous.get("messageId"))
        return str(previous.get("messageId"))
    subject, message = compose
    message_id = publish(subject, message, {"status": status, "imageId": image_id})
    if execution:
        tracker.record_notification(
            image_id, execution=execution, status=status, message_id=message_id
        )
    logger.info("notify: %s", subject)
    return message_id


def _image_id(state: Mapping[str, Any]) -> str:
    try:
        return storage.Source.from_event(state).image_id
    except storage.InvalidInputError as error:
        raise NotificationInputError(
            f"{error} Pass the workflow's state (it holds bucket, key and imageId) unchanged."
        ) from None


# -- handlers --------------------------------------------------------------------------------
def notify_success(event: Any, context: Any) -> dict[str, Any]:
    image_id = _image_id(event)
    optimized = event.get("optimized") or {}
    outputs = [
        {k: item.get(k) for k in ("name", "format", "key", "width", "height", "bytes")}
        for item in optimized.get("outputs") or []
    ]
    if not outputs:
        raise NotificationInputError('No "optimized.outputs" in the input: nothing was made.')
    tracker = tracking.Tracker.from_environment()
    tracker.succeed(
        image_id, outputs, output_bytes=int(optimized.get("outputBytes") or 0), source=event
    )
    message_id = None
    if event.get("publish", True):
        message_id = publish_once(
            tracker, image_id, event, tracking.SUCCEEDED, success_message(event)
        )
    return {
        "imageId": image_id,
        "key": event.get("key"),
        "status": tracking.SUCCEEDED,
        "outputs": len(outputs),
        "originalBytes": optimized.get("originalBytes"),
        "outputBytes": optimized.get("outputBytes"),
        "messageId": message_id,
    }


def notify_error(event: Any, context: Any) -> dict[str, Any]:
    image_id = _image_id(event)
    explained = explain_error(event.get("error"))
    tracker = tracking.Tracker.from_environment()
    tracker.fail(image_id, explained, source=event)
    output_bucket = settings.text("OUTPUT_BUCKET", "")
    if output_bucket:  # half-made intermediates of a run that stopped part-way
        storage.delete_prefix(output_bucket, storage.work_folder(image_id))
    message_id = None
    if event.get("publish", True):
        message_id = publish_once(
            tracker, image_id, event, tracking.FAILED, failure_message(event, explained)
        )
    return {
        "imageId": image_id,
        "key": event.get("key"),
        "status": tracking.FAILED,
        "reason": explained["reason"],
        "error": explained["type"],
        "message": explained["message"],
        "messageId": message_id,
    }


def notify_batch(event: Any, context: Any) -> dict[str, Any]:
    results = [r for r in (event.get("results") or []) if isinstance(r, Mapping)]
    listing = event.get("listing") or {}
    subject, message = batch_message(results, listing)
    succeeded = sum(1 for r in results if r.get("status") == tracking.SUCCEEDED)
    message_id = publish(subject, message, {"status": "BATCH"})
    return {
        "images": len(results),
        "succeeded": succeeded,
        "failed": len(results) - succeeded,
        "failures": [
            {"key": r.get("key"), "reason": r.get("reason")}
            for r in results
            if r.get("status") != tracking.SUCCEEDED
        ],
        "messageId": message_id,
    }

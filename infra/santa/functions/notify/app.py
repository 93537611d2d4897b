"""Announce how a run ended on the SNS topic. The workflow's last step, on both paths.

Input:   the transform step's output ({"status": "SUCCEEDED", ...}) or FixIt's output
         ({"status": "FAILED", ...}), passed through unchanged; "status" picks the message.
Output:  {"messageId", "status", "subject"}

Email subscribers see the subject line. SNS requires it to be ASCII, without line breaks, and
under 100 characters, so it is built from counts and the error name; names of files, which may
use any script, are only shown in the message body.

Environment:
    TOPIC_ARN   the topic to publish to (required)

Permissions: sns:Publish on that topic.
"""

from __future__ import annotations

import logging
import os
import unicodedata
from typing import Any

from vendor import aws

logger = logging.getLogger()
logger.setLevel(logging.INFO)


SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
MAX_SUBJECT_LENGTH = 99


class ConfigurationError(Exception):
    """An environment variable the function needs is not set."""


class NotificationInputError(Exception):
    """The input is neither a transform result nor a FixIt result."""


# -- pure functions -------------------------------------------------------------------------------


def safe_subject(text: str) -> str:
    """`text` made acceptable as an SNS subject: ASCII, one line, at most 99 characters."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    printable = "".join(c if c.isprintable() else " " for c in plain)
    single = " ".join(printable.split()) or "Santa's list"
    if len(single) > MAX_SUBJECT_LENGTH:
        single = single[: MAX_SUBJECT_LENGTH - 3].rstrip() + "..."
    return single


def s3_uri(bucket: Any, key: Any) -> str:
    return f"s3://{bucket}/{key}"


def success_message(result: dict[str, Any]) -> tuple[str, str]:
    kids, gifts = result.get("kids", "?"), result.get("gifts", "?")
    source = result.get("source") or {}
    subject = safe_subject(f"Santa's list is stamped: {kids} kids, {gifts} gifts")
    version = f" (version {source['versionId']})" if source.get("versionId") else ""
    lines = [
        "Ho Ho Ho! Santa's list was checked and every request now carries the stamp.",
        "",
        f"Uploaded list:     {s3_uri(source.get('bucket', '?'), source.get('key', '?'))}{version}",
        f"Kids on the list:  {kids}",
        f"Gifts asked for:   {gifts}",
        # A rerun writes nothing: saying "Newly stamped: 360" beside "left as it was" would
        # contradict itself.
        f"Newly stamped:     {0 if result.get('alreadyExisted') else result.get('stamped', '?')}",
        f"Stamped list:      {s3_uri(result.get('bucket', '?'), result.get('key', '?'))}",
    ]
    if result.get("alreadyExisted"):
        lines += [
            "",
            "This upload had been processed before: the stamped list was already stored and "
            "was left as it was, so nothing was stamped this time.",
        ]
    return subject, "\n".join(lines) + "\n"


def failure_message(result: dict[str, Any]) -> tuple[str, str]:
    error = result.get("error") or "UnknownError"
    original = result.get("original") or {}
    subject = safe_subject(f"Santa's list was rejected: {error}")
    bucket = result.get("bucket", "?")
    lines = [
        "Santa's list could not be processed, so it was moved aside.",
        "",
        f"Error:             {error}",
        "What went wrong:",
        *(
            "    " + line
            for line in str(result.get("reason") or "No cause was given.").splitlines()
        ),
        "",
        f"Uploaded list:     {s3_uri(original.get('bucket', bucket), original.get('key', '?'))}",
        f"Quarantined at:    {s3_uri(bucket, result.get('key', '?'))}",
    ]
    if result.get("reasonKey"):
        lines.append(f"Reason file:       {s3_uri(bucket, result['reasonKey'])}")
    lines += ["", "Fix the file and upload it again under the upload prefix to try once more."]
    return subject, "\n".join(lines) + "\n"


def compose(event: Any) -> tuple[str, str, str]:
    """(status, subject, message) for a transform or FixIt result."""
    status = str(event.get("status", "")).upper() if isinstance(event, dict) else ""
    if status == SUCCEEDED:
        return (status, *success_message(event))
    if status == FAILED:
        return (status, *failure_message(event))
    raise NotificationInputError(
        f'Expected "status": "{SUCCEEDED}" (from transform) or "{FAILED}" (from FixIt), '
        f"got {status or 'no status'}. Pass the previous step's output unchanged."
    )


# -- the handler ----------------------------------------------------------------------------------


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    topic_arn = os.environ.get("TOPIC_ARN")
    if not topic_arn:
        raise ConfigurationError(
            "TOPIC_ARN is not set. Define it in the function's Environment Variables "
            "(the SAM template's Environment section)."
        )
    status, subject, message = compose(event)
    logger.info("notify: publishing %s: %s", status, subject)
    response = aws.client("sns").publish(
        TopicArn=topic_arn,
        Subject=subject,
        Message=message,
        # Subscribers can filter on this, e.g. only failures to the elves' pager.
        MessageAttributes={"status": {"DataType": "String", "StringValue": status}},
    )
    logger.info("notify: message %s", response["MessageId"])
    return {"messageId": response["MessageId"], "status": status, "subject": subject}

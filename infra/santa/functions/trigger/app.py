"""Start the workflow for every list uploaded under the upload prefix (an S3 event target).

Input:   an S3 event notification ({"Records": [{"eventName": "ObjectCreated:Put", "s3": ...}]})
Output:  {"started": [...], "duplicates": [...], "skipped": [...]}

Each execution gets the input {"bucket", "key", "versionId"} and a name derived from the bucket,
the key and the upload's version (or the event's sequencer when the bucket is not versioned).
S3 may deliver the same event twice. The second StartExecution then uses the same name, so Step
Functions either answers with the execution already running (same name, same input) or refuses
with ExecutionAlreadyExists, which is logged and counted as a duplicate: the list is processed
once. The same holds when Lambda retries this function after a failure part-way through a batch.

Environment:
    STATE_MACHINE_ARN   the workflow to start (required)
    UPLOAD_PREFIX       only keys under it start a run (default "uploads/")

Permissions: states:StartExecution on the state machine.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# Created once per execution environment; warm invokes reuse it (and its connections).
sfn = boto3.client("stepfunctions")

DEFAULT_UPLOAD_PREFIX = "uploads/"
NAME_PREFIX = "santa-"
MAX_NAME_LENGTH = 80
HASH_LENGTH = 16
# Names may hold more than this, but CloudWatch logging of an execution needs exactly this set.
_NOT_ALLOWED_IN_NAMES = re.compile(r"[^A-Za-z0-9_-]+")


class ConfigurationError(Exception):
    """An environment variable the function needs is not set."""


@dataclass(frozen=True)
class Upload:
    """One uploaded object, as an S3 event record describes it (key already decoded)."""

    bucket: str
    key: str
    version_id: str | None = None
    sequencer: str | None = None
    etag: str | None = None


# -- pure functions -------------------------------------------------------------------------------


def read_records(
    event: Any, upload_prefix: str = DEFAULT_UPLOAD_PREFIX
) -> tuple[list[Upload], list[dict[str, str]]]:
    """The uploads to process, and the records skipped with the reason for each."""
    uploads: list[Upload] = []
    skipped: list[dict[str, str]] = []
    records = event.get("Records") if isinstance(event, dict) else None
    for record in records or []:  # S3's "s3:TestEvent" has no Records at all
        event_name = str(record.get("eventName", ""))
        s3_part = record.get("s3") or {}
        bucket = (s3_part.get("bucket") or {}).get("name")
        details = s3_part.get("object") or {}
        raw_key = details.get("key")
        if not bucket or not raw_key:
            skipped.append({"key": str(raw_key), "reason": "record without bucket or key"})
            continue
        key = unquote_plus(raw_key)  # keys arrive URL-encoded: "my list.json" -> "my+list.json"
        if not event_name.startswith("ObjectCreated"):
            skipped.append({"key": key, "reason": f"event {event_name or '?'} is not an upload"})
        elif not key.startswith(upload_prefix):
            skipped.append({"key": key, "reason": f"outside {upload_prefix}"})
        elif key.endswith("/"):
            skipped.append({"key": key, "reason": "a folder marker, not a file"})
        else:
            uploads.append(
                Upload(
                    bucket=bucket,
                    key=key,
                    version_id=details.get("versionId") or None,
                    sequencer=details.get("sequencer") or None,
                    etag=details.get("eTag") or None,
                )
            )
    return uploads, skipped


def execution_name(upload: Upload) -> str:
    """A valid, repeatable execution name: `santa-<file name>-<16 hex characters>`.

    The hash covers bucket, key and the upload's identity, so the same upload always gets the
    same name and a different upload (even of the same key) gets another one.
    """
    if upload.version_id and upload.version_id != "null":
        identity = f"version:{upload.version_id}"
    elif upload.sequencer:
        identity = f"sequencer:{upload.sequencer}"
    elif upload.etag:
        identity = f"etag:{upload.etag}"
    else:
        identity = "unversioned"
    basis = "\n".join((upload.bucket, upload.key, identity))
    tag = hashlib.sha256(basis.encode()).hexdigest()[:HASH_LENGTH]
    filename = upload.key.rsplit("/", 1)[-1]
    stem = filename[: -len(".json")] if filename.lower().endswith(".json") else filename
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    readable = _NOT_ALLOWED_IN_NAMES.sub("-", ascii_stem).strip("-_") or "list"
    room = MAX_NAME_LENGTH - len(NAME_PREFIX) - 1 - HASH_LENGTH
    return f"{NAME_PREFIX}{readable[:room].rstrip('-_')}-{tag}"


def execution_input(upload: Upload) -> str:
    """The workflow's input. Always the same text for the same upload, key order included."""
    document = {"bucket": upload.bucket, "key": upload.key, "versionId": upload.version_id}
    return json.dumps(document, ensure_ascii=False, sort_keys=True)


# -- the handler ----------------------------------------------------------------------------------


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    state_machine_arn = os.environ.get("STATE_MACHINE_ARN")
    if not state_machine_arn:
        raise ConfigurationError(
            "STATE_MACHINE_ARN is not set. Define it in the function's Environment Variables "
            "(the SAM template's Environment section)."
        )
    upload_prefix = os.environ.get("UPLOAD_PREFIX", DEFAULT_UPLOAD_PREFIX)
    uploads, skipped = read_records(event, upload_prefix)
    for item in skipped:
        logger.info("trigger: skipped %s (%s)", item["key"], item["reason"])
    started, duplicates = [], []
    for upload in uploads:
        name = execution_name(upload)
        try:
            response = sfn.start_execution(
                stateMachineArn=state_machine_arn, name=name, input=execution_input(upload)
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                raise  # let Lambda retry the event; the names keep the retry from duplicating
            logger.info(
                "trigger: %s was already started for s3://%s/%s", name, upload.bucket, upload.key
            )
            duplicates.append({"key": upload.key, "name": name})
            continue
        logger.info("trigger: started %s for s3://%s/%s", name, upload.bucket, upload.key)
        started.append({"key": upload.key, "name": name, "executionArn": response["executionArn"]})
    return {"started": started, "duplicates": duplicates, "skipped": skipped}

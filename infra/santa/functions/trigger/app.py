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

import json
import logging
import os
from typing import Any

from vendor import aws, s3_uploads
from vendor.s3_uploads import Upload

logger = logging.getLogger()
logger.setLevel(logging.INFO)

DEFAULT_UPLOAD_PREFIX = "uploads/"
NAME_PREFIX = "santa-"


class ConfigurationError(Exception):
    """An environment variable the function needs is not set."""


# -- pure functions -------------------------------------------------------------------------------


def read_records(
    event: Any, upload_prefix: str = DEFAULT_UPLOAD_PREFIX
) -> tuple[list[Upload], list[dict[str, str]]]:
    """The uploads to process, and the records skipped with the reason for each."""
    return s3_uploads.read_records(event, upload_prefix)


def execution_name(upload: Upload) -> str:
    """A valid, repeatable execution name: `santa-<file name>-<16 hex characters>`.

    The rule is the one every trigger in infra/ uses (vendor/s3_uploads.py, a copy
    of infra/shared/s3_uploads.py): the hash covers bucket, key and the upload's identity, so the
    same upload always gets the same name and a different upload (even of the same key) gets
    another one.
    """
    return s3_uploads.execution_name(upload, prefix=NAME_PREFIX, fallback="list")


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
    started, duplicates = s3_uploads.start_executions(
        uploads,
        state_machine_arn=state_machine_arn,
        name=execution_name,
        input_text=execution_input,
        sfn=aws.client("stepfunctions"),
        log=logger,
    )
    return {"started": started, "duplicates": duplicates, "skipped": skipped}

"""Start the workflow once for every photo uploaded under the upload prefix (S3 event target).

Input:   an S3 event notification ({"Records": [{"eventName": "ObjectCreated:Put", ...}]})
Output:  {"started": [...], "duplicates": [...], "skipped": [...]}

Keys arrive URL-encoded ("F%C3%AAte+de+No%C3%ABl.jpg"); they are decoded before use. Each
execution is named after the upload (uploads.image_id), so when S3 delivers an event twice, or
Lambda retries this function, the upload is still processed once: while its execution runs,
StartExecution returns that same execution (same name, same input); once it has finished, it
answers ExecutionAlreadyExists, counted here as a duplicate.

Environment: STATE_MACHINE_ARN (required), UPLOAD_PREFIX (default "uploads/").
Permissions: states:StartExecution on the state machine.
"""

from __future__ import annotations

import logging
from typing import Any

import settings
import uploads
from vendor import aws, s3_uploads

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    state_machine_arn = settings.required("STATE_MACHINE_ARN")
    upload_prefix = settings.prefix("UPLOAD_PREFIX", settings.DEFAULT_UPLOAD_PREFIX)
    found, skipped = uploads.read_records(event, upload_prefix)
    for item in skipped:
        logger.info("trigger: skipped %s (%s)", item["key"], item["reason"])
    started, duplicates = s3_uploads.start_executions(
        found,
        state_machine_arn=state_machine_arn,
        name=uploads.image_id,
        input_text=uploads.execution_input_text,
        sfn=aws.client("stepfunctions"),
        log=logger,
    )
    return {"started": started, "duplicates": duplicates, "skipped": skipped}

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

import aws
import settings
import uploads
from botocore.exceptions import ClientError

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    state_machine_arn = settings.required("STATE_MACHINE_ARN")
    upload_prefix = settings.prefix("UPLOAD_PREFIX", settings.DEFAULT_UPLOAD_PREFIX)
    found, skipped = uploads.read_records(event, upload_prefix)
    for item in skipped:
        logger.info("trigger: skipped %s (%s)", item["key"], item["reason"])
    started, duplicates = [], []
    for upload in found:
        name = upload.image_id
        try:
            response = aws.client("stepfunctions").start_execution(
                stateMachineArn=state_machine_arn,
                name=name,
                input=uploads.execution_input_text(upload),
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                raise  # Lambda retries the event; the fixed names keep a retry from duplicating
            logger.info(
                "trigger: %s already started for s3://%s/%s", name, upload.bucket, upload.key
            )
            duplicates.append({"key": upload.key, "name": name})
            continue
        logger.info("trigger: started %s for s3://%s/%s", name, upload.bucket, upload.key)
        started.append({"key": upload.key, "name": name, "executionArn": response["executionArn"]})
    return {"started": started, "duplicates": duplicates, "skipped": skipped}

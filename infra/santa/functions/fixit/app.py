"""FixIt: move a rejected upload out of the way and write down why. The workflow's Catch target.

Input:   {"bucket", "key", "versionId": optional, "error": {"Error": "...", "Cause": "..."}}
         (a Catch with "ResultPath": "$.error" keeps the original input and adds `error`).
         `Cause` is often the Lambda error payload as a JSON string
         ({"errorMessage", "errorType", "stackTrace", ...}); its errorMessage is used when it is.
Output:  {"status": "FAILED", "bucket", "key", "reasonKey", "error", "reason",
          "original": {"bucket", "key", "versionId"}, "alreadyQuarantined"}
         where bucket/key say where the file now is. "status" is for the notify step.

The file is copied to QUARANTINE_PREFIX in the same bucket, then deleted from its upload key, and
`<quarantined key>.reason.json` is written beside it. The quarantine prefix must lie outside the
upload prefix, so a quarantined file can never start the workflow again. Running FixIt twice for
the same input is harmless: the second run finds the file already moved and says so.

Environment:
    QUARANTINE_PREFIX   default "quarantine/"
    UPLOAD_PREFIX       default "uploads/"

Permissions: s3:GetObject (and s3:GetObjectVersion), s3:PutObject, s3:DeleteObject (and
s3:DeleteObjectVersion) and s3:ListBucket on the input bucket.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from vendor import aws

logger = logging.getLogger()
logger.setLevel(logging.INFO)


DEFAULT_QUARANTINE_PREFIX = "quarantine/"
DEFAULT_UPLOAD_PREFIX = "uploads/"
REASON_SUFFIX = ".reason.json"
UNKNOWN_ERROR = "UnknownError"
_MISSING_CODES = {"404", "NoSuchKey", "NotFound", "NoSuchVersion"}


class ConfigurationError(Exception):
    """The prefixes would let a quarantined file trigger the workflow again."""


class NothingToQuarantineError(Exception):
    """Neither the upload nor a quarantined copy of it exists."""


@dataclass(frozen=True)
class Failure:
    """Why the workflow failed, in words a person can read."""

    error: str
    message: str


# -- pure functions -------------------------------------------------------------------------------


def describe_failure(error: Any) -> Failure:
    """Turn a Step Functions error object ({"Error", "Cause"}) into a name and a message."""
    details = error if isinstance(error, dict) else {}
    name = str(details.get("Error") or "").strip()
    cause = details.get("Cause")
    payload = cause if isinstance(cause, dict) else _json_object(cause)
    if payload is not None:
        name = name or str(payload.get("errorType") or "").strip()
        message = str(payload.get("errorMessage") or "").strip()
        if not message:
            message = cause.strip() if isinstance(cause, str) else json.dumps(payload)
    else:
        message = cause.strip() if isinstance(cause, str) else ""
    return Failure(error=name or UNKNOWN_ERROR, message=message or "No cause was given.")


def check_prefixes(upload_prefix: str, quarantine_prefix: str) -> None:
    if not quarantine_prefix or quarantine_prefix.startswith(upload_prefix):
        raise ConfigurationError(
            f"QUARANTINE_PREFIX {quarantine_prefix!r} must not be inside UPLOAD_PREFIX "
            f"{upload_prefix!r}: a quarantined file would start the workflow again."
        )


def quarantine_key(
    key: str,
    version_id: str | None = None,
    *,
    upload_prefix: str = DEFAULT_UPLOAD_PREFIX,
    quarantine_prefix: str = DEFAULT_QUARANTINE_PREFIX,
) -> str:
    """Where a rejected upload goes: `uploads/a/b.json` -> `quarantine/a/b.json`.

    With a version id, a short tag of it is added before the extension, so two rejected
    versions of the same file do not overwrite each other.
    """
    relative = key.removeprefix(upload_prefix) if upload_prefix else key
    if version_id and version_id != "null":
        tag = hashlib.sha256(f"version:{version_id}".encode()).hexdigest()[:12]
        folder, slash, filename = relative.rpartition("/")
        stem, dot, extension = filename.rpartition(".")
        filename = f"{stem}.{tag}.{extension}" if dot and stem else f"{filename}.{tag}"
        relative = folder + slash + filename
    return quarantine_prefix + relative


def reason_key(quarantined_key: str) -> str:
    return quarantined_key + REASON_SUFFIX


def reason_document(
    failure: Failure,
    bucket: str,
    key: str,
    version_id: str | None,
    quarantined: str,
    when: datetime,
) -> dict[str, Any]:
    return {
        "error": failure.error,
        "message": failure.message,
        "original": {"bucket": bucket, "key": key, "versionId": version_id},
        "quarantined": {"bucket": bucket, "key": quarantined},
        "quarantinedAt": when.astimezone(UTC).isoformat(timespec="seconds"),
    }


def _json_object(text: Any) -> dict[str, Any] | None:
    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


# -- the handler ----------------------------------------------------------------------------------


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    upload_prefix = os.environ.get("UPLOAD_PREFIX", DEFAULT_UPLOAD_PREFIX)
    prefix = os.environ.get("QUARANTINE_PREFIX", DEFAULT_QUARANTINE_PREFIX)
    check_prefixes(upload_prefix, prefix)
    bucket, key, version_id = event["bucket"], event["key"], event.get("versionId") or None
    failure = describe_failure(event.get("error"))
    logger.info("fixit: s3://%s/%s failed with %s", bucket, key, failure.error)
    if key.startswith(prefix):
        raise ConfigurationError(f"{key!r} is already under {prefix!r}; it is not moved again.")

    target = quarantine_key(key, version_id, upload_prefix=upload_prefix, quarantine_prefix=prefix)
    reason_target = reason_key(target)
    document = reason_document(failure, bucket, key, version_id, target, datetime.now(UTC))
    if _exists(bucket, key, version_id):
        source: dict[str, str] = {"Bucket": bucket, "Key": key}
        if version_id:
            source["VersionId"] = version_id
        aws.client("s3").copy_object(
            Bucket=bucket, Key=target, CopySource=source, MetadataDirective="COPY"
        )
        _put_reason(bucket, reason_target, document)
        # Deleting the exact version removes what was rejected, never a newer upload.
        delete: dict[str, str] = {"Bucket": bucket, "Key": key}
        if version_id:
            delete["VersionId"] = version_id
        aws.client("s3").delete_object(**delete)
        already = False
        logger.info("fixit: moved to s3://%s/%s", bucket, target)
    elif _exists(bucket, target):
        already = True
        if not _exists(bucket, reason_target):
            _put_reason(bucket, reason_target, document)
        logger.info("fixit: already quarantined at s3://%s/%s", bucket, target)
    else:
        raise NothingToQuarantineError(
            f"Neither s3://{bucket}/{key} nor s3://{bucket}/{target} exists: nothing to move."
        )
    return {
        "status": "FAILED",
        "bucket": bucket,
        "key": target,
        "reasonKey": reason_target,
        "error": failure.error,
        "reason": failure.message,
        "original": {"bucket": bucket, "key": key, "versionId": version_id},
        "alreadyQuarantined": already,
    }


def _exists(bucket: str, key: str, version_id: str | None = None) -> bool:
    request: dict[str, str] = {"Bucket": bucket, "Key": key}
    if version_id:
        request["VersionId"] = version_id
    try:
        aws.client("s3").head_object(**request)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _MISSING_CODES:
            return False
        raise
    return True


def _put_reason(bucket: str, key: str, document: dict[str, Any]) -> None:
    body = json.dumps(document, ensure_ascii=False, indent=2).encode() + b"\n"
    aws.client("s3").put_object(
        Bucket=bucket, Key=key, Body=body, ContentType="application/json; charset=utf-8"
    )

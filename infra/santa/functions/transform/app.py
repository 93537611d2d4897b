"""Stamp every request on a validated list with "Ho Ho Ho" and store the new list.

Input:   the validate step's output: {"bucket", "key", "versionId", "etag", ...}
Output:  {"status": "SUCCEEDED", "bucket", "key", "kids", "gifts", "stamped", "alreadyExisted",
          "source": {"bucket", "key", "versionId"}}: where the stamped list is, how many kids
         it holds and how many were stamped just now (a kid already stamped is left alone).
         "status" lets the notify step tell this result from FixIt's without extra wiring.

The output key is derived from the source key and the upload's version (or ETag when the bucket
is not versioned), so running the workflow again for the same upload writes the same key. If that
key already holds the same bytes, nothing is written; if it holds different bytes, the function
raises StampedListConflictError rather than overwrite someone else's list.

Environment:
    OUTPUT_BUCKET   where stamped lists go (required)
    OUTPUT_PREFIX   key prefix in that bucket (default "stamped/")
    UPLOAD_PREFIX   the input prefix, left off the output key (default "uploads/")

Permissions: s3:GetObject on the input bucket; s3:GetObject, s3:PutObject and s3:ListBucket on
the output bucket (without ListBucket, S3 answers 403 instead of 404 for a key that is not there).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError
from vendor import aws

logger = logging.getLogger()
logger.setLevel(logging.INFO)


STAMP = "Ho Ho Ho"
STAMP_FIELD = "stamp"
DEFAULT_OUTPUT_PREFIX = "stamped/"
DEFAULT_UPLOAD_PREFIX = "uploads/"
DIGEST_METADATA = "sha256"
_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


class ConfigurationError(Exception):
    """An environment variable the function needs is not set."""


class StampedListConflictError(Exception):
    """The output key already holds a different list; it is left untouched."""


# -- pure functions -------------------------------------------------------------------------------


def stamp_all(kids: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """A stamped copy of the list and how many kids were newly stamped. The input is unchanged."""
    stamped, newly = [], 0
    for kid in kids:
        if kid.get(STAMP_FIELD) == STAMP:
            stamped.append(dict(kid))
        else:
            stamped.append({**kid, STAMP_FIELD: STAMP})
            newly += 1
    return stamped, newly


def render(kids: list[Any]) -> bytes:
    """The list as UTF-8 JSON, one kid per line (the layout of the files in data/santa/)."""
    if not kids:
        return b"[]\n"
    lines = ",\n".join("  " + json.dumps(kid, ensure_ascii=False) for kid in kids)
    return f"[\n{lines}\n]\n".encode()


def upload_tag(version_id: str | None, etag: str | None) -> str:
    """12 hex characters that identify one upload: from its version, else from its ETag."""
    if version_id and version_id != "null":  # "null" is the version of unversioned objects
        basis = f"version:{version_id}"
    elif etag:
        basis = "etag:" + etag.strip('"')
    else:
        raise ValueError("Naming the output needs the upload's versionId or its ETag.")
    return hashlib.sha256(basis.encode()).hexdigest()[:12]


def stamped_key(
    source_key: str,
    version_id: str | None,
    etag: str | None,
    *,
    upload_prefix: str = DEFAULT_UPLOAD_PREFIX,
    output_prefix: str = DEFAULT_OUTPUT_PREFIX,
) -> str:
    """Where the stamped copy of one upload goes: `uploads/a/b.json` -> `stamped/a/b.<tag>.json`."""
    relative = source_key.removeprefix(upload_prefix) if upload_prefix else source_key
    folder, _, filename = relative.rpartition("/")
    stem = filename[: -len(".json")] if filename.lower().endswith(".json") else filename
    name = f"{stem or 'list'}.{upload_tag(version_id, etag)}.json"
    return output_prefix + (f"{folder}/" if folder else "") + name


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


# -- the handler ----------------------------------------------------------------------------------


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    output_bucket = _required_env("OUTPUT_BUCKET")
    output_prefix = os.environ.get("OUTPUT_PREFIX", DEFAULT_OUTPUT_PREFIX)
    upload_prefix = os.environ.get("UPLOAD_PREFIX", DEFAULT_UPLOAD_PREFIX)
    bucket, key = event["bucket"], event["key"]
    version_id, etag = event.get("versionId"), event.get("etag")

    logger.info("transform: reading s3://%s/%s (version %s)", bucket, key, version_id or "latest")
    request: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version_id:
        request["VersionId"] = version_id
    elif etag:
        request["IfMatch"] = etag  # fails if the object changed since validate read it
    response = aws.client("s3").get_object(**request)
    kids = json.loads(response["Body"].read().decode("utf-8-sig"))
    if not isinstance(kids, list) or not all(isinstance(kid, dict) for kid in kids):
        raise ValueError("transform expects a list that the validate step accepted.")
    version_id = response.get("VersionId") or version_id
    etag = response.get("ETag") or etag

    stamped, newly = stamp_all(kids)
    body = render(stamped)
    body_digest = digest(body)
    out_key = stamped_key(
        key, version_id, etag, upload_prefix=upload_prefix, output_prefix=output_prefix
    )
    logger.info(
        "transform: stamped %d of %d kids -> s3://%s/%s", newly, len(kids), output_bucket, out_key
    )

    existing = _existing_digest(output_bucket, out_key)
    if existing == body_digest:
        logger.info("transform: identical list already stored, nothing written")
    elif existing is not None:
        raise StampedListConflictError(
            f"s3://{output_bucket}/{out_key} already holds a different list. It was left as it "
            "is; delete it first if it should be replaced."
        )
    else:
        aws.client("s3").put_object(
            Bucket=output_bucket,
            Key=out_key,
            Body=body,
            ContentType="application/json; charset=utf-8",
            Metadata={
                DIGEST_METADATA: body_digest,
                # Metadata travels in HTTP headers, so the key is percent-encoded to stay ASCII.
                "source-bucket": bucket,
                "source-key": quote(key, safe="/"),
                "source-version": version_id or "",
            },
        )
        logger.info("transform: wrote %d bytes", len(body))
    return {
        "status": "SUCCEEDED",
        "bucket": output_bucket,
        "key": out_key,
        "kids": len(stamped),
        "gifts": sum(len(kid.get("gifts", [])) for kid in stamped),
        "stamped": newly,
        "alreadyExisted": existing is not None,
        "source": {"bucket": bucket, "key": key, "versionId": version_id},
    }


def _existing_digest(bucket: str, key: str) -> str | None:
    """The SHA-256 of the object at `key`, or None when there is none."""
    try:
        head = aws.client("s3").head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _MISSING_CODES:
            return None
        raise
    recorded = head.get("Metadata", {}).get(DIGEST_METADATA)
    if recorded:
        return recorded
    # Written by something else: compare the bytes themselves.
    return digest(aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


def _required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ConfigurationError(
            f"{name} is not set. Define it in the function's Environment Variables "
            "(the SAM template's Environment section)."
        )
    return value

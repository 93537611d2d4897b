"""ListImages: the images under a prefix, for the batch workflow's Map state.

Input:   {"prefix": "gallery/", "bucket"?: default INPUT_BUCKET, "concurrency"?: 1-40}
Output:  {"bucket", "prefix", "images": [{"bucket", "key", "versionId", "imageId"}, ...],
          "count", "truncated", "concurrency"}

Each image is named exactly as the S3 trigger would name that upload (uploads.image_id), so the
batch updates the same tracking records. The latest version of each key is used; folder
markers and deleted keys are left out. At most MAX_BATCH_IMAGES images are listed: an inline
Map carries every item's result in its state, which Step Functions limits to 256 KiB (a
Distributed Map reads items straight from S3 for millions of objects).

Environment: INPUT_BUCKET (required), BATCH_CONCURRENCY (default 4), MAX_BATCH_IMAGES (500).
Permissions: s3:ListBucketVersions on the bucket.
"""

from __future__ import annotations

import logging
from typing import Any

import settings
import uploads
from vendor import aws

logger = logging.getLogger()
logger.setLevel(logging.INFO)

MAX_CONCURRENCY = 40


class BatchInputError(Exception):
    """The batch input is not usable."""


def concurrency_for(event: Any) -> int:
    requested = event.get("concurrency")
    if requested is None:
        return settings.integer("BATCH_CONCURRENCY", settings.DEFAULT_BATCH_CONCURRENCY)
    if isinstance(requested, bool) or not isinstance(requested, int):
        raise BatchInputError(f"concurrency must be a whole number, got {requested!r}.")
    if not 1 <= requested <= MAX_CONCURRENCY:
        raise BatchInputError(f"concurrency must be from 1 to {MAX_CONCURRENCY}, got {requested}.")
    return requested


def latest_versions(bucket: str, prefix: str, limit: int) -> tuple[list[uploads.Upload], bool]:
    found: list[uploads.Upload] = []
    pages = (
        aws.client("s3")
        .get_paginator("list_object_versions")
        .paginate(Bucket=bucket, Prefix=prefix)
    )
    for page in pages:
        for version in page.get("Versions", []):
            if not version.get("IsLatest") or version["Key"].endswith("/"):
                continue
            if len(found) == limit:
                return found, True
            version_id = version.get("VersionId")
            found.append(
                uploads.Upload(
                    bucket=bucket,
                    key=version["Key"],
                    version_id=None if version_id in (None, "null") else version_id,
                    etag=version.get("ETag"),
                )
            )
    return found, False


def list_images(event: Any, context: Any) -> dict[str, Any]:
    event = event if isinstance(event, dict) else {}
    bucket = event.get("bucket") or settings.required("INPUT_BUCKET")
    prefix = event.get("prefix")
    if not isinstance(prefix, str):
        raise BatchInputError('Give the folder to process, e.g. {"prefix": "gallery/"}.')
    limit = settings.integer("MAX_BATCH_IMAGES", settings.DEFAULT_MAX_BATCH_IMAGES)
    found, truncated = latest_versions(bucket, prefix, limit)
    logger.info("batch: %d images under s3://%s/%s", len(found), bucket, prefix)
    return {
        "bucket": bucket,
        "prefix": prefix,
        "images": [upload.execution_input() for upload in found],
        "count": len(found),
        "truncated": truncated,
        "concurrency": concurrency_for(event),
    }

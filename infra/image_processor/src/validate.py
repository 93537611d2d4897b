"""ValidateImage: is this upload a picture the gallery can process? The workflow's first step.

Input:   {"bucket", "key", "versionId", "imageId", "executionArn"?}
Output:  {"valid": true, "imageId", "bucket", "key", "versionId", "etag", "contentType",
          "format", "width", "height", "displayWidth", "displayHeight", "orientation",
          "exifOrientation", "mode", "hasAlpha", "frames", "bytes", "filters"}
Raises:  InvalidImageError (reason first in the message: "truncated: ...") for a bad upload,
         UnknownFilterError when the "filters" metadata names a filter that does not exist.
         Lambda reports the class name as the error type; the state machine never retries them.

Neither the file name nor the declared content type is trusted: Pillow reads the bytes. The
filters come from the object's metadata (`x-amz-meta-filters: sepia,sharpen`), else
DEFAULT_FILTERS. The tracking record starts here.

Environment: TABLE_NAME (required), MAX_BYTES, MAX_PIXELS, MAX_SIDE, ALLOWED_FORMATS,
             DEFAULT_FILTERS ("none" for no filter).
"""

from __future__ import annotations

import logging
from typing import Any

import imaging
import settings
import stages
import storage
import tracking

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def check(source: storage.Source) -> dict[str, Any]:
    limits = settings.limits()
    with storage.scratch_space() as folder:
        original = storage.download(
            source.bucket,
            source.key,
            folder,
            version_id=source.version_id,
            max_bytes=limits["max_bytes"],
        )
        data = original.read()
    allowed = tuple(
        fmt.upper() for fmt in settings.names("ALLOWED_FORMATS", imaging.ALLOWED_FORMATS)
    )
    description = stages.describe_upload(
        data,
        requested_filters=original.metadata.get("filters"),
        default_filters=settings.names("DEFAULT_FILTERS", imaging.DEFAULT_FILTERS),
        limits=limits,
        allowed_formats=allowed,
    )
    return {
        "imageId": source.image_id,
        "bucket": source.bucket,
        "key": source.key,
        # The version actually read, so every later step reads the very same picture.
        "versionId": original.version_id or source.version_id,
        "etag": original.etag,
        "contentType": original.content_type,
        **description,
    }


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    source = storage.Source.from_event(event)
    tracker = tracking.Tracker.from_environment()
    # The first step of a run starts the upload's tracking record over, in the same write that
    # records how validation went.
    restart = tracking.Restart(source.location(), event.get("executionArn"))
    logger.info("validate: s3://%s/%s (version %s)", source.bucket, source.key, source.version_id)
    try:
        with tracker.stage(source.image_id, "validate", restart=restart) as notes:
            result = check(source)
            notes.details.update(format=result["format"], bytes=result["bytes"])
            notes.fields.update(
                etag=result["etag"],
                versionId=result["versionId"],
                bytes=result["bytes"],
                format=result["format"],
                width=result["displayWidth"],
                height=result["displayHeight"],
                filters=result["filters"],
            )
    except imaging.InvalidImageError as error:
        logger.warning("validate: rejected (%s): %s", error.reason, error.message)
        raise
    logger.info(
        "validate: OK, %s %dx%d, filters %s",
        result["format"],
        result["displayWidth"],
        result["displayHeight"],
        ",".join(result["filters"]) or "none",
    )
    return result

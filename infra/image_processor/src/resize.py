"""ResizeImage: the web sizes of an upload (one branch of the ProcessImage Parallel state).

Input:   the validated image ({"imageId", "bucket", "key", "versionId", ...})
Output:  {"variants": [{"name", "bucket", "key", "width", "height", "bytes"}, ...]}

Every size keeps the aspect ratio (the longest edge fits the size), is turned upright by its
EXIF orientation first, is resampled with LANCZOS, and is never enlarged. Results are lossless
PNGs under WORK_PREFIX in the output bucket; OptimizeImage makes the web files from them.

Environment: TABLE_NAME, OUTPUT_BUCKET, INPUT_BUCKET (required); WEB_SIZES
             ("thumbnail=320,medium=1024,large=2048"), WORK_PREFIX, UPLOAD_PREFIX.
"""

from __future__ import annotations

import logging
from typing import Any

import settings
import stages
import storage
import tracking

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    source = storage.Source.from_event(event)
    tracker = tracking.Tracker.from_environment()
    guard = storage.RecursionGuard.from_environment()
    with tracker.stage(source.image_id, "resize") as notes:
        data = storage.read_object(source.bucket, source.key, version_id=source.version_id)
        variants = stages.resized_variants(data, settings.web_sizes())
        references = [storage.put_intermediate(source.image_id, v, guard) for v in variants]
        notes.details["variants"] = len(references)
    for ref in references:
        logger.info("resize: %s is %dx%d", ref["name"], ref["width"], ref["height"])
    return {"variants": references}

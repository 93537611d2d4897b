"""OptimizeImage: the web-ready files, made from what ProcessImage's branches produced.

Input:   {"imageId", "bucket", "key", "versionId", "originalBytes",
          "resized": [variant, ...], "filtered": [variant, ...]}  (or one "variants" list)
Output:  {"outputs": [{"name", "format", "bucket", "key", "width", "height", "bytes",
          "savedPercent"}, ...], "originalBytes", "outputBytes", "largestBytes"}

Each variant becomes a progressive JPEG (a lossless PNG when it has transparency) and a WebP
(OUTPUT_FORMATS), with all metadata removed: no EXIF, so no GPS position, no camera serial
number, no XMP, no comments. Outputs go to OUTPUT_PREFIX/<imageId>/ in the output bucket;
the lossless intermediates are deleted afterwards.

Environment: TABLE_NAME, OUTPUT_BUCKET, INPUT_BUCKET (required); OUTPUT_PREFIX,
             OUTPUT_FORMATS ("jpeg,webp"), WORK_PREFIX, UPLOAD_PREFIX.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import settings
import stages
import storage
import tracking

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# Outputs live under a folder named after one upload's version, so they never change: browsers
# and CDNs may keep them for a year.
CACHE_CONTROL = "public, max-age=31536000, immutable"


def variants_of(event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if "variants" in event:
        return list(event["variants"] or [])
    return list(event.get("resized") or []) + list(event.get("filtered") or [])


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    source = storage.Source.from_event(event)
    tracker = tracking.Tracker.from_environment()
    guard = storage.RecursionGuard.from_environment()
    bucket = settings.required("OUTPUT_BUCKET")
    formats = settings.output_formats()
    original_bytes = event.get("originalBytes")
    outputs: list[dict[str, Any]] = []
    with tracker.stage(source.image_id, "optimize") as notes:
        variants = variants_of(event)
        if not variants:
            raise ValueError("No variants to optimize: ResizeImage made none.")
        for variant in variants:
            intermediate = storage.read_object(variant["bucket"], variant["key"])
            for rendered in stages.web_versions(
                intermediate, variant["name"], formats=formats, original_bytes=original_bytes
            ):
                key = storage.output_key(source.image_id, rendered.name, rendered.extension)
                storage.put_object(
                    bucket,
                    key,
                    rendered.data,
                    content_type=rendered.content_type,
                    guard=guard,
                    cache_control=CACHE_CONTROL,
                    metadata={"source-image-id": source.image_id, "variant": rendered.name},
                )
                saved = rendered.saved_fraction
                outputs.append(
                    {
                        "name": rendered.name,
                        "format": rendered.format,
                        "bucket": bucket,
                        "key": key,
                        "width": rendered.width,
                        "height": rendered.height,
                        "bytes": rendered.bytes,
                        "savedPercent": None if saved is None else round(saved * 100, 1),
                    }
                )
        # The intermediates are done with. Their keys are known, so no listing is needed.
        for work_bucket in {variant["bucket"] for variant in variants}:
            keys = [v["key"] for v in variants if v["bucket"] == work_bucket]
            storage.delete_keys(work_bucket, keys)
        notes.details["outputs"] = len(outputs)
    total = sum(item["bytes"] for item in outputs)
    for item in outputs:
        logger.info("optimize: %s %s %d bytes", item["name"], item["format"], item["bytes"])
    return {
        "outputs": outputs,
        "originalBytes": original_bytes,
        "outputBytes": total,
        "largestBytes": max(item["bytes"] for item in outputs),
    }

"""ApplyFilters: the upload with its chosen filters (the other branch of ProcessImage).

Input:   the validated image, with "filters" (["sepia", "sharpen"]; [] for none)
Output:  {"filters": [...], "variants": [{"name": "sepia-sharpen", "bucket", "key", ...}]}
         ("variants" is empty when no filter was chosen)

The picture is fitted within the FILTERED_SIZE web size (default "medium") before filtering.
Filter names were checked by ValidateImage; an unknown one raises UnknownFilterError here too,
for a direct call.

Environment: TABLE_NAME, OUTPUT_BUCKET, INPUT_BUCKET (required); FILTERED_SIZE, WEB_SIZES,
             DEFAULT_FILTERS, WORK_PREFIX, UPLOAD_PREFIX.
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


def chosen_filters(event: Any) -> tuple[str, ...]:
    requested = event.get("filters")
    default = settings.names("DEFAULT_FILTERS", imaging.DEFAULT_FILTERS)
    if requested is None:
        return imaging.parse_filter_names(None, default=default)
    if isinstance(requested, str):
        return imaging.parse_filter_names(requested, default=default)
    return imaging.parse_filter_names(",".join(requested) or "none")


def filtered_edge() -> int:
    sizes = settings.web_sizes()
    name = settings.text("FILTERED_SIZE", settings.DEFAULT_FILTERED_SIZE)
    if name not in sizes:
        raise settings.ConfigurationError(
            f"FILTERED_SIZE={name!r} is not one of the web sizes: {', '.join(sizes)}."
        )
    return sizes[name]


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    source = storage.Source.from_event(event)
    tracker = tracking.Tracker.from_environment()
    guard = storage.RecursionGuard.from_environment()
    with tracker.stage(source.image_id, "filters") as notes:
        names = chosen_filters(event)
        references = []
        if names:
            data = storage.read_object(source.bucket, source.key, version_id=source.version_id)
            variant = stages.filtered_variant(data, names, filtered_edge())
            if variant is not None:
                references.append(storage.put_intermediate(source.image_id, variant, guard))
        notes.details["filters"] = list(names)
    logger.info("filters: %s", ", ".join(names) or "none chosen")
    return {"filters": list(names), "variants": references}

"""What each step of the workflow does to the pictures, with no AWS in sight.

The handlers wrap these functions with S3 reads and writes and the tracking table;
`process_in_memory` runs them one after the other in a single process, which is what the
workbook's benchmark compares the whole workflow with.

Between steps an image travels as a lossless PNG ("intermediate"), so only the optimize step
decides on lossy compression, once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import imaging
from PIL import Image


def describe_upload(
    data: bytes,
    *,
    requested_filters: str | None = None,
    default_filters: Iterable[str] = imaging.DEFAULT_FILTERS,
    limits: Mapping[str, int] | None = None,
    allowed_formats: Iterable[str] = imaging.ALLOWED_FORMATS,
) -> dict[str, Any]:
    """Validate an upload and describe it for the next steps, or raise `InvalidImageError`
    (or `UnknownFilterError` when the filters asked for in its metadata do not exist).

    Filters are checked here, before any pixel work, so a typo fails in a fraction of a second.
    """
    info = imaging.inspect_image(data, allowed_formats=allowed_formats, **dict(limits or {}))
    filters = imaging.parse_filter_names(requested_filters, default=default_filters)
    return {
        "valid": True,
        "format": info.format,
        "width": info.width,
        "height": info.height,
        "displayWidth": info.display_width,
        "displayHeight": info.display_height,
        "orientation": info.orientation,
        "exifOrientation": info.exif_orientation,
        "mode": info.mode,
        "hasAlpha": info.has_alpha,
        "frames": info.frames,
        "bytes": info.bytes,
        "filters": list(filters),
    }


def resized_variants(
    data: bytes, sizes: Mapping[str, int] | None = None
) -> list[imaging.RenderedImage]:
    """One lossless intermediate per web size, upright, aspect ratio kept, never enlarged."""
    return list(imaging.resize_for_web(data, sizes).values())


def filter_label(filters: Iterable[str]) -> str:
    """The output name of a filtered variant: "sepia-sharpen"."""
    return "-".join(filters)


def filtered_variant(
    data: bytes, filters: Iterable[str], edge: int
) -> imaging.RenderedImage | None:
    """The upload with `filters` applied, fitted within `edge` pixels first (filters cost
    in proportion to the pixels, and their strength scales with the picture, so the result
    looks the same as filtering the full size). None when no filter was chosen."""
    names = list(filters)
    if not names:
        return None
    image = imaging.load_image(data)
    image.thumbnail((edge, edge), Image.Resampling.LANCZOS, reducing_gap=3.0)
    filtered = imaging.apply_filters(image, names)
    return imaging.encode_lossless(filtered, name=filter_label(names), original_bytes=len(data))


def web_versions(
    intermediate: bytes,
    name: str,
    *,
    formats: Iterable[str] = ("jpeg", "webp"),
    original_bytes: int | None = None,
) -> list[imaging.RenderedImage]:
    """The web-ready files of one variant: a progressive JPEG (a lossless PNG when the picture
    has transparency) and/or a WebP, with every piece of metadata removed."""
    image = imaging.load_image(intermediate)
    return [
        imaging.optimize_for_web(image, prefer=fmt, name=name, original_bytes=original_bytes)  # type: ignore[arg-type]
        for fmt in formats
    ]


def process_in_memory(
    data: bytes,
    *,
    requested_filters: str | None = None,
    sizes: Mapping[str, int] | None = None,
    filtered_edge: int = imaging.WEB_SIZES["medium"],
    formats: Iterable[str] = ("jpeg", "webp"),
) -> list[imaging.RenderedImage]:
    """Every step in one process: validate, resize, filter, optimize. The workflow does
    exactly this, spread over Lambda functions and S3."""
    description = describe_upload(data, requested_filters=requested_filters)
    variants = resized_variants(data, sizes)
    filtered = filtered_variant(data, description["filters"], filtered_edge)
    if filtered is not None:
        variants.append(filtered)
    chosen = tuple(formats)
    outputs: list[imaging.RenderedImage] = []
    for variant in variants:
        outputs += web_versions(
            variant.data, variant.name, formats=chosen, original_bytes=len(data)
        )
    return outputs

"""The functions' configuration, read from environment variables.

template.yaml sets every variable. Each has a default, except the names of the resources a
function talks to (buckets, table, topic, state machine), which must come from the template:
a function that guessed those would quietly work on the wrong thing.
"""

from __future__ import annotations

import os

import imaging

DEFAULT_UPLOAD_PREFIX = "uploads/"
DEFAULT_WORK_PREFIX = "work/"
DEFAULT_OUTPUT_PREFIX = "processed/"
DEFAULT_OUTPUT_FORMATS = ("jpeg", "webp")
DEFAULT_FILTERED_SIZE = "medium"
DEFAULT_BATCH_CONCURRENCY = 4
DEFAULT_MAX_BATCH_IMAGES = 500
OUTPUT_FORMATS = ("jpeg", "webp")


class ConfigurationError(Exception):
    """An environment variable is missing or malformed. Fix it in template.yaml."""


def required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(
            f"{name} is not set. Define it in the function's Environment Variables "
            "(the Environment section of template.yaml)."
        )
    return value


def text(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


def integer(name: str, default: int, *, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ConfigurationError(f"{name}={value} must be at least {minimum}.")
    return value


def names(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A comma-separated list such as `jpeg,webp`, trimmed and lower-cased."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    return tuple(part.strip().lower() for part in raw.split(",") if part.strip())


def web_sizes(name: str = "WEB_SIZES") -> dict[str, int]:
    """`thumbnail=320,medium=1024,large=2048` (name = longest edge in pixels)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return dict(imaging.WEB_SIZES)
    sizes: dict[str, int] = {}
    for part in raw.split(","):
        label, _, edge = part.partition("=")
        try:
            sizes[label.strip()] = int(edge)
        except ValueError:
            raise ConfigurationError(
                f"{name}={raw!r}: write each size as name=pixels, e.g. thumbnail=320."
            ) from None
    return sizes


def output_formats(name: str = "OUTPUT_FORMATS") -> tuple[str, ...]:
    chosen = names(name, DEFAULT_OUTPUT_FORMATS)
    unknown = [fmt for fmt in chosen if fmt not in OUTPUT_FORMATS]
    if unknown or not chosen:
        raise ConfigurationError(
            f"{name} may list {' and '.join(OUTPUT_FORMATS)}, not {', '.join(unknown) or 'none'}."
        )
    return chosen


def limits() -> dict[str, int]:
    """The validation limits, as keyword arguments of `imaging.inspect_image`."""
    side = integer("MAX_SIDE", imaging.DEFAULT_MAX_SIDE)
    return {
        "max_bytes": integer("MAX_BYTES", imaging.DEFAULT_MAX_BYTES),
        "max_pixels": integer("MAX_PIXELS", imaging.DEFAULT_MAX_PIXELS),
        "max_width": side,
        "max_height": side,
    }


def prefix(name: str, default: str) -> str:
    """A key prefix, always ending in "/" so `photos` cannot also match `photos-old/`."""
    value = text(name, default)
    return value if value.endswith("/") else value + "/"

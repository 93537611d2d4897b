"""What a viewer needs to know about one encoded image, read with Pillow alone.

The gallery never imports the Lambda's imaging code: it reads the bytes the way any viewer
would, so a picture the processor got wrong looks wrong here too.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from PIL import Image, ImageOps

PREVIEW_EDGE = 640
"""Longest edge of the copies drawn in figures and widgets; big photos stay fast to show."""


@runtime_checkable
class HasData(Protocol):
    """Anything carrying encoded bytes in `.data`, such as the imaging core's RenderedImage."""

    data: bytes


ImageSource = bytes | bytearray | str | os.PathLike[str] | HasData


def read_bytes(source: ImageSource) -> bytes:
    """Bytes from raw bytes, a file path, or an object with a `.data` attribute."""
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    if isinstance(source, HasData):
        return bytes(source.data)
    return Path(source).read_bytes()


def read_items(items: Mapping[str, ImageSource] | object) -> dict[str, bytes]:
    """A name -> bytes mapping from a mapping, or from an iterable of paths or (name, source)."""
    if isinstance(items, Mapping):
        return {str(name): read_bytes(source) for name, source in items.items()}
    result: dict[str, bytes] = {}
    for item in items:  # type: ignore[attr-defined]
        if isinstance(item, tuple):
            name, source = item
            result[str(name)] = read_bytes(source)
        else:
            result[Path(item).name] = read_bytes(item)
    return result


@dataclass(frozen=True)
class ImageSummary:
    """Size and format of one image as a browser would show it (after EXIF rotation)."""

    bytes: int
    format: str | None = None
    width: int | None = None
    height: int | None = None
    rotated_by_exif: bool = False
    has_alpha: bool = False
    problem: str | None = None
    """Why the image cannot be shown, when it cannot."""

    @property
    def viewable(self) -> bool:
        return self.problem is None

    def dimensions(self) -> str:
        return f"{self.width} × {self.height}" if self.viewable else "–"


def human_bytes(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count / 1024 / 1024:.2f} MB"


def saving_text(size: int, original: int) -> str:
    """ "78% smaller", "12% larger" or "same size", against the original's byte count."""
    if original <= 0:
        return ""
    change = 1 - size / original
    if abs(change) < 0.005:
        return "same size"
    return f"{change:.0%} smaller" if change > 0 else f"{-change:.0%} larger"


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(0x0112, 1)
    except Exception:
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _viewable(image: Image.Image, has_alpha: bool) -> Image.Image:
    """RGB or RGBA as a browser would show it. Deep grayscale (16-bit PNG) is scaled down to
    8 bits, where a plain convert would clip it to white."""
    if image.mode.startswith("I;16") or image.mode == "I":
        deep = image.convert("I")
        high = deep.getextrema()[1]
        full_scale = 255 if high <= 255 else 65535 if high <= 65535 else high
        image = deep.point(lambda value: value * (255 / full_scale)).convert("L")
    return image.convert("RGBA" if has_alpha else "RGB")


def _open_preview(data: bytes, edge: int) -> tuple[Image.Image, ImageSummary]:
    with warnings.catch_warnings():
        # A picture over Pillow's pixel limit is refused rather than decoded in the kernel.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format
            width, height = image.size  # as declared, before any reduced-scale decode
            has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            if fmt == "JPEG":
                image.draft("RGB", (edge, edge))  # decode big JPEGs at a reduced scale
            image.load()
            orientation = _orientation(image)  # after load: a PNG may keep EXIF after pixels
            upright = ImageOps.exif_transpose(image)
    if orientation in (5, 6, 7, 8):  # these turn the picture on its side
        width, height = height, width
    shown = _viewable(upright, has_alpha)
    shown.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    summary = ImageSummary(
        bytes=len(data),
        format=fmt,
        width=width,
        height=height,
        rotated_by_exif=orientation != 1,
        has_alpha=has_alpha,
    )
    return shown, summary


def preview(data: bytes, edge: int = PREVIEW_EDGE) -> tuple[Image.Image | None, ImageSummary]:
    """A small upright RGB/RGBA copy for drawing, and the summary; `None` and a summary with
    `problem` set when the bytes cannot be shown (empty, not an image, damaged, too big)."""
    if not data:
        return None, ImageSummary(bytes=0, problem="empty file")
    try:
        return _open_preview(data, edge)
    except Image.UnidentifiedImageError:
        return None, ImageSummary(bytes=len(data), problem="not an image")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None, ImageSummary(bytes=len(data), problem="too many pixels to decode")
    except Exception as error:  # damaged data raises many types in Pillow
        return None, ImageSummary(bytes=len(data), problem=f"damaged ({error})")


def display_bytes(image: Image.Image) -> tuple[bytes, str]:
    """Encode a preview for an `ipywidgets.Image`: PNG when it has alpha, JPEG otherwise."""
    buffer = io.BytesIO()
    if image.mode == "RGBA":
        image.save(buffer, "PNG")
        return buffer.getvalue(), "png"
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue(), "jpeg"

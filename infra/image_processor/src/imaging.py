"""The photo gallery's imaging core: inspect, resize, filter and optimize uploaded images.

Every function works on bytes or Pillow images in memory and writes nothing to disk, so a Lambda
handler stays thin (download from S3, call one function, upload the result) and a notebook can
call the very same code. Only the standard library and Pillow are imported, because this file
ships inside the Lambda deployment package.

Errors a user can fix raise `InvalidImageError`. Lambda reports the bare class name as the
`errorType`, which is the name a Step Functions `Catch` matches; the stable `reason` code leads
the message, so it shows in the execution's `Cause` too.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from PIL import ExifTags, Image, ImageEnhance, ImageFile, ImageFilter, ImageOps

try:  # LittleCMS ships in Pillow's wheels; a source build may lack it.
    from PIL import ImageCms
except ImportError:  # pragma: no cover - depends on how Pillow was built
    ImageCms = None  # type: ignore[assignment]

__all__ = [
    "ALLOWED_FORMATS",
    "DEFAULT_FILTERS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_MAX_SIDE",
    "FILTERS",
    "JPEG_QUALITY",
    "REASONS",
    "WEBP_QUALITY",
    "WEB_SIZES",
    "ImageInfo",
    "InvalidImageError",
    "NamedFilter",
    "RenderedImage",
    "UnknownFilterError",
    "apply_filters",
    "encode_lossless",
    "exif_tags",
    "inspect_image",
    "load_image",
    "metadata_kinds",
    "optimize_for_web",
    "parse_filter_names",
    "resize_for_web",
]

# -- Policy ----------------------------------------------------------------------------------
# Our own limits, not AWS ones: a 12-megapixel phone photo is about 4000 x 3000 and 3-8 MB, so
# these leave room for 50-megapixel cameras while keeping a decoded image (4 bytes a pixel)
# under 200 MB of Lambda memory.
DEFAULT_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_MAX_PIXELS = 50_000_000
DEFAULT_MAX_SIDE = 10_000
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")

WEB_SIZES: Mapping[str, int] = MappingProxyType({"thumbnail": 320, "medium": 1024, "large": 2048})
"""Longest edge, in pixels, of each web variant."""

JPEG_QUALITY = 82
"""Around 80-85 a photo's JPEG stops looking better to the eye while the file keeps growing
quickly; 82 sits on that knee. Progressive, Huffman-optimized, 4:2:0 chroma."""
WEBP_QUALITY = 80
"""WebP at 80 looks like JPEG at 82-85 and is usually 25-35% smaller."""

REASONS: Mapping[str, str] = MappingProxyType(
    {
        "empty_file": "the upload has no bytes",
        "too_large": "more bytes, or a wider or taller picture, than the limits allow",
        "not_an_image": "the bytes are not an image Pillow recognises",
        "unsupported_format": "an image, but in a format the gallery does not accept",
        "decompression_bomb": "more pixels than the limit: decoding would exhaust memory",
        "truncated": "the image data stops early (an interrupted upload)",
        "corrupt": "the image data is damaged",
        "unknown_filter": "a filter name that is not in the registry",
    }
)
"""Every `InvalidImageError.reason`, with what it means."""

_CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
_EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
_ORIENTATION_TAG = ExifTags.Base.Orientation
_SIDEWAYS_ORIENTATIONS = (5, 6, 7, 8)  # these EXIF orientations swap width and height


# -- Errors ----------------------------------------------------------------------------------
class InvalidImageError(ValueError):
    """The upload cannot be processed. `reason` is a code from `REASONS`; `message` says what
    is wrong and what the user can do."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, self.message))

    def to_dict(self) -> dict[str, Any]:
        """The JSON a validation handler can return to a Choice state."""
        return {"valid": False, "reason": self.reason, "message": self.message}


class UnknownFilterError(InvalidImageError):
    """A requested filter name is not registered. Its own class name, so a state machine can
    tell a bad request from a bad image; Python code catching `InvalidImageError` gets it too."""

    def __init__(self, unknown: Iterable[str]) -> None:
        self.unknown = tuple(unknown)
        self.valid_names = tuple(sorted(FILTERS))
        quoted = ", ".join(repr(name) for name in self.unknown)
        hints = []
        for name in self.unknown:
            close = difflib.get_close_matches(name, self.valid_names, n=1)
            if close:
                hints.append(f"did you mean {close[0]!r} for {name!r}?")
        message = (
            f"Unknown filter {quoted}. Valid names: {', '.join(self.valid_names)}, or 'none' "
            f"for no filter; separate several with commas, e.g. 'sepia,sharpen'."
        )
        if hints:
            message += " (" + "; ".join(hints) + ")"
        super().__init__("unknown_filter", message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.unknown,))


# -- Results ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImageInfo:
    """What `inspect_image` found. `width`/`height` are as stored; `display_*` after EXIF
    orientation, i.e. what a viewer shows."""

    format: str
    width: int
    height: int
    display_width: int
    display_height: int
    mode: str
    has_alpha: bool
    exif_orientation: int
    frames: int
    bytes: int

    @property
    def animated(self) -> bool:
        return self.frames > 1

    @property
    def orientation(self) -> Literal["portrait", "landscape", "square"]:
        if self.display_width == self.display_height:
            return "square"
        return "portrait" if self.display_height > self.display_width else "landscape"

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1_000_000

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with `valid: True` so a Choice state can branch on it."""
        return {"valid": True, **asdict(self), "orientation": self.orientation}


@dataclass(frozen=True)
class RenderedImage:
    """One encoded output. `original_bytes`, when known, is the size of what it was made from."""

    name: str
    format: str
    width: int
    height: int
    data: bytes = field(repr=False)
    content_type: str
    original_bytes: int | None = None

    @property
    def bytes(self) -> int:
        return len(self.data)

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.format]

    @property
    def saved_fraction(self) -> float | None:
        """0.8 means 80% smaller than the original; negative means it grew."""
        if not self.original_bytes:
            return None
        return 1 - self.bytes / self.original_bytes

    def to_dict(self) -> dict[str, Any]:
        """Everything but the pixels, for a handler's JSON output."""
        fields = asdict(self)
        del fields["data"]
        return fields | {"bytes": self.bytes, "saved_fraction": self.saved_fraction}


# -- Decoding safely -------------------------------------------------------------------------
# Pillow keeps its bomb limit and truncation switch in module globals; a lock makes our
# per-call values safe if a caller uses threads.
_PILLOW_GLOBALS = threading.RLock()


@contextlib.contextmanager
def _decoding(data: bytes, max_pixels: int) -> Iterator[None]:
    """Apply our pixel limit to Pillow and turn its failures into `InvalidImageError`s."""
    with _PILLOW_GLOBALS, warnings.catch_warnings():
        saved = Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES
        Image.MAX_IMAGE_PIXELS = max_pixels
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except InvalidImageError:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
            raise _bomb_error(str(error), len(data), max_pixels) from None
        except Image.UnidentifiedImageError:
            raise _not_an_image_error(data) from None
        except Exception as error:  # Pillow raises many types for bad data
            raise _damaged_error(error, len(data)) from error
        finally:
            Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES = saved


def _size_text(count: int) -> str:
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count / 1024 / 1024:.1f} MB"


def _accepted_text(formats: Iterable[str]) -> str:
    names = list(formats)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _bomb_error(pillow_message: str, size: int, max_pixels: int) -> InvalidImageError:
    claimed = re.search(r"\((\d+) pixels\)", pillow_message)
    pixels = f"{int(claimed.group(1)) / 1e6:,.0f} megapixels" if claimed else "more pixels"
    return InvalidImageError(
        "decompression_bomb",
        f"The file is only {_size_text(size)} but declares {pixels}, over the limit of "
        f"{max_pixels / 1e6:g} megapixels, so it was not decoded (files like this can exhaust "
        f"memory on purpose). If it is a real photo, reduce it below {max_pixels / 1e6:g} "
        f"megapixels and upload again.",
    )


def _not_an_image_error(data: bytes) -> InvalidImageError:
    head = data[:512]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    looks_like_text = bool(text) and all(ch.isprintable() or ch in "\r\n\t" for ch in text)
    what = "text, not picture data" if looks_like_text else "bytes that no image format matches"
    return InvalidImageError(
        "not_an_image",
        f"The file is not an image: it contains {what}. Its name or content type may say "
        f"otherwise, but only the content counts. Upload a JPEG, PNG, WebP or GIF photo.",
    )


def _damaged_error(error: Exception, size: int) -> InvalidImageError:
    detail = str(error) or type(error).__name__
    if "truncat" in detail.lower():
        return InvalidImageError(
            "truncated",
            f"The image data stops early: the {_size_text(size)} file ends before the picture "
            f"does (Pillow: {detail}). The upload was probably interrupted; upload it again.",
        )
    return InvalidImageError(
        "corrupt",
        f"The image data is damaged (Pillow: {detail}). Open the photo in an image editor, "
        f"save it again, and upload the new file.",
    )


def _exif_orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_ORIENTATION_TAG, 1)
    except Exception:  # a malformed EXIF block must not reject an otherwise fine photo
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in image.info


# -- Inspect ---------------------------------------------------------------------------------
def inspect_image(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_width: int = DEFAULT_MAX_SIDE,
    max_height: int = DEFAULT_MAX_SIDE,
    allowed_formats: Iterable[str] = ALLOWED_FORMATS,
) -> ImageInfo:
    """Check an upload and describe it, or raise `InvalidImageError`.

    Neither the file name nor the declared content type is trusted: Pillow detects the format
    from the bytes. Checks run cheapest first: bytes, then format and pixel count (from the
    header alone), then a full decode to catch truncated or damaged data, then the displayed
    dimensions (which need the EXIF orientation).
    """
    allowed = tuple(fmt.upper() for fmt in allowed_formats)
    size = len(data)
    if size == 0:
        raise InvalidImageError(
            "empty_file", "The file is 0 bytes: the upload is empty. Upload the image again."
        )
    if size > max_bytes:
        raise InvalidImageError(
            "too_large",
            f"The file is {_size_text(size)}, over the {_size_text(max_bytes)} limit. Export "
            f"it smaller (a JPEG at quality 90 is plenty) and upload again.",
        )
    with _decoding(data, max_pixels), Image.open(io.BytesIO(data)) as image:
        # Header only: nothing is decoded until the format and pixel count are acceptable.
        fmt = image.format or "unknown"
        width, height = image.size
        mode = image.mode
        has_alpha = _has_alpha(image)
        frames = int(getattr(image, "n_frames", 1))
    if fmt not in allowed:
        raise InvalidImageError(
            "unsupported_format",
            f"The file is a {fmt} image, which the gallery does not accept. Save it as "
            f"{_accepted_text(allowed)} and upload again.",
        )
    if width * height > max_pixels:  # Pillow normally stops this first; belt and braces
        raise _bomb_error(f"({width * height} pixels)", size, max_pixels)
    orientation = _decode_fully(data, max_pixels)
    shown = (height, width) if orientation in _SIDEWAYS_ORIENTATIONS else (width, height)
    if shown[0] > max_width or shown[1] > max_height:
        raise InvalidImageError(
            "too_large",
            f"The image is {shown[0]} x {shown[1]} pixels; the largest accepted is "
            f"{max_width} x {max_height}. Resize it and upload again.",
        )
    return ImageInfo(
        format=fmt,
        width=width,
        height=height,
        display_width=shown[0],
        display_height=shown[1],
        mode=mode,
        has_alpha=has_alpha,
        exif_orientation=orientation,
        frames=frames,
        bytes=size,
    )


def _decode_fully(data: bytes, max_pixels: int) -> int:
    """Run Pillow's structural `verify()`, then decode for real (verify leaves the image
    unusable, so it is opened twice), and return the EXIF orientation. Animated images are
    checked on their first frame.

    The orientation is read only after decoding because a PNG may keep its EXIF after the
    pixels, and Pillow decodes the whole image to find it.
    """
    with _decoding(data, max_pixels):
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            if image.format == "JPEG":
                # Decoding at 1/8 scale still reads every byte of the stream, so truncation is
                # found, at a fraction of the time and memory.
                image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
            image.load()
            return _exif_orientation(image)


# -- Load ------------------------------------------------------------------------------------
ImageInput = bytes | Image.Image


def load_image(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Decode an upload into an image ready for processing.

    EXIF orientation is applied (so it is upright), colours are converted to sRGB when an ICC
    profile says otherwise, and the mode becomes RGB, RGBA (if there is transparency) or L
    (grayscale, 8-bit). An animated image yields its first frame.
    """
    with _decoding(data, max_pixels), Image.open(io.BytesIO(data)) as image:
        image.load()
        return _prepare(image)


def _prepare(image: Image.Image) -> Image.Image:
    try:
        upright = ImageOps.exif_transpose(image)
    except Exception:  # malformed EXIF: keep the pixels as stored
        upright = image.copy()
    return _to_web_mode(_to_srgb(upright))


def _to_srgb(image: Image.Image) -> Image.Image:
    profile = image.info.get("icc_profile")
    if not profile or ImageCms is None or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        converted = ImageCms.profileToProfile(
            image,
            ImageCms.ImageCmsProfile(io.BytesIO(profile)),
            ImageCms.createProfile("sRGB"),
            outputMode="RGBA" if image.mode == "RGBA" else "RGB",
        )
    except Exception:  # an unusable profile: fall back to the numbers as they are
        return image
    assert converted is not None  # inPlace=False always returns an image
    converted.info.pop("icc_profile", None)
    return converted


def _to_web_mode(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode in ("RGB", "RGBA", "L") and "transparency" not in image.info:
        return image
    if mode.startswith("I;16"):
        return _sixteen_bit_to_l(image.convert("I"), full_scale=65535)
    if mode in ("I", "F"):
        return _sixteen_bit_to_l(image, full_scale=None)
    if mode == "1":
        return image.convert("L")
    if _has_alpha(image):  # P, PA, LA, La, RGBa, or L/RGB with a transparent colour
        return image.convert("RGBA")
    return image.convert("RGB")  # P, CMYK, YCbCr, LAB, HSV, RGBX


def _sixteen_bit_to_l(image: Image.Image, full_scale: int | None) -> Image.Image:
    """Scale deep grayscale down to 0..255. Pillow's plain convert("L") clips instead, which
    turns most 16-bit photos solid white."""
    low, high = image.getextrema()
    if full_scale is None:
        if low >= 0 and high <= 255:
            return image.convert("L")
        full_scale = 65535 if low >= 0 and high <= 65535 else None
    if full_scale is None:  # 32-bit or float data of unknown range: stretch what is there
        span = (high - low) or 1
        scaled = image.point(lambda value: (value - low) * (255 / span) + 0.5)
    else:
        scaled = image.point(lambda value: value * (255 / full_scale) + 0.5)
    return scaled.convert("L")


def _as_image(image: ImageInput) -> Image.Image:
    return load_image(image) if isinstance(image, bytes | bytearray) else _prepare(image)


# -- Resize ----------------------------------------------------------------------------------
def resize_for_web(
    data: ImageInput,
    sizes: Mapping[str, int] | None = None,
    *,
    optimize: bool = False,
    prefer: Literal["jpeg", "webp", "auto"] = "jpeg",
) -> dict[str, RenderedImage]:
    """Make one variant per entry of `sizes` (name -> longest edge; default `WEB_SIZES`).

    The aspect ratio is kept (never stretched), with LANCZOS resampling after EXIF orientation.
    Images are never enlarged: when the original is already smaller than a size, that variant
    is the original's size, so every name is always present. Variants are lossless PNGs for a
    later optimize step, or web-ready files when `optimize` is true.
    """
    original_bytes = len(data) if isinstance(data, bytes | bytearray) else None
    image = _as_image(data)
    variants = {}
    for name, edge in (WEB_SIZES if sizes is None else sizes).items():
        if not isinstance(edge, int) or edge < 1:
            raise ValueError(f"Size {name!r} must be a positive whole number of pixels.")
        fitted = _fit_within(image, edge)
        if optimize:
            variants[name] = optimize_for_web(
                fitted, prefer=prefer, name=name, original_bytes=original_bytes
            )
        else:
            variants[name] = encode_lossless(fitted, name=name, original_bytes=original_bytes)
    return variants


def _fit_within(image: Image.Image, edge: int) -> Image.Image:
    width, height = image.size
    longest = max(width, height)
    if longest <= edge:
        return image.copy()
    scale = edge / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # reducing_gap lets Pillow shrink by whole factors first; at 3.0 the result is visually
    # identical to a pure LANCZOS pass and a 12-megapixel photo resizes several times faster.
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


# -- Filters ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class NamedFilter:
    name: str
    description: str
    apply: Callable[[Image.Image], Image.Image] = field(repr=False)


def _split_alpha(image: Image.Image) -> tuple[Image.Image, Image.Image | None]:
    if image.mode == "RGBA":
        return image.convert("RGB"), image.getchannel("A")
    return image.convert("RGB"), None


def _with_alpha(image: Image.Image, alpha: Image.Image | None) -> Image.Image:
    if alpha is None:
        return image
    result = image.convert("RGB")
    result.putalpha(alpha)
    return result


def _colour_filter(
    change: Callable[[Image.Image], Image.Image],
) -> Callable[[Image.Image], Image.Image]:
    def apply(image: Image.Image) -> Image.Image:
        colour, alpha = _split_alpha(image)
        return _with_alpha(change(colour), alpha)

    return apply


def _radius(image: Image.Image, fraction: float) -> float:
    """A radius proportional to the image, so a filter looks alike on a thumbnail and on the
    full photo, whichever order the workflow runs resize and filter in."""
    return max(0.6, max(image.size) * fraction)


def _grayscale(image: Image.Image) -> Image.Image:
    colour, alpha = _split_alpha(image)
    gray = ImageOps.grayscale(colour)
    return gray if alpha is None else _with_alpha(gray, alpha)


# The classic sepia tone matrix: each output channel is a weighted sum of R, G and B.
_SEPIA_MATRIX = (0.393, 0.769, 0.189, 0, 0.349, 0.686, 0.168, 0, 0.272, 0.534, 0.131, 0)
_WARM_CURVES = [min(255, round(i * gain)) for gain in (1.08, 1.02, 0.90) for i in range(256)]


def _sepia(rgb: Image.Image) -> Image.Image:
    return rgb.convert("RGB", _SEPIA_MATRIX)


def _sharpen(rgb: Image.Image) -> Image.Image:
    return rgb.filter(ImageFilter.UnsharpMask(_radius(rgb, 0.0008), percent=90, threshold=2))


def _blur(rgb: Image.Image) -> Image.Image:
    return rgb.filter(ImageFilter.GaussianBlur(_radius(rgb, 0.003)))


def _vivid(rgb: Image.Image) -> Image.Image:
    saturated = ImageEnhance.Color(rgb).enhance(1.35)
    return ImageEnhance.Contrast(saturated).enhance(1.08)


def _warm(rgb: Image.Image) -> Image.Image:
    return rgb.point(_WARM_CURVES)


FILTERS: Mapping[str, NamedFilter] = MappingProxyType(
    {
        named.name: named
        for named in (
            NamedFilter("grayscale", "Black and white (luminance only).", _grayscale),
            NamedFilter("sepia", "Warm brown tones of an old print.", _colour_filter(_sepia)),
            NamedFilter("sharpen", "Crisper edges (unsharp mask).", _colour_filter(_sharpen)),
            NamedFilter("blur", "Soft focus (Gaussian blur).", _colour_filter(_blur)),
            NamedFilter("vivid", "Richer colour, a little more contrast.", _colour_filter(_vivid)),
            NamedFilter("warm", "Golden-hour tint: more red, less blue.", _colour_filter(_warm)),
        )
    }
)
"""The filter registry: name -> NamedFilter."""

DEFAULT_FILTERS = ("grayscale",)
_NO_FILTER = "none"


def parse_filter_names(
    value: str | None, default: Iterable[str] = DEFAULT_FILTERS
) -> tuple[str, ...]:
    """Read a comma-separated list such as S3 metadata `x-amz-meta-filters: "sepia,sharpen"`.

    Missing or blank means `default`; `"none"` means no filter. Names are trimmed and
    lower-cased, and a repeated name counts once (so a long list cannot multiply the work).
    Unknown names raise `UnknownFilterError` listing the valid ones.
    """
    raw = value.split(",") if value and value.strip() else list(default)
    names: list[str] = []
    for part in raw:
        name = part.strip().lower()
        if name and name not in names:
            names.append(name)
    if names == [_NO_FILTER]:
        return ()
    unknown = [name for name in names if name not in FILTERS]
    if unknown:
        raise UnknownFilterError(unknown)
    return tuple(names)


def apply_filters(image: ImageInput, names: Iterable[str] | str) -> Image.Image:
    """Apply registered filters in order. Every name is checked before any work starts; a
    string is read like S3 metadata ("sepia,sharpen")."""
    chosen = list(parse_filter_names(names) if isinstance(names, str) else names)
    unknown = [name for name in chosen if name not in FILTERS]
    if unknown:
        raise UnknownFilterError(unknown)
    result = _as_image(image)
    for name in chosen:
        result = FILTERS[name].apply(result)
    return result


# -- Encode ----------------------------------------------------------------------------------
def _bare_copy(image: Image.Image) -> Image.Image:
    """The same pixels with no metadata at all: no EXIF (so no GPS), XMP, ICC or comments.
    Pillow copies `info` along with images, and some encoders write what they find there."""
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def _rendered(
    name: str, image: Image.Image, fmt: str, data: bytes, original_bytes: int | None
) -> RenderedImage:
    return RenderedImage(
        name=name,
        format=fmt,
        width=image.width,
        height=image.height,
        data=data,
        content_type=_CONTENT_TYPES[fmt],
        original_bytes=original_bytes,
    )


def encode_lossless(
    image: Image.Image, *, name: str = "image", original_bytes: int | None = None
) -> RenderedImage:
    """A metadata-free PNG, for handing an intermediate result to the next step without loss.
    Fast compression: it is temporary, and `optimize_for_web` makes the final file."""
    bare = _bare_copy(_to_web_mode(image))
    return _rendered(name, bare, "PNG", _encode(bare, "PNG", compress_level=1), original_bytes)


def optimize_for_web(
    image: ImageInput,
    *,
    prefer: Literal["jpeg", "webp", "auto"] = "jpeg",
    name: str = "web",
    original_bytes: int | None = None,
    jpeg_quality: int = JPEG_QUALITY,
    webp_quality: int = WEBP_QUALITY,
) -> RenderedImage:
    """Encode for the web with every piece of metadata removed.

    Opaque images: `"jpeg"` gives a progressive JPEG, `"webp"` a WebP, `"auto"` the smaller of
    the two. Images with real transparency cannot be JPEGs: `"jpeg"` then gives a lossless PNG,
    `"webp"` a WebP whose alpha is lossless, `"auto"` the smaller. Colours are sRGB (converted
    when the source had an ICC profile), so no profile needs to ship. Bytes in are taken as
    the original for the before/after numbers.
    """
    if prefer not in ("jpeg", "webp", "auto"):
        raise ValueError(f"prefer must be 'jpeg', 'webp' or 'auto', not {prefer!r}.")
    if isinstance(image, bytes | bytearray):
        original_bytes = original_bytes or len(image)
    prepared = _as_image(image)
    transparent = prepared.mode == "RGBA" and prepared.getchannel("A").getextrema()[0] < 255
    if prepared.mode == "RGBA" and not transparent:
        prepared = prepared.convert("RGB")
    bare = _bare_copy(prepared)

    candidates: list[tuple[str, bytes]] = []
    if prefer in ("jpeg", "auto"):
        if transparent:
            candidates.append(("PNG", _encode(bare, "PNG", compress_level=9)))
        else:
            jpeg = _encode(
                bare,
                "JPEG",
                quality=jpeg_quality,
                optimize=True,
                progressive=True,
                subsampling="4:2:0",
            )
            candidates.append(("JPEG", jpeg))
    if prefer in ("webp", "auto"):
        webp = _encode(bare, "WEBP", quality=webp_quality, alpha_quality=100, method=4)
        candidates.append(("WEBP", webp))
    fmt, data = min(candidates, key=lambda candidate: len(candidate[1]))
    return _rendered(name, bare, fmt, data, original_bytes)


# -- Metadata checks -------------------------------------------------------------------------
_IFD_NAMES = {
    ExifTags.IFD.Exif: ExifTags.TAGS,
    ExifTags.IFD.GPSInfo: ExifTags.GPSTAGS,
    ExifTags.IFD.Interop: ExifTags.TAGS,
}


def exif_tags(data: bytes) -> dict[str, Any]:
    """Every EXIF tag in an encoded image, by name, including the Exif and GPS sub-blocks
    (GPS names start with "GPS"). Empty when there is no EXIF at all."""
    with _decoding(data, DEFAULT_MAX_PIXELS), Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        tags: dict[str, Any] = {}
        for tag, value in exif.items():
            if tag not in _IFD_NAMES:
                tags[ExifTags.TAGS.get(tag, f"Tag{tag}")] = value
        for ifd, names in _IFD_NAMES.items():
            for tag, value in exif.get_ifd(ifd).items():
                tags[names.get(tag, f"Tag{tag}")] = value
    return tags


def metadata_kinds(data: bytes) -> frozenset[str]:
    """Which kinds of metadata an encoded image carries: any of "exif", "gps", "xmp", "icc",
    "comment", "text". An optimized output should give an empty set."""
    tags = exif_tags(data)
    with _decoding(data, DEFAULT_MAX_PIXELS), Image.open(io.BytesIO(data)) as image:
        info = image.info
        kinds = set()
        if tags:
            kinds.add("exif")
        if any(name.startswith("GPS") for name in tags):
            kinds.add("gps")
        if info.get("xmp") or "XML:com.adobe.xmp" in info:
            kinds.add("xmp")
        if info.get("icc_profile"):
            kinds.add("icc")
        if info.get("comment"):
            kinds.add("comment")
        text_chunks = {key for key in getattr(image, "text", {}) if key != "XML:com.adobe.xmp"}
        if text_chunks:
            kinds.add("text")
    return frozenset(kinds)

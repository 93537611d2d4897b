"""Exercises of notebook 04 (the image Lambdas): the web size of a picture, and the format gate.

Both run the learner's function in-process on the real samples of `data/images`: their
displayed sizes, as the app's own validator reads them, and their bytes, under honest and
lying names and content types. What each sample should give comes from `MANIFEST.json`.
"""

from __future__ import annotations

import io
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath
from typing import Any

from PIL import Image, UnidentifiedImageError

from ..gallery import sample_bytes, sample_manifest
from ..images_app import lambda_code
from ._checks import RaisedError, call_learner, defined, learner_function
from ._exercise import Exercise, Mistake

NOTEBOOK = "04_image_lambdas"


def _imaging() -> Any:
    return lambda_code().imaging


# -- exercise 1: the web size -------------------------------------------------------------------


@dataclass(frozen=True)
class _Picture:
    label: str
    width: int
    height: int


# A real camera's size, bigger than every sample, so each web size really has to shrink it;
# and a banner so thin that its scaled height rounds to nothing.
_PHONE_PHOTO = _Picture("a 12-megapixel phone photo", 4000, 3000)
_PHONE_PORTRAIT = _Picture("a 12-megapixel phone portrait", 3000, 4000)
_BANNER = _Picture("a long, thin banner", 6000, 8)


@cache
def _samples_as_displayed() -> dict[str, _Picture]:
    """Every valid sample's width and height as a viewer shows it (after EXIF orientation),
    read by the app's validator."""
    imaging = _imaging()
    pictures = {}
    for name, entry in sample_manifest()["files"].items():
        if entry["outcome"] == "valid":
            info = imaging.inspect_image(sample_bytes(name))
            pictures[name] = _Picture(name, info.display_width, info.display_height)
    return pictures


def _cases() -> list[tuple[_Picture, str, int]]:
    """(picture, size name, longest edge), in the order that gives the clearest message first:
    a landscape to shrink, a portrait to shrink, a small picture and the largest size."""
    sizes = dict(_imaging().WEB_SIZES)
    smallest, largest = min(sizes, key=sizes.get), max(sizes, key=sizes.get)
    samples = _samples_as_displayed()
    landscape = max(
        (p for p in samples.values() if p.width > p.height), key=lambda p: p.width * p.height
    )
    portrait = next(p for p in samples.values() if p.height > p.width)
    first = [
        (landscape, smallest, sizes[smallest]),
        (portrait, smallest, sizes[smallest]),
        (landscape, largest, sizes[largest]),
    ]
    rest = [
        (picture, name, edge)
        for picture in [*samples.values(), _PHONE_PHOTO, _PHONE_PORTRAIT]
        for name, edge in sizes.items()
    ]
    return [
        *first,
        *[case for case in rest if case not in first],
        (_BANNER, smallest, sizes[smallest]),
    ]


def _shape(width: float, height: float) -> str:
    if width == height:
        return "square"
    return "landscape" if width > height else "portrait"


def _pair(result: Any, shown: str) -> tuple[int, int]:
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise Mistake(
            f"{shown} returned {result!r}. Return two numbers, the new width and height: "
            "return new_width, new_height."
        )
    for side in result:
        if isinstance(side, bool) or not isinstance(side, numbers.Real):
            raise Mistake(f"{shown} returned {result!r}: both sides should be numbers.")
        if not isinstance(side, numbers.Integral):
            raise Mistake(
                f"{shown} returned {result!r}. Pictures have whole pixels, and Pillow's resize "
                "refuses fractions: round() each side."
            )
    return int(result[0]), int(result[1])


def _size_mistake(picture: _Picture, edge: int, got: tuple[int, int], shown: str) -> str | None:
    """What is wrong with `got` as the web size of `picture` within `edge`, or None."""
    width, height = picture.width, picture.height
    longest = max(width, height)
    target = min(edge, longest)
    exact = (width * target / longest, height * target / longest)
    new_width, new_height = got
    where = f"{picture.label} is {width} × {height}"
    if new_width < 1 or new_height < 1:
        return (
            f"{shown} gave {new_width} × {new_height}: {where}, and one side came out as "
            f"{min(got)} pixels. A picture "
            "needs at least 1 pixel each way: max(1, round(...))."
        )
    if new_width > width or new_height > height:
        return (
            f"{shown} gave {new_width} × {new_height}, but {where}: never enlarge. A picture "
            f"smaller than {edge} pixels keeps its own size (enlarging only makes a blurry, "
            "heavier file)."
        )
    if max(got) > edge:
        fitted = "width" if new_width == edge else "height" if new_height == edge else None
        side = "the longest side" if fitted is None else f"the {fitted} only"
        return (
            f"{shown} gave {new_width} × {new_height}: {max(got)} pixels is more than {edge}. "
            f"You fitted {side}; {where}, a {_shape(width, height)}, so fit its longest side, "
            f"max(width, height), within {edge}."
        )
    if abs(new_width - exact[0]) <= 1 and abs(new_height - exact[1]) <= 1:
        return None
    if max(got) < target - 1:
        return (
            f"{shown} gave {new_width} × {new_height}: smaller than needed. {where}; its "
            f"longest side should become {target} pixels, the other one in proportion."
        )
    return (
        f"{shown} gave {new_width} × {new_height}, but {where}: its shape is "
        f"{width / height:.2f} : 1 and yours is {new_width / new_height:.2f} : 1, so the picture "
        "would be squashed or stretched. Scale both sides by the same factor: "
        "edge / max(width, height)."
    )


def _check_web_size(answer: Any) -> str:
    web_size = learner_function(answer, "web_size", "width, height, edge")
    cases = _cases()
    results = {}
    for picture, _, edge in cases:
        shown = f"web_size({picture.width}, {picture.height}, {edge})"
        results[picture, edge] = _pair(
            call_learner(web_size, picture.width, picture.height, edge, shown=shown), shown
        )
        if len(results) == 2:
            _check_not_one_box(cases[:2], results)
    for picture, size_name, edge in cases:
        got = results[picture, edge]
        shown = f"web_size({picture.width}, {picture.height}, {edge})"
        mistake = _size_mistake(picture, edge, got, shown)
        if mistake is None:
            continue
        swapped = (got[1], got[0])
        if swapped != got and _size_mistake(picture, edge, swapped, shown) is None:
            raise Mistake(
                f"{shown} gave {got[0]} × {got[1]}: that is height first. Return the width first: "
                "return new_width, new_height."
            )
        raise Mistake(f"for the {size_name} size ({edge} pixels), {mistake}")
    samples = len(_samples_as_displayed())
    return (
        f"{samples} sample pictures, a phone photo both ways and a thin banner, at every web "
        "size: every shape kept, nothing enlarged, no side longer than its size."
    )


def _check_not_one_box(
    cases: list[tuple[_Picture, str, int]], results: dict[tuple[_Picture, int], tuple[int, int]]
) -> None:
    (first, _, edge), (second, _, _) = cases
    box = results[first, edge]
    if box == results[second, edge]:
        raise Mistake(
            f"{first.label} ({first.width} × {first.height}) and {second.label} "
            f"({second.width} × {second.height}) both became {box[0]} × {box[1]}: one box for "
            "every picture squashes some and stretches others, as the fixed 800 × 600 did. "
            "Work from each picture's own width and height."
        )


_WEB_SIZE = """def web_size(width, height, edge):
    longest = max(width, height)
    if longest <= edge:  # never enlarge
        return width, height
    scale = edge / longest  # one factor for both sides keeps the shape
    return max(1, round(width * scale)), max(1, round(height * scale))
"""

web_size = Exercise(
    key="web_size",
    notebook=NOTEBOOK,
    title="The web size of a picture",
    checker=_check_web_size,
    hints=[
        "The longest side, max(width, height), decides. If it already fits within edge, "
        "return the picture's own size: never enlarge.",
        "Otherwise compute one factor, scale = edge / longest, and multiply both sides by it: "
        "the same factor keeps the shape. round() each side (and keep at least 1 pixel).",
        "return max(1, round(width * scale)), max(1, round(height * scale))",
    ],
    solution_code=_WEB_SIZE,
    solution_value=lambda: defined(_WEB_SIZE, "web_size"),
    known_wrong=[
        (lambda width, height, edge: (800, 600), "one box for every picture"),
        (lambda width, height, edge: (edge, edge), "squashes some and stretches others"),
        (
            lambda width, height, edge: (edge, max(1, round(height * edge / width))),
            "fitted the width only",
        ),
        (
            lambda width, height, edge: (
                max(1, round(width * edge / max(width, height))),
                max(1, round(height * edge / max(width, height))),
            ),
            "never enlarge",
        ),
        (
            lambda width, height, edge: (
                (width, height)
                if max(width, height) <= edge
                else (edge * width / max(width, height), edge * height / max(width, height))
            ),
            "round() each side",
        ),
        (
            lambda width, height, edge: (
                (width, height)
                if max(width, height) <= edge
                else (
                    round(width * edge / max(width, height)),
                    round(height * edge / max(width, height)),
                )
            ),
            "at least 1 pixel",
        ),
        (
            lambda width, height, edge: (
                (height, width)
                if max(width, height) <= edge
                else (
                    max(1, round(height * edge / max(width, height))),
                    max(1, round(width * edge / max(width, height))),
                )
            ),
            "height first",
        ),
        (
            lambda width, height, edge: (
                (width, height)
                if max(width, height) <= edge
                else (edge, max(1, round(min(width, height) * edge / max(width, height) / 2)))
            ),
            "squashed or stretched",
        ),
        (
            lambda width, height, edge: (
                max(1, round(width * edge / (width + height))),
                max(1, round(height * edge / (width + height))),
            ),
            "smaller than needed",
        ),
        (lambda width, height, edge: {"width": width, "height": height}, "Return two numbers"),
        (lambda width, height: (width, height), "could not be called"),
        ("web_size", "without quotes"),
        ((320, 240), "without parentheses"),
    ],
)


# -- exercise 2: the format gate ------------------------------------------------------------------

_FORMAT_REASONS = ("empty_file", "not_an_image", "unsupported_format")
"""The reasons the format check itself gives; damaged files are found by later checks."""
# What a browser would declare for a name, from its extension.
_TYPE_OF_EXTENSION = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".tiff": "image/tiff",
    ".txt": "text/plain",
}
_FORMAT_OF_TYPE = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/gif": "GIF",
    "image/tiff": "TIFF",
}
_UNKNOWN_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class _Upload:
    sample: str
    filename: str
    content_type: str
    lie: str = ""
    """What the label claims that the bytes contradict ("" for an honest label)."""

    @property
    def shown(self) -> str:
        return f'upload_format(<bytes of {self.sample}>, "{self.filename}", "{self.content_type}")'


def _claimed_type(filename: str) -> str:
    return _TYPE_OF_EXTENSION.get(PurePosixPath(filename).suffix.lower(), _UNKNOWN_TYPE)


def _format_from_name(filename: str) -> str | None:
    return _FORMAT_OF_TYPE.get(_claimed_type(filename))


def _real_format(data: bytes) -> str | None:
    """What the bytes are, whatever the gallery thinks of it (TIFF included)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.format
    except (UnidentifiedImageError, OSError):
        return None


@cache
def _expected_formats() -> dict[str, str | None]:
    """Sample -> the format the gate lets through, or None, from the manifest."""
    expected: dict[str, str | None] = {}
    for name, entry in sample_manifest()["files"].items():
        if entry["outcome"] == "valid":
            expected[name] = entry["format"]
        elif entry.get("reason") in _FORMAT_REASONS:
            expected[name] = None
    return expected


def _uploads() -> list[_Upload]:
    expected = _expected_formats()
    honest = {name: _Upload(name, name, _claimed_type(name)) for name in expected}
    good = [name for name, fmt in expected.items() if fmt]
    webp = next(name for name in good if expected[name] == "WEBP")
    jpeg = next(name for name in good if expected[name] == "JPEG")
    png = next(name for name in good if expected[name] == "PNG")
    text, tiff = (_with_reason(reason) for reason in ("not_an_image", "unsupported_format"))
    lying = [
        _Upload(webp, _renamed(webp, ".jpg"), "image/webp", lie="name"),
        _Upload(tiff, tiff, "image/jpeg", lie="type"),
        _Upload(jpeg, _renamed(jpeg, ""), _UNKNOWN_TYPE, lie="name"),
        _Upload(png, _renamed(png, ".txt"), "text/plain", lie="both"),
        _Upload(tiff, _renamed(tiff, ".jpg"), "image/jpeg", lie="both"),
    ]
    first = [honest[jpeg], honest[text], *(u for u in honest.values() if u.sample != jpeg)]
    return [*first[:2], *lying, *first[2:]]


def _with_reason(reason: str) -> str:
    return next(n for n, e in sample_manifest()["files"].items() if e.get("reason") == reason)


def _renamed(name: str, extension: str) -> str:
    return PurePosixPath(name).stem + extension


def _check_upload_format(answer: Any) -> str:
    upload_format = learner_function(answer, "upload_format", "data, filename, content_type")
    allowed = tuple(_imaging().ALLOWED_FORMATS)
    expected = _expected_formats()
    uploads = _uploads()
    for upload in uploads:
        data = sample_bytes(upload.sample)
        try:
            got = call_learner(
                upload_format, data, upload.filename, upload.content_type, shown=upload.shown
            )
        except RaisedError as raised:
            raise Mistake(_raised_message(upload, raised, data)) from None
        want = expected[upload.sample]
        if got != want:
            raise Mistake(_format_mistake(upload, got, want, data, allowed))
    lies = sum(1 for upload in uploads if upload.lie)
    return (
        f"{len(uploads)} uploads, {lies} of them with a name or content type that lies: every "
        "verdict came from the bytes alone."
    )


def _raised_message(upload: _Upload, raised: RaisedError, data: bytes) -> str:
    error = raised.error
    what = "empty" if not data else "not an image"
    if isinstance(error, UnidentifiedImageError):
        return (
            f"{upload.shown} raised UnidentifiedImageError: Pillow's way of saying the bytes "
            f"are {what}. That is a normal answer here, not a crash: catch it "
            "(try: ... except UnidentifiedImageError: return None)."
        )
    if type(error).__name__ in ("InvalidImageError", "UnknownFilterError"):
        return (
            f"{upload.shown} raised {type(error).__name__}. Catch it and return None: this "
            "function answers with a format, or None for an upload the gallery refuses."
        )
    return str(raised)


def _format_mistake(
    upload: _Upload, got: Any, want: str | None, data: bytes, allowed: tuple[str, ...]
) -> str:
    said = f"{upload.shown} returned {got!r}"
    real = _real_format(data)
    bytes_are = f"a {real} image" if real else "no image at all"
    if got is not None and not isinstance(got, str):
        if isinstance(got, bool):
            return (
                f"{said}. Return the format's name, such as 'JPEG' (the next steps need to know "
                "which one), or None when the upload is refused."
            )
        return f"{said}. Return the format's name as text, such as 'JPEG', or None."
    if isinstance(got, str) and want and got.upper() == want:
        return f"{said}. Use Pillow's own names, in capitals: {want!r} (image.format)."
    if got in ("JPG", "jpg") and want == "JPEG":
        return f"{said}. Pillow calls the format 'JPEG' (image.format), whatever the extension."
    if got is not None and got == real and got not in allowed:
        return (
            f"{said}. The bytes are indeed a {got} image, but the gallery only accepts "
            f"{', '.join(allowed)} (imaging.ALLOWED_FORMATS): return None for anything else."
        )
    if got is not None and got == _format_from_name(upload.filename) and got != want:
        return (
            f"{said}, which is what the name's extension claims. But the bytes are "
            f"{bytes_are}: anyone can rename a file. Decide from the bytes "
            "(Image.open(io.BytesIO(data)).format)."
        )
    if got is not None and got == _FORMAT_OF_TYPE.get(upload.content_type):
        return (
            f"{said}, which is what the content type claims. But the bytes are "
            f"{bytes_are}: the uploader's software chooses the content type, "
            "and it can say anything. Decide from the bytes."
        )
    if got is None and want:
        if upload.lie:
            return (
                f"{said}, but these bytes are a fine {want} photo: only its label is odd. The "
                "filename and content type are what the uploader claims, not evidence; "
                "ignore them and read the bytes."
            )
        return f"{said}, but these bytes are a {want} image the gallery accepts: return {want!r}."
    if want is None:
        what = "no bytes at all" if not data else bytes_are
        return f"{said}, but the upload is {what}: the gallery refuses it, so return None."
    return f"{said}; from the bytes it should be {want!r}."


_UPLOAD_FORMAT = """def upload_format(data, filename, content_type):
    # filename and content_type are what the uploader claims: only the bytes count
    try:
        with Image.open(io.BytesIO(data)) as image:
            found = image.format
    except UnidentifiedImageError:
        return None  # empty, or no image Pillow knows
    return found if found in imaging.ALLOWED_FORMATS else None
"""


def _upload_format() -> Callable[..., Any]:
    return defined(
        _UPLOAD_FORMAT,
        "upload_format",
        io=io,
        Image=Image,
        UnidentifiedImageError=UnidentifiedImageError,
        imaging=_imaging(),
    )


def _trusting_the_name(data: bytes, filename: str, content_type: str) -> str | None:
    return _format_from_name(filename)


def _trusting_the_type(data: bytes, filename: str, content_type: str) -> str | None:
    return _FORMAT_OF_TYPE.get(content_type) if _real_format(data) else None


def _any_format(data: bytes, filename: str, content_type: str) -> str | None:
    return _real_format(data)


def _uncaught(data: bytes, filename: str, content_type: str) -> str | None:
    with Image.open(io.BytesIO(data)) as image:
        return image.format


upload_format = Exercise(
    key="upload_format",
    notebook=NOTEBOOK,
    title="Trust the bytes: which format is this upload?",
    checker=_check_upload_format,
    hints=[
        "Ignore filename and content_type completely: they are labels the uploader chose. "
        "Open the bytes with Pillow: Image.open(io.BytesIO(data)).",
        "image.format is Pillow's name for what it found ('JPEG', 'PNG', 'TIFF', ...). Return "
        "it only if it is in imaging.ALLOWED_FORMATS, else None.",
        "Bytes that are no image (or no bytes at all) make Image.open raise "
        "UnidentifiedImageError (from PIL import UnidentifiedImageError): catch it and return "
        "None.",
    ],
    solution_code=_UPLOAD_FORMAT,
    solution_value=_upload_format,
    known_wrong=[
        (_trusting_the_name, "the name's extension claims"),
        (_trusting_the_type, "the content type claims"),
        (_any_format, "only accepts"),
        (_uncaught, "raised UnidentifiedImageError"),
        (lambda data, filename, content_type: bool(_real_format(data)), "the format's name"),
        (
            lambda data, filename, content_type: (
                (_upload_format()(data, "", "") or "").lower() or None
            ),
            "in capitals",
        ),
        (
            lambda data, filename, content_type: (
                "JPG"
                if _upload_format()(data, "", "") == "JPEG"
                else _upload_format()(data, "", "")
            ),
            "Pillow calls the format 'JPEG'",
        ),
        (
            lambda data, filename, content_type: (
                _upload_format()(data, "", "")
                if "." in filename and content_type.startswith("image/")
                else None
            ),
            "only its label is odd",
        ),
        (lambda data, filename: None, "could not be called"),
        ("upload_format", "without quotes"),
    ],
)

"""Build the generated test images in this folder and write MANIFEST.json.

Run once, from anywhere, with the workbook's Python (it needs only Pillow):

    .venv/bin/python data/images/generate.py

The real photographs (see SOURCES) must already be here: every generated case starts from one of
them, so the edge cases look like photos rather than test patterns. To copy the photos again
from an installed scikit-image, pass its site-packages folder:

    .venv/bin/python data/images/generate.py --photos-from /path/to/site-packages

Output is deterministic for a given Pillow build. MANIFEST.json records, for every file, what the
image processor must conclude about it; the expectations are written out here by hand, never
computed with the code under test.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, ImageCms, ImageDraw, TiffImagePlugin

HERE = Path(__file__).resolve().parent

# The size limits the expectations below assume; they equal imaging.py's defaults, and the
# tests check that the two agree.
LIMITS = {
    "max_bytes": 25 * 1024 * 1024,
    "max_pixels": 50_000_000,
    "max_width": 10_000,
    "max_height": 10_000,
}

# file name -> (package, path inside the installed package)
PHOTOS = {
    "astronaut.png": ("scikit-image", "skimage/data/astronaut.png"),
    "chelsea.png": ("scikit-image", "skimage/data/chelsea.png"),
    "coffee.png": ("scikit-image", "skimage/data/coffee.png"),
    "rocket.jpg": ("scikit-image", "skimage/data/rocket.jpg"),
    "hubble_deep_field.jpg": ("scikit-image", "skimage/data/hubble_deep_field.jpg"),
    "retina.jpg": ("scikit-image", "skimage/data/retina.jpg"),
}

# What each real photo should inspect as.
PHOTO_EXPECTATIONS: dict[str, tuple[str, str]] = {
    "astronaut.png": ("PNG", "square"),
    "chelsea.png": ("PNG", "landscape"),
    "coffee.png": ("PNG", "landscape"),
    "rocket.jpg": ("JPEG", "landscape"),
    "hubble_deep_field.jpg": ("JPEG", "landscape"),
    "retina.jpg": ("JPEG", "square"),
}

KEY_NAME_CASE = unicodedata.normalize("NFC", "Fête de Noël — photo 1.jpg")

_Rational = TiffImagePlugin.IFDRational


def _photo(name: str) -> Image.Image:
    """The photo's pixels only: its own metadata must not leak into the generated cases."""
    with Image.open(HERE / name) as image:
        pixels = image.convert("RGB")
    pixels.info.clear()
    return pixels


def _save(image: Image.Image, name: str, format: str, **params: Any) -> None:
    buffer = io.BytesIO()
    image.save(buffer, format, **params)
    (HERE / name).write_bytes(buffer.getvalue())


def _rounded_mask(size: tuple[int, int], radius: int) -> Image.Image:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, size[0] - 1, size[1] - 1), radius, fill=255)
    return mask


def _fixed_date_srgb_profile() -> bytes:
    """An sRGB ICC profile whose header date is fixed, so the output is byte-for-byte stable."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    # Header bytes 24..35 hold the creation date and time as six big-endian 16-bit numbers.
    profile[24:36] = b"".join(part.to_bytes(2, "big") for part in (2024, 12, 24, 18, 30, 0))
    return bytes(profile)


def portrait_with_gps(name: str) -> None:
    """A portrait stored sideways: landscape pixels plus Orientation=6, like a phone writes."""
    upright = _photo("astronaut.png").crop((64, 0, 448, 512))  # 384 x 512, portrait
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # 512 x 384, lying on its side
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Workbook Camera Co."
    exif[ExifTags.Base.Model] = "WB-1"
    exif[ExifTags.Base.DateTime] = "2024:12:24 18:30:00"
    exif[ExifTags.Base.Orientation] = 6  # "rotate 90 degrees clockwise to display"
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: "2024:12:24 18:30:00"}
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (_Rational(48), _Rational(51), _Rational(2964, 100)),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (_Rational(2), _Rational(17), _Rational(4032, 100)),
    }
    srgb = _fixed_date_srgb_profile()
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>A. Tester</dc:creator>'
        b"</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    _save(
        stored,
        name,
        "JPEG",
        quality=88,
        exif=exif,
        icc_profile=srgb,
        xmp=xmp,
        comment=b"Shot at the workbook's winter party",
    )


def alpha_rounded_corners(name: str) -> None:
    cat = _photo("chelsea.png").crop((40, 20, 360, 260))  # 320 x 240
    cat.putalpha(_rounded_mask(cat.size, 48))
    _save(cat, name, "PNG", optimize=True)


def cmyk_jpeg(name: str) -> None:
    _save(_photo("coffee.png").convert("CMYK"), name, "JPEG", quality=85)


def palette_gif(name: str) -> None:
    rocket = _photo("rocket.jpg").resize((320, 214), Image.Resampling.LANCZOS)
    indexed = rocket.quantize(colors=255)
    palette = (indexed.getpalette() or [])[: 255 * 3]
    indexed.putpalette(palette + [0, 0, 0] * (256 - len(palette) // 3))
    corners = Image.eval(_rounded_mask(indexed.size, 40), lambda value: 255 - value)
    indexed.paste(255, mask=corners)  # index 255 is the transparent one
    _save(indexed, name, "GIF", transparency=255)


def animated_gif(name: str) -> None:
    cat = _photo("chelsea.png")
    frames = [
        cat.crop((left, 30, left + 240, 190)).quantize(colors=128) for left in (0, 60, 120, 180)
    ]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=200, loop=0)
    (HERE / name).write_bytes(buffer.getvalue())


def gray_16bit(name: str) -> None:
    """A 16-bit grayscale PNG whose values use the whole 0..65535 range (mode I;16)."""
    gray = _photo("chelsea.png").convert("L")
    deep = gray.convert("I").point(lambda value: value * 257).convert("I;16")
    _save(deep, name, "PNG")


def one_pixel(name: str) -> None:
    _save(Image.new("RGB", (1, 1), (200, 120, 40)), name, "PNG")


def webp_photo(name: str) -> None:
    _save(_photo("coffee.png"), name, "WEBP", quality=80)


def truncated_jpeg(name: str) -> None:
    data = (HERE / "rocket.jpg").read_bytes()
    (HERE / name).write_bytes(data[: len(data) * 6 // 10])


def corrupt_png(name: str) -> None:
    """Complete length, but one byte flipped inside the pixel data: the checksum fails."""
    data = bytearray((HERE / "chelsea.png").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (HERE / name).write_bytes(bytes(data))


def text_as_jpeg(name: str) -> None:
    text = "This is a note, not a photo. Someone renamed notes.txt to a .jpg name.\n"
    (HERE / name).write_text(text * 3, encoding="utf-8")


def empty_file(name: str) -> None:
    (HERE / name).write_bytes(b"")


def decompression_bomb(name: str) -> None:
    """20000 x 20000 = 400 megapixels of black in a 1-bit PNG: tiny on disk, huge in memory."""
    _save(Image.new("1", (20_000, 20_000), 0), name, "PNG", compress_level=9)


def tiff_scan(name: str) -> None:
    small = _photo("coffee.png").resize((240, 160), Image.Resampling.LANCZOS)
    _save(small, name, "TIFF", compression="tiff_deflate")


def too_wide_panorama(name: str) -> None:
    """16000 px wide: few megapixels, small file, but wider than any limit we accept."""
    strip = _photo("rocket.jpg").crop((0, 0, 640, 16)).resize((16_000, 400), Image.Resampling.BOX)
    _save(strip, name, "JPEG", quality=70)


def key_name_copy(name: str) -> None:
    shutil.copyfile(HERE / "rocket.jpg", HERE / name)


def _valid(fmt: str, orientation: str, **extra: Any) -> dict[str, Any]:
    return (
        {"outcome": "valid", "format": fmt, "orientation": orientation}
        | {
            "has_alpha": False,
            "frames": 1,
            "exif_orientation": 1,
        }
        | extra
    )


def _invalid(reason: str) -> dict[str, Any]:
    return {"outcome": "invalid", "reason": reason}


# name -> (builder, expectation, description)
CASES: dict[str, tuple[Callable[[str], None], dict[str, Any], str]] = {
    "portrait_exif_rotated_gps.jpg": (
        portrait_with_gps,
        _valid("JPEG", "portrait", exif_orientation=6, has_gps=True),
        "Stored 512x384 with EXIF Orientation=6, shown 384x512; GPS, camera, date, ICC, XMP, "
        "comment.",
    ),
    "alpha_rounded_corners.png": (
        alpha_rounded_corners,
        _valid("PNG", "landscape", has_alpha=True),
        "RGBA PNG with transparent rounded corners.",
    ),
    "cmyk.jpg": (cmyk_jpeg, _valid("JPEG", "landscape"), "CMYK JPEG (print colour space)."),
    "palette_transparent.gif": (
        palette_gif,
        _valid("GIF", "landscape", has_alpha=True),
        "256-colour palette GIF whose corners use the transparent index.",
    ),
    "animated.gif": (
        animated_gif,
        _valid("GIF", "landscape", frames=4),
        "Four-frame animated GIF; the processor keeps the first frame.",
    ),
    "gray_16bit.png": (
        gray_16bit,
        _valid("PNG", "landscape"),
        "16-bit grayscale PNG (Pillow mode I;16) using the full 0..65535 range.",
    ),
    "pixel_1x1.png": (one_pixel, _valid("PNG", "square"), "A single orange pixel."),
    "coffee.webp": (webp_photo, _valid("WEBP", "landscape"), "The coffee photo as a WebP."),
    KEY_NAME_CASE: (
        key_name_copy,
        _valid("JPEG", "landscape"),
        "rocket.jpg under a name with spaces and non-ASCII letters (S3 URL-encodes keys).",
    ),
    "truncated.jpg": (
        truncated_jpeg,
        _invalid("truncated"),
        "The first 60% of rocket.jpg, as if the upload stopped.",
    ),
    "corrupt.png": (corrupt_png, _invalid("corrupt"), "chelsea.png with one byte flipped."),
    "not_an_image.jpg": (text_as_jpeg, _invalid("not_an_image"), "A text file named .jpg."),
    "empty.jpg": (empty_file, _invalid("empty_file"), "Zero bytes."),
    "decompression_bomb.png": (
        decompression_bomb,
        _invalid("decompression_bomb"),
        "A 400-megapixel 1-bit PNG that compresses to a few dozen kilobytes.",
    ),
    "scan.tiff": (tiff_scan, _invalid("unsupported_format"), "A real TIFF: not on the list."),
    "panorama_too_wide.jpg": (
        too_wide_panorama,
        _invalid("too_large"),
        "16000x400 JPEG: wider than the 10000 px limit.",
    ),
}


def copy_photos(site_packages: Path) -> None:
    for name, (_package, inner_path) in PHOTOS.items():
        shutil.copyfile(site_packages / inner_path, HERE / name)


def manifest() -> dict[str, Any]:
    files: dict[str, Any] = {}
    for name, (package, inner_path) in PHOTOS.items():
        files[name] = _valid(*PHOTO_EXPECTATIONS[name]) | {
            "kind": "photo",
            "description": f"Real photograph from {package} ({inner_path}); see SOURCES.",
        }
    for name, (_builder, expectation, description) in CASES.items():
        files[name] = expectation | {"kind": "generated", "description": description}
    return {
        "about": (
            "Expected outcome of inspecting each file in this folder with the image processor's "
            "default limits. Orientation is as displayed, after EXIF rotation."
        ),
        "limits": LIMITS,
        "files": files,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos-from", type=Path, help="site-packages holding scikit-image")
    args = parser.parse_args(argv)
    if args.photos_from:
        copy_photos(args.photos_from)
    missing = [name for name in PHOTOS if not (HERE / name).exists()]
    if missing:
        print(f"Missing photos {missing}: run with --photos-from first.", file=sys.stderr)
        return 1
    for name, (builder, _expectation, _description) in CASES.items():
        builder(name)
        print(f"{(HERE / name).stat().st_size:>9,} bytes  {name}")
    text = json.dumps(manifest(), indent=2, ensure_ascii=False) + "\n"
    (HERE / "MANIFEST.json").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

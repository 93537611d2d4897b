"""The photo gallery's imaging core (infra/image_processor/src/imaging.py), on data/images.

Every file in data/images/MANIFEST.json is checked against its expected outcome, and each
processing step against what a gallery user would notice: wrong orientation, stretched or
enlarged pictures, lost transparency, washed-out colours, location data left in a photo.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import json
import pickle
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat

from workshop_lib.paths import REPO

IMAGING_PATH = REPO / "infra" / "image_processor" / "src" / "imaging.py"
IMAGES = REPO / "data" / "images"
MANIFEST = json.loads((IMAGES / "MANIFEST.json").read_text(encoding="utf-8"))
FILES = MANIFEST["files"]
VALID = sorted(name for name, entry in FILES.items() if entry["outcome"] == "valid")
INVALID = sorted(name for name, entry in FILES.items() if entry["outcome"] == "invalid")
PHOTOS = sorted(name for name, entry in FILES.items() if entry["kind"] == "photo")
PORTRAIT = "portrait_exif_rotated_gps.jpg"
NOT_DATA = {"MANIFEST.json", "SOURCES", "generate.py"}


@pytest.fixture(scope="module")
def imaging() -> Iterator[ModuleType]:
    """The module loaded from its file, exactly as the Lambda package will hold it."""
    spec = importlib.util.spec_from_file_location("_imaging_under_test", IMAGING_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def read(name: str) -> bytes:
    return (IMAGES / name).read_bytes()


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    a, b = a.convert("RGB"), b.convert("RGB").resize(a.size, Image.Resampling.LANCZOS)
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def edge_energy(image: Image.Image) -> float:
    return ImageStat.Stat(image.convert("L").filter(ImageFilter.FIND_EDGES)).mean[0]


# -- The data set itself ---------------------------------------------------------------------
def test_manifest_describes_every_file_in_the_folder() -> None:
    on_disk = {path.name for path in IMAGES.iterdir() if path.is_file()} - NOT_DATA
    assert on_disk == set(FILES)


def test_manifest_limits_are_the_processor_defaults(imaging: ModuleType) -> None:
    limits = MANIFEST["limits"]
    assert limits["max_bytes"] == imaging.DEFAULT_MAX_BYTES
    assert limits["max_pixels"] == imaging.DEFAULT_MAX_PIXELS
    assert limits["max_width"] == limits["max_height"] == imaging.DEFAULT_MAX_SIDE


def test_imaging_imports_only_the_standard_library_and_pillow() -> None:
    tree = ast.parse(IMAGING_PATH.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    outside = {root for root in roots if root not in sys.stdlib_module_names and root != "PIL"}
    assert outside == set()


# -- inspect_image ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", VALID)
def test_valid_uploads_are_described_as_displayed(imaging: ModuleType, name: str) -> None:
    expected = FILES[name]
    data = read(name)
    info = imaging.inspect_image(data)
    assert info.format == expected["format"]
    assert info.orientation == expected["orientation"]
    assert info.has_alpha == expected["has_alpha"]
    assert info.frames == expected["frames"]
    assert info.animated == (expected["frames"] > 1)
    assert info.exif_orientation == expected["exif_orientation"]
    assert info.bytes == len(data)
    with Image.open(IMAGES / name) as stored:
        assert (info.width, info.height) == stored.size
    assert info.to_dict()["valid"] is True
    json.dumps(info.to_dict())  # a handler can return it as is


@pytest.mark.parametrize("name", INVALID)
def test_invalid_uploads_raise_with_the_expected_reason(imaging: ModuleType, name: str) -> None:
    with pytest.raises(imaging.InvalidImageError) as caught:
        imaging.inspect_image(read(name))
    error = caught.value
    assert error.reason == FILES[name]["reason"]
    assert error.reason in imaging.REASONS
    # Step Functions matches the bare class name; the reason leads the message it shows.
    assert type(error).__name__ == "InvalidImageError"
    assert str(error).startswith(f"{error.reason}: ")
    assert len(error.message) > 40
    assert error.to_dict() == {"valid": False, "reason": error.reason, "message": error.message}


def test_empty_upload_message_says_what_to_do(imaging: ModuleType) -> None:
    with pytest.raises(imaging.InvalidImageError) as caught:
        imaging.inspect_image(b"")
    assert "0 bytes" in caught.value.message
    assert "again" in caught.value.message


def test_the_file_name_plays_no_part(imaging: ModuleType) -> None:
    renamed = imaging.inspect_image(read("Fête de Noël — photo 1.jpg"))
    assert renamed == imaging.inspect_image(read("rocket.jpg"))


@pytest.mark.parametrize("max_pixels", [200_000, 100_000])
def test_pixel_limit_is_applied_per_call(imaging: ModuleType, max_pixels: int) -> None:
    # 512 x 512 = 262,144 pixels: over 200,000 Pillow only warns, over 2x the limit it raises;
    # both must become our error, and Pillow's own global must be left as it was.
    pillow_limit = Image.MAX_IMAGE_PIXELS
    data = read("astronaut.png")
    assert imaging.inspect_image(data, max_pixels=300_000).width == 512
    with pytest.raises(imaging.InvalidImageError) as caught:
        imaging.inspect_image(data, max_pixels=max_pixels)
    assert caught.value.reason == "decompression_bomb"
    assert pillow_limit == Image.MAX_IMAGE_PIXELS


def test_byte_limit(imaging: ModuleType) -> None:
    data = read("rocket.jpg")
    assert imaging.inspect_image(data, max_bytes=len(data)).bytes == len(data)
    with pytest.raises(imaging.InvalidImageError) as caught:
        imaging.inspect_image(data, max_bytes=len(data) - 1)
    assert caught.value.reason == "too_large"


def test_dimension_limits_apply_to_the_picture_as_displayed(imaging: ModuleType) -> None:
    data = read(PORTRAIT)  # stored 512 x 384, displayed 384 x 512
    assert imaging.inspect_image(data, max_width=400, max_height=520).display_height == 512
    with pytest.raises(imaging.InvalidImageError) as caught:
        imaging.inspect_image(data, max_width=520, max_height=400)
    assert caught.value.reason == "too_large"
    assert "384 x 512" in caught.value.message


def test_format_allowlist_is_configurable(imaging: ModuleType) -> None:
    with pytest.raises(imaging.InvalidImageError) as caught:
        imaging.inspect_image(read("coffee.webp"), allowed_formats=("JPEG", "PNG"))
    assert caught.value.reason == "unsupported_format"
    assert "WEBP" in caught.value.message
    assert "JPEG or PNG" in caught.value.message


def test_errors_survive_pickling(imaging: ModuleType) -> None:
    error = imaging.InvalidImageError("truncated", "The data stops early.")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.reason, copy.message, str(copy)) == (error.reason, error.message, str(error))
    unknown = pickle.loads(pickle.dumps(imaging.UnknownFilterError(["sepiaa"])))
    assert unknown.unknown == ("sepiaa",)


# -- resize_for_web --------------------------------------------------------------------------
@pytest.mark.parametrize("name", VALID)
def test_resize_keeps_aspect_and_never_enlarges(imaging: ModuleType, name: str) -> None:
    info = imaging.inspect_image(read(name))
    sizes = {"tiny": 48, **imaging.WEB_SIZES}
    variants = imaging.resize_for_web(read(name), sizes)
    assert set(variants) == set(sizes)
    for variant_name, edge in sizes.items():
        variant = variants[variant_name]
        longest = max(info.display_width, info.display_height)
        assert max(variant.width, variant.height) == min(edge, longest)
        # Aspect within one pixel: the height implied by the width matches the real height.
        implied_height = variant.width * info.display_height / info.display_width
        assert abs(variant.height - implied_height) <= 1
        assert decode(variant.data).size == (variant.width, variant.height)
        assert variant.content_type == "image/png"


def test_default_sizes_are_thumbnail_medium_large(imaging: ModuleType) -> None:
    variants = imaging.resize_for_web(read("retina.jpg"))  # 1411 x 1411
    assert {name: v.width for name, v in variants.items()} == {
        "thumbnail": 320,
        "medium": 1024,
        "large": 1411,
    }


def test_resize_turns_sideways_photos_upright(imaging: ModuleType) -> None:
    variant = imaging.resize_for_web(read(PORTRAIT), {"small": 200})["small"]
    result = decode(variant.data)
    assert result.height > result.width
    stored = decode(read(PORTRAIT))
    # Orientation 6 means "turn 90 degrees clockwise"; the other way round must look wrong.
    clockwise = stored.transpose(Image.Transpose.ROTATE_270)
    anticlockwise = stored.transpose(Image.Transpose.ROTATE_90)
    right, wrong = mean_difference(result, clockwise), mean_difference(result, anticlockwise)
    assert right < 5 < wrong


@pytest.mark.parametrize("name", ["alpha_rounded_corners.png", "palette_transparent.gif"])
def test_resize_keeps_transparency(imaging: ModuleType, name: str) -> None:
    variant = imaging.resize_for_web(read(name), {"small": 160})["small"]
    alpha = decode(variant.data).getchannel("A")
    assert alpha.getpixel((0, 0)) == 0
    assert alpha.getpixel((variant.width // 2, variant.height // 2)) == 255


def test_cmyk_becomes_rgb_with_the_right_colours(imaging: ModuleType) -> None:
    variant = imaging.resize_for_web(read("cmyk.jpg"), {"full": 600})["full"]
    result = decode(variant.data)
    assert result.mode == "RGB"
    assert mean_difference(result, decode(read("coffee.png"))) < 8


def test_16_bit_grayscale_is_scaled_not_clipped(imaging: ModuleType) -> None:
    result = imaging.load_image(read("gray_16bit.png"))
    assert result.mode == "L"
    reference = decode(read("chelsea.png")).convert("L")
    assert abs(ImageStat.Stat(result).mean[0] - ImageStat.Stat(reference).mean[0]) < 2
    assert result.getextrema()[1] < 255  # a clipped conversion is solid white


def test_animated_gif_keeps_its_first_frame(imaging: ModuleType) -> None:
    with Image.open(IMAGES / "animated.gif") as gif:
        first = gif.convert("RGB")
        gif.seek(2)
        third = gif.convert("RGB")
    result = imaging.load_image(read("animated.gif"))
    assert mean_difference(result, first) < 1 < mean_difference(result, third)


def test_colours_are_converted_to_srgb_when_a_profile_says_so(imaging: ModuleType) -> None:
    adobe_rgb = imaging.load_image(read("rocket.jpg"))  # embeds Adobe RGB (1998)
    assert mean_difference(adobe_rgb, decode(read("rocket.jpg"))) > 1
    srgb = imaging.load_image(read("chelsea.png"))  # embeds sRGB: nothing to change
    assert mean_difference(srgb, decode(read("chelsea.png"))) < 0.5


# -- optimize_for_web ------------------------------------------------------------------------
@pytest.mark.parametrize("prefer", ["jpeg", "webp", "auto"])
@pytest.mark.parametrize("name", [PORTRAIT, "hubble_deep_field.jpg", "rocket.jpg"])
def test_optimize_strips_all_metadata(imaging: ModuleType, name: str, prefer: str) -> None:
    data = read(name)
    assert imaging.metadata_kinds(data)  # the originals do carry some
    result = imaging.optimize_for_web(data, prefer=prefer)
    assert imaging.exif_tags(result.data) == {}
    assert imaging.metadata_kinds(result.data) == frozenset()


@pytest.mark.parametrize("prefer", ["jpeg", "webp"])
def test_optimize_strips_metadata_from_photos_without_a_colour_profile(
    imaging: ModuleType, prefer: str
) -> None:
    # No ICC profile, so no colour conversion that would happen to drop metadata on its way.
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0)}  # GPSInfo: latitude
    buffer = io.BytesIO()
    decode(read("coffee.png")).save(buffer, "JPEG", exif=exif, comment=b"secret")
    data = buffer.getvalue()
    assert {"exif", "gps", "comment"} <= imaging.metadata_kinds(data)
    assert imaging.metadata_kinds(imaging.optimize_for_web(data, prefer=prefer).data) == set()


def test_the_test_photo_really_carries_location_data(imaging: ModuleType) -> None:
    tags = imaging.exif_tags(read(PORTRAIT))
    assert {"GPSLatitude", "GPSLongitude", "Make", "Model", "DateTime"} <= set(tags)
    assert {"exif", "gps", "xmp", "icc", "comment"} <= imaging.metadata_kinds(read(PORTRAIT))


@pytest.mark.parametrize("name", PHOTOS)
def test_photos_get_smaller(imaging: ModuleType, name: str) -> None:
    data = read(name)
    jpeg = imaging.optimize_for_web(data, prefer="jpeg")
    auto = imaging.optimize_for_web(data, prefer="auto")
    assert jpeg.format == "JPEG"
    assert jpeg.bytes < len(data)
    assert auto.bytes <= jpeg.bytes
    assert jpeg.original_bytes == len(data)
    assert jpeg.saved_fraction == pytest.approx(1 - jpeg.bytes / len(data))
    assert decode(jpeg.data).size == decode(data).size


def test_jpeg_output_is_progressive_and_orientation_is_baked_in(imaging: ModuleType) -> None:
    result = imaging.optimize_for_web(read(PORTRAIT))
    image = decode(result.data)
    assert image.info.get("progressive")
    assert (result.width, result.height) == image.size == (384, 512)
    assert result.content_type == "image/jpeg" and result.extension == ".jpg"


def test_transparency_stays_lossless_with_jpeg_preference(imaging: ModuleType) -> None:
    data = read("alpha_rounded_corners.png")
    result = imaging.optimize_for_web(data, prefer="jpeg")
    assert result.format == "PNG"
    original_alpha = decode(data).getchannel("A")
    assert (
        ImageChops.difference(decode(result.data).getchannel("A"), original_alpha).getbbox() is None
    )


def test_transparency_survives_webp(imaging: ModuleType) -> None:
    result = imaging.optimize_for_web(read("alpha_rounded_corners.png"), prefer="webp")
    assert result.format == "WEBP" and result.content_type == "image/webp"
    alpha = decode(result.data).getchannel("A")
    assert alpha.getpixel((0, 0)) == 0 and alpha.getpixel((160, 120)) == 255


def test_opaque_rgba_becomes_a_jpeg(imaging: ModuleType) -> None:
    opaque = decode(read("coffee.png")).convert("RGBA")
    assert imaging.optimize_for_web(opaque).format == "JPEG"


# -- Filters ---------------------------------------------------------------------------------
def test_parse_filter_names(imaging: ModuleType) -> None:
    assert imaging.parse_filter_names(None) == ("grayscale",)
    assert imaging.parse_filter_names("  ") == ("grayscale",)
    assert imaging.parse_filter_names(None, default=("warm",)) == ("warm",)
    assert imaging.parse_filter_names(" Sepia , sharpen,,sepia") == ("sepia", "sharpen")
    assert imaging.parse_filter_names("none") == ()


def test_unknown_filter_names_list_the_valid_ones(imaging: ModuleType) -> None:
    with pytest.raises(imaging.UnknownFilterError) as caught:
        imaging.parse_filter_names("sepiaa,blur,glitter")
    error = caught.value
    assert isinstance(error, imaging.InvalidImageError)
    assert error.reason == "unknown_filter"
    assert error.unknown == ("sepiaa", "glitter")
    assert all(name in error.message for name in imaging.FILTERS)
    assert "did you mean 'sepia'" in error.message


def test_apply_filters_checks_every_name_first(imaging: ModuleType) -> None:
    with pytest.raises(imaging.UnknownFilterError):
        imaging.apply_filters(read("coffee.png"), ["sepia", "nope"])


@pytest.fixture(scope="module")
def coffee(imaging: ModuleType) -> Image.Image:
    return imaging.load_image(read("coffee.png"))


@pytest.mark.parametrize("name", ["grayscale", "sepia", "sharpen", "blur", "vivid", "warm"])
def test_every_filter_changes_the_photo_but_not_its_size(
    imaging: ModuleType, coffee: Image.Image, name: str
) -> None:
    result = imaging.apply_filters(coffee, [name])
    assert result.size == coffee.size
    assert mean_difference(result, coffee) > 0.5


def test_filters_do_what_their_names_say(imaging: ModuleType, coffee: Image.Image) -> None:
    def apply(name: str) -> Image.Image:
        return imaging.apply_filters(coffee, [name]).convert("RGB")

    red, green, blue = ImageStat.Stat(apply("grayscale")).mean
    assert red == green == blue
    red, green, blue = ImageStat.Stat(apply("sepia")).mean
    assert red > green > blue
    assert edge_energy(apply("blur")) < edge_energy(coffee) < edge_energy(apply("sharpen"))
    before, warm = ImageStat.Stat(coffee).mean, ImageStat.Stat(apply("warm")).mean
    assert warm[0] > before[0] and warm[2] < before[2]

    def saturation(image: Image.Image) -> float:
        return ImageStat.Stat(image.convert("HSV")).mean[1]

    assert saturation(apply("vivid")) > saturation(coffee)


def test_filters_keep_transparency(imaging: ModuleType) -> None:
    original = imaging.load_image(read("alpha_rounded_corners.png"))
    result = imaging.apply_filters(original, ["sepia", "grayscale", "blur"])
    assert result.mode == "RGBA"
    diff = ImageChops.difference(result.getchannel("A"), original.getchannel("A"))
    assert diff.getbbox() is None


def test_filters_apply_in_the_order_given(imaging: ModuleType, coffee: Image.Image) -> None:
    sepia_last = imaging.apply_filters(coffee, ["grayscale", "sepia"]).convert("RGB")
    gray_last = imaging.apply_filters(coffee, ["sepia", "grayscale"]).convert("RGB")
    assert len(set(ImageStat.Stat(gray_last).mean)) == 1
    assert len(set(ImageStat.Stat(sepia_last).mean)) == 3


# -- Hygiene ---------------------------------------------------------------------------------
def test_nothing_is_written_to_disk(
    imaging: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    data = read(PORTRAIT)
    imaging.inspect_image(data)
    imaging.resize_for_web(data, optimize=True, prefer="auto")
    imaging.optimize_for_web(imaging.apply_filters(data, ["sepia", "sharpen"]))
    with pytest.raises(imaging.InvalidImageError):
        imaging.inspect_image(read("truncated.jpg"))
    assert list(tmp_path.iterdir()) == []

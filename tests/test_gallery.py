"""Before/after views (workshop_lib.gallery) and the sample-image helpers."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import ipywidgets
import pytest
from PIL import Image, ImageStat

from workshop_lib import gallery as g
from workshop_lib.errors import WorkshopError

PORTRAIT = "portrait_exif_rotated_gps.jpg"


def jpeg(image: Image.Image, quality: int = 70) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def coffee() -> bytes:
    return g.sample_bytes("coffee.png")


@pytest.fixture(scope="module")
def small(coffee: bytes) -> bytes:
    """An output made with Pillow alone: the gallery must not depend on the imaging core."""
    with Image.open(io.BytesIO(coffee)) as image:
        return jpeg(image.convert("RGB").resize((300, 200)))


def embedded_pngs(html: str) -> list[Image.Image]:
    found = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    return [Image.open(io.BytesIO(base64.b64decode(data))) for data in found]


def assert_self_contained(html: str) -> None:
    assert "://" not in html  # nothing fetched: base64 never contains a colon
    assert "<script" not in html.lower()


# -- compare ---------------------------------------------------------------------------------
def test_comparison_html_embeds_its_figure(coffee: bytes, small: bytes) -> None:
    html = g.compare(coffee, {"small": small}, title="Coffee")._repr_html_()
    assert_self_contained(html)
    (figure,) = embedded_pngs(html)
    assert figure.format == "PNG" and figure.width > 300
    assert "Coffee" in html


def test_comparison_reports_sizes_and_savings(coffee: bytes, small: bytes) -> None:
    comparison = g.compare(coffee, {"small": small})
    saved = round((1 - len(small) / len(coffee)) * 100)
    html = comparison._repr_html_()
    assert f"{saved}% smaller" in html
    assert "300 × 200" in html and "600 × 400" in html
    assert comparison.summaries["small"].bytes == len(small)
    assert comparison.original_summary.format == "PNG"


def test_growth_is_reported_as_larger(coffee: bytes) -> None:
    tiny = g.sample_bytes("pixel_1x1.png")
    big = jpeg(Image.open(io.BytesIO(coffee)).convert("RGB"), quality=100)
    assert "larger" in g.compare(tiny, {"big": big})._repr_html_()


def test_figure_is_available_as_png_bytes(coffee: bytes, small: bytes) -> None:
    comparison = g.compare(coffee, {"small": small})
    assert Image.open(io.BytesIO(comparison.png)).format == "PNG"
    assert len(comparison.figure().axes) >= 2  # original and output


def test_sources_may_be_paths_or_objects_with_data(coffee: bytes, small: bytes) -> None:
    class Rendered:
        data = small

    comparison = g.compare(g.sample_path("coffee.png"), {"rendered": Rendered()})
    assert comparison.original == coffee
    assert comparison.outputs == {"rendered": small}


def test_exif_rotated_original_is_shown_upright() -> None:
    summary = g.compare(g.sample_bytes(PORTRAIT), {}).original_summary
    assert (summary.width, summary.height) == (384, 512)
    assert summary.rotated_by_exif


def test_unreadable_output_is_explained_not_raised(coffee: bytes) -> None:
    comparison = g.compare(coffee, {"broken": g.sample_bytes("truncated.jpg"), "empty": b""})
    html = comparison._repr_html_()
    assert html.count("<td>cannot show") == 2
    assert not comparison.summaries["broken"].viewable
    assert embedded_pngs(html)


# -- widget ----------------------------------------------------------------------------------
def test_widget_toggles_between_outputs(coffee: bytes, small: bytes) -> None:
    with Image.open(io.BytesIO(coffee)) as image:
        gray = jpeg(image.convert("L").convert("RGB"))
    view = g.compare(coffee, {"small": small, "gray": gray}, title="t").widget()
    assert isinstance(view, ipywidgets.VBox)
    toggle = next(w for w in view.children if isinstance(w, ipywidgets.ToggleButtons))
    assert list(toggle.options) == ["small", "gray"]
    row = view.children[-1]
    right = row.children[1]
    shown = next(w for w in right.children if isinstance(w, ipywidgets.Image)).value
    toggle.value = "gray"
    now = next(w for w in right.children if isinstance(w, ipywidgets.Image)).value
    assert now != shown
    red, green, blue = ImageStat.Stat(Image.open(io.BytesIO(now)).convert("RGB")).mean
    assert abs(red - blue) < 2 and abs(red - green) < 2


def test_widget_draws_every_picture_to_one_scale(coffee: bytes, small: bytes) -> None:
    original = g.compare(coffee, {}).original_summary
    view = g.compare(coffee, {"small": small}).widget(width=400)
    left, right = view.children[-1].children
    widths = [
        int(next(w for w in column.children if isinstance(w, ipywidgets.Image)).layout.width[:-2])
        for column in (left, right)
    ]
    # The original is the widest, so it gets the full width; 300 px wide "small" is drawn
    # smaller by the same ratio as the real pictures, not stretched to the column.
    assert widths[0] == 400
    assert widths[1] == round(300 * 400 / original.width)


def test_comparison_title_is_shown_once(coffee: bytes, small: bytes) -> None:
    comparison = g.compare(coffee, {"small": small}, title="Coffee")
    assert comparison._repr_html_().count("Coffee") == 1
    assert comparison.figure()._suptitle.get_text() == "Coffee"  # a saved figure keeps it
    assert comparison.figure(titled=False)._suptitle is None


def test_widget_shows_16_bit_images_with_their_tones() -> None:
    view = g.compare(g.sample_bytes("gray_16bit.png"), {}).widget()
    (left,) = view.children  # with no outputs, only the original is shown
    picture = next(w for w in left.children if isinstance(w, ipywidgets.Image))
    mean = ImageStat.Stat(Image.open(io.BytesIO(picture.value)).convert("L")).mean[0]
    assert 40 < mean < 200  # a clipped conversion would be solid white


# -- gallery ---------------------------------------------------------------------------------
def test_gallery_lists_every_upload_and_flags_bad_ones() -> None:
    names = ["coffee.png", "alpha_rounded_corners.png", "not_an_image.jpg", PORTRAIT]
    grid = g.gallery([g.sample_path(name) for name in names], title="Uploads")
    html = grid._repr_html_()
    assert_self_contained(html)
    assert len(embedded_pngs(html)) == 1
    for name in names:
        assert name in html
    assert "cannot show: not an image" in html
    assert "transparent parts" in html and "EXIF-rotated" in html
    assert set(grid.summaries) == set(names)


def test_gallery_accepts_a_mapping_of_bytes(coffee: bytes, small: bytes) -> None:
    grid = g.gallery({"a": coffee, "b": small}, columns=1)
    assert grid.summaries["b"].width == 300
    assert (
        Image.open(io.BytesIO(grid.png)).height
        > Image.open(io.BytesIO(g.gallery({"a": coffee, "b": small}, columns=2).png)).height
    )


# -- samples ---------------------------------------------------------------------------------
def test_photo_names_are_the_real_photos() -> None:
    files = g.sample_manifest()["files"]
    names = g.photo_names()
    assert len(names) >= 5
    assert all(files[name]["kind"] == "photo" for name in names)
    for name in names:
        with Image.open(g.sample_path(name)) as image:
            image.verify()


def test_unknown_sample_name_is_a_friendly_error() -> None:
    with pytest.raises(g.SampleImageError) as caught:
        g.sample_path("no-such-photo.jpg")
    assert isinstance(caught.value, WorkshopError)
    assert "coffee.png" in (caught.value.hint or "")


def test_large_photo_is_big_enough_and_cached(tmp_path: Path) -> None:
    path = g.large_photo(tmp_path, megapixels=0.3, seed=1)
    with Image.open(path) as image:
        assert image.format == "JPEG"
        pixels = image.width * image.height
    assert 300_000 <= pixels < 300_000 * 1.01
    stamp = path.stat().st_mtime_ns
    assert g.large_photo(tmp_path, megapixels=0.3, seed=1) == path
    assert path.stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no partial files left


def test_large_photos_are_distinct(tmp_path: Path) -> None:
    paths = g.large_photos(tmp_path, 3, megapixels=0.1)
    assert len({path.read_bytes() for path in paths}) == 3
    for path in paths:
        with Image.open(path) as image:
            assert image.width * image.height >= 100_000

"""The workbook's sample images (data/images) and big photos made from them on demand.

A 12-megapixel photo is several megabytes, so none is committed: `large_photo` upscales one of
the real photos and caches the JPEG in a folder you choose.
"""

from __future__ import annotations

import json
import math
import os
import random
from functools import cache
from pathlib import Path
from typing import Any

from PIL import Image

from ..errors import WorkshopError
from ..paths import IMAGES_DATA

IMAGES_DIR = IMAGES_DATA
"""The sample images folder in a checkout of the workbook."""

_LARGE_QUALITY = 90  # what a phone typically writes


class SampleImageError(WorkshopError):
    """A sample image or the manifest is missing."""


@cache
def _manifest_at(directory: Path) -> dict[str, Any]:
    path = directory / "MANIFEST.json"
    if not path.exists():
        raise SampleImageError(
            f"No MANIFEST.json in {directory}.",
            hint="Use a full checkout of the workbook, or run data/images/generate.py.",
        )
    return json.loads(path.read_text(encoding="utf-8"))


def sample_manifest(directory: Path = IMAGES_DIR) -> dict[str, Any]:
    """The manifest: per file, the outcome ("valid"/"invalid") the processor must reach, the
    reason code for invalid files, and orientation and alpha for valid ones."""
    return _manifest_at(Path(directory).resolve())


def sample_path(name: str, directory: Path = IMAGES_DIR) -> Path:
    """The path of one sample image, by its file name in the manifest."""
    if name not in sample_manifest(directory)["files"]:
        known = ", ".join(sample_manifest(directory)["files"])
        raise SampleImageError(f"No sample image called {name!r}.", hint=f"Known names: {known}.")
    return Path(directory) / name


def sample_bytes(name: str, directory: Path = IMAGES_DIR) -> bytes:
    """The bytes of one sample image, as a user would upload them."""
    return sample_path(name, directory).read_bytes()


def photo_names(directory: Path = IMAGES_DIR) -> tuple[str, ...]:
    """The real photographs (not the generated edge cases), in manifest order."""
    files = sample_manifest(directory)["files"]
    return tuple(name for name, entry in files.items() if entry.get("kind") == "photo")


def _variant(seed: int, directory: Path) -> Image.Image:
    """A deterministic crop, flip and rotation of one real photo, different for every seed."""
    photos = photo_names(directory)
    chooser = random.Random(seed)
    with Image.open(Path(directory) / photos[seed % len(photos)]) as source:
        image = source.convert("RGB")
    width, height = image.size
    keep = chooser.uniform(0.7, 1.0)
    crop_w, crop_h = max(1, round(width * keep)), max(1, round(height * keep))
    left = chooser.randint(0, width - crop_w)
    top = chooser.randint(0, height - crop_h)
    image = image.crop((left, top, left + crop_w, top + crop_h))
    if chooser.random() < 0.5:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    turns = chooser.choice((None, Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270))
    return image.transpose(turns) if turns is not None else image


def large_photo(
    cache_dir: str | os.PathLike[str],
    megapixels: float = 12,
    seed: int = 0,
    *,
    directory: Path = IMAGES_DIR,
) -> Path:
    """A JPEG (quality 90) of at least `megapixels`, cached in `cache_dir` and reused.

    It is a real photo upscaled with LANCZOS; `seed` picks the photo and a crop, flip and
    rotation, so different seeds give different pictures. Making a 12-megapixel one takes
    well under a second; later calls return the cached file. An upscaled photo is smooth, so
    its JPEG is smaller than a phone's (about 1 MB rather than 3-8 MB) for the same pixels.
    """
    if megapixels <= 0:
        raise ValueError("megapixels must be positive.")
    folder = Path(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"large-{megapixels:g}mp-seed{seed}.jpg"
    if target.exists():
        return target
    image = _variant(seed, directory)
    scale = math.sqrt(megapixels * 1_000_000 / (image.width * image.height))
    size = (math.ceil(image.width * scale), math.ceil(image.height * scale))
    big = image.resize(size, Image.Resampling.LANCZOS)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    big.save(partial, "JPEG", quality=_LARGE_QUALITY)
    os.replace(partial, target)  # readers never see half a file
    return target


def large_photos(
    cache_dir: str | os.PathLike[str],
    count: int,
    megapixels: float = 12,
    *,
    directory: Path = IMAGES_DIR,
) -> list[Path]:
    """`count` distinct photos of at least `megapixels` each (seeds 0 to count-1), for a
    benchmark that must not hit any cache by reusing one picture."""
    return [large_photo(cache_dir, megapixels, seed, directory=directory) for seed in range(count)]

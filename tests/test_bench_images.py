"""workshop_lib.bench._images: the image batch figure (Map workflow vs the same work directly)."""

from __future__ import annotations

import pytest

from workshop_lib.bench._core import GOALS, BenchResult
from workshop_lib.bench._images import measure_image_batch
from workshop_lib.deploy import outputs


def test_the_image_batch_figures_are_measured_and_compared(local_cloud, tmp_path):
    figures: dict[str, float] = {}
    measure_image_batch(figures, count=2, megapixels=0.2, concurrency=2, cache_dir=tmp_path)
    assert set(figures) == {"image_batch_map_s", "image_batch_direct_s", "image_batch_ratio"}
    assert figures["image_batch_map_s"] > 0 and figures["image_batch_direct_s"] > 0
    assert figures["image_batch_ratio"] == pytest.approx(
        figures["image_batch_map_s"] / figures["image_batch_direct_s"]
    )
    # The benchmark's goal reads the ratio as it is (no denominator to divide by).
    (goal,) = [g for g in GOALS if g.numerator == "image_batch_ratio"]
    ((_, value, _),) = [row for row in BenchResult(figures).ratios() if row[0] is goal]
    assert value == figures["image_batch_ratio"]
    assert outputs("images") == {}, "the benchmark removes the app it deployed"
    assert len(list(tmp_path.glob("*.jpg"))) == 2 + 2  # measured photos + warm-up photos

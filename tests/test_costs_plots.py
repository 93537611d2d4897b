"""Cost charts read in plain dollars and show where Standard and Express cross."""

from __future__ import annotations

import pytest

from workshop_lib.costs import standard_vs_express
from workshop_lib.display._figures import _count, _dollars


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.000002, "$0.000002"), (0.5, "$0.5"), (1, "$1"), (1234.5, "$1,234.50"), (0, "$0")],
)
def test_dollar_ticks_are_plain_amounts(value, text):
    assert _dollars(value) == text


def test_count_ticks_are_short():
    assert [_count(v) for v in (100, 1_000, 1_000_000, 1e9)] == ["100", "1K", "1M", "1B"]


def _tick_labels(axis) -> list[str]:
    axis.figure.canvas.draw()
    return [label.get_text() for label in axis.get_ticklabels() if label.get_text()]


@pytest.mark.parametrize(
    ("duration_ms", "memory_mb", "free_tier"), [(1_500, 128, True), (60_000, 1024, False)]
)
def test_break_even_plot_shows_the_crossing_where_the_lines_meet(duration_ms, memory_mb, free_tier):
    result = standard_vs_express(15, duration_ms, memory_mb, free_tier=free_tier)
    (crossing,) = result.crossings
    axes = result.plot().axes[0]
    low, high = axes.get_xlim()
    assert low < crossing.volume < high  # on the chart, even below the table's first volume
    markers = [line for line in axes.get_lines() if line.get_marker() == "o"]
    assert len(markers) == 1
    (x,), (y,) = markers[0].get_data()
    assert x == pytest.approx(crossing.volume)
    assert y == pytest.approx(result.express_cost(crossing.volume))
    assert "cross at" in " ".join(text.get_text() for text in axes.texts)
    labels = _tick_labels(axes.yaxis)
    assert labels and all(label.startswith("$") for label in labels)
    assert not any("e" in label or "10^" in label for label in labels)


def test_power_tuning_cost_axis_has_no_offset_exponent():
    from workshop_lib.costs import PowerTuningResult

    samples = {128: [800.0] * 5, 256: [400.0] * 5, 512: [210.0] * 5, 1024: [120.0] * 5}
    result = PowerTuningResult.from_measurements(samples)
    figure = result.plot()
    cost_axes = figure.axes[1]
    labels = _tick_labels(cost_axes.yaxis)
    assert labels and all(label.startswith("$0.0000") for label in labels)
    assert cost_axes.yaxis.get_offset_text().get_text() == ""

"""Standard vs Express: where the monthly costs cross, found exactly."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

from workshop_lib.costs import standard_vs_express, stepfunctions_cost


def _assert_is_a_crossing(result, volume: float) -> None:  # type: ignore[no-untyped-def]
    assert result.standard_cost(volume) == pytest.approx(result.express_cost(volume), rel=1e-6)
    before, after = result.cheaper_at(volume * 0.99), result.cheaper_at(volume * 1.01)
    assert {before, after} == {"standard", "express"}


def test_costs_match_the_single_workflow_models() -> None:
    result = standard_vs_express(12, 2500, 200, volumes=[10_000, 5_000_000])
    for volume, standard, express in zip(
        result.volumes, result.standard_costs, result.express_costs, strict=True
    ):
        assert standard == pytest.approx(
            stepfunctions_cost("standard", volume, transitions=12).total_cost
        )
        assert express == pytest.approx(
            stepfunctions_cost("express", volume, duration_ms=2500, memory_mb=200).total_cost
        )


def test_a_short_workflow_is_cheaper_as_express_at_every_volume() -> None:
    result = standard_vs_express(10, 1000, 64)
    assert result.crossings == ()
    assert result.cheaper_first == "express"
    assert all(result.cheaper_at(v) == "express" for v in result.volumes)
    assert "every monthly volume" in result.verdict()


def test_the_free_tier_makes_standard_cheaper_for_a_small_month() -> None:
    result = standard_vs_express(3, 2000, 128, free_tier=True)
    assert result.cheaper_first == "standard"
    assert len(result.crossings) == 1
    crossing = result.crossings[0]
    assert crossing.cheaper_after == "express"
    _assert_is_a_crossing(result, crossing.volume)


def test_express_duration_tiers_can_make_a_long_workflow_cheaper_at_volume() -> None:
    # One transition, 48 s at 64 MB: Express costs more per execution until its cheaper tiers.
    result = standard_vs_express(1, 48_000, 64)
    assert result.cheaper_first == "standard"
    assert result.break_even_volume is not None
    _assert_is_a_crossing(result, result.break_even_volume)
    assert result.crossings[-1].cheaper_after == "express"


def test_break_even_duration_is_where_one_execution_costs_the_same() -> None:
    result = standard_vs_express(5, 1000, 64)
    limit = result.break_even_duration_ms
    assert limit is not None and limit < 300_000
    standard = stepfunctions_cost("standard", 1, transitions=5).total_cost
    below = stepfunctions_cost("express", 1, duration_ms=limit - 100, memory_mb=64).total_cost
    above = stepfunctions_cost("express", 1, duration_ms=limit + 100, memory_mb=64).total_cost
    assert below < standard < above
    assert str(round(limit))[:3] in str(result).replace(",", "")


def test_no_duration_helps_when_a_standard_execution_costs_less_than_one_request() -> None:
    assert standard_vs_express(0, 100, 64).break_even_duration_ms is None


def test_displays_and_plot() -> None:
    result = standard_vs_express(3, 2000, 128, free_tier=True)
    page = result._repr_html_()
    assert "Express" in page and "<script" not in page
    assert "from 1," in str(result)  # the crossing volume is in the verdict
    figure = result.plot()
    assert len(figure.axes[0].lines) >= 2

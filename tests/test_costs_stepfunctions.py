"""Step Functions cost: Standard transitions, Express requests + GB-seconds and their rounding."""

from __future__ import annotations

import pytest

from workshop_lib.costs import CostInputError, stepfunctions_cost
from workshop_lib.pricing import PriceBook, load_prices


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_prices()


def test_standard_is_priced_per_transition(book: PriceBook) -> None:
    cost = stepfunctions_cost("standard", executions=1_000_000, transitions=10)
    assert cost.total_cost == pytest.approx(10_000_000 * book.step_functions.standard_transition)
    # $0.025 per 1,000 transitions, as AWS quotes it.
    assert round(cost.total_cost / 10_000, 3) == 0.025


def test_standard_free_tier_only_when_asked(book: PriceBook) -> None:
    free = book.step_functions.standard_free_transitions
    assert stepfunctions_cost("standard", 400, transitions=10, free_tier=True).total_cost == 0
    assert stepfunctions_cost("standard", 400, transitions=10).total_cost > 0
    above = stepfunctions_cost("standard", 1000, transitions=10, free_tier=True)
    assert above.billable_transitions == 10_000 - free


def test_express_rounds_memory_to_64_mb_and_duration_to_100_ms(book: PriceBook) -> None:
    cost = stepfunctions_cost("express", 1, duration_ms=101, memory_mb=65)
    assert cost.billed_duration_ms == 200
    assert cost.billed_memory_mb == 128
    exact = stepfunctions_cost("express", 1, duration_ms=200, memory_mb=128)
    assert cost.total_cost == exact.total_cost
    assert cost.gb_seconds == pytest.approx(0.2 * 128 / 1024)
    assert stepfunctions_cost("express", 1, duration_ms=100, memory_mb=64).billed_duration_ms == 100


def test_express_is_requests_plus_gb_hours(book: PriceBook) -> None:
    sfn = book.step_functions
    cost = stepfunctions_cost("express", 1_000_000, duration_ms=1000, memory_mb=64)
    gb_hours = 1_000_000 * 1.0 * 64 / 1024 / 3600
    assert cost.request_cost == pytest.approx(1_000_000 * sfn.express_request)
    assert cost.duration_cost == pytest.approx(gb_hours * sfn.express_gb_hour.first)


def test_express_duration_tiers(book: PriceBook) -> None:
    tiers = book.step_functions.express_gb_hour.tiers
    first_end = tiers[0].up_to
    assert first_end is not None
    # One execution of 1 s at 1,024 MB is 1 GB-s; 3,600 of them are 1 GB-hour.
    at_edge = stepfunctions_cost("express", first_end * 3600, duration_ms=1000, memory_mb=1024)
    assert at_edge.duration_cost == pytest.approx(first_end * tiers[0].value)
    past = stepfunctions_cost("express", (first_end + 10) * 3600, duration_ms=1000, memory_mb=1024)
    assert past.duration_cost == pytest.approx(first_end * tiers[0].value + 10 * tiers[1].value)


def test_express_has_no_free_tier_in_the_data(book: PriceBook) -> None:
    with_free = stepfunctions_cost("express", 1000, duration_ms=500, memory_mb=64, free_tier=True)
    without = stepfunctions_cost("express", 1000, duration_ms=500, memory_mb=64)
    expected_free = book.step_functions.express_free_requests * book.step_functions.express_request
    assert with_free.total_cost == pytest.approx(without.total_cost - expected_free)


def test_express_without_memory_assumes_the_smallest_chunk_and_says_so(book: PriceBook) -> None:
    cost = stepfunctions_cost("express", 10, duration_ms=300)
    assert cost.billed_memory_mb == book.step_functions.express_memory_step_mb
    assert any("memory_mb" in note for note in cost.assumptions)
    assert "memory_mb" in str(cost)


@pytest.mark.parametrize(
    "arguments",
    [
        {"type": "standard", "executions": 1},
        {"type": "express", "executions": 1},
        {"type": "express", "executions": 1, "duration_ms": 301_000},
        {"type": "sync", "executions": 1, "transitions": 3},
        {"type": "standard", "executions": -1, "transitions": 3},
    ],
)
def test_missing_or_impossible_inputs_are_friendly_errors(arguments: dict[str, object]) -> None:
    with pytest.raises(CostInputError):
        stepfunctions_cost(**arguments)  # type: ignore[arg-type]


def test_type_is_case_insensitive() -> None:
    assert stepfunctions_cost("STANDARD", 10, transitions=3).type == "standard"


def test_result_displays() -> None:
    cost = stepfunctions_cost("express", 1_000_000, duration_ms=150, memory_mb=70)
    assert "Express" in str(cost)
    assert "<script" not in cost._repr_html_()
    assert cost.as_dict()["total_cost"] == cost.total_cost

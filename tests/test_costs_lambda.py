"""Lambda cost: AWS's worked example, 1 ms rounding, Arm, tiers, free tier and /tmp."""

from __future__ import annotations

import pytest

from workshop_lib.costs import CostInputError, lambda_cost
from workshop_lib.pricing import PriceBook, load_prices


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_prices()


def test_aws_one_millisecond_billing_example_to_the_cent() -> None:
    # AWS's example: 60 million invocations of 28 ms at 1 GB cost $28 duration + $12 requests.
    cost = lambda_cost(memory_mb=1024, duration_ms=28, invocations=60_000_000)
    assert round(cost.duration_cost, 2) == 28.00
    assert round(cost.request_cost, 2) == 12.00
    assert round(cost.total_cost, 2) == 40.00
    assert cost.gb_seconds == pytest.approx(1_680_000)


def test_duration_is_rounded_up_to_the_next_millisecond(book: PriceBook) -> None:
    assert lambda_cost(128, 27.01, 1).billed_duration_ms == 28
    assert lambda_cost(128, 28.0, 1).billed_duration_ms == 28
    assert lambda_cost(128, 0.2, 1).billed_duration_ms == 1
    rounded_up = lambda_cost(1024, 27.3, 1000, prices=book)
    exact = lambda_cost(1024, 28, 1000, prices=book)
    assert rounded_up.total_cost == exact.total_cost


def test_arm_duration_costs_less_and_requests_the_same(book: PriceBook) -> None:
    x86 = lambda_cost(2048, 100, 1_000_000, arch="x86_64")
    arm = lambda_cost(2048, 100, 1_000_000, arch="arm64")
    ratio = book.aws_lambda.duration["arm64"].first / book.aws_lambda.duration["x86_64"].first
    assert arm.duration_cost == pytest.approx(x86.duration_cost * ratio)
    assert arm.request_cost == x86.request_cost
    assert arm.total_cost < x86.total_cost


def test_usage_past_a_tier_boundary_is_priced_at_the_next_tier(book: PriceBook) -> None:
    first, second, _ = book.aws_lambda.duration["x86_64"].tiers
    assert first.up_to is not None
    # 10,240 MB for 1 s is 10 GB-s per invocation.
    at_boundary = lambda_cost(10240, 1000, first.up_to / 10)
    assert at_boundary.duration_cost == pytest.approx(first.up_to * first.value)
    beyond = lambda_cost(10240, 1000, first.up_to / 10 + 100_000_000)
    expected = first.up_to * first.value + 1e9 * second.value
    assert beyond.duration_cost == pytest.approx(expected)
    assert len(beyond.duration_tiers) == 2


def test_arm_tiers_start_later_than_x86_tiers(book: PriceBook) -> None:
    x86_first = book.aws_lambda.duration["x86_64"].tiers[0].up_to
    arm_first = book.aws_lambda.duration["arm64"].tiers[0].up_to
    assert x86_first is not None and arm_first is not None and arm_first > x86_first
    invocations = x86_first / 10 + 100_000_000  # just past the x86 boundary
    assert len(lambda_cost(10240, 1000, invocations, arch="x86_64").duration_tiers) == 2
    assert len(lambda_cost(10240, 1000, invocations, arch="arm64").duration_tiers) == 1


def test_free_tier_only_when_asked(book: PriceBook) -> None:
    lam = book.aws_lambda
    small = lambda_cost(128, 100, 500_000, free_tier=True)
    assert small.total_cost == 0
    assert lambda_cost(128, 100, 500_000).total_cost > 0

    big = lambda_cost(1024, 1000, 3_000_000, free_tier=True)
    assert big.billable_requests == 3_000_000 - lam.free_requests
    assert big.billable_gb_seconds == pytest.approx(3_000_000 - lam.free_gb_seconds)
    assert big.request_cost == pytest.approx((3_000_000 - lam.free_requests) * lam.request)


def test_ephemeral_storage_above_the_included_size_costs_extra(book: PriceBook) -> None:
    lam = book.aws_lambda
    included = lambda_cost(1024, 1000, 1_000_000)
    assert included.storage_cost == 0
    bigger = lambda_cost(1024, 1000, 1_000_000, ephemeral_mb=lam.ephemeral_included_mb + 1024)
    assert bigger.storage_cost == pytest.approx(1_000_000 * 1.0 * 1.0 * lam.ephemeral_storage)
    assert bigger.total_cost == pytest.approx(included.total_cost + bigger.storage_cost)


@pytest.mark.parametrize(
    ("arguments", "hint_word"),
    [
        ({"memory_mb": 64}, "128"),
        ({"memory_mb": 10241}, "10,240"),
        ({"memory_mb": 1000.5}, "1 MB"),
        ({"arch": "arm"}, "arm64"),
        ({"ephemeral_mb": 100}, "512"),
    ],
)
def test_inputs_lambda_does_not_offer_are_friendly_errors(
    arguments: dict[str, object], hint_word: str
) -> None:
    call: dict[str, object] = {"memory_mb": 128, "duration_ms": 10, "invocations": 1}
    call.update(arguments)
    with pytest.raises(CostInputError) as caught:
        lambda_cost(**call)  # type: ignore[arg-type]
    assert hint_word in (caught.value.hint or "")


def test_negative_counts_are_refused() -> None:
    with pytest.raises(CostInputError):
        lambda_cost(128, 10, -1)
    with pytest.raises(CostInputError):
        lambda_cost(128, -5, 1)


def test_result_displays_as_text_html_and_json_ready_dict() -> None:
    cost = lambda_cost(1024, 28, 60_000_000)
    assert "$40.00" in str(cost)
    page = cost._repr_html_()
    assert "$40.00" in page and "<script" not in page
    data = cost.as_dict()
    assert data["total_cost"] == cost.total_cost
    assert data["currency"] == "USD"

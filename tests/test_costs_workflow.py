"""WorkflowCost: one execution priced from its measured parts, per execution and per month."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

from workshop_lib.costs import SERVICES, CostInputError, LambdaInvocation, WorkflowCost, lambda_cost
from workshop_lib.pricing import PriceBook, load_prices


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_prices()


def _workflow(**changes: object) -> WorkflowCost:
    parts: dict[str, object] = {
        "lambdas": [
            LambdaInvocation(1024, 120, "x86_64", name="resize"),
            (512, 30, "arm64"),
            {"memory_mb": 128, "billed_ms": 5},
        ],
        "transitions": 8,
        "s3_tier1_requests": 2,
        "s3_tier2_requests": 1,
        "dynamodb_wru": 1,
        "dynamodb_rru": 2,
        "sns_publishes": 1,
        "name": "thumbnails",
    }
    parts.update(changes)
    return WorkflowCost(**parts)  # type: ignore[arg-type]


def test_per_execution_adds_up_each_service(book: PriceBook) -> None:
    workflow = _workflow()
    lambdas = sum(
        lambda_cost(m, ms, 1, arch).total_cost
        for m, ms, arch in ((1024, 120, "x86_64"), (512, 30, "arm64"), (128, 5, "x86_64"))
    )
    parts = workflow.by_service
    assert list(parts) == list(SERVICES)
    assert parts["Lambda"] == pytest.approx(lambdas)
    assert parts["Step Functions"] == pytest.approx(8 * book.step_functions.standard_transition)
    assert parts["S3"] == pytest.approx(2 * book.s3.tier1_request + book.s3.tier2_request)
    assert parts["DynamoDB"] == pytest.approx(
        book.dynamodb.write_request_unit + 2 * book.dynamodb.read_request_unit
    )
    assert parts["SNS"] == pytest.approx(book.sns.publish)
    assert workflow.per_execution == pytest.approx(sum(parts.values()))
    assert workflow.per_thousand == pytest.approx(1000 * workflow.per_execution)


def test_a_month_without_free_tier_is_volume_times_one_execution() -> None:
    workflow = _workflow()
    month = workflow.monthly(50_000)
    assert month.total == pytest.approx(50_000 * workflow.per_execution)
    assert float(month) == month.total


def test_free_tiers_make_a_small_month_cheaper(book: PriceBook) -> None:
    workflow = _workflow()
    month = workflow.monthly(400, free_tier=True)  # 3,200 transitions: inside the free 4,000
    assert month.by_service["Lambda"] == 0
    assert month.by_service["Step Functions"] == 0
    assert month.by_service["SNS"] == 0
    assert month.by_service["S3"] > 0  # no always-free S3 requests in the data
    bigger = workflow.monthly(1000, free_tier=True)
    expected = (8 * 1000 - book.step_functions.standard_free_transitions) * (
        book.step_functions.standard_transition
    )
    assert bigger.by_service["Step Functions"] == pytest.approx(expected)


def test_an_express_workflow_is_priced_per_start_and_duration(book: PriceBook) -> None:
    express = _workflow(workflow_type="express", express_duration_ms=250, express_memory_mb=100)
    sfn = book.step_functions
    gb_hours = 0.3 * 128 / 1024 / 3600  # billed: 300 ms, 128 MB
    expected = sfn.express_request + gb_hours * sfn.express_gb_hour.first
    assert express.by_service["Step Functions"] == pytest.approx(expected)


def test_express_without_a_duration_is_refused() -> None:
    with pytest.raises(CostInputError):
        _workflow(workflow_type="express")


def test_unreadable_lambda_entries_are_refused() -> None:
    with pytest.raises(CostInputError):
        _workflow(lambdas=["fast"])
    with pytest.raises(CostInputError):
        _workflow(lambdas=[(64, 10)])


def test_billed_milliseconds_are_rounded_up() -> None:
    rounded = WorkflowCost(lambdas=[(1024, 99.2)])
    exact = WorkflowCost(lambdas=[(1024, 100)])
    assert rounded.per_execution == exact.per_execution


def test_displays_and_stacked_bar_plot() -> None:
    workflow = _workflow()
    page = workflow._repr_html_()
    assert "thumbnails" in page and "<script" not in page
    assert "per 1,000" in str(workflow)
    assert "<script" not in workflow.monthly(1000)._repr_html_()
    figure = workflow.plot(volumes=(1_000, 1_000_000))
    bars = figure.axes[0].patches
    assert len(bars) == len(SERVICES) * 2

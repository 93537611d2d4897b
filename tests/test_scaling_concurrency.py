"""Lambda concurrency model: limits, scaling rate, reserved concurrency, throttles and retries."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

from workshop_lib.pricing import PriceBook, load_prices
from workshop_lib.scaling import RetryPolicy, ScalingInputError, lambda_concurrency


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_prices()


def _conserved(timeline) -> None:  # type: ignore[no-untyped-def]
    total = timeline.succeeded + timeline.failed + timeline.still_retrying
    assert total == pytest.approx(timeline.requests)


def test_traffic_within_the_limit_is_never_throttled() -> None:
    timeline = lambda_concurrency([200.0] * 30, duration_ms=2500)
    assert timeline.throttle_events == 0
    assert timeline.succeeded == pytest.approx(timeline.requests)
    # Little's law once steady: 200 requests/s x 2.5 s.
    assert timeline.concurrency[10] == pytest.approx(500)
    _conserved(timeline)


def test_short_requests_use_a_fraction_of_an_environment_second() -> None:
    timeline = lambda_concurrency([1000.0] * 5, duration_ms=100)
    assert timeline.concurrency[2] == pytest.approx(100)


def test_defaults_come_from_the_price_data(book: PriceBook) -> None:
    timeline = lambda_concurrency([1.0], duration_ms=10)
    assert timeline.limit_cap == book.aws_lambda.account_concurrency
    assert timeline.scale_rate == book.aws_lambda.environments_per_10s


def test_concurrency_never_exceeds_the_limit_and_the_rest_fails_without_retry() -> None:
    timeline = lambda_concurrency([3000.0] * 20, duration_ms=1500, account_limit=1000)
    assert max(timeline.concurrency) <= 1000 + 1e-9
    assert timeline.failed > 0
    assert timeline.failed == pytest.approx(timeline.throttle_events)
    _conserved(timeline)


def test_new_environments_are_limited_per_ten_seconds() -> None:
    timeline = lambda_concurrency([400.0] * 40, duration_ms=2000, scale_rate=100)
    for second, limit in enumerate(timeline.limit):
        assert limit <= 100 * (second // 10 + 1) + 1e-9
    assert timeline.concurrency[35] == pytest.approx(400)  # the 4th window allows 400, all busy
    assert timeline.throttle_events > 0


def test_reserved_concurrency_caps_the_function() -> None:
    timeline = lambda_concurrency([100.0] * 10, duration_ms=1000, reserved=50)
    assert max(timeline.concurrency) == pytest.approx(50)
    stopped = lambda_concurrency([10.0] * 3, duration_ms=100, reserved=0)
    assert stopped.succeeded == 0 and stopped.failed == pytest.approx(30)
    with pytest.raises(ScalingInputError):
        lambda_concurrency([1.0], duration_ms=100, account_limit=10, reserved=20)


def test_retries_re_drive_a_burst_until_it_succeeds() -> None:
    burst = [2000.0] * 3 + [0.0] * 10
    policy = RetryPolicy(interval_seconds=2, backoff_rate=2, max_attempts=6)
    timeline = lambda_concurrency(burst, duration_ms=1000, account_limit=1000, retry=policy)
    assert timeline.failed == pytest.approx(0)
    assert timeline.succeeded == pytest.approx(timeline.requests)
    assert timeline.succeeded_after_retry > 0
    # The first retries of second 0's throttles arrive IntervalSeconds later.
    assert timeline.retries[1] == 0 and timeline.retries[2] > 0
    _conserved(timeline)


def test_too_few_retries_still_fail() -> None:
    steady_overload = [3000.0] * 30
    few = lambda_concurrency(steady_overload, 1000, retry=RetryPolicy(1, 1, 1))
    many = lambda_concurrency(steady_overload, 1000, retry=RetryPolicy(1, 2, 6))
    assert few.failed > 0
    assert many.succeeded >= few.succeeded
    _conserved(few)
    _conserved(many)


def test_retry_policy_waits_follow_the_documented_example() -> None:
    policy = RetryPolicy(interval_seconds=3, backoff_rate=1.5, max_attempts=2)
    assert [policy.delay(1), policy.delay(2)] == [3, 4.5]
    capped = RetryPolicy(2, 2, 6, max_delay_seconds=10)
    assert [capped.delay(n) for n in range(1, 6)] == [2, 4, 8, 10, 10]


def test_retry_policy_from_asl_fills_in_step_functions_defaults(book: PriceBook) -> None:
    policy = RetryPolicy.from_asl({"ErrorEquals": ["Lambda.TooManyRequestsException"]})
    sfn = book.step_functions
    assert policy.interval_seconds == sfn.retry_interval_seconds
    assert policy.backoff_rate == sfn.retry_backoff_rate
    assert policy.max_attempts == sfn.retry_max_attempts
    with pytest.raises(ScalingInputError):
        RetryPolicy(1, 0.5, 3)


def test_displays_and_plot() -> None:
    timeline = lambda_concurrency([1500.0] * 5, 1000, retry=RetryPolicy(1, 2, 3))
    assert "<script" not in timeline._repr_html_()
    assert "Retry" in str(timeline)
    figure = timeline.plot()
    assert len(figure.axes) == 2

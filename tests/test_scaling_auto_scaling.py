"""The Auto Scaling simulator: its invariants, target tracking, Spot, the FIFO queue, costs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import math

import pytest

from workshop_lib.pricing import PriceBook, PriceDataError, load_prices
from workshop_lib.scaling import (
    ON_DEMAND,
    SPOT,
    FifoQueue,
    ScalingInputError,
    ScalingResult,
    simulate_auto_scaling,
    traffic_with_spike,
)


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_prices()


SPIKE = traffic_with_spike(base_rps=100, peak_rps=500, steps=90, spike_start=20, spike_steps=25)


def _busy_run(**changes: object) -> ScalingResult:
    settings: dict[str, object] = {
        "capacity_per_instance": 50,
        "min_size": 2,
        "max_size": 12,
        "on_demand_base": 1,
        "spot_share_above_base": 0.75,
        "spot_interruptions": 3.0,
        "spot_available": [step % 5 != 0 for step in range(len(SPIKE))],
        "seed": 7,
    }
    settings.update(changes)
    return simulate_auto_scaling(SPIKE, **settings)  # type: ignore[arg-type]


def _group_size(result: ScalingResult, moment: float) -> int:
    return sum(1 for i in result.instances if i.alive_at(moment))


# -- invariants --------------------------------------------------------------------------------


def test_capacity_stays_between_min_and_max_at_all_times() -> None:
    result = _busy_run()
    assert any(i.instance_id is not None for i in result.interruptions)  # the run was eventful
    for moment in range(0, int(result.duration_s), 5):
        assert 2 <= _group_size(result, moment) <= 12, moment
    for step in result.steps:
        assert 2 <= step.desired <= 12


def test_with_a_queue_nothing_is_dropped_and_everything_is_served_eventually() -> None:
    traffic = [*SPIKE, *[0.0] * 30]  # quiet time at the end to drain the queue
    result = simulate_auto_scaling(
        traffic, capacity_per_instance=50, min_size=2, max_size=30, queue=FifoQueue()
    )
    assert result.total_dropped == 0
    assert result.backlog_at_end == pytest.approx(0, abs=1e-6)
    assert result.total_served == pytest.approx(result.total_requests)
    assert max(result.series("queue_depth")) > 0
    assert max(result.series("oldest_message_age_s")) > 0


def test_without_a_queue_what_cannot_be_served_is_dropped() -> None:
    result = simulate_auto_scaling(SPIKE, capacity_per_instance=50, min_size=2, max_size=4)
    assert result.total_dropped > 0
    for step in result.steps:
        assert step.served + step.dropped == pytest.approx(step.arrived)
        assert step.served <= step.capacity_rps * result.step_s + 1e-6


def test_every_spot_interruption_is_followed_by_a_replacement(book: PriceBook) -> None:
    notice = book.ec2.interruption_notice_s
    steady = [300.0] * 60  # steady load: the group never scales in
    result = simulate_auto_scaling(
        steady,
        capacity_per_instance=50,
        min_size=8,
        max_size=8,
        spot_share_above_base=1.0,
        spot_interruptions=[600, 900, 1500, 2000],
        spot_available=[not 14 <= step < 18 for step in range(60)],  # no Spot around 900-1080 s
        on_demand_fallback=True,  # a self-built fallback: AWS's group has none
    )
    hits = [i for i in result.interruptions if i.instance_id is not None]
    assert len(hits) == 4
    for interruption in hits:
        gone = result.instances[interruption.instance_id]
        assert gone.ended_s == pytest.approx(interruption.notice_s + notice)
        assert interruption.replacement_id is not None
        replacement = result.instances[interruption.replacement_id]
        assert replacement.replaces == gone.id
        assert replacement.launched_s == pytest.approx(gone.ended_s)
    markets = {i.notice_s: result.instances[i.replacement_id].market for i in hits}  # type: ignore[index]
    assert markets[900] == ON_DEMAND  # gone at 1,020 s, when no Spot was available
    assert markets[600] == SPOT
    assert result.instances[hits[1].replacement_id].fallback  # type: ignore[index]


def test_without_spot_capacity_the_group_launches_no_on_demand_and_stays_short() -> None:
    # AWS: a group with a Spot share does not switch to On-Demand when Spot is unavailable.
    no_spot_in_the_rush = [not 20 <= step < 45 for step in range(len(SPIKE))]
    settings = {
        "capacity_per_instance": 50,
        "min_size": 2,
        "max_size": 12,
        "on_demand_base": 2,
        "spot_share_above_base": 0.8,
        "spot_available": no_spot_in_the_rush,
    }
    as_aws = simulate_auto_scaling(SPIKE, **settings)  # type: ignore[arg-type]
    spot_fine = simulate_auto_scaling(SPIKE, **{**settings, "spot_available": True})  # type: ignore[arg-type]
    own_fallback = simulate_auto_scaling(SPIKE, **settings, on_demand_fallback=True)  # type: ignore[arg-type]
    assert not any(i.fallback for i in as_aws.instances)
    assert as_aws.shortfall_instance_minutes > 0 and spot_fine.shortfall_instance_minutes == 0
    assert as_aws.total_dropped > spot_fine.total_dropped
    # The fallback you build serves the rush, at On-Demand prices.
    assert any(i.fallback and i.market == ON_DEMAND for i in own_fallback.instances)
    assert own_fallback.total_dropped < as_aws.total_dropped
    assert own_fallback.total_cost > spot_fine.total_cost
    assert "not an AWS feature" in str(own_fallback) and "not an AWS feature" not in str(as_aws)


def test_capacity_rebalancing_launches_the_replacement_at_the_notice() -> None:
    steady = [300.0] * 60
    common = {"capacity_per_instance": 50, "min_size": 8, "max_size": 8}
    late = simulate_auto_scaling(
        steady, **common, spot_share_above_base=1.0, spot_interruptions=[600]
    )
    early = simulate_auto_scaling(
        steady,
        **common,
        spot_share_above_base=1.0,
        spot_interruptions=[600],
        capacity_rebalance=True,
    )
    (hit_late,) = [i for i in late.interruptions if i.instance_id is not None]
    (hit_early,) = [i for i in early.interruptions if i.instance_id is not None]
    assert late.instances[hit_late.replacement_id].launched_s > 600  # type: ignore[index]
    assert early.instances[hit_early.replacement_id].launched_s == 600  # type: ignore[index]
    # Ready sooner, so the group loses less capacity to the interruption.
    assert early.total_served >= late.total_served


def test_cost_is_instance_seconds_times_price(book: PriceBook) -> None:
    result = _busy_run()
    price = {ON_DEMAND: book.ec2.on_demand_price("m5.large"), SPOT: book.ec2.spot_price("m5.large")}
    seconds = {
        market: sum(
            i.seconds_alive(0, result.duration_s) for i in result.instances if i.market == market
        )
        for market in price
    }
    expected = sum(seconds[m] * price[m] / 3600 for m in price)
    assert result.total_cost == pytest.approx(expected)
    assert result.on_demand_baseline_cost == pytest.approx(
        sum(seconds.values()) * price[ON_DEMAND] / 3600
    )
    assert result.total_cost < result.on_demand_baseline_cost  # Spot made it cheaper
    for step in result.steps:
        assert step.cost_per_hour == pytest.approx(step.cost / result.step_s * 3600)


# -- target tracking ---------------------------------------------------------------------------


def test_scales_out_to_the_capacity_that_meets_the_target() -> None:
    load, per_instance, target = 600.0, 50.0, 75.0
    result = simulate_auto_scaling(
        [load] * 60, capacity_per_instance=per_instance, min_size=2, max_size=50, warmup_s=120
    )
    needed = math.ceil(load / (per_instance * target / 100))
    assert result.steps[-1].desired == needed
    last = result.steps[-1]
    assert last.cpu_percent == pytest.approx(100 * load / (needed * per_instance))
    assert last.dropped == 0


def test_warming_instances_serve_nothing_until_warm_up_ends() -> None:
    result = simulate_auto_scaling(
        [200.0] * 20, capacity_per_instance=50, min_size=1, max_size=10, warmup_s=300
    )
    first_launch = min(i.launched_s for i in result.instances if i.launched_s > 0)
    warm_at = first_launch + 300
    before = [s for s in result.steps if first_launch <= s.time_s and s.time_s + 60 <= warm_at]
    assert before and all(s.capacity_rps == pytest.approx(50) for s in before)
    assert all(s.warming > 0 for s in before)
    after = [s for s in result.steps if s.time_s >= warm_at]
    assert after[0].capacity_rps > 50


def test_scale_in_waits_for_a_sustained_low_metric() -> None:
    traffic = [400.0] * 20 + [50.0] * 40
    result = simulate_auto_scaling(
        traffic, capacity_per_instance=50, min_size=1, max_size=20, scale_in_after_s=600
    )
    peak = result.steps[19].desired
    assert peak > 2
    quiet = result.steps[20:]
    assert all(s.desired == peak for s in quiet[:10])  # ten minutes below target first
    assert quiet[-1].desired < peak


def test_spot_share_above_the_base(book: PriceBook) -> None:
    result = simulate_auto_scaling(
        [1000.0] * 40,
        capacity_per_instance=50,
        min_size=4,
        max_size=40,
        on_demand_base=4,
        spot_share_above_base=0.75,
    )
    last = result.steps[-1]
    above = last.desired - 4
    assert last.on_demand + last.spot + last.warming == last.desired
    assert last.on_demand == 4 + math.ceil(above * 0.25)


# -- the FIFO queue ----------------------------------------------------------------------------


def test_queue_send_limit_holds_messages_back_without_losing_them(book: PriceBook) -> None:
    limit = book.sqs_fifo.transactions_per_second  # without batching
    traffic = [limit * 2] * 5 + [0.0] * 10
    result = simulate_auto_scaling(
        traffic,
        capacity_per_instance=1000,
        min_size=2,
        max_size=2,
        queue=FifoQueue(batching=False),
    )
    assert result.steps[0].waiting_to_send == pytest.approx(limit * 60)
    assert max(s.served for s in result.steps) <= limit * 60 + 1e-6
    assert result.total_dropped == 0
    assert result.total_served == pytest.approx(result.total_requests)


# -- inputs and helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"min_size": 0},
        {"min_size": 5, "max_size": 3},
        {"target_cpu": 0},
        {"spot_share_above_base": 1.5},
        {"spot_available": [True, False]},
    ],
)
def test_impossible_settings_are_friendly_errors(changes: dict[str, object]) -> None:
    settings: dict[str, object] = {"capacity_per_instance": 10, "min_size": 1, "max_size": 5}
    settings.update(changes)
    with pytest.raises(ScalingInputError):
        simulate_auto_scaling([10.0] * 3, **settings)  # type: ignore[arg-type]


def test_unknown_instance_type_names_the_known_ones() -> None:
    with pytest.raises(PriceDataError):
        simulate_auto_scaling([1.0], capacity_per_instance=1, instance_type="z9.mega")


def test_traffic_with_spike_shape() -> None:
    traffic = traffic_with_spike(100, 400, steps=60, spike_start=10, spike_steps=10, ramp_steps=4)
    assert len(traffic) == 60
    assert traffic[:10] == [100.0] * 10
    assert traffic[14:24] == [400.0] * 10
    assert traffic[-10:] == [100.0] * 10
    assert traffic[10] < traffic[12] < traffic[14]
    noisy = traffic_with_spike(100, 400, steps=60, noise=0.1, seed=1)
    assert noisy != traffic_with_spike(100, 400, steps=60)
    assert noisy == traffic_with_spike(100, 400, steps=60, noise=0.1, seed=1)


def test_displays_and_plot() -> None:
    result = _busy_run(queue=FifoQueue())
    page = result._repr_html_()
    assert "<script" not in page and "Spot" in page
    assert "On-Demand" in str(result)
    figure = result.plot()
    assert len(figure.axes) >= 5


def test_scale_in_keeps_the_on_demand_base() -> None:
    traffic = [100.0] * 5 + [600.0] * 30 + [50.0] * 40
    result = simulate_auto_scaling(
        traffic,
        capacity_per_instance=50,
        min_size=2,
        max_size=20,
        on_demand_base=2,
        spot_share_above_base=1.0,
        scale_in_after_s=300,
    )
    assert result.steps[-1].desired < max(s.desired for s in result.steps)  # it did scale in
    for moment in range(0, int(result.duration_s), 30):
        on_demand = [i for i in result.instances if i.alive_at(moment) and i.market == ON_DEMAND]
        assert len(on_demand) >= 2, moment

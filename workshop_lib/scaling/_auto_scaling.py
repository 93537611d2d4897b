"""A discrete-time model of an EC2 Auto Scaling group with a target tracking policy on CPU.

What it follows from AWS's documentation (see the price data for the limits it reads):

* the desired capacity is the warmed instances x (CPU / target), rounded up, so the group scales
  out in proportion to the overload, quickly; it never adds capacity while below target;
* instances still warming up serve nothing here and are left out of the metric and out of the
  capacity the next scale-out starts from ("don't add more than needed");
* a saturated group shows 100% CPU, however large the overload, so each scale-out can add at
  most 100/target - 1 of the warmed capacity (a third at a 75% target);
* it scales in only after the CPU has stayed below target for `scale_in_after_s`, never while a
  scale-out is warming up, and again rounds up (removes the smaller number);
* an On-Demand base is filled first; above it, `spot_share_above_base` of the capacity is Spot;
* when no Spot capacity is available, the group does **not** launch On-Demand instead: it keeps
  its mix, stays short of its desired capacity and tries again (every step here);
* a Spot interruption gives a two-minute notice, then the instance is gone and the group launches
  a replacement; with Capacity Rebalancing it launches the replacement as soon as the instance is
  at risk (here: at the notice; AWS's rebalance recommendation can come earlier, never later).

The model's own rules, not AWS's:

* one instance type and one Spot price; CPU is proportional to the requests served; instances
  serve nothing while warming up; Spot availability is an input (True/False per step), where in
  AWS several instance types with `price-capacity-optimized` make "no Spot at all" rarer;
* the On-Demand share above the base is rounded up; scale-in waits `scale_in_after_s`;
* `on_demand_fallback=True` stands for a fallback you build yourself (a second, On-Demand group,
  or a function that raises OnDemandPercentageAboveBaseCapacity when Spot launches fail): its
  instances are On-Demand, billed at the On-Demand price.

Instance time is billed per second at the prices in the price book.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Sequence

from ..pricing import PriceBook, load_prices
from ._errors import ScalingInputError, require_non_negative, require_positive
from ._fleet import ON_DEMAND, SPOT, Fleet
from ._queue import Backlog, FifoQueue
from ._scaling_result import Interruption, ScalingResult, StepRecord

_NOTICE, _DEPARTURE = 0, 1


def simulate_auto_scaling(
    traffic: Sequence[float],
    capacity_per_instance: float,
    min_size: int = 1,
    max_size: int = 10,
    target_cpu: float = 75.0,
    warmup_s: float = 300.0,
    *,
    instance_type: str = "m5.large",
    on_demand_base: int = 0,
    spot_share_above_base: float = 0.0,
    spot_interruptions: float | Sequence[float] | None = None,
    spot_available: bool | Sequence[bool] = True,
    on_demand_fallback: bool = False,
    capacity_rebalance: bool = False,
    seed: int = 0,
    queue: FifoQueue | None = None,
    scale_in_after_s: float = 900.0,
    initial_size: int | None = None,
    step_s: float = 60.0,
    prices: PriceBook | None = None,
) -> ScalingResult:
    """Simulate the group through `traffic` (requests per second in each step of `step_s`).

    `capacity_per_instance`: requests per second one instance serves at 100% CPU.
    `spot_interruptions`: a rate (interruptions per Spot instance-hour, drawn with `seed`) or
    the times in seconds at which one running Spot instance gets its notice.
    `spot_available`: whether Spot capacity can be launched, for all steps or per step.
    `on_demand_fallback`: launch On-Demand when Spot cannot be (a self-built rule, not AWS's).
    `capacity_rebalance`: replace an at-risk Spot instance at its notice, not at its departure.
    `queue`: an SQS FIFO queue in front of the group; without it, what the warmed instances
    cannot serve in a step is dropped. Defaults of 0 On-Demand base and 0% Spot match AWS's.
    """
    book = prices or load_prices()
    loads = [require_non_negative("traffic", rate) for rate in traffic]
    step = require_positive("step_s", step_s)
    per_instance = require_positive("capacity_per_instance", capacity_per_instance)
    _check_sizes(min_size, max_size, initial_size)
    if not 0 < target_cpu < 100:
        raise ScalingInputError(
            f"target_cpu must be between 0 and 100, not {target_cpu!r}.",
            hint="AWS's examples use 40 or 50; the workbook uses 75.",
        )
    if not 0 <= spot_share_above_base <= 1:
        raise ScalingInputError(
            f"spot_share_above_base must be between 0 and 1, not {spot_share_above_base!r}.",
            hint="0.8 means 80% Spot above the On-Demand base "
            "(OnDemandPercentageAboveBaseCapacity=20).",
        )
    require_non_negative("on_demand_base", on_demand_base)
    require_non_negative("warmup_s", warmup_s)
    require_non_negative("scale_in_after_s", scale_in_after_s)
    price = {
        ON_DEMAND: book.ec2.on_demand_price(instance_type),
        SPOT: book.ec2.spot_price(instance_type),
    }
    notice_s = book.ec2.interruption_notice_s
    spot_ok = _per_step(spot_available, len(loads))
    rng = random.Random(seed)
    rate, events = _interruption_plan(spot_interruptions)

    fleet = Fleet(
        warmup_s, int(on_demand_base), spot_share_above_base, on_demand_fallback=on_demand_fallback
    )
    desired = initial_size if initial_size is not None else min_size
    fleet.grow(desired, desired, 0.0, spot_ok[0] if spot_ok else True, ready_now=True)
    backlog = Backlog(queue.messages_per_second(book)) if queue is not None else None
    interruptions: list[Interruption] = []
    records: list[StepRecord] = []
    below_target_s = 0.0

    for index, load in enumerate(loads):
        start, end = index * step, (index + 1) * step
        snapshot = _counts(fleet, start)
        if rate:
            chance = 1 - math.exp(-rate * step / 3600)
            for instance in fleet.alive(start):
                if instance.market == SPOT and instance.notice_s is None and rng.random() < chance:
                    heapq.heappush(events, (start + rng.random() * step, _NOTICE, instance.id))

        while events and events[0][0] <= end:  # a departure at `end` is replaced before scaling
            moment, kind, instance_id = heapq.heappop(events)
            if kind == _NOTICE:
                hit = _give_notice(fleet, moment, instance_id, notice_s, rng)
                interruptions.append(Interruption(moment, hit))
                if hit is not None:
                    heapq.heappush(events, (moment + notice_s, _DEPARTURE, hit))
                    if capacity_rebalance:  # the replacement starts now, beside the old one
                        _replace(fleet, moment, hit, spot_ok[index], interruptions)
            else:
                _replace_departed(
                    fleet, moment, instance_id, desired, spot_ok[index], interruptions
                )

        serving_s = sum(i.seconds_serving(start, end) for i in fleet.instances)
        capacity = serving_s * per_instance  # requests the warmed instances can serve this step
        arrived = load * step
        if backlog is not None:
            backlog.send(arrived, start, step)
            served, dropped = backlog.receive(capacity, step), 0.0
        else:
            served = min(arrived, capacity)
            dropped = arrived - served
        cpu = 100.0 * served / capacity if capacity > 0 else None
        cost = sum(i.seconds_alive(start, end) * price[i.market] for i in fleet.instances) / 3600

        records.append(
            StepRecord(
                time_s=start,
                traffic_rps=load,
                desired=desired,
                capacity_rps=capacity / step,
                cpu_percent=cpu,
                arrived=arrived,
                served=served,
                dropped=dropped,
                queue_depth=backlog.depth if backlog else 0.0,
                oldest_message_age_s=backlog.oldest_age(end) if backlog else 0.0,
                waiting_to_send=backlog.waiting_to_send if backlog else 0.0,
                cost=cost,
                cost_per_hour=cost / step * 3600,
                **snapshot,
            )
        )

        # Target tracking decides at the end of the step, from this step's metric.
        if cpu is not None:
            needed = math.ceil(served / step / (per_instance * target_cpu / 100) - 1e-9)
            if cpu > target_cpu:
                below_target_s = 0.0
                desired = max(desired, min(max_size, needed))
            elif cpu < target_cpu:
                below_target_s += step
                scale_out_in_progress = bool(fleet.warming(end))
                if below_target_s >= scale_in_after_s and not scale_out_in_progress:
                    desired = min(desired, max(min_size, needed))
                    below_target_s = 0.0
            else:
                below_target_s = 0.0
        running = len(fleet.alive(end))
        next_spot_ok = spot_ok[index + 1] if index + 1 < len(spot_ok) else spot_ok[index]
        if running < desired:
            fleet.grow(desired - running, desired, end, next_spot_ok)
        elif running > desired:
            fleet.shrink(running - desired, desired, end)

    return ScalingResult(
        on_demand_fallback=on_demand_fallback,
        capacity_rebalance=capacity_rebalance,
        step_s=step,
        instance_type=instance_type,
        min_size=min_size,
        max_size=max_size,
        target_cpu=float(target_cpu),
        on_demand_price=price[ON_DEMAND],
        spot_price=price[SPOT],
        uses_queue=backlog is not None,
        steps=tuple(records),
        instances=tuple(fleet.instances),
        interruptions=tuple(interruptions),
    )


def _check_sizes(min_size: int, max_size: int, initial_size: int | None) -> None:
    if min_size < 1:
        raise ScalingInputError(
            f"min_size must be at least 1, not {min_size!r}.",
            hint="A CPU target tracking policy cannot scale out from zero instances: "
            "with no instance there is no CPU to measure.",
        )
    if max_size < min_size:
        raise ScalingInputError(f"max_size ({max_size}) is below min_size ({min_size}).")
    if initial_size is not None and not min_size <= initial_size <= max_size:
        raise ScalingInputError(
            f"initial_size ({initial_size}) must be between min_size and max_size."
        )


def _per_step(flag: bool | Sequence[bool], steps: int) -> list[bool]:
    if isinstance(flag, bool):
        return [flag] * steps
    values = [bool(v) for v in flag]
    if len(values) != steps:
        raise ScalingInputError(
            f"spot_available has {len(values)} values for {steps} steps.",
            hint="Give one True/False per traffic step, or a single True/False.",
        )
    return values


def _interruption_plan(
    spot_interruptions: float | Sequence[float] | None,
) -> tuple[float, list[tuple[float, int, int]]]:
    """(rate per Spot instance-hour, scheduled notice events)."""
    if spot_interruptions is None:
        return 0.0, []
    if isinstance(spot_interruptions, int | float):
        return require_non_negative("spot_interruptions", spot_interruptions), []
    times = [require_non_negative("interruption time", t) for t in spot_interruptions]
    events = [(t, _NOTICE, -1) for t in times]
    heapq.heapify(events)
    return 0.0, events


def _give_notice(
    fleet: Fleet, moment: float, instance_id: int, notice_s: float, rng: random.Random
) -> int | None:
    """Notify the instance chosen (or, for scheduled notices, a random running Spot instance)."""
    candidates = [i for i in fleet.alive(moment) if i.market == SPOT and i.notice_s is None]
    if instance_id >= 0:
        candidates = [i for i in candidates if i.id == instance_id]
    if not candidates:
        return None
    chosen = candidates[0] if instance_id >= 0 else rng.choice(candidates)
    return fleet.notify(chosen, moment, notice_s).id


def _replace_departed(
    fleet: Fleet,
    moment: float,
    instance_id: int,
    desired: int,
    spot_ok: bool,
    interruptions: list[Interruption],
) -> None:
    departed = fleet.instances[instance_id]
    if departed.end_reason != "spot interruption" or departed.ended_s != moment:
        return  # already terminated by a scale-in during its notice
    if any(i.replaces == instance_id for i in fleet.instances):
        return  # Capacity Rebalancing replaced it at its notice
    if len(fleet.alive(moment)) >= desired:
        return
    _replace(fleet, moment, instance_id, spot_ok, interruptions)


def _replace(
    fleet: Fleet,
    moment: float,
    instance_id: int,
    spot_ok: bool,
    interruptions: list[Interruption],
) -> None:
    """Launch a replacement for an interrupted Spot instance: Spot, or (only with a self-built
    fallback) On-Demand; without Spot capacity and without a fallback, nothing, for now."""
    if spot_ok:
        replacement = fleet.launch(SPOT, moment, replaces=instance_id)
    elif fleet.on_demand_fallback:
        replacement = fleet.launch(ON_DEMAND, moment, replaces=instance_id, fallback=True)
    else:
        return  # the group stays short and tries again at the end of the step
    for index, record in enumerate(interruptions):
        if record.instance_id == instance_id:
            interruptions[index] = Interruption(record.notice_s, instance_id, replacement.id)


def _counts(fleet: Fleet, moment: float) -> dict[str, int]:
    counts = {"on_demand": 0, "spot": 0, "warming": 0, "interrupting": 0}
    for instance in fleet.alive(moment):
        if instance.ready_s > moment:
            counts["warming"] += 1
        elif instance.market == ON_DEMAND:
            counts["on_demand"] += 1
        else:
            counts["spot"] += 1
        if instance.notice_s is not None:
            counts["interrupting"] += 1
    return counts

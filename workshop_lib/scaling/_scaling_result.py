"""What a simulated Auto Scaling run produced: per-step records, instances, costs, displays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..display import (
    TableReport,
    dollar_ticks,
    new_figure,
    number,
    theme,
    usd,
)
from ._fleet import ON_DEMAND, InstanceLife


@dataclass(frozen=True)
class StepRecord:
    """One time step. Instance counts are taken at the start of the step."""

    time_s: float
    traffic_rps: float
    on_demand: int
    """On-Demand instances past warm-up."""
    spot: int
    """Spot instances past warm-up."""
    warming: int
    interrupting: int
    """Spot instances that received their two-minute notice and are still running."""
    desired: int
    capacity_rps: float
    """Requests per second the warmed instances could serve, averaged over the step."""
    cpu_percent: float | None
    """Average CPU of the warmed instances (None: no warmed instance, no metric)."""
    arrived: float
    served: float
    dropped: float
    queue_depth: float
    oldest_message_age_s: float
    waiting_to_send: float
    """Messages producers could not send yet because the queue's send limit was reached."""
    cost: float
    cost_per_hour: float


@dataclass(frozen=True)
class Interruption:
    """A Spot interruption notice and what the group did about it."""

    notice_s: float
    instance_id: int | None
    """None when no Spot instance was running to interrupt."""
    replacement_id: int | None = None


@dataclass(frozen=True)
class ScalingResult(TableReport):
    """The outcome of `simulate_auto_scaling`."""

    step_s: float
    instance_type: str
    min_size: int
    max_size: int
    target_cpu: float
    on_demand_price: float
    spot_price: float
    uses_queue: bool
    steps: tuple[StepRecord, ...]
    instances: tuple[InstanceLife, ...]
    interruptions: tuple[Interruption, ...]
    on_demand_fallback: bool = False
    """Whether a self-built On-Demand fallback was modelled (AWS has none built in)."""
    capacity_rebalance: bool = False

    @property
    def duration_s(self) -> float:
        return len(self.steps) * self.step_s

    def series(self, name: str) -> list[Any]:
        """One field of every step, e.g. `result.series("cpu_percent")`."""
        return [getattr(step, name) for step in self.steps]

    # Totals ------------------------------------------------------------------------------------

    @property
    def total_requests(self) -> float:
        return sum(s.arrived for s in self.steps)

    @property
    def total_served(self) -> float:
        return sum(s.served for s in self.steps)

    @property
    def total_dropped(self) -> float:
        return sum(s.dropped for s in self.steps)

    @property
    def backlog_at_end(self) -> float:
        """Requests still queued or waiting to be sent when the simulation ended."""
        last = self.steps[-1] if self.steps else None
        return (last.queue_depth + last.waiting_to_send) if last else 0.0

    @property
    def total_cost(self) -> float:
        return sum(s.cost for s in self.steps)

    @property
    def on_demand_baseline_cost(self) -> float:
        """The same instance-seconds, all billed at the On-Demand price."""
        seconds = sum(i.seconds_alive(0.0, self.duration_s) for i in self.instances)
        return seconds * self.on_demand_price / 3600

    @property
    def max_size_fleet_cost(self) -> float:
        """A fixed On-Demand fleet of `max_size` instances for the whole run, for comparison."""
        return self.max_size * self.duration_s * self.on_demand_price / 3600

    @property
    def shortfall_instance_minutes(self) -> float:
        """Instance-minutes the group wanted but did not have (no Spot capacity to launch)."""
        return sum(
            max(0, s.desired - (s.on_demand + s.spot + s.warming)) * self.step_s / 60
            for s in self.steps
        )

    @property
    def peak_instances(self) -> int:
        return max((s.on_demand + s.spot + s.warming for s in self.steps), default=0)

    # Display -----------------------------------------------------------------------------------

    def _rows(self) -> list[tuple[str, str]]:
        launched_spot = sum(1 for i in self.instances if i.market != ON_DEMAND)
        fallbacks = sum(1 for i in self.instances if i.fallback)
        hit = [i for i in self.interruptions if i.instance_id is not None]
        replaced = sum(1 for i in hit if i.replacement_id is not None)
        rows = [
            ("requests", number(round(self.total_requests))),
            ("served", number(round(self.total_served))),
            ("dropped", number(round(self.total_dropped))),
        ]
        if self.uses_queue:
            rows.append(("still queued at the end", number(round(self.backlog_at_end))))
            rows.append(
                (
                    "oldest message age (max)",
                    f"{max(self.series('oldest_message_age_s'), default=0):,.0f} s",
                )
            )
        rows += [
            ("peak instances", str(self.peak_instances)),
            ("instances launched (Spot)", f"{len(self.instances)} ({launched_spot})"),
            ("Spot interruptions (replaced)", f"{len(hit)} ({replaced})"),
            ("instance-minutes short (no Spot to launch)", number(self.shortfall_instance_minutes)),
        ]
        if self.on_demand_fallback:
            rows.append(("On-Demand launched by your fallback", str(fallbacks)))
        rows += [
            ("cost", usd(self.total_cost)),
            ("same instance-hours all On-Demand", usd(self.on_demand_baseline_cost)),
            (f"fixed fleet of {self.max_size} On-Demand", usd(self.max_size_fleet_cost)),
        ]
        return rows

    def _title(self) -> str:
        hours = self.duration_s / 3600
        return (
            f"Auto Scaling group of {self.instance_type} ({self.min_size}-{self.max_size} "
            f"instances, CPU target {self.target_cpu:g}%) over {hours:.1f} h"
        )

    def _notes(self) -> list[str]:
        notes = [
            "AWS's rules: target tracking on average CPU (out in proportion, in slowly), "
            "warming instances left out of the metric, the On-Demand base first, a two-minute "
            "Spot notice"
            + (
                ", replacement at the notice (Capacity Rebalancing)"
                if self.capacity_rebalance
                else ""
            )
            + "; without Spot capacity the group launches no On-Demand instead: it stays short "
            "and keeps trying.",
            "The model's own: one instance type, CPU proportional to requests, warming instances "
            "serve nothing, Spot availability given per step.",
            f"Prices: On-Demand {usd(self.on_demand_price)}/h, Spot {usd(self.spot_price)}/h "
            "(an illustrative Spot price, see load_prices()).",
        ]
        if self.on_demand_fallback:
            notes.insert(
                2,
                "On-Demand fallback: not an AWS feature but one you would build (a second "
                "On-Demand group, or a function raising OnDemandPercentageAboveBaseCapacity when "
                "Spot launches fail); it runs at On-Demand prices.",
            )
        return notes

    HEADERS = ("", "")

    def plot_fleet(self, axes: Any) -> None:
        """Instances over time on `axes`, stacked: On-Demand, Spot, then those still warming."""
        axes.stackplot(
            [s.time_s / 60 for s in self.steps],
            self.series("on_demand"),
            self.series("spot"),
            self.series("warming"),
            labels=["On-Demand", "Spot", "warming"],
            colors=[theme.INDIGO, theme.ORANGE, theme.LIGHT_GREY],
            step="post",
        )

    def plot(self) -> Any:
        """Traffic and capacity, instances, CPU, queue (or drops) and cost per hour."""
        figure, axes = new_figure(5, height=2.2, sharex=True)
        minutes = [s.time_s / 60 for s in self.steps]
        load, fleet, cpu, backlog, money = axes

        load.plot(minutes, self.series("traffic_rps"), label="traffic", color="black")
        load.plot(minutes, self.series("capacity_rps"), label="capacity", color=theme.INDIGO)
        load.plot(
            minutes,
            [s.served / self.step_s for s in self.steps],
            label="served",
            color=theme.GO,
            linestyle="--",
        )
        load.set_ylabel("requests/s")
        load.set_title(self._title(), fontsize="medium")
        load.legend(fontsize="small", loc="upper right")

        self.plot_fleet(fleet)
        fleet.axhline(self.min_size, color="grey", linestyle=":")
        fleet.axhline(self.max_size, color="grey", linestyle=":")
        for interruption in self.interruptions:
            if interruption.instance_id is not None:
                fleet.axvline(interruption.notice_s / 60, color=theme.ALARM, linewidth=0.8)
        fleet.set_ylabel("instances")
        fleet.legend(fontsize="small", loc="upper right")

        cpu.plot(
            minutes,
            [c if c is not None else float("nan") for c in self.series("cpu_percent")],
            color=theme.PINK,
        )
        cpu.axhline(self.target_cpu, color="grey", linestyle="--")
        cpu.set_ylim(0, 105)
        cpu.set_ylabel("CPU %")

        if self.uses_queue:
            backlog.plot(minutes, self.series("queue_depth"), color=theme.LEAF, label="queue depth")
            backlog.set_ylabel("messages")
            age = backlog.twinx()
            age.plot(
                minutes, self.series("oldest_message_age_s"), color=theme.AMBER, label="oldest age"
            )
            age.set_ylabel("oldest (s)")
        else:
            backlog.bar(minutes, self.series("dropped"), width=self.step_s / 60, color=theme.ALARM)
            backlog.set_ylabel("dropped")

        money.step(minutes, self.series("cost_per_hour"), where="post", color=theme.LEAF)
        money.set_ylabel("cost per hour")
        dollar_ticks(money.yaxis)
        money.set_xlabel("time (minutes)")
        figure.tight_layout()
        return figure

"""The instances of a simulated Auto Scaling group: launches, warm-up, interruptions, billing."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

ON_DEMAND = "on-demand"
SPOT = "spot"


@dataclass(frozen=True)
class InstanceLife:
    """One instance from launch to termination, as the simulation saw it (times in seconds)."""

    id: int
    market: str
    launched_s: float
    ready_s: float
    """End of warm-up: from here on it serves traffic and counts in the group's metric."""
    ended_s: float | None
    """When it was gone (None: still running when the simulation ended)."""
    end_reason: str
    """'', 'scale-in' or 'spot interruption'."""
    notice_s: float | None = None
    """When it received the two-minute Spot interruption notice."""
    replaces: int | None = None
    """The id of the interrupted instance this one replaced."""
    fallback: bool = False
    """Launched On-Demand by a self-built fallback because no Spot capacity was available
    (an Auto Scaling group does not do this by itself)."""

    def seconds_alive(self, start: float, end: float) -> float:
        """Seconds of [start, end) during which the instance existed (and was billed)."""
        return _overlap(self.launched_s, self.ended_s, start, end)

    def seconds_serving(self, start: float, end: float) -> float:
        """Seconds of [start, end) after warm-up and before it was gone."""
        return _overlap(self.ready_s, self.ended_s, start, end)

    def alive_at(self, moment: float) -> bool:
        return self.launched_s <= moment and (self.ended_s is None or moment < self.ended_s)


def _overlap(begin: float, finish: float | None, start: float, end: float) -> float:
    stop = math.inf if finish is None else finish
    return max(0.0, min(stop, end) - max(begin, start))


class Fleet:
    """The group's instances, with the On-Demand / Spot mix the group aims for."""

    def __init__(
        self,
        warmup_s: float,
        on_demand_base: int,
        spot_share_above_base: float,
        *,
        on_demand_fallback: bool = False,
    ) -> None:
        self.warmup_s = warmup_s
        self.on_demand_base = on_demand_base
        self.spot_share = spot_share_above_base
        self.on_demand_fallback = on_demand_fallback
        self.instances: list[InstanceLife] = []

    # Counting ----------------------------------------------------------------------------------

    def alive(self, moment: float) -> list[InstanceLife]:
        return [i for i in self.instances if i.alive_at(moment)]

    def warming(self, moment: float) -> list[InstanceLife]:
        return [i for i in self.alive(moment) if i.ready_s > moment]

    def target_on_demand(self, desired: int) -> int:
        """On-Demand instances wanted at `desired` capacity: the base, then the On-Demand share.

        The share above the base is rounded up in favour of On-Demand (our assumption).
        """
        above = max(0, desired - self.on_demand_base)
        return min(desired, self.on_demand_base) + math.ceil(above * (1 - self.spot_share) - 1e-9)

    # Changing ----------------------------------------------------------------------------------

    def launch(
        self,
        market: str,
        moment: float,
        *,
        ready_now: bool = False,
        replaces: int | None = None,
        fallback: bool = False,
    ) -> InstanceLife:
        ready = moment if ready_now else moment + self.warmup_s
        instance = InstanceLife(
            id=len(self.instances),
            market=market,
            launched_s=moment,
            ready_s=ready,
            ended_s=None,
            end_reason="",
            replaces=replaces,
            fallback=fallback,
        )
        self.instances.append(instance)
        return instance

    def grow(
        self,
        count: int,
        desired: int,
        moment: float,
        spot_available: bool,
        *,
        ready_now: bool = False,
    ) -> None:
        """Launch up to `count` instances, choosing markets to move towards the target mix.

        Without Spot capacity, the Spot part is not launched (AWS: the group keeps its mix and
        tries again later), unless the fleet has a self-built On-Demand fallback."""
        on_demand_now = sum(1 for i in self.alive(moment) if i.market == ON_DEMAND)
        on_demand_needed = max(0, self.target_on_demand(desired) - on_demand_now)
        for index in range(count):
            if index < on_demand_needed:
                self.launch(ON_DEMAND, moment, ready_now=ready_now)
            elif spot_available:
                self.launch(SPOT, moment, ready_now=ready_now)
            elif self.on_demand_fallback:
                self.launch(ON_DEMAND, moment, ready_now=ready_now, fallback=True)

    def shrink(self, count: int, desired: int, moment: float) -> None:
        """Terminate `count` instances: ones already under notice first, then surplus On-Demand
        above the target mix, then Spot; the newest first within each group."""
        alive = sorted(self.alive(moment), key=lambda i: -i.launched_s)
        chosen = [i for i in alive if i.notice_s is not None][:count]
        rest = [i for i in alive if i not in chosen]
        on_demand = [i for i in rest if i.market == ON_DEMAND]
        spot = [i for i in rest if i.market != ON_DEMAND]
        surplus = max(0, len(on_demand) - self.target_on_demand(desired))
        take = min(count - len(chosen), surplus)
        chosen += on_demand[:take]
        chosen += (spot + on_demand[take:])[: count - len(chosen)]
        for instance in chosen:
            self.end(instance, moment, "scale-in")

    def notify(self, instance: InstanceLife, moment: float, notice_s: float) -> InstanceLife:
        """Give a Spot instance its interruption notice; it is gone `notice_s` later."""
        updated = replace(
            instance, notice_s=moment, ended_s=moment + notice_s, end_reason="spot interruption"
        )
        self.instances[instance.id] = updated
        return updated

    def end(self, instance: InstanceLife, moment: float, reason: str) -> None:
        self.instances[instance.id] = replace(instance, ended_s=moment, end_reason=reason)

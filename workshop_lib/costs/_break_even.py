"""Standard or Express? Where the monthly cost curves of the two workflow types cross.

Both monthly costs are piecewise linear in the number of executions: the free tier ends at one
volume and each Express duration tier starts at another. Between those points the difference is
a straight line, so the crossings are found exactly, not by sampling.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..display import (
    TableReport,
    count_ticks,
    dollar_ticks,
    new_figure,
    number,
    theme,
    usd,
)
from ..pricing import PriceBook, load_prices
from ._errors import require_non_negative
from ._stepfunctions import express_billed_duration_ms, express_billed_memory_mb, express_gb_seconds

DEFAULT_VOLUMES = (1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000)


@dataclass(frozen=True)
class Crossing:
    """At `volume` executions a month the cheaper type changes to `cheaper_after`."""

    volume: float
    cheaper_after: str


@dataclass(frozen=True)
class BreakEven(TableReport):
    """Monthly cost of the same workflow as Standard and as Express, and where they cross."""

    transitions_per_execution: float
    duration_ms: float
    memory_mb: float
    billed_duration_ms: float
    billed_memory_mb: float
    free_tier: bool
    volumes: tuple[float, ...]
    standard_costs: tuple[float, ...]
    express_costs: tuple[float, ...]
    cheaper_first: str
    """'standard', 'express' or 'same' for the first few executions of a month."""
    crossings: tuple[Crossing, ...]
    break_even_duration_ms: float | None
    """Below this duration one Express execution costs less than one Standard execution
    (first-tier prices, no free tier). None when Express never wins on a single execution."""
    prices: PriceBook = field(repr=False)

    @property
    def break_even_volume(self) -> float | None:
        """The first monthly volume where the cheaper type changes, if any."""
        return self.crossings[0].volume if self.crossings else None

    def standard_cost(self, volume: float) -> float:
        return _standard(self.prices, volume, self.transitions_per_execution, self.free_tier)

    def express_cost(self, volume: float) -> float:
        hours = self._gb_hours_per_execution
        return _express(self.prices, volume, hours, self.free_tier)

    def cheaper_at(self, volume: float) -> str:
        """'standard', 'express' or 'same' for a month of `volume` executions."""
        standard, express = self.standard_cost(volume), self.express_cost(volume)
        if math.isclose(standard, express, rel_tol=1e-12, abs_tol=1e-12):
            return "same"
        return "express" if express < standard else "standard"

    @property
    def _gb_hours_per_execution(self) -> float:
        return express_gb_seconds(self.billed_duration_ms, self.billed_memory_mb) / 3600

    # Display -----------------------------------------------------------------------------------

    def verdict(self) -> str:
        start = self.cheaper_first
        if not self.crossings:
            if start == "same":
                return "Both types cost the same at every volume."
            return f"{start.capitalize()} is cheaper at every monthly volume."
        parts = [f"{start.capitalize()} is cheaper at first"]
        for crossing in self.crossings:
            parts.append(
                f"from {number(round(crossing.volume))} executions a month, "
                f"{crossing.cheaper_after.capitalize()} is cheaper"
            )
        return "; ".join(parts) + "."

    def _duration_note(self) -> str:
        if self.break_even_duration_ms is None:
            return "Even a 100 ms Express execution costs more than the Standard one."
        limit = self.prices.step_functions.express_max_duration_s * 1000
        if self.break_even_duration_ms >= limit:
            return "Per execution, Express is cheaper for any duration it allows (up to 5 minutes)."
        return (
            "Per execution (first-tier prices), Express is cheaper while an execution bills less "
            f"than {number(round(self.break_even_duration_ms))} ms "
            f"at {number(self.billed_memory_mb)} MB."
        )

    def _rows(self) -> list[tuple[str, str, str, str]]:
        return [
            (number(v), usd(s), usd(e), self.cheaper_at(v))
            for v, s, e in zip(self.volumes, self.standard_costs, self.express_costs, strict=True)
        ]

    def _title(self) -> str:
        return (
            f"Standard ({number(self.transitions_per_execution)} transitions) vs Express "
            f"({number(self.billed_duration_ms)} ms x {number(self.billed_memory_mb)} MB billed)"
        )

    def _notes(self) -> list[str]:
        tier = "Free tiers applied." if self.free_tier else "No free tier applied."
        return [self.verdict(), self._duration_note(), tier]

    HEADERS = ("executions/month", "Standard", "Express", "cheaper")

    def plot(self) -> Any:
        """Monthly cost of both types against volume (log scales), each crossing marked where
        the two lines meet."""
        crossings = [c.volume for c in self.crossings if c.volume > 0]
        low = max(min([*self.volumes, *(v / 10 for v in crossings)], default=1_000), 1)
        high = max(max([*self.volumes, *(v * 10 for v in crossings)], default=1e9), low * 10)
        grid = [low * (high / low) ** (i / 299) for i in range(300)]  # even steps on a log axis
        grid = sorted({*grid, *crossings})  # the lines pass exactly through each crossing
        figure, (axes,) = new_figure()
        axes.plot(grid, [self.standard_cost(v) for v in grid], label="Standard", color=theme.PINK)
        axes.plot(grid, [self.express_cost(v) for v in grid], label="Express", color=theme.INDIGO)
        for crossing in self.crossings:
            # Where Standard's free tier runs out, it costs $0 up to the crossing: mark the point
            # on the Express line, which Standard meets there.
            cost = self.express_cost(crossing.volume)
            axes.axvline(crossing.volume, color="grey", linestyle=":")
            if cost > 0:
                axes.plot([crossing.volume], [cost], "o", color="black", zorder=3)
            axes.annotate(
                f"cross at {number(round(crossing.volume))}/month:\n"
                f"{crossing.cheaper_after.capitalize()} cheaper after",
                (crossing.volume, cost if cost > 0 else 0.5),
                xycoords=("data", "data" if cost > 0 else "axes fraction"),
                textcoords="offset points",
                xytext=(8, 8),
                fontsize="small",
            )
        axes.set_xscale("log")
        axes.set_yscale("log", nonpositive="mask")
        count_ticks(axes.xaxis)
        dollar_ticks(axes.yaxis)
        axes.set_xlabel("executions per month")
        axes.set_ylabel("cost per month")
        axes.set_title(self._title(), fontsize="medium")
        axes.legend(loc="lower right")
        figure.tight_layout()
        return figure


def standard_vs_express(
    transitions_per_execution: float,
    duration_ms: float,
    memory_mb: float | None = None,
    volumes: Iterable[float] = DEFAULT_VOLUMES,
    free_tier: bool = False,
    prices: PriceBook | None = None,
) -> BreakEven:
    """Compare a workflow run as Standard (per transition) and as Express (per request + GB-s).

    `memory_mb` defaults to Express's smallest billing chunk (64 MB).
    """
    book = prices or load_prices()
    sfn = book.step_functions
    transitions = require_non_negative("transitions_per_execution", transitions_per_execution)
    billed_ms = express_billed_duration_ms(duration_ms, book)
    billed_mb = express_billed_memory_mb(memory_mb or sfn.express_memory_step_mb, book)
    gb_hours = express_gb_seconds(billed_ms, billed_mb) / 3600
    volume_list = tuple(require_non_negative("volume", v) for v in volumes)
    first, crossings = _crossings(book, transitions, gb_hours, free_tier)

    per_standard = transitions * sfn.standard_transition
    per_gb_hour = sfn.express_gb_hour.first
    room = per_standard - sfn.express_request  # what an Express execution may spend on duration
    duration_limit = None
    if room > 0:
        duration_limit = room / per_gb_hour * 3600 / (billed_mb / 1024) * 1000

    return BreakEven(
        transitions_per_execution=transitions,
        duration_ms=float(duration_ms),
        memory_mb=float(memory_mb or sfn.express_memory_step_mb),
        billed_duration_ms=billed_ms,
        billed_memory_mb=billed_mb,
        free_tier=free_tier,
        volumes=volume_list,
        standard_costs=tuple(_standard(book, v, transitions, free_tier) for v in volume_list),
        express_costs=tuple(_express(book, v, gb_hours, free_tier) for v in volume_list),
        cheaper_first=first,
        crossings=crossings,
        break_even_duration_ms=duration_limit,
        prices=book,
    )


def _standard(book: PriceBook, volume: float, transitions: float, free_tier: bool) -> float:
    sfn = book.step_functions
    free = sfn.standard_free_transitions if free_tier else 0.0
    return max(0.0, volume * transitions - free) * sfn.standard_transition


def _express(book: PriceBook, volume: float, gb_hours: float, free_tier: bool) -> float:
    sfn = book.step_functions
    free = sfn.express_free_requests if free_tier else 0.0
    return max(0.0, volume - free) * sfn.express_request + sfn.express_gb_hour.cost(
        volume * gb_hours
    )


def _crossings(
    book: PriceBook, transitions: float, gb_hours: float, free_tier: bool
) -> tuple[str, tuple[Crossing, ...]]:
    """The type that is cheaper for the first few executions, and every change after that."""
    sfn = book.step_functions

    def difference(volume: float) -> float:  # below zero: Express is cheaper
        express = _express(book, volume, gb_hours, free_tier)
        return express - _standard(book, volume, transitions, free_tier)

    # Volumes where a slope changes: the end of each free tier and the start of each GB-hour tier.
    kinks = {0.0}
    if free_tier and transitions > 0:
        kinks.add(sfn.standard_free_transitions / transitions)
    if free_tier and sfn.express_free_requests > 0:
        kinks.add(sfn.express_free_requests)
    if gb_hours > 0:
        kinks.update(t.up_to / gb_hours for t in sfn.express_gb_hour.tiers if t.up_to is not None)
    points = sorted(kinks)

    first: str | None = None
    current = 0
    crossings: list[Crossing] = []
    for index, start in enumerate(points):
        end = points[index + 1] if index + 1 < len(points) else math.inf
        at_start = difference(start)
        slope = (
            difference(start + 1.0) - at_start
            if end == math.inf
            else (difference(end) - at_start) / (end - start)
        )
        side = _sign(at_start) or _sign(slope)  # just after `start`
        if side and side != current:
            if current:
                crossings.append(Crossing(start, _cheaper(side)))
            current = side
            first = first or _cheaper(side)
        if at_start and slope and _sign(slope) != _sign(at_start):
            root = start - at_start / slope
            if root < end:
                current = _sign(slope)
                crossings.append(Crossing(root, _cheaper(current)))
    return first or "same", tuple(crossings)


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)


def _cheaper(sign: int) -> str:
    return "express" if sign < 0 else "standard"

"""Power tuning maths, as AWS Lambda Power Tuning does it, with the request fee added back.

The open-source tool (alexcasalboni/aws-lambda-power-tuning) runs a function N times at each
memory size, takes a trimmed mean of the durations (dropping the fastest and slowest 20%),
prices each size and picks one by a strategy: cheapest, fastest, or a weighted balance. It leaves
the $0.20-per-million request fee out of its per-invocation cost; `invoke_cost` includes it by
default, so our costs are a little higher and closer to the bill.
"""

from __future__ import annotations

import base64
import html
import struct
from collections.abc import Iterable, Sequence
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
from ..pricing import PriceBook, load_prices
from ._cpu_model import model_duration_ms
from ._errors import CostInputError
from ._lambda import billed_duration_ms, check_arch, check_memory, gb_seconds_per_invoke

STRATEGIES = ("cost", "speed", "balanced")
DEFAULT_MEMORY_SIZES = (128, 256, 512, 1024, 1536, 3008)
"""The memory sizes Lambda Power Tuning tries when it is not told which."""
VISUALIZATION_BASE_URL = "https://lambda-power-tuning.show/"


def trimmed_mean(values: Iterable[float], trim: float = 0.2) -> float:
    """The mean after dropping the lowest and highest `trim` share of the values.

    With 10 values and trim=0.2, the 2 fastest and 2 slowest are dropped. Few values drop
    nothing: 4 values x 0.2 rounds down to 0.
    """
    ordered = sorted(float(v) for v in values)
    if not ordered:
        raise CostInputError(
            "trimmed_mean needs at least one value.", hint="Pass the measured durations."
        )
    if not 0 <= trim < 0.5:
        raise CostInputError(
            f"trim must be at least 0 and below 0.5, not {trim!r}.",
            hint="0.2 drops the top and bottom 20%, like Lambda Power Tuning.",
        )
    drop = int(len(ordered) * trim + 1e-9)  # +1e-9: 15 x 0.2 must give 3, not 2.9999
    kept = ordered[drop : len(ordered) - drop]
    return sum(kept) / len(kept)


def invoke_cost(
    memory_mb: int,
    billed_ms: float,
    arch: str = "x86_64",
    include_request_fee: bool = True,
    prices: PriceBook | None = None,
) -> float:
    """USD for one invocation at first-tier prices (duration rounded up to the billing step).

    `include_request_fee=False` gives the number Lambda Power Tuning reports.
    """
    book = prices or load_prices()
    memory = check_memory(memory_mb, book)
    rate = book.aws_lambda.duration[check_arch(arch)].first
    duration = gb_seconds_per_invoke(memory, billed_duration_ms(billed_ms, book)) * rate
    return duration + (book.aws_lambda.request if include_request_fee else 0.0)


@dataclass(frozen=True)
class TuningChoice:
    """The memory size a strategy picks, with its duration and cost."""

    memory_mb: int
    duration_ms: float
    cost: float
    strategy: str

    def __str__(self) -> str:
        return (
            f"{self.memory_mb} MB ({self.strategy}): {number(self.duration_ms)} ms, "
            f"{usd(self.cost)} per invocation"
        )


@dataclass(frozen=True)
class PowerTuningResult(TableReport):
    """Duration and cost per invocation at each memory size, measured or modelled."""

    memory_sizes: tuple[int, ...]
    durations_ms: tuple[float, ...]
    costs: tuple[float, ...]
    strategy: str = "cost"
    is_model: bool = False
    arch: str = "x86_64"

    def __post_init__(self) -> None:
        sizes = tuple(int(m) for m in self.memory_sizes)
        durations = tuple(float(d) for d in self.durations_ms)
        costs = tuple(float(c) for c in self.costs)
        if not sizes or not len(sizes) == len(durations) == len(costs):
            raise CostInputError(
                "memory_sizes, durations_ms and costs must be non-empty and of the same length.",
                hint="Give one duration and one cost per memory size.",
            )
        if len(set(sizes)) != len(sizes):
            raise CostInputError("Each memory size may appear only once.", hint=f"Got {sizes}.")
        _check_strategy(self.strategy)
        # Keep the sizes in ascending order so tables, plots and the URL agree.
        order = sorted(range(len(sizes)), key=sizes.__getitem__)
        object.__setattr__(self, "memory_sizes", tuple(sizes[i] for i in order))
        object.__setattr__(self, "durations_ms", tuple(durations[i] for i in order))
        object.__setattr__(self, "costs", tuple(costs[i] for i in order))

    # Building ----------------------------------------------------------------------------------

    @classmethod
    def from_measurements(
        cls,
        samples_ms: dict[int, Sequence[float]],
        arch: str = "x86_64",
        strategy: str = "cost",
        trim: float = 0.2,
        include_request_fee: bool = True,
        prices: PriceBook | None = None,
    ) -> PowerTuningResult:
        """From measured durations per memory size (e.g. Billed Duration of REPORT lines)."""
        book = prices or load_prices()
        sizes = sorted(samples_ms)
        durations = [trimmed_mean(samples_ms[m], trim) for m in sizes]
        costs = [
            invoke_cost(m, d, arch, include_request_fee, book)
            for m, d in zip(sizes, durations, strict=True)
        ]
        return cls(tuple(sizes), tuple(durations), tuple(costs), strategy, False, arch)

    @classmethod
    def from_model(
        cls,
        cpu_ms_at_1_vcpu: float,
        memory_sizes: Iterable[int] = DEFAULT_MEMORY_SIZES,
        arch: str = "x86_64",
        parallel_fraction: float = 0.0,
        io_ms: float = 0.0,
        strategy: str = "cost",
        include_request_fee: bool = True,
        prices: PriceBook | None = None,
    ) -> PowerTuningResult:
        """A MODEL: durations predicted from CPU time at one vCPU (see `model_duration_ms`)."""
        book = prices or load_prices()
        sizes = sorted(int(m) for m in memory_sizes)
        durations = [
            model_duration_ms(cpu_ms_at_1_vcpu, m, parallel_fraction, io_ms, book) for m in sizes
        ]
        costs = [
            invoke_cost(m, d, arch, include_request_fee, book)
            for m, d in zip(sizes, durations, strict=True)
        ]
        return cls(tuple(sizes), tuple(durations), tuple(costs), strategy, True, arch)

    # Choosing ----------------------------------------------------------------------------------

    def best(
        self,
        strategy: str | None = None,
        balanced_weight: float = 0.5,
        *,
        normalisation: str = "min-max",
    ) -> TuningChoice:
        """The memory size the strategy picks.

        cost: cheapest (ties: fastest). speed: fastest (ties: cheapest). balanced: smallest
        `w * cost' + (1 - w) * duration'`, where ' means normalised over the sizes tried, so
        weight 1 is pure cost and 0 is pure speed. `normalisation="min-max"` maps each to 0..1;
        `"max"` divides by the largest value, which is what Lambda Power Tuning's analyzer does
        and can pick a different size.
        """
        chosen = _check_strategy(strategy or self.strategy)
        points = list(zip(self.memory_sizes, self.durations_ms, self.costs, strict=True))
        if chosen == "cost":
            size, duration, cost = min(points, key=lambda p: (p[2], p[1]))
        elif chosen == "speed":
            size, duration, cost = min(points, key=lambda p: (p[1], p[2]))
        else:
            weight = min(max(float(balanced_weight), 0.0), 1.0)
            scale_cost = _normaliser(self.costs, normalisation)
            scale_time = _normaliser(self.durations_ms, normalisation)
            size, duration, cost = min(
                points,
                key=lambda p: weight * scale_cost(p[2]) + (1 - weight) * scale_time(p[1]),
            )
        return TuningChoice(size, duration, cost, chosen)

    # Sharing -----------------------------------------------------------------------------------

    def visualization_url(self, base_url: str = VISUALIZATION_BASE_URL) -> str:
        """A link to Lambda Power Tuning's chart page with these numbers in the URL fragment.

        The fragment holds three base64 strings separated by ';': memory sizes as little-endian
        Int16, then durations and costs as little-endian Float32. The fragment stays in the
        browser; opening the link does load that third-party page.
        """
        if max(self.memory_sizes) > 32767:
            raise CostInputError("Memory sizes above 32,767 MB do not fit the URL's Int16 format.")
        count = len(self.memory_sizes)
        parts = (
            struct.pack(f"<{count}h", *self.memory_sizes),
            struct.pack(f"<{count}f", *self.durations_ms),
            struct.pack(f"<{count}f", *self.costs),
        )
        return base_url + "#" + ";".join(base64.b64encode(p).decode("ascii") for p in parts)

    # Display -----------------------------------------------------------------------------------

    def _title(self) -> str:
        kind = "MODEL, not a measurement" if self.is_model else "measured"
        return f"Power tuning ({self.arch}, {kind})"

    def _rows(self) -> list[tuple[str, str, str, str]]:
        picks = {s: self.best(s).memory_mb for s in STRATEGIES}
        rows = []
        for size, duration, cost in zip(
            self.memory_sizes, self.durations_ms, self.costs, strict=True
        ):
            marks = ", ".join(s for s in STRATEGIES if picks[s] == size)
            rows.append((f"{size} MB", f"{number(round(duration, 2))} ms", usd(cost), marks))
        return rows

    def _notes(self) -> list[str]:
        notes = [f"Strategy '{self.strategy}' picks {self.best()}."]
        if self.is_model:
            notes.append(
                "These durations are predicted from CPU time, not measured: "
                "run the function at each size before deciding."
            )
        return notes

    HEADERS = ("memory", "duration", "cost/invocation", "best for")

    def _html_extra(self) -> str:
        return (
            f'<p style="font-size:smaller">Same data on the Power Tuning chart page (external): '
            f'<a href="{html.escape(self.visualization_url())}">lambda-power-tuning.show</a></p>'
        )

    def plot(self) -> Any:
        """Duration and cost against memory, on two y axes, with the strategy's pick marked."""
        figure, (axes,) = new_figure()
        sizes = [str(m) for m in self.memory_sizes]
        axes.plot(sizes, self.durations_ms, marker="o", color=theme.INDIGO, label="duration (ms)")
        axes.set_xlabel("memory (MB)")
        axes.set_ylabel("duration per invocation (ms)", color=theme.INDIGO)
        cost_axes = axes.twinx()
        cost_axes.plot(sizes, self.costs, marker="s", color=theme.ORANGE, label="cost (USD)")
        cost_axes.set_ylabel("cost per invocation", color=theme.ORANGE)
        dollar_ticks(cost_axes.yaxis)
        choice = self.best()
        axes.axvline(str(choice.memory_mb), color="grey", linestyle=":")
        title = f"Power tuning ({self.arch}): best for {choice.strategy} = {choice.memory_mb} MB"
        if self.is_model:
            title = f"MODEL, not a measurement. {title}"
        axes.set_title(title, fontsize="medium")
        figure.tight_layout()
        return figure


def _check_strategy(strategy: str) -> str:
    if strategy not in STRATEGIES:
        raise CostInputError(
            f"Unknown strategy {strategy!r}.",
            hint=f"Use one of {', '.join(STRATEGIES)}.",
        )
    return strategy


def _normaliser(values: Sequence[float], how: str) -> Any:
    low, high = min(values), max(values)
    if how == "max":
        return lambda v: v / high if high else 0.0
    if how == "min-max":
        spread = high - low
        return lambda v: (v - low) / spread if spread else 0.0
    raise CostInputError(f"Unknown normalisation {how!r}.", hint="Use 'min-max' or 'max'.")

"""The cost of one workflow execution, put together from the parts it used.

A `WorkflowCost` takes plain counts (Lambda invocations, transitions, S3, DynamoDB and SNS
requests) so it can be filled by hand, from a notebook's measurements, or by code that reads an
execution history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..display import (
    TableReport,
    dollar_ticks,
    new_figure,
    number,
    theme,
    usd,
)
from ..pricing import ARCHITECTURES, PriceBook, load_prices
from ._errors import CostInputError, require_non_negative
from ._lambda import (
    billed_duration_ms,
    check_arch,
    check_memory,
    gb_seconds_per_invoke,
    lambda_charges,
)
from ._stepfunctions import (
    check_workflow_type,
    express_billed_duration_ms,
    express_billed_memory_mb,
    express_gb_seconds,
)

SERVICES = ("Lambda", "Step Functions", "S3", "DynamoDB", "SNS")
_SERVICE_COLOURS = theme.SERIES


@dataclass(frozen=True)
class LambdaInvocation:
    """One Lambda invocation made by an execution, as its REPORT line describes it."""

    memory_mb: int
    billed_ms: float
    arch: str = "x86_64"
    ephemeral_mb: int | None = None
    name: str = ""


@dataclass(frozen=True)
class MonthlyCost(TableReport):
    """What a month of `volume` executions costs, by service."""

    volume: float
    free_tier: bool
    by_service: Mapping[str, float]
    workflow_name: str = ""

    @property
    def total(self) -> float:
        return sum(self.by_service.values())

    @property
    def per_execution(self) -> float:
        return self.total / self.volume if self.volume else 0.0

    def __float__(self) -> float:
        return self.total

    def _rows(self) -> list[tuple[str, str, str]]:
        total = self.total or 1.0
        return [
            (service, usd(cost), f"{cost / total:.0%}") for service, cost in self.by_service.items()
        ]

    def _title(self) -> str:
        name = f"{self.workflow_name}: " if self.workflow_name else ""
        tier = "with" if self.free_tier else "without"
        return f"{name}{number(self.volume)} executions a month ({tier} free tier)"

    HEADERS = ("service", "cost", "share")

    def _footer(self) -> tuple[str, str, str]:
        return ("total", usd(self.total), "")

    def _notes(self) -> list[str]:
        return [f"{usd(self.per_execution)} per execution on average."]


@dataclass(frozen=True)
class WorkflowCost(TableReport):
    """The measured parts of one execution, priced.

    `lambdas` lists each invocation the execution made: `LambdaInvocation` objects, or
    `(memory_mb, billed_ms)` / `(memory_mb, billed_ms, arch)` tuples, or dicts with those keys.
    `transitions` counts Standard state transitions (retries included). For an Express
    workflow pass `workflow_type="express"` with `express_duration_ms` (and memory if known).
    """

    lambdas: Sequence[LambdaInvocation | tuple[Any, ...] | Mapping[str, Any]] = ()
    transitions: float = 0
    s3_tier1_requests: float = 0
    s3_tier2_requests: float = 0
    dynamodb_wru: float = 0
    dynamodb_rru: float = 0
    sns_publishes: float = 0
    workflow_type: str = "standard"
    express_duration_ms: float | None = None
    express_memory_mb: float | None = None
    name: str = ""
    prices: PriceBook | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        book = self.prices or load_prices()
        invocations = tuple(_as_invocation(item, book) for item in self.lambdas)
        kind = check_workflow_type(self.workflow_type)
        for label in (
            "transitions",
            "s3_tier1_requests",
            "s3_tier2_requests",
            "dynamodb_wru",
            "dynamodb_rru",
            "sns_publishes",
        ):
            require_non_negative(label, getattr(self, label))
        if kind == "express" and self.express_duration_ms is None:
            raise CostInputError(
                "An Express workflow is priced by duration: give express_duration_ms.",
                hint="Use the execution's duration from its logs or a test run.",
            )
        # Frozen dataclass: normalise the inputs once, here.
        object.__setattr__(self, "lambdas", invocations)
        object.__setattr__(self, "workflow_type", kind)
        object.__setattr__(self, "prices", book)

    @property
    def _book(self) -> PriceBook:
        assert self.prices is not None  # set in __post_init__
        return self.prices

    # Costs -------------------------------------------------------------------------------------

    def monthly(self, volume: float, free_tier: bool = False) -> MonthlyCost:
        """The cost of `volume` executions in a month; tiers and (optionally) free tiers apply."""
        book = self._book
        count = require_non_negative("volume", volume)
        gb_s = dict.fromkeys(ARCHITECTURES, 0.0)
        storage_gb_s = 0.0
        for call in self.lambdas:
            assert isinstance(call, LambdaInvocation)
            seconds_gb = gb_seconds_per_invoke(call.memory_mb, call.billed_ms)
            gb_s[call.arch] += count * seconds_gb
            extra_mb = (call.ephemeral_mb or 0) - book.aws_lambda.ephemeral_included_mb
            storage_gb_s += count * call.billed_ms / 1000 * max(0.0, extra_mb) / 1024
        charges = lambda_charges(
            book,
            requests=count * len(self.lambdas),
            gb_seconds_by_arch=gb_s,
            storage_gb_seconds=storage_gb_s,
            free_tier=free_tier,
        )
        sns = book.sns
        free_publishes = sns.free_publishes if free_tier else 0.0
        by_service = {
            "Lambda": charges.request_cost + charges.duration_cost + charges.storage_cost,
            "Step Functions": self._orchestration(count, free_tier),
            "S3": count
            * (
                self.s3_tier1_requests * book.s3.tier1_request
                + self.s3_tier2_requests * book.s3.tier2_request
            ),
            "DynamoDB": count
            * (
                self.dynamodb_wru * book.dynamodb.write_request_unit
                + self.dynamodb_rru * book.dynamodb.read_request_unit
            ),
            "SNS": max(0.0, count * self.sns_publishes - free_publishes) * sns.publish,
        }
        return MonthlyCost(count, free_tier, by_service, self.name)

    def _orchestration(self, volume: float, free_tier: bool) -> float:
        sfn = self._book.step_functions
        if self.workflow_type == "standard":
            free = sfn.standard_free_transitions if free_tier else 0.0
            return max(0.0, volume * self.transitions - free) * sfn.standard_transition
        billed_ms = express_billed_duration_ms(self.express_duration_ms or 0.0, self._book)
        memory = self.express_memory_mb or sfn.express_memory_step_mb
        billed_mb = express_billed_memory_mb(memory, self._book)
        gb_hours = volume * express_gb_seconds(billed_ms, billed_mb) / 3600
        free = sfn.express_free_requests if free_tier else 0.0
        return max(0.0, volume - free) * sfn.express_request + sfn.express_gb_hour.cost(gb_hours)

    @property
    def by_service(self) -> dict[str, float]:
        """USD per execution, by service (first-tier prices, no free tier)."""
        return dict(self.monthly(1).by_service)

    @property
    def per_execution(self) -> float:
        return self.monthly(1).total

    @property
    def per_thousand(self) -> float:
        return 1000 * self.per_execution

    # Display -----------------------------------------------------------------------------------

    def _usage(self) -> dict[str, str]:
        calls = len(self.lambdas)
        ms = sum(call.billed_ms for call in self.lambdas)  # type: ignore[union-attr]
        if self.workflow_type == "standard":
            orchestration = f"{number(self.transitions)} transitions (Standard)"
        else:
            orchestration = f"1 start, {number(self.express_duration_ms or 0)} ms (Express)"
        return {
            "Lambda": f"{calls} invocations, {number(ms)} ms billed",
            "Step Functions": orchestration,
            "S3": f"{number(self.s3_tier1_requests)} tier-1 + "
            f"{number(self.s3_tier2_requests)} tier-2 requests",
            "DynamoDB": f"{number(self.dynamodb_wru)} WRU + {number(self.dynamodb_rru)} RRU",
            "SNS": f"{number(self.sns_publishes)} publishes",
        }

    def _rows(self) -> list[tuple[str, str, str, str]]:
        usage = self._usage()
        return [
            (service, usage[service], usd(cost), usd(1000 * cost))
            for service, cost in self.by_service.items()
        ]

    def _title(self) -> str:
        return f"Cost of one execution{': ' + self.name if self.name else ''}"

    def _notes(self) -> list[str]:
        return [
            "Per execution at first-tier prices, without free tiers; "
            "use .monthly(volume, free_tier=True) for a month.",
            f"Prices of {self._book.retrieved} (see load_prices() for sources and status).",
        ]

    HEADERS = ("service", "usage", "per execution", "per 1,000")

    def _footer(self) -> tuple[str, str, str, str]:
        return ("total", "", usd(self.per_execution), usd(self.per_thousand))

    def plot(
        self, volumes: Iterable[float] = (10_000, 1_000_000, 100_000_000), free_tier: bool = False
    ) -> Any:
        """Stacked bars: the cost of 1,000 executions by service, at several monthly volumes."""
        figure, (axes,) = new_figure()
        volumes = list(volumes)
        labels = [f"{number(v)}/month" for v in volumes]
        bottoms = [0.0] * len(volumes)
        months = [self.monthly(v, free_tier) for v in volumes]
        for service, colour in zip(SERVICES, _SERVICE_COLOURS, strict=True):
            heights = [1000 * m.by_service[service] / m.volume if m.volume else 0.0 for m in months]
            axes.bar(labels, heights, bottom=bottoms, label=service, color=colour)
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        axes.set_ylabel("cost per 1,000 executions")
        dollar_ticks(axes.yaxis)
        tier = "with" if free_tier else "without"
        axes.set_title(f"{self.name or 'Workflow'}: cost per 1,000 executions ({tier} free tier)")
        axes.legend(loc="upper right", fontsize="small")
        figure.tight_layout()
        return figure


def _as_invocation(item: Any, book: PriceBook) -> LambdaInvocation:
    if isinstance(item, LambdaInvocation):
        call = item
    elif isinstance(item, Mapping):
        call = LambdaInvocation(**item)
    elif isinstance(item, tuple | list) and 2 <= len(item) <= 3:
        call = LambdaInvocation(*item)
    else:
        raise CostInputError(
            f"Cannot read a Lambda invocation from {item!r}.",
            hint="Use LambdaInvocation(memory_mb, billed_ms, arch) "
            "or a (memory_mb, billed_ms) tuple.",
        )
    check_memory(call.memory_mb, book)
    check_arch(call.arch)
    billed = billed_duration_ms(call.billed_ms, book)
    return LambdaInvocation(int(call.memory_mb), billed, call.arch, call.ephemeral_mb, call.name)

"""What Step Functions executions cost: Standard per transition, Express per request + GB-s."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from ..display import TableReport, number, usd
from ..pricing import PriceBook, TierCharge, load_prices
from ._errors import CostInputError, require_non_negative, require_positive

WORKFLOW_TYPES = ("standard", "express")
_SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class StepFunctionsCost(TableReport):
    """The cost of `executions` runs of one state machine in a month."""

    type: str
    executions: float
    free_tier: bool
    transitions_per_execution: float | None
    billable_transitions: float
    billed_duration_ms: float | None
    billed_memory_mb: float | None
    gb_seconds: float
    billable_requests: float
    transition_cost: float
    request_cost: float
    duration_cost: float
    duration_tiers: tuple[TierCharge, ...]
    prices_retrieved: str
    assumptions: tuple[str, ...] = field(default=())

    @property
    def total_cost(self) -> float:
        return self.transition_cost + self.request_cost + self.duration_cost

    @property
    def per_execution(self) -> float:
        return self.total_cost / self.executions if self.executions else 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["duration_tiers"] = [
            {
                "start_gb_hours": t.start,
                "end_gb_hours": t.end,
                "gb_hours": t.quantity,
                "price": t.price,
            }
            for t in self.duration_tiers
        ]
        data["assumptions"] = list(self.assumptions)
        data.update(currency="USD", total_cost=self.total_cost, per_execution=self.per_execution)
        return data

    def _rows(self) -> list[tuple[str, str, str]]:
        if self.type == "standard":
            usage = f"{number(self.billable_transitions)} billable transitions"
            return [("state transitions", usage, usd(self.transition_cost))]
        return [
            ("requests", f"{number(self.billable_requests)} starts", usd(self.request_cost)),
            ("duration", f"{number(self.gb_seconds)} GB-s", usd(self.duration_cost)),
        ]

    def _title(self) -> str:
        if self.type == "standard":
            per = number(self.transitions_per_execution or 0)
            return (
                f"Step Functions Standard: {number(self.executions)} executions x {per} transitions"
            )
        return (
            f"Step Functions Express: {number(self.executions)} executions x "
            f"{number(self.billed_duration_ms or 0)} ms x "
            f"{number(self.billed_memory_mb or 0)} MB (billed)"
        )

    def _notes(self) -> list[str]:
        notes = list(self.assumptions)
        notes.append("Free tier applied." if self.free_tier else "No free tier applied.")
        notes.append(f"Prices of {self.prices_retrieved}.")
        return notes

    HEADERS = ("part", "usage", "cost")

    def _footer(self) -> tuple[str, str, str]:
        return ("total", "", usd(self.total_cost))


def stepfunctions_cost(
    type: str,
    executions: float,
    transitions: float | None = None,
    duration_ms: float | None = None,
    memory_mb: float | None = None,
    free_tier: bool = False,
    prices: PriceBook | None = None,
) -> StepFunctionsCost:
    """Price `executions` of a Standard or an Express workflow.

    Standard: `transitions` is the number of state transitions per execution (retries count).
    Express: `duration_ms` and `memory_mb` per execution; AWS rounds the duration up to 100 ms
    and the memory up to 64 MB chunks. Without `memory_mb` the smallest chunk is assumed.
    """
    book = prices or load_prices()
    kind = check_workflow_type(type)
    count = require_non_negative("executions", executions)
    if kind == "standard":
        if transitions is None:
            raise CostInputError(
                "A Standard workflow is priced per state transition: give `transitions` "
                "(--transitions on the command line).",
                hint="Count the states one execution enters, retries included "
                "(the execution's event history shows them).",
            )
        return _standard(book, count, require_non_negative("transitions", transitions), free_tier)
    if duration_ms is None:
        raise CostInputError(
            "An Express workflow is priced by duration: give `duration_ms` per execution "
            "(--duration-ms on the command line).",
            hint="Use the execution time your logs or a test run show.",
        )
    return _express(book, count, duration_ms, memory_mb, free_tier)


def _standard(
    book: PriceBook, executions: float, per_execution: float, free_tier: bool
) -> StepFunctionsCost:
    sfn = book.step_functions
    free = sfn.standard_free_transitions if free_tier else 0.0
    billable = max(0.0, executions * per_execution - free)
    return StepFunctionsCost(
        type="standard",
        executions=executions,
        free_tier=free_tier,
        transitions_per_execution=per_execution,
        billable_transitions=billable,
        billed_duration_ms=None,
        billed_memory_mb=None,
        gb_seconds=0.0,
        billable_requests=0.0,
        transition_cost=billable * sfn.standard_transition,
        request_cost=0.0,
        duration_cost=0.0,
        duration_tiers=(),
        prices_retrieved=book.retrieved,
    )


def _express(
    book: PriceBook, executions: float, duration_ms: float, memory_mb: float | None, free_tier: bool
) -> StepFunctionsCost:
    sfn = book.step_functions
    assumptions: list[str] = []
    if memory_mb is None:
        memory_mb = sfn.express_memory_step_mb
        assumptions.append(
            f"memory_mb not given: assumed the smallest billing chunk, {memory_mb:g} MB "
            "(a small workflow uses about 50 MB plus its definition and data)."
        )
    billed_ms = express_billed_duration_ms(duration_ms, book)
    billed_mb = express_billed_memory_mb(memory_mb, book)
    gb_seconds = executions * express_gb_seconds(billed_ms, billed_mb)
    free = sfn.express_free_requests if free_tier else 0.0
    billable_requests = max(0.0, executions - free)
    tiers = sfn.express_gb_hour.split(gb_seconds / _SECONDS_PER_HOUR)
    return StepFunctionsCost(
        type="express",
        executions=executions,
        free_tier=free_tier,
        transitions_per_execution=None,
        billable_transitions=0.0,
        billed_duration_ms=billed_ms,
        billed_memory_mb=billed_mb,
        gb_seconds=gb_seconds,
        billable_requests=billable_requests,
        transition_cost=0.0,
        request_cost=billable_requests * sfn.express_request,
        duration_cost=sum(t.cost for t in tiers),
        duration_tiers=tiers,
        prices_retrieved=book.retrieved,
        assumptions=tuple(assumptions),
    )


# -- shared pieces -----------------------------------------------------------------------------


def check_workflow_type(type: str) -> str:
    kind = str(type).strip().lower()
    if kind not in WORKFLOW_TYPES:
        raise CostInputError(
            f"Unknown workflow type {type!r}.",
            hint="Step Functions has two: 'standard' (per transition) and 'express' "
            "(per request and duration).",
        )
    return kind


def express_billed_duration_ms(duration_ms: float, book: PriceBook) -> float:
    sfn = book.step_functions
    require_positive("duration_ms", duration_ms)
    if duration_ms > sfn.express_max_duration_s * 1000:
        raise CostInputError(
            f"An Express execution can run at most {sfn.express_max_duration_s:g} s, "
            f"not {duration_ms / 1000:g} s.",
            hint="Longer work needs a Standard workflow "
            "(or a Standard parent with Express children).",
        )
    step = sfn.express_duration_step_ms
    return math.ceil(round(duration_ms / step, 6)) * step


def express_billed_memory_mb(memory_mb: float, book: PriceBook) -> float:
    step = book.step_functions.express_memory_step_mb
    require_positive("memory_mb", memory_mb)
    return math.ceil(round(memory_mb / step, 6)) * step


def express_gb_seconds(billed_ms: float, billed_mb: float) -> float:
    return billed_ms / 1000.0 * billed_mb / 1024.0

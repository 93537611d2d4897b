"""Several measured executions of one workflow, and the one that projects a month.

measure_app("images", last=5)             # the latest runs of a deployed app
measure_executions(state_machine_arn)     # the same, for any Standard state machine
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from .. import clients
from ..display import TableReport, number, usd
from ..pricing import PriceBook, load_prices
from ._break_even import BreakEven, standard_vs_express
from ._errors import CostInputError
from ._measured import MeasuredExecution, measure_execution
from ._requests import RequestProfile
from ._workflow import MonthlyCost, WorkflowCost


@dataclass(frozen=True)
class MeasuredWorkflow(TableReport):
    """Several measured executions of one workflow, and the one used to project a month."""

    name: str
    executions: tuple[MeasuredExecution, ...]

    def __post_init__(self) -> None:
        if not self.executions:
            raise CostInputError(
                f"No finished executions of {self.name} to measure.",
                hint="Run the workflow first (for Santa: upload a list), then measure again.",
            )

    @property
    def typical(self) -> MeasuredExecution:
        """The median execution by cost: one cold start among warm runs does not set the month."""
        ordered = sorted(self.executions, key=lambda e: e.per_execution)
        return ordered[(len(ordered) - 1) // 2]

    @property
    def cost(self) -> WorkflowCost:
        return self.typical.cost

    @property
    def mean_per_execution(self) -> float:
        return statistics.fmean(e.per_execution for e in self.executions)

    def monthly(self, volume: float, free_tier: bool = False) -> MonthlyCost:
        """A month of `volume` executions like the typical one."""
        return self.typical.monthly(volume, free_tier)

    def _rows(self) -> list[tuple[str, ...]]:
        typical = self.typical
        rows = []
        for run in self.executions:
            billed = sum(i.billed_ms for i in run.invokes)
            rows.append(
                (
                    run.execution.name + (" (typical)" if run is typical else ""),
                    run.status,
                    str(run.transitions.total),
                    f"{len(run.invokes)} ({run.cold_starts} cold)",
                    number(billed),
                    usd(run.per_execution),
                )
            )
        return rows

    def _title(self) -> str:
        return f"{self.name}: {len(self.executions)} executions measured"

    def _notes(self) -> list[str]:
        return [
            f"Mean {usd(self.mean_per_execution)} per execution; the typical (median) one "
            f"costs {usd(self.typical.per_execution)}.",
            "Cold starts bill their INIT time, so the first runs cost more than warm ones.",
        ]

    HEADERS = ("execution", "status", "transitions", "invokes", "billed ms", "cost")

    def as_dict(self, volume: float = 1_000_000) -> dict[str, Any]:
        cost = self.cost
        typical = self.typical
        months = {
            "monthly": self.monthly(volume, free_tier=False),
            "monthly_free_tier": self.monthly(volume, free_tier=True),
        }
        return {
            "workflow": self.name,
            "state_machine_arn": typical.execution.state_machine_arn,
            "executions_measured": len(self.executions),
            "typical_execution": typical.arn,
            "per_execution": cost.per_execution,
            "per_thousand": cost.per_thousand,
            "mean_per_execution": self.mean_per_execution,
            "by_service": cost.by_service,
            "sources": {
                "transitions": "counted from the execution history",
                "lambda": "Billed Duration of REPORT lines",
                "requests": typical.requests.source,
            },
            **{
                key: {
                    "volume": month.volume,
                    "free_tier": month.free_tier,
                    "by_service": dict(month.by_service),
                    "total": month.total,
                }
                for key, month in months.items()
            },
            "prices_retrieved": typical.prices.retrieved,
            "executions": [run.as_dict() for run in self.executions],
        }


def measure_executions(
    state_machine_arn: str,
    *,
    last: int = 5,
    status: str | None = "SUCCEEDED",
    requests: str = "auto",
    profile: RequestProfile | str | None = None,
    name: str = "",
    prices: PriceBook | None = None,
) -> MeasuredWorkflow:
    """Measure the latest `last` finished executions of a Standard state machine.

    `status`: only executions that ended so ("SUCCEEDED" by default), or None for all.
    """
    sfn = clients.client("stepfunctions")
    query: dict[str, Any] = {"stateMachineArn": state_machine_arn}
    if status:
        query["statusFilter"] = status
    listed: list[dict[str, Any]] = []
    for page in sfn.get_paginator("list_executions").paginate(**query):
        listed += [e for e in page["executions"] if e.get("stopDate")]
        if len(listed) >= last:
            break
    listed.sort(key=lambda e: e["startDate"], reverse=True)
    book = prices or load_prices()
    runs = tuple(
        measure_execution(
            e["executionArn"], requests=requests, profile=profile, prices=book, wait_s=0.0
        )
        for e in sorted(listed[:last], key=lambda e: e["startDate"])
    )
    return MeasuredWorkflow(name or state_machine_arn.rsplit(":", 1)[-1], runs)


def measure_app(
    app: str,
    *,
    last: int = 5,
    status: str | None = "SUCCEEDED",
    requests: str = "auto",
    prices: PriceBook | None = None,
) -> MeasuredWorkflow:
    """Measure a deployed app's latest executions (its `StateMachineArn` output).

    In aws mode the requests come from the app's `requests.json`.
    """
    from ..deploy import outputs

    machine = outputs(app).get("StateMachineArn")
    if not machine:
        raise CostInputError(
            f"{app!r} is not deployed here, or has no StateMachineArn output.",
            hint=f'Deploy it first: deploy("{app}") in a notebook, or `workshop deploy {app}`.',
        )
    profile: RequestProfile | None = None
    if requests in ("auto", "declared") and not (
        requests == "auto" and clients.resolve_target().offline
    ):
        profile = RequestProfile.for_app(app)
    return measure_executions(
        machine,
        last=last,
        status=status,
        requests=requests,
        profile=profile,
        name=app,
        prices=prices,
    )


def measured_break_even(
    standard: MeasuredExecution | MeasuredWorkflow,
    express: MeasuredExecution | MeasuredWorkflow,
    *,
    free_tier: bool = False,
) -> BreakEven:
    """Standard vs Express from measurements: the transitions a Standard run was billed for,
    and the billed duration and memory of an Express run of the same workflow."""
    std = standard.typical if isinstance(standard, MeasuredWorkflow) else standard
    exp = express.typical if isinstance(express, MeasuredWorkflow) else express
    if std.express or not exp.express:
        raise CostInputError(
            "Give a Standard execution first and an Express execution second.",
            hint="measured_break_even(measure_execution(arn), measure_execution(sync_result))",
        )
    return standard_vs_express(
        transitions_per_execution=float(std.transitions.total),
        duration_ms=float(exp.express_billed_duration_ms or 0.0),
        memory_mb=exp.billed_memory_mb,
        free_tier=free_tier,
        prices=std.prices,
    )

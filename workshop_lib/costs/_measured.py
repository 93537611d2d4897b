"""The cost of a real execution, put together from what it left behind.

    run = measure_execution(execution_arn)       # one execution, Standard or Express
    run.cost                                     # a WorkflowCost: per execution, per 1,000, month

For every number the result says how it is known: transitions are counted from the events,
Lambda time is read from REPORT lines, and S3/DynamoDB/SNS requests are measured by the local
cloud offline or declared by the app's `requests.json` in a real account.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import clients
from ..display import Displayable, html_block, html_table, number, text_table
from ..pricing import PriceBook, load_prices
from ._errors import CostInputError
from ._history import ExecutionRecord, read_execution
from ._reports import LambdaAttempt, MeasuredInvoke, find_reports, lambda_attempts
from ._requests import RequestCount, RequestProfile, measure_requests
from ._transitions import ATTEMPT_EVENTS, TransitionCount, count_transitions, state_of
from ._workflow import LambdaInvocation, MonthlyCost, WorkflowCost

REQUEST_MODES = ("auto", "measured", "declared", "none")


@dataclass(frozen=True)
class MeasuredExecution(Displayable):
    """One execution's billable parts, each with where it came from, and its cost."""

    record: ExecutionRecord
    transitions: TransitionCount
    invokes: tuple[MeasuredInvoke, ...]
    unreported: tuple[LambdaAttempt, ...]
    """Attempts that ran code but whose REPORT line was not found (not priced)."""
    throttled: int
    requests: RequestCount
    name: str = ""
    prices: PriceBook = field(default_factory=load_prices, repr=False, compare=False)

    @property
    def arn(self) -> str:
        return self.record.arn

    @property
    def status(self) -> str:
        return self.record.status

    @property
    def workflow_type(self) -> str:
        return "express" if self.record.express else "standard"

    @property
    def express_billed_duration_ms(self) -> float | None:
        """Express: StartSyncExecution's billed duration, else the duration in the logs."""
        if not self.record.express:
            return None
        if self.record.billed_duration_ms is not None:
            return self.record.billed_duration_ms
        return self.record.duration_ms

    @property
    def cost(self) -> WorkflowCost:
        """The measured parts priced (first-tier prices; `.monthly()` applies tiers)."""
        lambdas = [
            LambdaInvocation(i.memory_mb, i.billed_ms, i.arch, name=i.function)
            for i in self.invokes
        ]
        request = self.requests
        return WorkflowCost(
            lambdas=lambdas,
            transitions=self.transitions.total,
            s3_tier1_requests=request.s3_tier1,
            s3_tier2_requests=request.s3_tier2,
            dynamodb_wru=request.dynamodb_wru,
            dynamodb_rru=request.dynamodb_rru,
            sns_publishes=request.sns_publishes,
            workflow_type=self.workflow_type,
            express_duration_ms=self.express_billed_duration_ms,
            express_memory_mb=self.record.billed_memory_mb,
            name=self.name or self.record.name,
            prices=self.prices,
        )

    @property
    def per_execution(self) -> float:
        return self.cost.per_execution

    @property
    def cold_starts(self) -> int:
        return sum(1 for invoke in self.invokes if invoke.cold_start)

    def monthly(self, volume: float, free_tier: bool = False) -> MonthlyCost:
        return self.cost.monthly(volume, free_tier)

    def invoke_event(self, state: str) -> Any:
        """The event a Task state sent to its Lambda function (first attempt), from the
        history: handy for tuning that function with real input."""
        by_id = {event.id: event for event in self.record.events}
        for event in self.record.events:
            if event.type not in ATTEMPT_EVENTS or state_of(event, by_id) != state:
                continue
            if event.type == "LambdaFunctionScheduled":
                return _json_or_none(event.details.get("input"))
            parameters = _json_or_none(event.details.get("parameters")) or {}
            return parameters.get("Payload") if isinstance(parameters, dict) else None
        raise CostInputError(
            f"{state!r} invoked no Lambda function in {self.record.name}.",
            hint=f"States entered: {', '.join(self.transitions.by_state)}.",
        )

    # Display -----------------------------------------------------------------------------------

    def _provenance(self) -> list[tuple[str, str, str]]:
        record = self.record
        rows: list[tuple[str, str, str]] = []
        if record.express:
            billed = self.express_billed_duration_ms or 0
            memory = record.billed_memory_mb
            how = (
                "billingDetails of StartSyncExecution (measured)"
                if record.billed_duration_ms is not None
                else "first to last event in the logs, rounded up later (measured)"
            )
            memory_text = f" x {number(memory)} MB" if memory else " (64 MB assumed)"
            rows.append(("Step Functions", f"1 request, {number(billed)} ms{memory_text}", how))
        else:
            rows.append(
                (
                    "Step Functions",
                    f"{self.transitions.total} transitions ({self.transitions.states_entered} "
                    f"states entered + {self.transitions.retries} retries)",
                    f"counted from {len(record.events)} events in the {record.source} (measured)",
                )
            )
        billed = sum(i.billed_ms for i in self.invokes)
        lambda_usage = f"{len(self.invokes)} invokes, {number(billed)} ms billed"
        if self.cold_starts:
            lambda_usage += f" ({self.cold_starts} cold)"
        how = "REPORT lines in /aws/lambda/<function> (measured)"
        if self.throttled:
            how += f"; {self.throttled} throttled attempts ran no code"
        if self.unreported:
            how += f"; {len(self.unreported)} attempts without a REPORT line, not priced"
        rows.append(("Lambda", lambda_usage, how))
        request = self.requests
        label = {
            "measured": "local cloud request counter during the execution (measured)",
            "declared": f"{request.note} x state visits in the history (declared)",
            "none": "not counted" + (f": {request.note}" if request.note else ""),
        }[request.source]
        rows += [
            (
                "S3",
                f"{number(request.s3_tier1)} tier-1 + {number(request.s3_tier2)} tier-2",
                label,
            ),
            (
                "DynamoDB",
                f"{number(request.dynamodb_wru)} WRU + {number(request.dynamodb_rru)} RRU",
                label,
            ),
            ("SNS", f"{number(request.sns_publishes)} publishes", label),
        ]
        return rows

    def _title(self) -> str:
        kind = "Express" if self.record.express else "Standard"
        seconds = self.record.duration_ms
        took = f" in {seconds / 1000:.2f} s" if seconds is not None else ""
        return f"{kind} execution {self.record.name}: {self.status}{took}"

    def __str__(self) -> str:
        table = text_table(("part", "usage", "how we know"), self._provenance())
        return f"{self._title()}\n{table}\n\n{self.cost}"

    def _html(self) -> str:
        table = html_table(("part", "usage", "how we know"), self._provenance())
        return html_block(self._title(), table, self.cost._repr_html_())

    def as_dict(self) -> dict[str, Any]:
        cost = self.cost
        return {
            "execution_arn": self.arn,
            "status": self.status,
            "type": self.workflow_type,
            "duration_ms": self.record.duration_ms,
            "transitions": self.transitions.total,
            "states_entered": self.transitions.states_entered,
            "retries": self.transitions.retries,
            "lambda_invocations": len(self.invokes),
            "lambda_billed_ms": sum(i.billed_ms for i in self.invokes),
            "cold_starts": self.cold_starts,
            "throttled_attempts": self.throttled,
            "express_billed_duration_ms": self.express_billed_duration_ms,
            "requests": self.requests.as_dict(),
            "by_service": cost.by_service,
            "per_execution": cost.per_execution,
            "per_thousand": cost.per_thousand,
        }


def _json_or_none(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return None


def measure_execution(
    execution: str | Mapping[str, Any],
    *,
    requests: str = "auto",
    profile: RequestProfile | str | None = None,
    wait_s: float | None = None,
    name: str = "",
    prices: PriceBook | None = None,
) -> MeasuredExecution:
    """Measure one finished execution (an ARN, or what start_sync_execution returned).

    `requests`: "measured" reads the local cloud's counter (offline only); "declared" uses
    `profile` (a RequestProfile, or an app name such as "santa"); "auto" measures offline and
    declares in aws mode when a profile is given; "none" leaves requests out.
    """
    if requests not in REQUEST_MODES:
        raise CostInputError(
            f"Unknown requests mode {requests!r}.", hint=f"Use one of {', '.join(REQUEST_MODES)}."
        )
    record = read_execution(execution, wait_s=wait_s)
    if record.stopped is None:
        raise CostInputError(
            f"{record.name} is still {record.status}.",
            hint="Cost an execution once it has finished (wait for it, then measure).",
        )
    offline = clients.resolve_target().offline
    transitions = count_transitions(record.events)
    attempts = lambda_attempts(record.events)
    invokes, missing = find_reports(
        attempts,
        (record.started, record.stopped),
        wait_s=(1.0 if offline else 30.0) if wait_s is None else wait_s,
    )
    return MeasuredExecution(
        record=record,
        transitions=transitions,
        invokes=tuple(invokes),
        unreported=tuple(missing),
        throttled=sum(1 for a in attempts if a.outcome == "throttled"),
        requests=_requests_of(record, transitions, requests, profile, offline),
        name=name,
        prices=prices or load_prices(),
    )


def _requests_of(
    record: ExecutionRecord,
    transitions: TransitionCount,
    mode: str,
    profile: RequestProfile | str | None,
    offline: bool,
) -> RequestCount:
    if mode == "none":
        return RequestCount(note="left out on request")
    if mode == "measured" or (mode == "auto" and offline):
        if not offline:
            raise CostInputError(
                "Only the local cloud counts requests; a real account has no such counter.",
                hint='Use requests="declared" with the app\'s profile, e.g. profile="santa".',
            )
        assert record.stopped is not None
        return measure_requests(record.started, record.stopped)
    if profile is None:
        if mode == "declared":
            raise CostInputError(
                'requests="declared" needs a profile.',
                hint='Pass profile="santa" (an app name) or a RequestProfile.',
            )
        return RequestCount(note="no request profile given (profile=...)")
    chosen = RequestProfile.for_app(profile) if isinstance(profile, str) else profile
    return chosen.count(transitions.by_state)

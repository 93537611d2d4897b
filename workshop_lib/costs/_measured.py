"""The cost of a real execution, put together from what it left behind.

    run = measure_execution(execution_arn)       # one execution, Standard or Express
    run.cost                                     # a WorkflowCost: per execution, per 1,000, month

The execution is read by `workshop_lib.executions` (its history, or an Express workflow's
CloudWatch Logs), and so are its steps' REPORT lines. For every number the result says how it
is known: transitions are counted from the events, Lambda time is read from REPORT lines, and
S3/DynamoDB/SNS requests are measured by the local cloud offline or declared by the app's
`requests.json` in a real account.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import clients
from ..display import Displayable, html_block, html_table, number, text_table
from ..executions import (
    Attempt,
    Execution,
    ExecutionArn,
    ExecutionError,
    Step,
    TransitionCount,
    count_transitions,
)
from ..pricing import PriceBook, load_prices
from ._errors import CostInputError
from ._requests import RequestCount, RequestProfile, measure_requests
from ._workflow import LambdaInvocation, MonthlyCost, WorkflowCost

REQUEST_MODES = ("auto", "measured", "declared", "none")
_REPORT_POLL_S = 2.0


@dataclass(frozen=True)
class MeasuredInvoke:
    """One invoke's REPORT line: what Lambda billed."""

    function: str
    state: str
    request_id: str
    memory_mb: int
    billed_ms: int
    duration_ms: float
    init_ms: float | None
    arch: str = "x86_64"

    @property
    def cold_start(self) -> bool:
        return self.init_ms is not None


@dataclass(frozen=True)
class MeasuredExecution(Displayable):
    """One execution's billable parts, each with where it came from, and its cost."""

    execution: Execution
    """The execution, as `workshop_lib.executions` read it (events, steps, REPORT lines)."""
    transitions: TransitionCount
    invokes: tuple[MeasuredInvoke, ...]
    unreported: tuple[Attempt, ...]
    """Attempts that ran code but whose REPORT line was not found (not priced)."""
    throttled: int
    requests: RequestCount
    name: str = ""
    prices: PriceBook = field(default_factory=load_prices, repr=False, compare=False)
    billed_duration_ms: float | None = None
    billed_memory_mb: float | None = None
    """Express billing as StartSyncExecution reported it (None when not known)."""

    @property
    def arn(self) -> str:
        return str(self.execution.arn)

    @property
    def status(self) -> str:
        return self.execution.status

    @property
    def express(self) -> bool:
        return self.execution.express

    @property
    def workflow_type(self) -> str:
        return "express" if self.express else "standard"

    @property
    def duration_ms(self) -> float | None:
        seconds = self.execution.duration
        return None if seconds is None else max(0.0, seconds * 1000)

    @property
    def source(self) -> str:
        """Where the events were read: the execution history, or an Express log group."""
        group = self.execution.log_group
        return f"CloudWatch Logs group {group}" if group else "execution history"

    @property
    def express_billed_duration_ms(self) -> float | None:
        """Express: StartSyncExecution's billed duration, else the duration in the logs."""
        if not self.express:
            return None
        if self.billed_duration_ms is not None:
            return self.billed_duration_ms
        return self.duration_ms

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
            express_memory_mb=self.billed_memory_mb,
            name=self.name or self.execution.name,
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
        for step in self.execution.steps_named(state):
            for attempt in step.attempts:
                event = attempt.events[0] if attempt.events else None
                if event is None or not event.type.endswith("Scheduled"):
                    continue
                if event.type == "LambdaFunctionScheduled":
                    return _json_or_none(event.details.get("input"))
                parameters = _json_or_none(event.details.get("parameters")) or {}
                return parameters.get("Payload") if isinstance(parameters, dict) else None
        raise CostInputError(
            f"{state!r} invoked no Lambda function in {self.execution.name}.",
            hint=f"States entered: {', '.join(self.transitions.by_state)}.",
        )

    # Display -----------------------------------------------------------------------------------

    def _provenance(self) -> list[tuple[str, str, str]]:
        rows: list[tuple[str, str, str]] = []
        if self.express:
            billed = self.express_billed_duration_ms or 0
            memory = self.billed_memory_mb
            how = (
                "billingDetails of StartSyncExecution (measured)"
                if self.billed_duration_ms is not None
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
                    f"counted from {len(self.execution.events)} events in the {self.source} "
                    "(measured)",
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
        kind = "Express" if self.express else "Standard"
        seconds = self.duration_ms
        took = f" in {seconds / 1000:.2f} s" if seconds is not None else ""
        return f"{kind} execution {self.execution.name}: {self.status}{took}"

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
            "duration_ms": self.duration_ms,
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
    execution: Execution | str | Mapping[str, Any],
    *,
    requests: str = "auto",
    profile: RequestProfile | str | None = None,
    wait_s: float | None = None,
    name: str = "",
    prices: PriceBook | None = None,
) -> MeasuredExecution:
    """Measure one finished execution: an `Execution`, an ARN, or what start_sync_execution
    returned (the only place Express billing details appear).

    `requests`: "measured" reads the local cloud's counter (offline only); "declared" uses
    `profile` (a RequestProfile, or an app name such as "santa"); "auto" measures offline and
    declares in aws mode when a profile is given; "none" leaves requests out. `wait_s`: how
    long to wait for log lines CloudWatch Logs has not delivered yet (an Express execution's
    records, REPORT lines). Defaults: 1 s offline, 30 s in aws mode.
    """
    if requests not in REQUEST_MODES:
        raise CostInputError(
            f"Unknown requests mode {requests!r}.", hint=f"Use one of {', '.join(REQUEST_MODES)}."
        )
    offline = clients.resolve_target().offline
    wait = (1.0 if offline else 30.0) if wait_s is None else wait_s
    given: Mapping[str, Any] = execution if isinstance(execution, Mapping) else {}
    run = _read(execution, given, wait)
    if not run.finished:
        raise CostInputError(
            f"{run.name} is still {run.status}.",
            hint="Cost an execution once it has finished (wait for it, then measure).",
        )
    transitions = count_transitions(run.events)
    lambda_steps = [step for step in run.all_steps() if step.function_name and step.attempts]
    invokes, missing = _reported_invokes(run, lambda_steps, wait)
    billing = given.get("billingDetails") or {}
    return MeasuredExecution(
        execution=run,
        transitions=transitions,
        invokes=invokes,
        unreported=missing,
        throttled=sum(1 for step in lambda_steps for a in step.attempts if a.throttled),
        requests=_requests_of(run, transitions, requests, profile, offline),
        name=name,
        prices=prices or load_prices(),
        billed_duration_ms=_float_or_none(billing.get("billedDurationInMilliseconds")),
        billed_memory_mb=_float_or_none(billing.get("billedMemoryUsedInMB")),
    )


def _read(
    execution: Execution | str | Mapping[str, Any], given: Mapping[str, Any], wait_s: float
) -> Execution:
    """The execution, read by `workshop_lib.executions` (Express ones from their logs)."""
    if isinstance(execution, Execution):
        return execution
    arn = str(given.get("executionArn") or execution)
    if not isinstance(execution, str | Mapping) or not arn.startswith("arn:"):
        raise CostInputError(
            f"Cannot read an execution from {execution!r}.",
            hint="Pass an execution ARN or the response of start_sync_execution.",
        )
    try:
        if ExecutionArn.parse(arn).express:
            return Execution.from_express_logs(None, arn, description=given, wait_s=wait_s)
        return Execution.from_arn(arn)
    except ExecutionError as error:
        raise CostInputError(str(error.args[0]), hint=error.hint) from None


def _reported_invokes(
    execution: Execution, lambda_steps: list[Step], wait_s: float
) -> tuple[tuple[MeasuredInvoke, ...], tuple[Attempt, ...]]:
    """Each Lambda attempt that ran code, priced from its REPORT line (the execution's logs);
    and those whose line has not been found. Throttled attempts ran no code: not looked for.

    `wait_s` allows CloudWatch Logs time to deliver lines still missing (in a real account).
    """
    ran = [(step, a) for step in lambda_steps for a in step.attempts if not a.throttled]
    deadline = time.monotonic() + wait_s
    execution.logs()
    while any(a.report is None for _, a in ran) and time.monotonic() < deadline:
        time.sleep(_REPORT_POLL_S)
        execution.logs(refresh=True)
    architectures: dict[str, str] = {}
    found: list[MeasuredInvoke] = []
    for step, attempt in ran:
        report, function = attempt.report, str(step.function_name)
        if report is None:
            continue
        found.append(
            MeasuredInvoke(
                function=function,
                state=step.name,
                request_id=report.request_id,
                memory_mb=report.memory_size_mb,
                billed_ms=report.billed_duration_ms,
                duration_ms=report.duration_ms,
                init_ms=report.init_duration_ms,
                arch=architectures.setdefault(function, _architecture(function)),
            )
        )
    found.sort(key=lambda invoke: (invoke.state, invoke.request_id))
    return tuple(found), tuple(a for _, a in ran if a.report is None)


def _architecture(function: str) -> str:
    try:
        configuration = clients.client("lambda").get_function_configuration(FunctionName=function)
    except Exception:  # deleted since: the REPORT line is still valid, assume the default
        return "x86_64"
    return (configuration.get("Architectures") or ["x86_64"])[0]


def _float_or_none(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _requests_of(
    execution: Execution,
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
        assert execution.start is not None and execution.stop is not None
        return measure_requests(execution.start.timestamp(), execution.stop.timestamp())
    if profile is None:
        if mode == "declared":
            raise CostInputError(
                'requests="declared" needs a profile.',
                hint='Pass profile="santa" (an app name) or a RequestProfile.',
            )
        return RequestCount(note="no request profile given (profile=...)")
    chosen = RequestProfile.for_app(profile) if isinstance(profile, str) else profile
    return chosen.count(transitions.by_state)

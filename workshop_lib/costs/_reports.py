"""The Lambda invokes an execution made, with the billed duration their REPORT lines state.

The history says when each Task attempt called which function; the function's log group
(`/aws/lambda/<name>`) holds a START and a REPORT line per invoke, with the request id. Each
attempt is paired with the invoke that started closest to it inside the attempt's time window
(exactly by request id where the history carries one, as `lambda:invoke` results do in AWS).
An attempt that Lambda throttled ran no code and has no REPORT line: it costs no Lambda time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import clients
from ..lambda_report import LambdaReport, request_id_of
from ._history import ExecutionEvent
from ._transitions import ATTEMPT_EVENTS, state_of

_END_EVENTS = {
    "LambdaFunctionSucceeded": "succeeded",
    "LambdaFunctionFailed": "failed",
    "LambdaFunctionTimedOut": "timed out",
    "LambdaFunctionStartFailed": "failed",
    "LambdaFunctionScheduleFailed": "failed",
    "TaskSucceeded": "succeeded",
    "TaskFailed": "failed",
    "TaskTimedOut": "timed out",
    "TaskStartFailed": "failed",
    "TaskSubmitFailed": "failed",
}
_SLACK_S = 1.0  # log clocks and history clocks differ a little


@dataclass(frozen=True)
class LambdaAttempt:
    """One attempt of a Task state to invoke a function, as the history tells it."""

    function: str
    state: str
    scheduled: float
    ended: float | None
    outcome: str
    """"succeeded", "failed", "timed out", "throttled" or "running"."""
    error: str | None = None
    request_id: str | None = None


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


def lambda_attempts(events: Sequence[ExecutionEvent]) -> list[LambdaAttempt]:
    """Every attempt to invoke a Lambda function, retries and throttled ones included."""
    by_id = {event.id: event for event in events}
    ends: dict[int, ExecutionEvent] = {}
    for event in events:
        if event.type in _END_EVENTS and _is_lambda(event):
            start = _attempt_of(event, by_id)
            if start is not None:
                ends.setdefault(start.id, event)
    attempts = []
    for event in events:
        if event.type not in ATTEMPT_EVENTS or not _is_lambda(event):
            continue
        function = _function_of(event)
        if not function:
            continue
        end = ends.get(event.id)
        outcome = _END_EVENTS[end.type] if end is not None else "running"
        error = str(end.details.get("error")) if end and end.details.get("error") else None
        if end is not None and _throttled(end.details):
            outcome = "throttled"
        attempts.append(
            LambdaAttempt(
                function=function,
                state=state_of(event, by_id),
                scheduled=event.timestamp,
                ended=end.timestamp if end is not None else None,
                outcome=outcome,
                error=error,
                request_id=_request_id_in(end.details) if end is not None else None,
            )
        )
    return attempts


def find_reports(
    attempts: Sequence[LambdaAttempt],
    window: tuple[float, float],
    *,
    wait_s: float = 0.0,
) -> tuple[list[MeasuredInvoke], list[LambdaAttempt]]:
    """Pair attempts with REPORT lines. Returns (invokes found, attempts without one).

    Throttled attempts are not looked for. `wait_s` allows CloudWatch Logs time to deliver
    lines that are still missing (seconds, in a real account).
    """
    wanted = [a for a in attempts if a.outcome != "throttled"]
    deadline = time.monotonic() + wait_s
    while True:
        found, missing = _pair(wanted, window)
        if not missing or time.monotonic() >= deadline:
            return found, missing
        time.sleep(2.0)


def _pair(
    attempts: Sequence[LambdaAttempt], window: tuple[float, float]
) -> tuple[list[MeasuredInvoke], list[LambdaAttempt]]:
    found: list[MeasuredInvoke] = []
    missing: list[LambdaAttempt] = []
    architectures: dict[str, str] = {}
    for function in sorted({a.function for a in attempts}):
        invokes = _invokes_in_log(function, window)
        used: set[str] = set()
        arch = architectures.setdefault(function, _architecture(function))
        for attempt in sorted(
            (a for a in attempts if a.function == function), key=lambda a: a.scheduled
        ):
            match = _match(attempt, invokes, used, window[1])
            if match is None:
                missing.append(attempt)
                continue
            used.add(match[0])
            report = match[2]
            found.append(
                MeasuredInvoke(
                    function=function,
                    state=attempt.state,
                    request_id=report.request_id,
                    memory_mb=report.memory_size_mb,
                    billed_ms=report.billed_duration_ms,
                    duration_ms=report.duration_ms,
                    init_ms=report.init_duration_ms,
                    arch=arch,
                )
            )
    found.sort(key=lambda invoke: (invoke.state, invoke.request_id))
    return found, missing


def _match(
    attempt: LambdaAttempt,
    invokes: Sequence[tuple[str, float, LambdaReport]],
    used: set[str],
    stopped: float,
) -> tuple[str, float, LambdaReport] | None:
    if attempt.request_id:
        return next((i for i in invokes if i[0] == attempt.request_id and i[0] not in used), None)
    low = attempt.scheduled - _SLACK_S
    high = (attempt.ended if attempt.ended is not None else stopped) + _SLACK_S
    candidates = [i for i in invokes if i[0] not in used and low <= i[1] <= high]
    return min(candidates, key=lambda i: abs(i[1] - attempt.scheduled), default=None)


def _invokes_in_log(
    function: str, window: tuple[float, float]
) -> list[tuple[str, float, LambdaReport]]:
    """(request id, time of START, REPORT) for every complete invoke in the window."""
    logs = clients.client("logs")
    starts: dict[str, float] = {}
    reports: dict[str, LambdaReport] = {}
    query = {
        "logGroupName": f"/aws/lambda/{function}",
        "startTime": int((window[0] - 5) * 1000),
        "endTime": int((window[1] + 5) * 1000),
    }
    try:
        pages = list(logs.get_paginator("filter_log_events").paginate(**query))
    except logs.exceptions.ResourceNotFoundException:
        return []
    for page in pages:
        for item in page.get("events", []):
            message = item.get("message", "")
            if message.startswith("START "):
                request_id = request_id_of(message)
                if request_id:
                    starts.setdefault(request_id, item["timestamp"] / 1000)
            report = LambdaReport.parse(message)
            if report is not None:
                reports[report.request_id] = report
    return sorted(
        ((rid, starts[rid], report) for rid, report in reports.items() if rid in starts),
        key=lambda item: item[1],
    )


def _architecture(function: str) -> str:
    try:
        configuration = clients.client("lambda").get_function_configuration(FunctionName=function)
    except Exception:  # deleted since: the REPORT line is still valid, assume the default
        return "x86_64"
    return (configuration.get("Architectures") or ["x86_64"])[0]


def _is_lambda(event: ExecutionEvent) -> bool:
    if event.type.startswith("LambdaFunction"):
        return True
    return event.type.startswith("Task") and event.details.get("resourceType") == "lambda"


def _function_of(event: ExecutionEvent) -> str:
    """The function name, from a legacy Lambda resource ARN or `lambda:invoke` parameters."""
    if event.type == "LambdaFunctionScheduled":
        return function_name(str(event.details.get("resource", "")))
    parameters = event.details.get("parameters")
    if isinstance(parameters, str):
        try:
            parameters = json.loads(parameters)
        except ValueError:
            parameters = {}
    if isinstance(parameters, Mapping):
        return function_name(str(parameters.get("FunctionName", "")))
    return ""


def function_name(reference: str) -> str:
    """`my-fn` from a name, a full ARN, a partial ARN, with or without a version or alias."""
    if ":function:" in reference:
        return reference.split(":function:", 1)[1].split(":", 1)[0]
    if reference.count(":") == 1 and not reference.startswith("arn:"):
        return reference.split(":", 1)[0]  # name:alias
    return reference


def _attempt_of(
    event: ExecutionEvent, by_id: Mapping[int, ExecutionEvent]
) -> ExecutionEvent | None:
    current = by_id.get(event.previous_id) if event.previous_id else None
    for _ in range(10):  # Scheduled <- Started <- Succeeded/Failed: a short way back
        if current is None:
            return None
        if current.type in ATTEMPT_EVENTS:
            return current
        current = by_id.get(current.previous_id) if current.previous_id else None
    return None


def _throttled(details: Mapping[str, Any]) -> bool:
    error = str(details.get("error", ""))
    cause = str(details.get("cause", ""))
    return (
        "TooManyRequests" in error
        or "TooManyRequestsException" in cause
        or (cause.startswith("Rate Exceeded"))
    )


def _request_id_in(details: Mapping[str, Any]) -> str | None:
    """AWS puts the invoke's request id in a `lambda:invoke` result's SDK metadata."""
    output = details.get("output")
    if not isinstance(output, str) or "RequestId" not in output:
        return None
    try:
        parsed = json.loads(output)
    except ValueError:
        return None
    metadata = parsed.get("SdkResponseMetadata") if isinstance(parsed, dict) else None
    request_id = metadata.get("RequestId") if isinstance(metadata, dict) else None
    return str(request_id) if request_id else None


def billed_ms_total(invokes: Iterable[MeasuredInvoke]) -> int:
    return sum(invoke.billed_ms for invoke in invokes)

"""What happened in one execution, read back for costing: its events, times and billing.

A Standard execution keeps its history in Step Functions (`GetExecutionHistory`). An Express
execution keeps none: its events exist only in the CloudWatch Logs group of its state machine's
LoggingConfiguration (level ALL), one JSON record per event. Both become the same
`ExecutionEvent` objects here, so the counting code does not care where they came from.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .. import clients
from ._errors import CostInputError

TERMINAL_EVENTS = frozenset(
    {"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"}
)


@dataclass(frozen=True)
class ExecutionEvent:
    """One history event: its id, type, time (epoch seconds), parent and details."""

    id: int
    type: str
    timestamp: float
    previous_id: int | None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExecutionRecord:
    """One execution as the cost model needs it."""

    arn: str
    state_machine_arn: str
    express: bool
    status: str
    started: float
    stopped: float | None
    events: tuple[ExecutionEvent, ...]
    source: str
    """Where the events were read: "execution history" or "CloudWatch Logs group <name>"."""
    billed_duration_ms: float | None = None
    billed_memory_mb: float | None = None
    """Express billing as StartSyncExecution reported it (None when not known)."""

    @property
    def name(self) -> str:
        return execution_name(self.arn)

    @property
    def duration_ms(self) -> float | None:
        return None if self.stopped is None else max(0.0, (self.stopped - self.started) * 1000)


def execution_name(arn: str) -> str:
    """The execution's name: the part after the state machine's name in its ARN."""
    parts = arn.split(":")
    return parts[7] if len(parts) > 7 else arn


def state_machine_of(execution_arn: str) -> str:
    """The ARN of the state machine an execution ARN belongs to (Standard or Express)."""
    parts = execution_arn.split(":")
    if len(parts) < 7 or parts[5] not in ("execution", "express"):
        raise CostInputError(
            f"{execution_arn!r} is not a Step Functions execution ARN.",
            hint="Use the executionArn that start_execution or start_sync_execution returned.",
        )
    return ":".join([*parts[:5], "stateMachine", parts[6]])


def read_execution(
    execution: str | Mapping[str, Any], *, wait_s: float | None = None
) -> ExecutionRecord:
    """Read an execution by ARN, or from the dict `start_sync_execution` / `describe_execution`
    returned (which is the only place Express billing details appear).

    `wait_s`: how long to wait for an Express execution's log records to arrive (CloudWatch Logs
    delivers them after a short delay in a real account). Defaults: 1 s offline, 30 s in aws mode.
    """
    given: Mapping[str, Any] = execution if isinstance(execution, Mapping) else {}
    arn = str(given.get("executionArn") or execution)
    if not isinstance(execution, str | Mapping) or not arn.startswith("arn:"):
        raise CostInputError(
            f"Cannot read an execution from {execution!r}.",
            hint="Pass an execution ARN or the response of start_sync_execution.",
        )
    machine = str(given.get("stateMachineArn") or state_machine_of(arn))
    if ":express:" in arn:
        return _read_express(arn, machine, given, _default_wait(wait_s))
    return _read_standard(arn, machine)


def _default_wait(wait_s: float | None) -> float:
    if wait_s is not None:
        return wait_s
    return 1.0 if clients.resolve_target().offline else 30.0


# -- Standard: GetExecutionHistory -------------------------------------------------------------


def _read_standard(arn: str, machine: str) -> ExecutionRecord:
    sfn = clients.client("stepfunctions")
    try:
        described = sfn.describe_execution(executionArn=arn)
    except sfn.exceptions.ExecutionDoesNotExist:
        raise CostInputError(
            f"There is no execution {arn!r} here.",
            hint="Check the mode (offline or aws) and that the app ran in this cloud.",
        ) from None
    events: list[ExecutionEvent] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=arn):
        for raw in page["events"]:
            details = next((v for k, v in raw.items() if k.endswith("EventDetails")), {})
            events.append(
                ExecutionEvent(
                    id=int(raw["id"]),
                    type=raw["type"],
                    timestamp=_epoch(raw["timestamp"]),
                    previous_id=_int_or_none(raw.get("previousEventId")),
                    details=details,
                )
            )
    stop = described.get("stopDate")
    return ExecutionRecord(
        arn=arn,
        state_machine_arn=described.get("stateMachineArn", machine),
        express=False,
        status=described["status"],
        started=_epoch(described["startDate"]),
        stopped=_epoch(stop) if stop else None,
        events=tuple(events),
        source="execution history",
    )


# -- Express: CloudWatch Logs --------------------------------------------------------------------


def express_log_group(state_machine_arn: str) -> str:
    """The log group an Express state machine writes its executions to (level ALL needed)."""
    sfn = clients.client("stepfunctions")
    described = sfn.describe_state_machine(stateMachineArn=state_machine_arn)
    logging = described.get("loggingConfiguration") or {}
    destinations = logging.get("destinations") or []
    level = str(logging.get("level", "OFF")).upper()
    if level != "ALL" or not destinations:
        raise CostInputError(
            f"{described['name']} does not log its executions at level ALL "
            f"(level {level}), so there is nothing to count.",
            hint="Express workflows keep no history. Give the state machine a "
            "loggingConfiguration with level ALL and a log group, then run it again.",
        )
    group_arn = destinations[0]["cloudWatchLogsLogGroup"]["logGroupArn"]
    return group_arn.split(":log-group:", 1)[1].removesuffix(":*")


def _read_express(
    arn: str, machine: str, given: Mapping[str, Any], wait_s: float
) -> ExecutionRecord:
    group = express_log_group(machine)
    start_hint = _epoch(given["startDate"]) if given.get("startDate") else None
    stop_hint = _epoch(given["stopDate"]) if given.get("stopDate") else None
    deadline = time.monotonic() + wait_s
    while True:
        events = _express_events(group, arn, start_hint, stop_hint)
        if any(e.type in TERMINAL_EVENTS for e in events) or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    if not events:
        raise CostInputError(
            f"No log records for {execution_name(arn)} in {group}.",
            hint="CloudWatch Logs can take a few seconds to deliver them: try again shortly.",
        )
    last = events[-1]
    status = given.get("status") or (
        last.type.removeprefix("Execution").upper() if last.type in TERMINAL_EVENTS else "RUNNING"
    )
    billing = given.get("billingDetails") or {}
    return ExecutionRecord(
        arn=arn,
        state_machine_arn=machine,
        express=True,
        status=str(status).replace("TIMEDOUT", "TIMED_OUT"),
        started=start_hint if start_hint is not None else events[0].timestamp,
        stopped=stop_hint
        if stop_hint is not None
        else (last.timestamp if last.type in TERMINAL_EVENTS else None),
        events=tuple(events),
        source=f"CloudWatch Logs group {group}",
        billed_duration_ms=_float_or_none(billing.get("billedDurationInMilliseconds")),
        billed_memory_mb=_float_or_none(billing.get("billedMemoryUsedInMB")),
    )


def _express_events(
    group: str, arn: str, start: float | None, stop: float | None
) -> list[ExecutionEvent]:
    logs = clients.client("logs")
    query: dict[str, Any] = {"logGroupName": group}
    if start is not None:
        query["startTime"] = int((start - 5) * 1000)
    if stop is not None:
        query["endTime"] = int((stop + 5) * 1000)
    found: dict[int, ExecutionEvent] = {}
    for page in logs.get_paginator("filter_log_events").paginate(**query):
        for item in page.get("events", []):
            try:
                record = json.loads(item["message"])
            except (ValueError, TypeError):
                continue
            if not isinstance(record, dict) or record.get("execution_arn") != arn:
                continue
            event_id = int(record["id"])
            found[event_id] = ExecutionEvent(
                id=event_id,
                type=str(record.get("type", "")),
                timestamp=int(record.get("event_timestamp", item["timestamp"])) / 1000,
                previous_id=_int_or_none(record.get("previous_event_id")),
                details=record.get("details") or {},
            )
    return [found[k] for k in sorted(found)]


# -- helpers -------------------------------------------------------------------------------------


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


def _int_or_none(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _float_or_none(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None

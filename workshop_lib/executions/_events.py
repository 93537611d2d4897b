"""One history event, read from the Step Functions API or from an Express workflow's log record.

The API and the Express logs describe the same events in two shapes; both become a
`HistoryEvent`, so everything downstream (steps, overlay, tables) reads one kind of object.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Where an attempt at a Task begins, where it ends well, and every way it can end badly.
ATTEMPT_SCHEDULED = frozenset({"TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled"})
ATTEMPT_RUNNING = frozenset(
    {"TaskStarted", "LambdaFunctionStarted", "ActivityStarted", "TaskSubmitted"}
)
ATTEMPT_SUCCEEDED = frozenset({"TaskSucceeded", "LambdaFunctionSucceeded", "ActivitySucceeded"})
ATTEMPT_FAILED = frozenset(
    {
        "TaskFailed",
        "TaskTimedOut",
        "TaskStartFailed",
        "TaskSubmitFailed",
        "LambdaFunctionFailed",
        "LambdaFunctionTimedOut",
        "LambdaFunctionStartFailed",
        "LambdaFunctionScheduleFailed",
        "ActivityFailed",
        "ActivityTimedOut",
        "ActivityScheduleFailed",
    }
)
TIMED_OUT = frozenset({"TaskTimedOut", "LambdaFunctionTimedOut", "ActivityTimedOut"})

# Events that say how the whole execution ended, with the status Step Functions reports.
EXECUTION_ENDINGS = {
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionAborted": "ABORTED",
    "ExecutionTimedOut": "TIMED_OUT",
}


@dataclass(frozen=True)
class HistoryEvent:
    """One line of an execution's history: what happened, when, and to which state."""

    id: int
    previous_id: int
    type: str
    timestamp: datetime
    details: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> HistoryEvent:
        """An event as `get_execution_history` returns it (details under `<type>EventDetails`)."""
        details: Mapping[str, Any] = {}
        for key, value in raw.items():
            if key.endswith("EventDetails") and isinstance(value, Mapping):
                details = value
                break
        return cls(
            id=int(raw["id"]),
            previous_id=int(raw.get("previousEventId") or 0),
            type=str(raw["type"]),
            timestamp=to_utc(raw["timestamp"]),
            details=details,
        )

    @classmethod
    def from_log_record(cls, record: Mapping[str, Any]) -> HistoryEvent:
        """An event as an Express workflow writes it to CloudWatch Logs (a JSON object)."""
        details = record.get("details")
        return cls(
            id=int(record["id"]),
            previous_id=int(record.get("previous_event_id") or 0),
            type=str(record["type"]),
            timestamp=to_utc(int(record["event_timestamp"]) / 1000.0),
            details=details if isinstance(details, Mapping) else {},
        )

    @property
    def state_name(self) -> str | None:
        """The state an Entered/Exited event names, or the Map an iteration event belongs to."""
        name = self.details.get("name")
        return str(name) if name is not None else None

    @property
    def error(self) -> str | None:
        value = self.details.get("error")
        return str(value) if value not in (None, "") else None

    @property
    def cause(self) -> str | None:
        value = self.details.get("cause")
        return str(value) if value not in (None, "") else None

    def elapsed_seconds(self, start: datetime) -> float:
        """Seconds from `start` to this event, whole seconds included (not only the fraction)."""
        return (self.timestamp - start).total_seconds()


def to_utc(value: datetime | str | float | int) -> datetime:
    """A timezone-aware UTC datetime from a datetime, an ISO string or epoch seconds."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float):
        moment = datetime.fromtimestamp(float(value), tz=UTC)
    else:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:  # a naive time from a synthetic history: read it as UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


_LAMBDA_ARN = re.compile(r"^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)")
_PARTIAL_ARN = re.compile(r"^(?:\d{12}:)?function:([^:]+)")


def function_name_from(reference: str) -> str | None:
    """The function name in anything Lambda accepts as FunctionName: a name, ARN or partial ARN."""
    reference = reference.strip()
    if not reference or reference.startswith("${"):
        return None
    for pattern in (_LAMBDA_ARN, _PARTIAL_ARN):
        match = pattern.match(reference)
        if match:
            return match.group(1)
    if reference.startswith("arn:"):
        return None  # another service's ARN
    return reference.split(":", 1)[0]  # "name" or "name:alias"

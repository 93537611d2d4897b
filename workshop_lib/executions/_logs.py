"""The Lambda log lines behind each Task step, read from CloudWatch Logs.

Lambda writes every invoke's lines to `/aws/lambda/<function>`: START, the handler's own
lines, END and REPORT, each platform line carrying the request id. Lines are grouped by
request id, then each Task attempt is paired with its invoke: by the request id the history
carries (an error's cause, a `lambda:invoke` result's metadata), else by the closest start
time within the attempt's window.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .. import clients
from ..display import Displayable
from ..lambda_report import LambdaReport, request_id_of
from ._events import to_utc
from ._step import Attempt, Step

# Log and history clocks differ a little, and a log line can be stamped just outside a step.
_SLACK = timedelta(seconds=1)
_WINDOW_MARGIN = timedelta(seconds=2)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The Python runtime's logging format: [LEVEL]\t<time>\t<request id>\t<message>
_RUNTIME_LINE = re.compile(r"^\[[A-Z]+\]\t[^\t]*\t([0-9a-fA-F-]{8,})\t")


@dataclass(frozen=True)
class LogLine:
    timestamp: datetime
    message: str
    stream: str

    @property
    def is_platform(self) -> bool:
        """A line Lambda itself wrote (START, END, REPORT, INIT_START…), not the handler."""
        return self.message.startswith(("START ", "END ", "REPORT ", "INIT_", "EXTENSION"))


@dataclass
class InvocationLog:
    """The lines of one Lambda invoke, and what its REPORT line says."""

    request_id: str
    function_name: str
    stream: str = ""
    lines: list[LogLine] = field(default_factory=list)
    init_lines: list[LogLine] = field(default_factory=list)
    """Lines written while a new execution environment started (a cold start), before START."""
    report: LambdaReport | None = None

    @property
    def started(self) -> datetime | None:
        return self.lines[0].timestamp if self.lines else None

    @property
    def handler_lines(self) -> list[str]:
        """What the handler printed or logged (platform lines left out)."""
        return [line.message for line in self.lines if not line.is_platform]

    @property
    def text(self) -> str:
        return "\n".join(line.message.rstrip() for line in [*self.init_lines, *self.lines])


@dataclass
class StepLogs(Displayable):
    """One Task step's invokes: each attempt with its log (None when none was found)."""

    step: Step
    function_name: str
    attempts: list[tuple[Attempt, InvocationLog | None]]
    note: str | None = None

    @property
    def lines(self) -> list[str]:
        """Every line of every attempt, in order."""
        return [
            line for _, log in self.attempts if log is not None for line in log.text.splitlines()
        ]

    def _html(self) -> str:
        from ._html import step_logs_html

        return step_logs_html(self)

    def __str__(self) -> str:
        from ._text import step_logs_text

        return step_logs_text(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


class ExecutionLogs(list[StepLogs], Displayable):
    """The logs of every Task step of an execution, in the order the steps ran."""

    def for_state(self, name: str) -> ExecutionLogs:
        return ExecutionLogs(entry for entry in self if entry.step.name == name)

    def _html(self) -> str:
        from ._html import execution_logs_html

        return execution_logs_html(self)

    def __str__(self) -> str:
        from ._text import step_logs_text

        if not self:
            return "No Lambda task ran in this execution."
        return "\n\n".join(step_logs_text(entry) for entry in self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


def collect_logs(task_steps: Sequence[Step], *, now: datetime) -> ExecutionLogs:
    """Read each function's log group once, over the window its steps ran in, and pair.

    Each paired attempt gets its request id and REPORT line (`Attempt.report`): the timeline
    splits cold starts with them, and the cost model bills them.
    """
    by_function: dict[str, list[Step]] = defaultdict(list)
    for step in task_steps:
        if step.function_name and step.attempts:
            by_function[step.function_name].append(step)
    paired: dict[Attempt, InvocationLog] = {}
    notes: dict[str, str] = {}
    for name, steps in by_function.items():
        # A throttled attempt ran no code: it has no log, and must not take another's.
        attempts = [a for s in steps for a in s.attempts if not a.throttled]
        if not attempts:
            continue
        start = min(a.started for a in attempts) - _WINDOW_MARGIN
        end = max((a.ended or now) for a in attempts) + _WINDOW_MARGIN
        try:
            invocations = group_by_request(read_log_events(name, start, end), name)
        except ClientError as error:
            notes[name] = _explain(error, name)
            continue
        except BotoCoreError as error:
            notes[name] = f"Could not read the logs of {name}: {error}"
            continue
        paired.update(pair_attempts(attempts, invocations))
    result = ExecutionLogs()
    for step in task_steps:
        name = step.function_name
        if not name or not step.attempts:
            continue
        entries = []
        for attempt in step.attempts:
            log = paired.get(attempt)
            if log is not None:
                attempt.request_id = attempt.request_id or log.request_id
                attempt.report = log.report or attempt.report
            entries.append((attempt, log))
        result.append(StepLogs(step, name, entries, note=notes.get(name)))
    return result


def read_log_events(function_name: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The raw events of `/aws/lambda/<function_name>` between two moments."""
    paginator = clients.client("logs").get_paginator("filter_log_events")
    pages = paginator.paginate(
        logGroupName=f"/aws/lambda/{function_name}",
        startTime=int(start.timestamp() * 1000),
        endTime=int(end.timestamp() * 1000),
    )
    return [event for page in pages for event in page.get("events", [])]


def group_by_request(
    events: Iterable[Mapping[str, Any]], function_name: str
) -> list[InvocationLog]:
    """Lines grouped into invokes. An environment handles one request at a time, so in a log
    stream a plain line between START and REPORT belongs to that request."""
    streams: dict[str, list[LogLine]] = defaultdict(list)
    for event in events:
        stream = str(event.get("logStreamName", ""))
        stamp = to_utc(int(event["timestamp"]) / 1000.0)
        streams[stream].append(LogLine(stamp, str(event.get("message", "")).rstrip("\n"), stream))
    found: dict[str, InvocationLog] = {}

    def invocation(request_id: str, stream: str) -> InvocationLog:
        if request_id not in found:
            found[request_id] = InvocationLog(request_id, function_name, stream)
        return found[request_id]

    for stream, lines in streams.items():
        lines.sort(key=lambda line: line.timestamp)  # stable: equal times keep the API's order
        current: InvocationLog | None = None
        waiting_init: list[LogLine] = []
        for line in lines:
            request_id = request_id_of(line.message)
            runtime = _RUNTIME_LINE.match(line.message)
            if request_id:
                target = invocation(request_id, stream)
                target.lines.append(line)
                if line.message.startswith("START"):
                    current = target
                    target.init_lines.extend(waiting_init)
                    waiting_init = []
                elif line.message.startswith("REPORT"):
                    target.report = LambdaReport.parse(line.message)
                    current = None if current is target else current
            elif runtime:
                invocation(runtime.group(1), stream).lines.append(line)
            elif current is not None:
                current.lines.append(line)
            else:
                waiting_init.append(line)  # INIT_START and lines printed at import time
    return sorted(found.values(), key=lambda log: (log.started is None, log.started or _EPOCH))


def pair_attempts(
    attempts: Sequence[Attempt], invocations: Sequence[InvocationLog]
) -> dict[Attempt, InvocationLog]:
    """Each attempt's invoke: by request id first, then the closest start inside its window."""
    by_id = {log.request_id: log for log in invocations}
    pairs: dict[Attempt, InvocationLog] = {}
    used: set[str] = set()
    for attempt in attempts:
        log = by_id.get(attempt.request_id or "")
        if log is not None and log.request_id not in used:
            pairs[attempt] = log
            used.add(log.request_id)
    candidates: list[tuple[float, int, int]] = []
    for a_index, attempt in enumerate(attempts):
        if attempt in pairs:
            continue
        earliest = attempt.started - _SLACK
        latest = attempt.ended + _SLACK if attempt.ended is not None else None
        anchor = attempt.running_since or attempt.started
        for l_index, log in enumerate(invocations):
            begun = log.started
            if log.request_id in used or begun is None or begun < earliest:
                continue
            if latest is not None and begun > latest:
                continue
            candidates.append((abs((begun - anchor).total_seconds()), a_index, l_index))
    for _, a_index, l_index in sorted(candidates):
        attempt, log = attempts[a_index], invocations[l_index]
        if attempt in pairs or log.request_id in used:
            continue
        pairs[attempt] = log
        used.add(log.request_id)
    return pairs


def _explain(error: ClientError, function_name: str) -> str:
    code = error.response.get("Error", {}).get("Code", "")
    if code == "ResourceNotFoundException":
        return (
            f"There is no log group /aws/lambda/{function_name} yet: the function has not "
            "written any logs (or its logs go to a custom group)."
        )
    if code in ("AccessDeniedException", "AccessDenied"):
        return f"Your credentials may not read the logs of {function_name} (logs:FilterLogEvents)."
    return f"Could not read the logs of {function_name}: {error}"

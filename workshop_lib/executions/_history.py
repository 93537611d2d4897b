"""Reading an execution from AWS: its description, its full history and its definition.

Only plain boto3 calls are used, so the same code reads the local cloud and a real account.
Express workflows keep no history; their events are read back from CloudWatch Logs instead.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from .. import clients
from ._arns import ExecutionArn
from ._errors import ExecutionError, ExecutionNotFoundError, ExpressLogsError
from ._events import EXECUTION_ENDINGS, HistoryEvent

_T = TypeVar("_T")
# Log events are stamped close to, not exactly at, the history's times.
_LOG_MARGIN = timedelta(seconds=5)
_EXPRESS_POLL_S = 0.5


def describe(execution_arn: str) -> dict[str, Any]:
    """`describe_execution`, with friendly errors."""
    return _call(lambda: _sfn().describe_execution(executionArn=execution_arn), execution_arn)


def fetch_events(execution_arn: str) -> list[HistoryEvent]:
    """Every history event, following the pagination (long executions have thousands)."""

    def read() -> list[HistoryEvent]:
        paginator = _sfn().get_paginator("get_execution_history")
        pages = paginator.paginate(executionArn=execution_arn, includeExecutionData=True)
        return [HistoryEvent.from_api(raw) for page in pages for raw in page.get("events", [])]

    return _call(read, execution_arn)


def fetch_definition(
    execution_arn: str | None, state_machine_arn: str | None
) -> dict[str, Any] | None:
    """The definition the execution ran (its version, when versions are used), if readable."""
    attempts: list[Callable[[], Mapping[str, Any]]] = []
    if execution_arn and not _is_express(execution_arn):
        attempts.append(
            lambda: _sfn().describe_state_machine_for_execution(executionArn=execution_arn)
        )
    if state_machine_arn:
        attempts.append(lambda: _sfn().describe_state_machine(stateMachineArn=state_machine_arn))
    for attempt in attempts:
        try:
            document = attempt().get("definition")
        except (ClientError, BotoCoreError):
            continue
        if document:
            try:
                parsed = json.loads(document)
            except ValueError:
                return None
            return parsed if isinstance(parsed, dict) else None
    return None


def express_log_group(state_machine_arn: str) -> str:
    """The log group an Express state machine writes every event to (its LoggingConfiguration).

    Express workflows keep no history: with level ALL, their log group is the only record.
    """
    try:
        described = _sfn().describe_state_machine(stateMachineArn=state_machine_arn)
    except ClientError as error:
        raise ExecutionError(f"Reading {state_machine_arn} failed: {error}") from None
    logging = described.get("loggingConfiguration") or {}
    destinations = logging.get("destinations") or []
    group = (destinations[0].get("cloudWatchLogsLogGroup") or {}) if destinations else {}
    level = str(logging.get("level", "OFF")).upper()
    if level != "ALL" or not group.get("logGroupArn"):
        raise ExpressLogsError(
            f"{described.get('name', state_machine_arn)} does not log its executions at level "
            f"ALL (level {level}), so there is nothing to read.",
            hint="Express workflows keep no history. Give the state machine a "
            "loggingConfiguration with level ALL and a log group, then run it again.",
        )
    return _group_name(str(group["logGroupArn"]))


def read_express_events(
    log_group: str,
    execution_arn: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    wait_s: float = 0.0,
) -> list[HistoryEvent]:
    """The events of one Express execution, from the log group its state machine logs to.

    The state machine needs LoggingConfiguration level ALL (and includeExecutionData for
    inputs and outputs); each log event is one JSON record naming its execution. `since` and
    `until` (the execution's start and stop, when known) narrow the search. `wait_s`: how long
    to wait for the record of its end (CloudWatch Logs delivers records after a few seconds).
    """
    deadline = time.monotonic() + wait_s
    while True:
        events: dict[int, HistoryEvent] = {}
        for _, record in _express_records(log_group, execution_arn, since, until):
            try:
                event = HistoryEvent.from_log_record(record)
            except (KeyError, TypeError, ValueError):
                continue
            events[event.id] = event
        ended = any(event.type in EXECUTION_ENDINGS for event in events.values())
        if ended or time.monotonic() >= deadline:
            break
        time.sleep(_EXPRESS_POLL_S)
    if not events:
        raise ExpressLogsError(
            f"No log records of {execution_arn} in {_group_name(log_group)!r}.",
            hint="Express workflows keep no history: their progress is only in CloudWatch Logs, "
            "if the state machine logs at level ALL. Logs can also take a few seconds to arrive.",
        )
    return sorted(events.values(), key=lambda e: e.id)


def express_log_messages(log_group: str, execution_arn: str) -> list[str]:
    """The log messages (one JSON record each) one Express execution wrote: what CloudWatch
    Logs ingests, and bills, for it. Empty when there are none."""
    return [message for message, _ in _express_records(log_group, execution_arn, None, None)]


def _express_records(
    log_group: str, execution_arn: str, since: datetime | None, until: datetime | None
) -> list[tuple[str, Mapping[str, Any]]]:
    """(message, record) of every log record of one execution.

    The log group is searched for the execution's ARN (a filter pattern: CloudWatch Logs
    returns only the matching records, however many other executions share the group), and
    each record's own `execution_arn` is checked (one ARN can be the start of another).
    """
    group = _group_name(log_group)
    query: dict[str, Any] = {"logGroupName": group, "filterPattern": f'"{execution_arn}"'}
    if since is not None:
        query["startTime"] = int((since - _LOG_MARGIN).timestamp() * 1000)
    if until is not None:
        query["endTime"] = int((until + _LOG_MARGIN).timestamp() * 1000)
    found: list[tuple[str, Mapping[str, Any]]] = []
    try:
        for message, record in _log_records(query):
            if record.get("execution_arn") == execution_arn:
                found.append((message, record))
    except ClientError as error:
        if _code(error) == "ResourceNotFoundException":
            raise ExpressLogsError(
                f"There is no log group {group!r}.",
                hint="Pass the log group named in the state machine's LoggingConfiguration "
                "(describe_state_machine shows it).",
            ) from None
        raise ExpressLogsError(f"Could not read {group!r}: {error}") from None
    return found


def _is_express(execution_arn: str) -> bool:
    parsed = ExecutionArn.read(execution_arn)
    return parsed is not None and parsed.express


def _group_name(log_group: str) -> str:
    """A log group's name, from its name or its ARN (with or without the `:*`)."""
    return log_group.split(":log-group:", 1)[-1].removesuffix(":*")


def _log_records(query: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    paginator = clients.client("logs").get_paginator("filter_log_events")
    for page in paginator.paginate(**query):
        for item in page.get("events", []):
            message = str(item.get("message", ""))
            try:
                record = json.loads(message)
            except ValueError:
                continue
            if isinstance(record, Mapping):
                yield message, record


def _sfn() -> Any:
    return clients.client("stepfunctions")


def _call(action: Callable[[], _T], execution_arn: str) -> _T:
    try:
        return action()
    except ClientError as error:
        code = _code(error)
        if code in ("ExecutionDoesNotExist", "InvalidArn", "ResourceNotFound"):
            hint = "Check the ARN (copy it from start_execution's answer) and the region."
            if _is_express(execution_arn):
                hint = (
                    "This is an Express execution: Step Functions keeps no history for those. "
                    "Use Execution.from_express_logs(log_group, arn)."
                )
            raise ExecutionNotFoundError(
                f"Step Functions has no execution {execution_arn}.", hint=hint
            ) from None
        raise ExecutionError(f"Reading {execution_arn} failed: {error}") from None
    except BotoCoreError as error:
        raise ExecutionError(
            f"Could not reach Step Functions: {error}",
            hint="Offline, start the local cloud first (`workshop cloud start` or wl.connect()).",
        ) from None


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))

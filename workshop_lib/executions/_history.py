"""Reading an execution from AWS: its description, its full history and its definition.

Only plain boto3 calls are used, so the same code reads the local cloud and a real account.
Express workflows keep no history; their events are read back from CloudWatch Logs instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from .. import clients
from ._errors import ExecutionError, ExecutionNotFoundError, ExpressLogsError
from ._events import HistoryEvent

_T = TypeVar("_T")


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
    if execution_arn and ":express:" not in execution_arn:
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


def state_machine_arn_of(execution_arn: str) -> str | None:
    """The state machine an execution ARN belongs to (standard or Express)."""
    parts = execution_arn.split(":")
    if len(parts) < 8 or parts[5] not in ("execution", "express"):
        return None
    return ":".join([*parts[:5], "stateMachine", parts[6]])


def execution_name_of(execution_arn: str) -> str:
    parts = execution_arn.split(":")
    return parts[7] if len(parts) >= 8 else execution_arn


def read_express_events(log_group: str, execution_arn: str) -> list[HistoryEvent]:
    """The events of one Express execution, from the log group its state machine logs to.

    The state machine needs LoggingConfiguration level ALL (and includeExecutionData for
    inputs and outputs); each log event is one JSON record naming its execution.
    """
    group = log_group.split(":log-group:", 1)[-1].removesuffix(":*")
    events: dict[int, HistoryEvent] = {}
    try:
        for record in _log_records(group, f'"{execution_arn}"'):
            if record.get("execution_arn") != execution_arn:
                continue
            try:
                event = HistoryEvent.from_log_record(record)
            except (KeyError, TypeError, ValueError):
                continue
            events[event.id] = event
    except ClientError as error:
        if _code(error) == "ResourceNotFoundException":
            raise ExpressLogsError(
                f"There is no log group {group!r}.",
                hint="Pass the log group named in the state machine's LoggingConfiguration "
                "(describe_state_machine shows it).",
            ) from None
        raise ExpressLogsError(f"Could not read {group!r}: {error}") from None
    if not events:
        raise ExpressLogsError(
            f"No log records of {execution_arn} in {group!r}.",
            hint="Express workflows keep no history: their progress is only in CloudWatch Logs, "
            "if the state machine logs at level ALL. Logs can also take a few seconds to arrive.",
        )
    return sorted(events.values(), key=lambda e: e.id)


def _log_records(group: str, pattern: str) -> Iterator[Mapping[str, Any]]:
    paginator = clients.client("logs").get_paginator("filter_log_events")
    for page in paginator.paginate(logGroupName=group, filterPattern=pattern):
        for item in page.get("events", []):
            try:
                record = json.loads(item.get("message", ""))
            except ValueError:
                continue
            if isinstance(record, Mapping):
                yield record


def _sfn() -> Any:
    return clients.client("stepfunctions")


def _call(action: Callable[[], _T], execution_arn: str) -> _T:
    try:
        return action()
    except ClientError as error:
        code = _code(error)
        if code in ("ExecutionDoesNotExist", "InvalidArn", "ResourceNotFound"):
            hint = "Check the ARN (copy it from start_execution's answer) and the region."
            if ":express:" in execution_arn:
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

"""See what happened in a Step Functions execution.

    from workshop_lib.executions import Execution, run
    execution = run(state_machine_arn, {"bucket": "photos", "key": "cat.jpg"})
    execution                        # summary, coloured diagram, steps and events
    execution.step("Resize")         # one state's input, output, attempts and retries
    execution.logs()                 # the Lambda log lines of every Task, attempt by attempt
    execution.timeline()             # a Gantt chart; cold starts in their own colour

Only plain boto3 calls are used, so the same code reads the local cloud and a real account.
Express workflows, which keep no history, are read from their CloudWatch Logs with
`Execution.from_express_logs(log_group, arn)`.

This package is the library's one reader of executions: the cost model (`workshop_lib.costs`)
measures what it reads (events, transitions, each attempt's REPORT line).
"""

from __future__ import annotations

from ._arns import ExecutionArn
from ._errors import (
    ExecutionError,
    ExecutionNotFoundError,
    ExpressLogsError,
    StepNotFoundError,
    WatchTimeoutError,
)
from ._event_table import EventTable
from ._events import HistoryEvent
from ._execution import Execution
from ._history import express_log_group, express_log_messages
from ._live import run
from ._logs import ExecutionLogs, InvocationLog, LogLine, StepLogs
from ._step import Attempt, Branch, Step
from ._transitions import TransitionCount, count_transitions

__all__ = [
    "Attempt",
    "Branch",
    "EventTable",
    "Execution",
    "ExecutionArn",
    "ExecutionError",
    "ExecutionLogs",
    "ExecutionNotFoundError",
    "ExpressLogsError",
    "HistoryEvent",
    "InvocationLog",
    "LogLine",
    "Step",
    "StepLogs",
    "StepNotFoundError",
    "TransitionCount",
    "WatchTimeoutError",
    "count_transitions",
    "express_log_group",
    "express_log_messages",
    "run",
]

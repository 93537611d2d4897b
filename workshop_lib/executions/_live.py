"""Starting an execution and following it while it runs.

In a notebook, the diagram is shown once through an IPython display handle and redrawn in
place as the history grows; elsewhere (a script, the CLI) following simply waits. The history
is polled with a gentle back-off, so a long execution does not flood the API.
"""

from __future__ import annotations

import json
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .. import clients
from ..display import current_cell
from ._arns import ExecutionArn
from ._errors import ExecutionError, ExecutionNotFoundError, ExpressLogsError, WatchTimeoutError
from ._execution import Execution
from ._history import express_log_group

FIRST_DELAY = 0.2
MAX_DELAY = 2.0
BACKOFF = 1.5
_EXPRESS_LOGS_WAIT = 60.0


def run(
    state_machine_arn: str,
    input: Any = None,
    name: str | None = None,
    wait: bool = True,
    live: bool = True,
    *,
    timeout: float | None = None,
) -> Execution:
    """Start an execution and return it, finished unless `wait=False`.

    `input` is any JSON-able value (or a JSON string). With `live=True`, a notebook shows the
    diagram updating while the execution runs.
    """
    payload = input if isinstance(input, str) else json.dumps({} if input is None else input)
    options = {"name": name} if name else {}
    try:
        started = clients.client("stepfunctions").start_execution(
            stateMachineArn=state_machine_arn, input=payload, **options
        )
    except ClientError as error:
        raise _start_error(error, state_machine_arn, name) from None
    except BotoCoreError as error:
        raise ExecutionError(
            f"Could not reach Step Functions: {error}",
            hint="Offline, start the local cloud first (`workshop cloud start` or wl.connect()).",
        ) from None
    arn = started["executionArn"]
    try:
        execution = Execution.from_arn(arn)
    except ExecutionNotFoundError:
        parsed = ExecutionArn.read(arn)
        if parsed is None or not parsed.express:
            raise
        execution = _first_express_records(state_machine_arn, arn)
    if wait:
        follow(execution, timeout=timeout, live=live)
    return execution


def follow(
    execution: Execution,
    *,
    interval: float | None = None,
    timeout: float | None = None,
    live: bool = True,
) -> Execution:
    """Poll until the execution ends, redrawing it in place in a notebook."""
    handle = _open_display(execution) if live else None
    delay = interval or FIRST_DELAY
    deadline = None if timeout is None else time.monotonic() + timeout
    seen = len(execution.events)
    while not execution.finished and execution.arn is not None:
        if deadline is not None and time.monotonic() >= deadline:
            raise WatchTimeoutError(
                f"Execution {execution.name} is still {execution.status} after {timeout:g} s.",
                hint="Call .watch() again to keep following it, or .refresh() to look once.",
            )
        time.sleep(delay)
        execution.refresh()
        if handle is not None and len(execution.events) != seen:
            handle.update(execution)
            seen = len(execution.events)
        if interval is None:
            delay = min(delay * BACKOFF, MAX_DELAY)
    if handle is not None:
        handle.update(execution)
        execution._shown_live_in = current_cell()
    return execution


def shown_live_in_this_cell(execution: Execution) -> bool:
    """True right after a live view showed it, so the cell's result does not repeat it."""
    shown = execution._shown_live_in
    return shown is not None and shown == current_cell()


def _open_display(execution: Execution) -> Any:
    """A display handle in a Jupyter kernel, None anywhere else."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    return display(execution, display_id=True)


def _first_express_records(state_machine_arn: str, execution_arn: str) -> Execution:
    """An Express execution read from its logs, waiting for the first records to arrive."""
    group = express_log_group(state_machine_arn)
    deadline = time.monotonic() + _EXPRESS_LOGS_WAIT
    delay = FIRST_DELAY
    while True:
        try:
            return Execution.from_express_logs(group, execution_arn)
        except ExpressLogsError:
            if time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * BACKOFF, MAX_DELAY)


def _start_error(error: ClientError, state_machine_arn: str, name: str | None) -> ExecutionError:
    code = error.response.get("Error", {}).get("Code", "")
    message = error.response.get("Error", {}).get("Message", str(error))
    if code in ("StateMachineDoesNotExist", "InvalidArn"):
        return ExecutionNotFoundError(
            f"There is no state machine {state_machine_arn}.",
            hint="Use the ARN that create_state_machine (or the deploy step) printed.",
        )
    if code == "ExecutionAlreadyExists":
        return ExecutionError(
            f"An execution named {name!r} already ran on this state machine.",
            hint="Execution names must be unique for 90 days: pick another, or leave it out.",
        )
    if code == "InvalidExecutionInput":
        return ExecutionError(
            f"Step Functions refused the input: {message}",
            hint="Pass a dict, a list, or a JSON string.",
        )
    return ExecutionError(f"Starting the execution failed: {message}")

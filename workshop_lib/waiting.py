"""Waiting for the cloud: executions to end, stacks to settle, new IAM roles to be usable.

Every wait in the library goes through here, so each has a deadline, polls gently (quickly at
first, then backing off) and, when time runs out, says what is still not done and what to do.
The same code waits for the local cloud and for a real account; only the defaults differ where
the two really differ (a stack offline finishes within its API call; IAM offline is consistent
at once, in AWS a new role takes seconds to reach other services).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from . import clients
from . import constants as C
from .errors import DeployError, WorkshopError

__all__ = [
    "ROLE_WAIT_SECONDS_AWS",
    "STACK_DONE",
    "StackTimeoutError",
    "WaitTimeoutError",
    "stack_failure_report",
    "wait_for_execution",
    "wait_for_executions",
    "wait_for_stack",
    "when_role_ready",
]

T = TypeVar("T")

_FIRST_DELAY = 0.05
_BACKOFF = 1.5
_MAX_DELAY = 0.5  # executions: a describe call twice a second is far below any API limit
_STACK_MAX_DELAY = 5.0

ROLE_WAIT_SECONDS_AWS = 30.0
"""How long a new IAM role may take to be usable by Step Functions or Lambda in AWS."""
_ROLE_RETRY_EVERY = 2.0
_ROLE_NOT_READY = ("assume", "accessdenied", "not authorized")

STACK_DONE = frozenset(
    {
        "CREATE_COMPLETE",
        "UPDATE_COMPLETE",
        "DELETE_COMPLETE",
        "ROLLBACK_COMPLETE",
        "UPDATE_ROLLBACK_COMPLETE",
        "CREATE_FAILED",
        "DELETE_FAILED",
        "ROLLBACK_FAILED",
        "UPDATE_ROLLBACK_FAILED",
        "IMPORT_COMPLETE",
        "IMPORT_ROLLBACK_COMPLETE",
    }
)
"""The stack statuses a CloudFormation operation ends in (anything else is still moving)."""


class WaitTimeoutError(WorkshopError, TimeoutError):
    """Something did not finish in time. `pending` names what was still not done."""

    def __init__(self, message: str, hint: str | None = None, *, pending: Iterable[str] = ()):
        super().__init__(message, hint)
        self.pending = tuple(pending)


class StackTimeoutError(WaitTimeoutError, DeployError):
    """A stack was still in progress at the deadline (a DeployError too, as it always was)."""


# -- executions ------------------------------------------------------------------------------


def wait_for_execution(
    arn: str,
    *,
    timeout: float | None,
    poll: float | None = None,
    missing_ok: bool = False,
    what: str | None = None,
    hint: str | None = None,
    sfn: Any = None,
) -> dict[str, Any]:
    """Wait until the execution is no longer RUNNING; return its final describe_execution.

    `timeout` None waits as long as it takes (benchmarks, whose executions always end).
    `poll` is a fixed interval between looks (a benchmark timing an execution wants 0.001 s);
    by default the first look comes after 50 ms and the interval grows to half a second.
    `missing_ok` is for executions something else starts (an S3 trigger): until it exists the
    execution counts as not started yet, rather than an error. `what` and `hint` phrase the
    timeout for the learner ("The fan-out", "Give it longer with timeout=...").
    """
    return wait_for_executions(
        [arn], timeout=timeout, poll=poll, missing_ok=missing_ok, what=what, hint=hint, sfn=sfn
    )[arn]


def wait_for_executions(
    arns: Iterable[str],
    *,
    timeout: float | None,
    poll: float | None = None,
    missing_ok: bool = False,
    what: str | None = None,
    hint: str | None = None,
    sfn: Any = None,
) -> dict[str, dict[str, Any]]:
    """Wait until every execution has ended; return each final describe_execution by ARN.

    On timeout the WaitTimeoutError's `pending` lists the ARNs still running (or, with
    `missing_ok`, not started), so a caller can name them in its own words.
    """
    sfn = sfn or clients.client("stepfunctions")
    pending = list(dict.fromkeys(arns))
    finished: dict[str, dict[str, Any]] = {}
    started: set[str] = set()

    def look() -> bool:
        for arn in list(pending):
            try:
                described = sfn.describe_execution(executionArn=arn)
            except sfn.exceptions.ExecutionDoesNotExist:
                if not missing_ok:
                    raise
                continue  # whatever starts it has not done so yet
            started.add(arn)
            if described["status"] != "RUNNING":
                finished[arn] = described
                pending.remove(arn)
        return not pending

    if not _until(look, timeout, _delays(poll, _MAX_DELAY)):
        raise _executions_timeout(pending, started, timeout, what, hint)
    return finished


def _executions_timeout(
    pending: list[str], started: set[str], timeout: float | None, what: str | None, hint: str | None
) -> WaitTimeoutError:
    names = ", ".join(arn.rsplit(":", 1)[-1] for arn in pending)
    subject = what or (f"The execution {names}" if len(pending) == 1 else f"Executions {names}")
    if not started & set(pending):
        message = f"{subject} did not start within {timeout:g} s."
        default_hint = (
            "Whatever starts it (an S3 trigger, an EventBridge rule) did not: read "
            "that function's log to see whether it was called."
        )
    else:
        message = f"{subject} is still running after {timeout:g} s."
        default_hint = (
            "Give it longer (timeout=...), look at its history to see where it waits "
            "(workshop_lib.executions.Execution.from_arn), or stop it with stop_execution."
        )
    return WaitTimeoutError(message, hint=hint or default_hint, pending=pending)


# -- stacks ----------------------------------------------------------------------------------


def wait_for_stack(
    name: str, *, timeout: float | None = None, deleting: bool = False
) -> str | None:
    """Wait until the stack is no longer *_IN_PROGRESS; return its final status.

    With `deleting`, a stack that no longer exists is done (None). `timeout` None means the
    mode's default: offline the local cloud finishes a stack operation within the API call, so
    a stack still in progress a minute later is stuck, not slow; AWS can take many minutes.
    On timeout, a StackTimeoutError (a DeployError) shows the stack's failed events.
    """
    cloudformation = clients.client("cloudformation")
    offline = clients.resolve_mode() == C.MODE_OFFLINE
    if timeout is None:
        timeout = C.STACK_WAIT_SECONDS_OFFLINE if offline else C.STACK_WAIT_SECONDS_AWS
    status: str | None = "in progress"

    def look() -> bool:
        nonlocal status
        try:
            status = cloudformation.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        except cloudformation.exceptions.ClientError as error:
            if deleting and "does not exist" in str(error):
                status = None
                return True
            raise
        return status in STACK_DONE

    if _until(look, timeout, _delays(None, _STACK_MAX_DELAY, first=0.1)):
        return status
    raise StackTimeoutError(
        f"{name} did not finish within {timeout:.0f} s (it is still {status}).\n"
        f"{stack_failure_report(name)}",
        hint="Offline: `workshop cloud reset` clears the local cloud, then deploy again."
        if offline
        else "Look at the stack's events in the CloudFormation console.",
        pending=[name],
    )


def stack_failure_report(name: str, *, since: float = 0.0) -> str:
    """The stack's failed resources since `since` (a time.time()), one line each, with the
    reason CloudFormation gave, oldest first."""
    cloudformation = clients.client("cloudformation")
    lines = []
    try:
        events = cloudformation.describe_stack_events(StackName=name)["StackEvents"]
    except cloudformation.exceptions.ClientError:
        return "(no events)"
    for event in reversed(events):
        if event["Timestamp"].timestamp() < since - 1:
            continue
        status = event.get("ResourceStatus", "")
        if status.endswith("FAILED") and event.get("ResourceStatusReason"):
            lines.append(
                f"  {event['LogicalResourceId']} ({event['ResourceType']}): "
                f"{event['ResourceStatusReason']}"
            )
    return "\n".join(lines) or "(CloudFormation gave no reason)"


# -- IAM roles -------------------------------------------------------------------------------


def when_role_ready(create: Callable[[], T], *, timeout: float | None = None) -> T:
    """Call `create` (a create_state_machine or create_function that names a new role), again
    every 2 s while the service answers that it cannot use the role yet; return its result.

    IAM is eventually consistent in AWS: a role created a moment ago can exist for IAM and still
    be refused by Step Functions or Lambda ("cannot be assumed") for several seconds. No IAM
    call says when another service will accept it, so the only honest wait is to retry the call
    that needs it. `timeout` None means 30 s in aws mode and no retry offline, where the local
    cloud's IAM is consistent at once and such an error is real. Other errors pass through.
    """
    if timeout is None:
        offline = clients.resolve_mode() == C.MODE_OFFLINE
        timeout = 0.0 if offline else ROLE_WAIT_SECONDS_AWS
    deadline = time.monotonic() + timeout
    while True:
        try:
            return create()
        except ClientError as error:
            if not _role_not_ready(error) or time.monotonic() + _ROLE_RETRY_EVERY > deadline:
                raise
        time.sleep(_ROLE_RETRY_EVERY)


def _role_not_ready(error: ClientError) -> bool:
    """Whether the error is a service refusing a role it cannot use yet (or at all)."""
    if error.response.get("Error", {}).get("Code") == "InvalidDefinition":
        return False
    text = str(error).lower()
    return any(sign in text for sign in _ROLE_NOT_READY)


# -- the loop --------------------------------------------------------------------------------


def _delays(fixed: float | None, most: float, *, first: float = _FIRST_DELAY) -> Iterator[float]:
    """A fixed interval, or one that starts at `first` and grows by half up to `most`."""
    delay = first
    while True:
        yield fixed if fixed is not None else delay
        delay = min(delay * _BACKOFF, most)


def _until(done: Callable[[], bool], timeout: float | None, delays: Iterator[float]) -> bool:
    """Call `done` until it says True (then True) or the deadline passes (then False). It is
    always called at least once, and once more at the deadline, so a short timeout still
    sees a result that arrived while sleeping."""
    deadline = None if timeout is None else time.monotonic() + timeout
    for delay in delays:
        if done():
            return True
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            delay = min(delay, remaining)
        time.sleep(delay)
    raise AssertionError("unreachable: the delays never end")

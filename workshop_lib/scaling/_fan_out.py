"""A real fan-out against a throttled function: a Map state, with or without a Retry.

Give a function a small reserved concurrency, then send it more work at once than it may run.
Lambda answers the extra invokes with 429 TooManyRequestsException, which Step Functions names
`Lambda.TooManyRequestsException`. Without a retrier the Map fails; with one (AWS's recommended
backoff) the throttled items wait and go through once earlier ones finish.

    definition = fan_out_definition(function_arn, retry=RetryPolicy(2, 2.0, 6))
    run = run_fan_out("my-function", items=8, retry=RetryPolicy(2, 2.0, 6))
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import clients
from ..display import TableReport
from ..executions import Execution
from ..learner import name as learner_name
from ..roles import ensure_role
from ..waiting import wait_for_execution, when_role_ready
from ._errors import ScalingInputError
from ._retry import RetryPolicy

THROTTLE_ERROR = "Lambda.TooManyRequestsException"
_ROLE = "workshop-fan-out-role"


def fan_out_definition(
    function_arn: str, *, retry: RetryPolicy | None = None, max_concurrency: int = 0
) -> dict[str, Any]:
    """A state machine that invokes the function once per item of `$.items`, all at once
    (`max_concurrency=0` means no limit), retrying throttles by `retry` if given."""
    work: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function_arn, "Payload.$": "$"},
        "OutputPath": "$.Payload",
        "End": True,
    }
    if retry is not None:
        retrier: dict[str, Any] = {
            "ErrorEquals": [THROTTLE_ERROR],
            "IntervalSeconds": retry.interval_seconds,
            "BackoffRate": retry.backoff_rate,
            "MaxAttempts": retry.max_attempts,
        }
        if retry.max_delay_seconds is not None:
            retrier["MaxDelaySeconds"] = retry.max_delay_seconds
        work["Retry"] = [retrier]
    return {
        "Comment": "Fan out: one Lambda invoke per item, as many at once as the Map allows.",
        "StartAt": "EachItem",
        "States": {
            "EachItem": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": max_concurrency,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Work",
                    "States": {"Work": work},
                },
                "End": True,
            }
        },
    }


@dataclass(frozen=True)
class FanOutRun(TableReport):
    """What one fan-out execution did: attempts, throttles, retries, outcome."""

    execution_arn: str
    status: str
    error: str | None
    items: int
    attempts: int
    throttled: int
    succeeded: int
    seconds: float
    retry: RetryPolicy | None
    reserved_concurrency: int | None

    @property
    def ok(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def retries(self) -> int:
        return max(0, self.attempts - self.items)

    def _rows(self) -> list[tuple[str, str]]:
        return [
            ("items", str(self.items)),
            ("reserved concurrency", str(self.reserved_concurrency or "none")),
            ("invoke attempts", str(self.attempts)),
            (f"throttled ({THROTTLE_ERROR})", str(self.throttled)),
            ("items that succeeded", str(self.succeeded)),
            ("execution", self.status + (f" ({self.error})" if self.error else "")),
        ]

    def _title(self) -> str:
        if self.retry is None:
            how = "without a Retry"
        else:
            r = self.retry
            how = (
                f"with Retry (IntervalSeconds {r.interval_seconds:g}, "
                f"BackoffRate {r.backoff_rate:g}, MaxAttempts {r.max_attempts})"
            )
        return f"Fan-out of {self.items} items {how}: {self.status}"

    HEADERS = ("what", "count")

    def _verdict(self) -> bool:
        return self.ok


def run_fan_out(
    function_name: str,
    items: int | Sequence[Any],
    *,
    retry: RetryPolicy | None = None,
    max_concurrency: int = 0,
    state_machine_name: str = "workshop-fan-out",
    timeout_s: float = 120.0,
) -> FanOutRun:
    """Create (or update) the fan-out state machine for the function, run it once, and count.

    `items`: how many (each item becomes the event `{"item": i}`), or the events themselves.
    """
    events = [{"item": i} for i in range(items)] if isinstance(items, int) else list(items)
    if not events:
        raise ScalingInputError("A fan-out needs at least one item.", hint="items=8, for example")
    lam = clients.client("lambda")
    # In aws mode names carry the learner's prefix (shared class accounts).
    function_name, state_machine_name = (
        learner_name(function_name),
        learner_name(state_machine_name),
    )
    function = lam.get_function(FunctionName=function_name)
    function_arn = function["Configuration"]["FunctionArn"]
    reserved = (function.get("Concurrency") or {}).get("ReservedConcurrentExecutions")
    definition = json.dumps(
        fan_out_definition(function_arn, retry=retry, max_concurrency=max_concurrency)
    )
    machine = _state_machine(state_machine_name, definition, _role(function_arn))
    sfn = clients.client("stepfunctions")
    started = time.monotonic()
    arn = sfn.start_execution(
        stateMachineArn=machine,
        name=f"fan-out-{uuid.uuid4().hex[:8]}",
        input=json.dumps({"items": events}),
    )["executionArn"]
    described = wait_for_execution(
        arn,
        timeout=timeout_s,
        poll=0.2,
        what="The fan-out",
        hint="Look at it in the console or with workshop_lib.executions; "
        "stop it with stop_execution.",
    )
    seconds = time.monotonic() - started
    history = Execution.from_arn(arn).events
    kinds = Counter(event.type for event in history)
    throttled = sum(
        1 for event in history if event.type == "TaskFailed" and event.error == THROTTLE_ERROR
    )
    return FanOutRun(
        execution_arn=arn,
        status=described["status"],
        error=described.get("error"),
        items=len(events),
        attempts=kinds["TaskScheduled"],
        throttled=throttled,
        succeeded=kinds["TaskSucceeded"],
        seconds=seconds,
        retry=retry,
        reserved_concurrency=reserved,
    )


def delete_fan_out(state_machine_name: str = "workshop-fan-out") -> None:
    """Remove the fan-out state machine and its role."""
    state_machine_name = learner_name(state_machine_name)
    sfn = clients.client("stepfunctions")
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == state_machine_name:
                sfn.delete_state_machine(stateMachineArn=machine["stateMachineArn"])
    iam = clients.client("iam")
    role = learner_name(_ROLE)
    with contextlib.suppress(iam.exceptions.NoSuchEntityException):
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            iam.delete_role_policy(RoleName=role, PolicyName=name)
        iam.delete_role(RoleName=role)


def _role(function_arn: str) -> str:
    iam = clients.client("iam")
    role = learner_name(_ROLE)
    arn, _ = ensure_role(role, "states")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "lambda:InvokeFunction",
                "Resource": [function_arn, f"{function_arn}:*"],
            }
        ],
    }
    iam.put_role_policy(RoleName=role, PolicyName="invoke", PolicyDocument=json.dumps(policy))
    return arn


def _state_machine(name: str, definition: str, role_arn: str) -> str:
    sfn = clients.client("stepfunctions")
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == name:
                sfn.update_state_machine(
                    stateMachineArn=machine["stateMachineArn"],
                    definition=definition,
                    roleArn=role_arn,
                )
                return machine["stateMachineArn"]
    return when_role_ready(  # a new role takes a few seconds to be usable in AWS
        lambda: sfn.create_state_machine(name=name, definition=definition, roleArn=role_arn)[
            "stateMachineArn"
        ]
    )

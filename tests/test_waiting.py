"""workshop_lib.waiting against the local cloud: executions, stacks and new IAM roles."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from workshop_lib import clients, waiting
from workshop_lib.errors import DeployError
from workshop_lib.waiting import (
    StackTimeoutError,
    WaitTimeoutError,
    wait_for_execution,
    wait_for_executions,
    wait_for_stack,
    when_role_ready,
)

PASS = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
# 100,000 s of Wait: even with the local cloud's time scale it outlasts every test
SLOW = {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 100_000, "End": True}}}


@pytest.fixture(scope="module")
def machines(lambda_role: str) -> dict[str, str]:
    sfn = clients.client("stepfunctions")
    return {
        label: sfn.create_state_machine(
            name=f"wait-{label}-{uuid.uuid4().hex[:6]}",
            definition=json.dumps(definition),
            roleArn=lambda_role,
        )["stateMachineArn"]
        for label, definition in (("pass", PASS), ("slow", SLOW))
    }


def start(machine: str) -> str:
    sfn = clients.client("stepfunctions")
    return sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]


# -- executions ------------------------------------------------------------------------------


def test_an_execution_that_ends_returns_its_final_description(machines) -> None:
    arn = start(machines["pass"])
    described = wait_for_execution(arn, timeout=30)
    assert described["executionArn"] == arn
    assert described["status"] == "SUCCEEDED"
    assert "stopDate" in described


def test_a_fixed_poll_interval_also_waits_to_the_end(machines) -> None:
    described = wait_for_execution(start(machines["pass"]), timeout=None, poll=0.001)
    assert described["status"] == "SUCCEEDED"


def test_an_execution_still_running_at_the_deadline_is_named_with_what_to_do(machines) -> None:
    arn = start(machines["slow"])
    try:
        began = time.monotonic()
        with pytest.raises(WaitTimeoutError) as raised:
            wait_for_execution(arn, timeout=0.3)
        assert time.monotonic() - began < 5
    finally:
        clients.client("stepfunctions").stop_execution(executionArn=arn)
    error = raised.value
    assert isinstance(error, TimeoutError)
    assert str(error).startswith(f"The execution {arn.rsplit(':', 1)[-1]} is still running")
    assert "0.3 s" in str(error)
    assert "timeout=" in (error.hint or "")
    assert error.pending == (arn,)


def test_the_caller_names_what_it_waited_for(machines) -> None:
    arn = start(machines["slow"])
    try:
        with pytest.raises(WaitTimeoutError, match=r"^The fan-out is still running after 0.2 s"):
            wait_for_execution(arn, timeout=0.2, what="The fan-out", hint="stop it")
    finally:
        clients.client("stepfunctions").stop_execution(executionArn=arn)


def test_several_executions_return_each_and_time_out_naming_only_the_unfinished(
    machines,
) -> None:
    done = [start(machines["pass"]) for _ in range(3)]
    finished = wait_for_executions(done, timeout=30)
    assert set(finished) == set(done)
    assert {d["status"] for d in finished.values()} == {"SUCCEEDED"}

    slow = start(machines["slow"])
    try:
        with pytest.raises(WaitTimeoutError) as raised:
            wait_for_executions([start(machines["pass"]), slow], timeout=0.5)
    finally:
        clients.client("stepfunctions").stop_execution(executionArn=slow)
    assert raised.value.pending == (slow,)


def test_an_execution_that_never_starts_is_said_so_with_missing_ok(machines) -> None:
    never = f"{machines['pass'].replace(':stateMachine:', ':execution:')}:never-{uuid.uuid4()}"
    with pytest.raises(WaitTimeoutError, match=r"did not start within 0\.2 s") as raised:
        wait_for_execution(never, timeout=0.2, missing_ok=True)
    assert "log" in (raised.value.hint or "")
    sfn = clients.client("stepfunctions")
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        wait_for_execution(never, timeout=0.2)


# -- stacks ----------------------------------------------------------------------------------

TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})


def test_a_stack_is_waited_for_until_created_then_until_gone(local_cloud) -> None:
    cloudformation = clients.client("cloudformation")
    name = f"wait-{uuid.uuid4().hex[:6]}"
    cloudformation.create_stack(StackName=name, TemplateBody=TEMPLATE)
    assert wait_for_stack(name) == "CREATE_COMPLETE"
    cloudformation.delete_stack(StackName=name)
    assert wait_for_stack(name, deleting=True) in (None, "DELETE_COMPLETE")


def test_a_stack_stuck_in_progress_offline_is_an_error_not_a_long_wait(monkeypatch) -> None:
    from workshop_lib import constants

    class StuckCloudFormation:
        exceptions = clients.client("cloudformation").exceptions

        def describe_stacks(self, StackName):
            return {"Stacks": [{"StackStatus": "UPDATE_IN_PROGRESS"}]}

        def describe_stack_events(self, StackName):
            return {"StackEvents": []}

    monkeypatch.setattr(waiting.clients, "client", lambda service: StuckCloudFormation())
    monkeypatch.setattr(constants, "STACK_WAIT_SECONDS_OFFLINE", 0.3)
    with pytest.raises(StackTimeoutError, match="still UPDATE_IN_PROGRESS") as raised:
        wait_for_stack("workshop-images")
    assert isinstance(raised.value, DeployError)  # what deploy's callers have always caught
    assert "workshop cloud reset" in (raised.value.hint or "")
    assert "CloudFormation gave no reason" in str(raised.value)


# -- IAM roles -------------------------------------------------------------------------------


def refused(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "CreateFunction")


def test_a_call_refused_while_a_new_role_propagates_is_retried(monkeypatch) -> None:
    monkeypatch.setattr(waiting, "_ROLE_RETRY_EVERY", 0.01)
    calls = []

    def create() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise refused(
                "InvalidParameterValueException",
                "The role defined for the function cannot be assumed by Lambda.",
            )
        return "created"

    assert when_role_ready(create, timeout=5) == "created"
    assert len(calls) == 3


def test_other_errors_and_a_role_that_never_works_are_raised(monkeypatch) -> None:
    monkeypatch.setattr(waiting, "_ROLE_RETRY_EVERY", 0.01)
    calls = []

    def bad_definition() -> str:
        calls.append(1)
        raise refused("InvalidDefinition", "cannot assume anything about this definition")

    with pytest.raises(ClientError, match="InvalidDefinition"):
        when_role_ready(bad_definition, timeout=5)
    assert len(calls) == 1

    def never() -> str:
        raise refused("AccessDeniedException", "not authorized to assume the provided role")

    began = time.monotonic()
    with pytest.raises(ClientError, match="AccessDenied"):
        when_role_ready(never, timeout=0.2)
    assert time.monotonic() - began < 2


def test_offline_a_role_error_is_not_retried(local_cloud) -> None:
    calls = []

    def create() -> str:
        calls.append(1)
        raise refused("InvalidParameterValueException", "cannot be assumed by Lambda")

    with pytest.raises(ClientError):
        when_role_ready(create)
    assert calls == [1]


def test_a_new_role_is_usable_at_once_offline(local_cloud) -> None:
    iam = clients.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "states.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(
        RoleName=f"wait-role-{uuid.uuid4().hex[:6]}", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]
    sfn = clients.client("stepfunctions")
    machine = when_role_ready(
        lambda: sfn.create_state_machine(
            name=f"wait-role-{uuid.uuid4().hex[:6]}",
            definition=json.dumps(PASS),
            roleArn=role["Arn"],
        )["stateMachineArn"]
    )
    try:
        assert wait_for_execution(start(machine), timeout=30)["status"] == "SUCCEEDED"
    finally:
        sfn.delete_state_machine(stateMachineArn=machine)
        iam.delete_role(RoleName=role["RoleName"])

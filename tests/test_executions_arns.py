"""Execution ARNs: the one parser the library uses (executions and costs alike)."""

from __future__ import annotations

import pytest

from workshop_lib.executions import Execution, ExecutionArn, ExecutionError

MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:santa"


def test_a_standard_execution_arn_names_its_state_machine():
    parsed = ExecutionArn.parse(f"{MACHINE.replace(':stateMachine:', ':execution:')}:run-1")
    assert (parsed.state_machine_arn, parsed.state_machine_name) == (MACHINE, "santa")
    assert parsed.name == "run-1" and not parsed.express


def test_an_express_execution_arn_has_an_id_after_its_name():
    arn = f"{MACHINE.replace(':stateMachine:', ':express:')}:run-1:8c1f0a2e-0000-4000-8000-1"
    parsed = ExecutionArn.parse(arn)
    assert parsed.state_machine_arn == MACHINE
    assert parsed.name == "run-1" and parsed.express


@pytest.mark.parametrize(
    "arn",
    [
        "not-an-arn",
        MACHINE,  # a state machine, not one of its executions
        MACHINE.replace(":stateMachine:", ":execution:"),  # no execution name
    ],
)
def test_anything_else_is_refused_with_a_hint_and_read_as_none(arn: str):
    with pytest.raises(ExecutionError, match="not a Step Functions execution ARN") as caught:
        ExecutionArn.parse(arn)
    assert caught.value.hint and "executionArn" in caught.value.hint
    assert ExecutionArn.read(arn) is None


def test_an_execution_without_a_readable_arn_still_has_a_name():
    execution = Execution.from_history([], arn="run-without-arn")
    assert execution.name == "run-without-arn"
    assert execution.state_machine_arn is None

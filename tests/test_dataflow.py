"""The InputPath / ResultPath / OutputPath view of one Task step."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest

import workshop_lib as wl
from workshop_lib import clients
from workshop_lib.dataflow import data_flow


def event(kind: str, **details: Any) -> SimpleNamespace:
    return SimpleNamespace(type=kind, details=details)


def step(definition: dict[str, Any], state_input: Any, sent: Any, events: list, output: Any):
    return SimpleNamespace(
        name="TransformData",
        input=state_input,
        parameters=sent,
        state_definition=definition,
        events=events,
        output=output,
    )


SANTA_PATHS = {
    "InputPath": "$.validatedData",
    "ResultPath": "$.transformedData",
    "OutputPath": "$.transformedData",
}


def test_each_path_shows_the_json_at_that_point():
    state_input = {"key": "uploads/a.json", "validatedData": {"kids": 3}}
    result = {"status": "SUCCEEDED", "key": "stamped/a.json"}
    flow = data_flow(
        step(
            SANTA_PATHS,
            state_input,
            {"kids": 3},
            [event("LambdaFunctionSucceeded", output=json.dumps(result))],
            result,
        )
    )
    titles = [box.title for box in flow.boxes]
    assert titles == [
        "State input",
        "The function received",
        "The function returned",
        "Result placed in the input",
        "State output",
    ]
    values = [box.value for box in flow.boxes]
    assert values[1] == {"kids": 3}
    assert values[2] == result
    assert values[3] == {**state_input, "transformedData": result}
    assert values[4] == result
    assert '"InputPath": "$.validatedData"' in flow.boxes[1].rule
    assert state_input == {"key": "uploads/a.json", "validatedData": {"kids": 3}}  # unchanged


def test_defaults_and_a_null_result_path():
    state_input = {"key": "k"}
    flow = data_flow(
        step(
            {"ResultPath": None},
            state_input,
            None,
            [event("LambdaFunctionSucceeded", output='{"ignored": true}')],
            state_input,
        )
    )
    assert flow.boxes[1].value == state_input  # no InputPath: the whole input is sent
    assert "the whole input" in flow.boxes[1].rule
    assert flow.boxes[3].value == state_input and "thrown away" in flow.boxes[3].rule


def test_a_retried_step_shows_the_last_attempt():
    events = [
        event("LambdaFunctionFailed", error="Lambda.ServiceException", cause="oops"),
        event("LambdaFunctionSucceeded", output='{"ok": 1}'),
    ]
    flow = data_flow(step({}, {}, {}, events, {"ok": 1}))
    assert flow.boxes[2].value == {"ok": 1}


def test_a_failed_step_shows_its_error_and_stops():
    events = [event("LambdaFunctionFailed", error="ListValidationError", cause="item 5")]
    flow = data_flow(step({}, {"key": "k"}, {"key": "k"}, events, None))
    assert [box.title for box in flow.boxes][-1] == "The function failed"
    assert flow.boxes[-1].value == {"Error": "ListValidationError", "Cause": "item 5"}


def test_a_path_too_fancy_to_work_out_is_marked_not_recorded():
    flow = data_flow(
        step(
            {"ResultPath": "$.list[0]"},
            {"list": [1]},
            {},
            [event("LambdaFunctionSucceeded", output="2")],
            {"list": [2]},
        )
    )
    assert not flow.boxes[3].known
    assert "(not recorded)" in str(flow) and "(not recorded)" in flow._repr_html_()


def test_html_escapes_values():
    flow = data_flow(
        step({}, {"name": "<b>"}, None, [event("TaskSucceeded", output='"<i>"')], "<i>")
    )
    page = flow._repr_html_()
    assert "&lt;b&gt;" in page and '<b>"' not in page


@pytest.mark.cloud
def test_with_a_real_execution(local_cloud, lambda_role):
    from workshop_lib.executions import run

    name = f"flow-{uuid.uuid4().hex[:6]}"
    arn = wl.deploy_function(
        name, "def lambda_handler(event, context):\n    return {'doubled': event['n'] * 2}\n"
    ).arn
    definition = {
        "StartAt": "Double",
        "States": {
            "Double": {
                "Type": "Task",
                "Resource": arn,
                "InputPath": "$.numbers",
                "ResultPath": "$.answer",
                "OutputPath": "$.answer",
                "End": True,
            }
        },
    }
    sfn = clients.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=lambda_role
    )["stateMachineArn"]
    try:
        execution = run(machine, {"numbers": {"n": 21}, "note": "kept"}, live=False)
        flow = data_flow(execution.step("Double"))
    finally:
        sfn.delete_state_machine(stateMachineArn=machine)
        wl.delete_function(name)
    assert [box.value for box in flow.boxes] == [
        {"numbers": {"n": 21}, "note": "kept"},
        {"n": 21},
        {"doubled": 42},
        {"numbers": {"n": 21}, "note": "kept", "answer": {"doubled": 42}},
        {"doubled": 42},
    ]


def test_the_label_column_stays_narrow_and_a_long_rule_wraps():
    # A JSONata Assign is a long rule: unwrapped, its column took half the table and the JSON
    # beside it broke mid-string. The label column keeps to a width; the rule wraps in it.
    flow = data_flow(step({}, {"a": 1}, None, [event("TaskSucceeded", output="{}")], {}))
    page = flow._repr_html_()
    assert page.count("<div style='max-width:22em'>") == len(flow.boxes)
    assert (
        "white-space:pre-wrap'>" in page
        and "td style='vertical-align:top;text-align:left;white-space:nowrap'" not in page
    )

"""The data-flow view of a JSONata Task step: Arguments, the result and Output."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from workshop_lib.dataflow import data_flow


def step(definition: dict[str, Any], events: list, output: Any) -> SimpleNamespace:
    return SimpleNamespace(
        name="Resize",
        input={"key": "a.jpg", "width": 300},
        parameters={"FunctionName": "resize", "Payload": {"key": "a.jpg"}},
        state_definition=definition,
        events=events,
        output=output,
    )


DEFINITION = {
    "Type": "Task",
    "Resource": "arn:aws:states:::lambda:invoke",
    "Arguments": {"FunctionName": "resize", "Payload": {"key": "{% $states.input.key %}"}},
    "Output": "{% $states.result.Payload %}",
    "Next": "Done",
}


def test_a_jsonata_task_shows_arguments_result_and_output():
    result = {"Payload": {"resized": "small/a.jpg"}, "StatusCode": 200}
    events = [SimpleNamespace(type="TaskSucceeded", details={"output": json.dumps(result)})]
    flow = data_flow(step(DEFINITION, events, result["Payload"]))
    titles = [box.title for box in flow.boxes]
    assert titles == [
        "State input",
        "The function received",
        "The function returned",
        "State output",
    ]
    assert flow.boxes[1].rule.startswith("Arguments: ")
    assert flow.boxes[2].value == result
    assert flow.boxes[3].rule == "Output: {% $states.result.Payload %}"
    assert "InputPath" not in str(flow) and "{% $states.result.Payload %}" in flow._repr_html_()


def test_a_failed_jsonata_task_shows_the_error_output():
    events = [SimpleNamespace(type="TaskFailed", details={"error": "Boom", "cause": "bad"})]
    flow = data_flow(step({**DEFINITION, "QueryLanguage": "JSONata"}, events, None))
    assert [box.title for box in flow.boxes][-1] == "The function failed"
    assert flow.boxes[-1].rule == "$states.errorOutput"

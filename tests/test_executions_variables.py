"""Variables and JSONata in the execution views: the variables a step assigned, and the
function a JSONata Task calls."""

from __future__ import annotations

import json
import uuid

from workshop_lib import clients
from workshop_lib.dataflow import data_flow
from workshop_lib.executions import run

ROLE = "arn:aws:iam::123456789012:role/test-sfn"


def test_a_step_shows_the_variables_it_assigned(local_cloud):
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Remember",
        "States": {
            "Remember": {
                "Type": "Pass",
                "Assign": {"who": "{% $states.input.name %}", "tries": 1},
                "Next": "Use",
            },
            "Use": {"Type": "Pass", "Output": "{% $who %}", "End": True},
        },
    }
    arn = clients.client("stepfunctions").create_state_machine(
        name=f"vars-{uuid.uuid4().hex[:8]}", roleArn=ROLE, definition=json.dumps(definition)
    )["stateMachineArn"]
    execution = run(arn, {"name": "Ada"}, timeout=60)
    assert execution.status == "SUCCEEDED"
    assert execution.step("Remember").assigned_variables == {"who": "Ada", "tries": 1}
    assert execution.step("Use").assigned_variables is None


def test_a_jsonata_task_names_its_function_and_its_data_flow(local_cloud, lambda_role):
    from conftest import zip_source

    name = f"vars-fn-{uuid.uuid4().hex[:6]}"
    clients.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": zip_source({"app.py": "def handler(e, c):\n    return {'n': e['n']}\n"})},
    )
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": name, "Payload": {"n": "{% $states.input.n %}"}},
                "Output": "{% $states.result.Payload %}",
                "End": True,
            }
        },
    }
    arn = clients.client("stepfunctions").create_state_machine(
        name=f"vars-{uuid.uuid4().hex[:8]}", roleArn=ROLE, definition=json.dumps(definition)
    )["stateMachineArn"]
    execution = run(arn, {"n": 4}, timeout=60)
    step = execution.step("Call")
    assert step.function_name == name
    flow = data_flow(step)
    assert [box.title for box in flow.boxes][-1] == "State output"
    assert flow.boxes[-1].value == {"n": 4}

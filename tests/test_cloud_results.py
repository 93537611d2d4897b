"""Step Functions results exactly as AWS gives them: the Lambda integrations' results and
errors, the context object, DescribeExecution's output, and definitions AWS refuses."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from conftest import finished, zip_source
from test_cloud_jsonata import run

from workshop_lib import clients

HANDLER = """
def handler(event, context):
    kind = event.get("kind")
    if kind == "text":
        return "plain"
    if kind == "number":
        return 12
    if kind == "big":
        return "x" * 300000
    if kind == "error":
        raise ValueError("bad thing")
    return {"ok": 1}
"""


@pytest.fixture(autouse=True)
def _cloud(local_cloud):
    return local_cloud


AWS_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture(scope="module")
def function(lambda_role) -> tuple[str, str]:
    name = f"results-{uuid.uuid4().hex[:6]}"
    arn = clients.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": zip_source({"app.py": HANDLER})},
    )["FunctionArn"]
    return name, arn


def invoke_task(name: str) -> dict:
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": name, "Payload.$": "$"},
        "End": True,
    }
    return {"StartAt": "T", "States": {"T": task}}


def direct_task(arn: str) -> dict:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": arn, "End": True}}}


def test_lambda_invoke_answers_with_the_sdk_metadata(function):
    result = run(invoke_task(function[0]), {"kind": "object"})
    assert result["status"] == "SUCCEEDED", (result.get("error"), result.get("cause"))
    output = json.loads(result["output"])
    assert set(output) == {
        "ExecutedVersion",
        "Payload",
        "SdkHttpMetadata",
        "SdkResponseMetadata",
        "StatusCode",
    }
    assert (output["Payload"], output["StatusCode"], output["ExecutedVersion"]) == (
        {"ok": 1},
        200,
        "$LATEST",
    )
    metadata = output["SdkHttpMetadata"]
    assert metadata["HttpStatusCode"] == 200
    request_id = output["SdkResponseMetadata"]["RequestId"]
    assert metadata["HttpHeaders"]["x-amzn-RequestId"] == request_id
    assert metadata["AllHttpHeaders"]["x-amzn-RequestId"] == [request_id]
    assert metadata["HttpHeaders"]["Content-Length"] == str(len('{"ok":1}'))
    # The Lambda invocation's own request id: the one its REPORT log line names.
    logs = clients.client("logs").filter_log_events(
        logGroupName=f"/aws/lambda/{function[0]}", filterPattern=f'"{request_id}"'
    )["events"]
    assert any(e["message"].startswith(f"REPORT RequestId: {request_id}") for e in logs)


@pytest.mark.parametrize(("kind", "value"), [("text", "plain"), ("number", 12)])
def test_a_result_that_is_not_an_object_passes_through(function, kind, value):
    direct = run(direct_task(function[1]), {"kind": kind})
    assert direct["status"] == "SUCCEEDED"
    assert direct["output"] == json.dumps(value)  # JSON text, a string in quotes
    wrapped = run(invoke_task(function[0]), {"kind": kind})
    assert json.loads(wrapped["output"])["Payload"] == value


def test_a_result_over_256_kib_is_a_data_limit_error(function):
    for definition in (direct_task(function[1]), invoke_task(function[0])):
        result = run(definition, {"kind": "big"})
        assert (result["status"], result["error"]) == ("FAILED", "States.DataLimitExceeded")


def test_a_lambda_errors_cause_is_the_json_the_runtime_wrote(function):
    for definition in (direct_task(function[1]), invoke_task(function[0])):
        result = run(definition, {"kind": "error"})
        assert (result["status"], result["error"]) == ("FAILED", "ValueError")
        cause = result["cause"]
        assert cause.startswith('{"errorMessage": "bad thing", "errorType": "ValueError", ')
        assert cause == json.dumps(json.loads(cause))  # json.dumps' spacing, as on AWS


def test_the_context_object_as_aws_writes_it():
    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Parameters": {"context.$": "$$"}, "End": True}},
    }
    result = run(definition, {"a": 1})
    assert result["status"] == "SUCCEEDED"  # DescribeExecution answers (it was a 500)
    context = json.loads(result["output"])["context"]
    assert AWS_TIME.fullmatch(context["Execution"]["StartTime"])
    assert AWS_TIME.fullmatch(context["State"]["EnteredTime"])
    assert context["Execution"]["RedriveCount"] == 0
    assert context["Execution"]["Input"] == {"a": 1}
    assert context["State"]["Name"] == "P"
    assert "RedriveTime" not in context["Execution"]  # only once redriven


def test_a_string_output_is_json_text():
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "done", "End": True}}}
    assert run(definition)["output"] == '"done"'


def create(definition: dict) -> str:
    sfn = clients.client("stepfunctions")
    return sfn.create_state_machine(
        name=f"checks-{uuid.uuid4().hex[:8]}",
        roleArn="arn:aws:iam::123456789012:role/test-sfn",
        definition=json.dumps(definition),
    )["stateMachineArn"]


@pytest.mark.parametrize(
    ("definition", "diagnostic"),
    [
        (
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}},
            "MISSING_TRANSITION_TARGET: Missing 'Next' target: Nowhere at /States/A/Next",
        ),
        (
            {
                "StartAt": "A",
                "States": {"A": {"Type": "Succeed"}, "B": {"Type": "Pass", "End": True}},
            },
            "UNREACHABLE_STATE: State 'B' is not reachable at /States/B",
        ),
        (
            {
                "QueryLanguage": "JSONata",
                "StartAt": "A",
                "States": {"A": {"Type": "Pass", "ResultPath": "$.x", "End": True}},
            },
            "SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONata', but field "
            "'ResultPath' is only supported for the 'JSONPath' QueryLanguage at /States/A",
        ),
        (
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "Output": {}, "End": True}}},
            "SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONPath', but field "
            "'Output' is only supported for the 'JSONata' QueryLanguage at /States/A",
        ),
        (
            {
                "StartAt": "P",
                "States": {
                    "P": {
                        "Type": "Parallel",
                        "Branches": [
                            {"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Y"}}}
                        ],
                        "End": True,
                    }
                },
            },
            "MISSING_TRANSITION_TARGET: Missing 'Next' target: Y at "
            "/States/P/Branches[0]/States/X/Next",
        ),
        (
            {
                "QueryLanguage": "JSONata",
                "StartAt": "A",
                "States": {"A": {"Type": "Pass", "Output": {"v": "{% a[1,2) %}"}, "End": True}},
            },
            "INVALID_JSONATA_EXPRESSION: Expected ], got , at /States/A/Output/v",
        ),
        (
            {
                "QueryLanguage": "JSONata",
                "StartAt": "A",
                "States": {"A": {"Type": "Pass", "Output": ["{% $$.Execution %}"], "End": True}},
            },
            "UNSUPPORTED_JSONATA_EXPRESSION: Reference to '$$' is not supported. at "
            "/States/A/Output[0]",
        ),
        (
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100000000, "End": True}}},
            "SCHEMA_VALIDATION_FAILED: The value of the field 'Seconds' must be an integer from 0 "
            "to 99999999 at /States/W/Seconds",
        ),
    ],
)
def test_create_and_update_refuse_what_aws_refuses(definition, diagnostic):
    sfn = clients.client("stepfunctions")
    with pytest.raises(sfn.exceptions.InvalidDefinition) as refused:
        create(definition)
    assert diagnostic in refused.value.response["Error"]["Message"]
    arn = create({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})
    with pytest.raises(sfn.exceptions.InvalidDefinition):
        sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(definition))


def test_a_refused_jsonata_definition_does_not_spoil_later_ones():
    sfn = clients.client("stepfunctions")
    refused = {
        "QueryLanguage": "JSONata",
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.x", "BooleanEquals": True, "Next": "D"}],
                "Default": "D",
            },
            "D": {"Type": "Succeed"},
        },
    }
    with pytest.raises(sfn.exceptions.InvalidDefinition):
        create(refused)
    jsonpath = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Parameters": {"a.$": "$.x"}, "End": True}},
    }
    assert json.loads(run(jsonpath, {"x": 1})["output"]) == {"a": 1}


@pytest.mark.parametrize(("kind", "seconds"), [("STANDARD", 366 * 24 * 3600), ("EXPRESS", 301)])
def test_a_wait_longer_than_an_execution_may_last_times_out(kind, seconds):
    sfn = clients.client("stepfunctions")
    definition = {
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "End": True}},
    }
    arn = sfn.create_state_machine(
        name=f"wait-{uuid.uuid4().hex[:8]}",
        roleArn="arn:aws:iam::123456789012:role/test-sfn",
        definition=json.dumps(definition),
        type=kind,
    )["stateMachineArn"]
    if kind == "EXPRESS":
        answer = sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps({"s": seconds}))
        assert answer["status"] == "TIMED_OUT"
        return
    result = run_arn(arn, {"s": seconds})
    assert result["status"] == "TIMED_OUT"
    assert result["events"][-1]["type"] == "ExecutionTimedOut"


def run_arn(arn: str, payload: dict) -> dict:
    sfn = clients.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(payload))["executionArn"]
    return finished(execution, timeout=10)


def test_a_task_result_path_that_matches_nothing_is_a_runtime_error(function):
    task = {
        "Type": "Task",
        "Resource": function[1],
        "ResultSelector": {"x.$": "$.missing"},
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
        "End": True,
    }
    definition = {
        "StartAt": "Before",
        "States": {
            "Before": {"Type": "Pass", "Next": "T"},
            "T": task,
            "Caught": {"Type": "Succeed"},
        },
    }
    result = run(definition, {"kind": "object"})
    # Terminal: States.ALL does not catch it, and the function's success stands in the history.
    assert (result["status"], result["error"]) == ("FAILED", "States.Runtime")
    assert result["cause"] == (
        "An error occurred while executing the state 'T' (entered at the event id #4). "
        "The JSONPath '$.missing' specified for the field 'x.$' could not be found in the "
        "input '{\"ok\":1}'"
    )
    types = [event["type"] for event in result["events"]]
    assert "LambdaFunctionSucceeded" in types and "LambdaFunctionFailed" not in types


def test_states_all_does_not_catch_a_runtime_error_but_its_name_does():
    def machine(names: list[str]) -> dict:
        return {
            "StartAt": "P",
            "States": {
                "P": {
                    "Type": "Parallel",
                    "Branches": [
                        {
                            "StartAt": "Bad",
                            "States": {
                                "Bad": {"Type": "Pass", "InputPath": "$.missing", "End": True}
                            },
                        }
                    ],
                    "Catch": [{"ErrorEquals": names, "Next": "Caught"}],
                    "End": True,
                },
                "Caught": {"Type": "Succeed"},
            },
        }

    wildcard = run(machine(["States.ALL"]), {})
    assert (wildcard["status"], wildcard["error"]) == ("FAILED", "States.Runtime")
    assert run(machine(["States.Runtime"]), {})["status"] == "SUCCEEDED"

"""TestState against the local cloud through plain boto3, with the request shapes of AWS's API
reference (single state or whole machine + stateName, input, variables, context, inspection
levels, mocks and stateConfiguration)."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError
from conftest import zip_source

from workshop_lib import clients

ROLE = "arn:aws:iam::123456789012:role/test-sfn"

RETRY_AND_CATCH = {
    "Type": "Task",
    "Resource": "arn:aws:states:::lambda:invoke",
    "Parameters": {"FunctionName": "order-fn", "Payload.$": "$"},
    "ResultSelector": {"status.$": "$.Payload.status"},
    "ResultPath": "$.order",
    "Retry": [
        {
            "ErrorEquals": ["Lambda.ServiceException"],
            "IntervalSeconds": 2,
            "MaxAttempts": 3,
            "BackoffRate": 2,
        }
    ],
    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Apologise"}],
    "Next": "Ship",
}


@pytest.fixture
def sfn(local_cloud):
    return clients.client("stepfunctions")


def call(sfn, **request) -> dict:
    answer = sfn.test_state(**request)
    answer.pop("ResponseMetadata", None)
    return answer


def test_debug_shows_the_five_data_flow_boxes_of_a_jsonpath_pass(sfn):
    state = {
        "Type": "Pass",
        "InputPath": "$.order",
        "Parameters": {"id.$": "$.id", "total.$": "States.MathAdd($.net, $.tax)"},
        "ResultPath": "$.summary",
        "Next": "Ship",
    }
    answer = call(
        sfn,
        definition=json.dumps(state),
        input=json.dumps({"order": {"id": "A1", "net": 10, "tax": 2}}),
        inspectionLevel="DEBUG",
    )
    assert answer["status"] == "SUCCEEDED" and answer["nextState"] == "Ship"
    data = {k: json.loads(v) for k, v in answer["inspectionData"].items()}
    assert data["input"] == {"order": {"id": "A1", "net": 10, "tax": 2}}
    assert data["afterInputPath"] == {"id": "A1", "net": 10, "tax": 2}
    assert data["afterParameters"] == {"id": "A1", "total": 12}
    # ResultPath places the result into the state's raw input, not the InputPath selection.
    assert data["afterResultPath"] == {**data["input"], "summary": data["afterParameters"]}
    assert json.loads(answer["output"]) == data["afterResultPath"]
    assert data["variables"] == {}


def test_info_level_has_no_inspection_data(sfn):
    answer = call(sfn, definition=json.dumps({"Type": "Pass", "End": True}), input="{}")
    assert answer["status"] == "SUCCEEDED" and "inspectionData" not in answer
    assert "nextState" not in answer  # an End state has none


def test_a_state_of_a_whole_machine_with_variables_and_context(sfn):
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "Start",
        "States": {
            "Start": {"Type": "Pass", "Next": "Greet"},
            "Greet": {
                "Type": "Pass",
                "Assign": {"greeted": "{% $greeted + 1 %}"},
                "Output": {
                    "text": "{% $greeting & ', ' & $states.input.name %}",
                    "execution": "{% $states.context.Execution.Name %}",
                },
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }
    answer = call(
        sfn,
        definition=json.dumps(machine),
        stateName="Greet",
        input=json.dumps({"name": "Ada"}),
        variables=json.dumps({"greeting": "Hello", "greeted": 1}),
        context=json.dumps({"Execution": {"Name": "run-7"}}),
        inspectionLevel="DEBUG",
    )
    assert answer["status"] == "SUCCEEDED" and answer["nextState"] == "Done"
    assert json.loads(answer["output"]) == {"text": "Hello, Ada", "execution": "run-7"}
    assert json.loads(answer["inspectionData"]["variables"]) == {"greeting": "Hello", "greeted": 2}


def test_a_choice_names_the_next_state(sfn):
    choice = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.nice", "BooleanEquals": True, "Next": "Gift"}],
        "Default": "Coal",
    }
    for nice, expected in ((True, "Gift"), (False, "Coal")):
        answer = call(sfn, definition=json.dumps(choice), input=json.dumps({"nice": nice}))
        assert (answer["status"], answer["nextState"]) == ("SUCCEEDED", expected)


def test_a_mocked_result_goes_through_result_selector_and_result_path(sfn):
    answer = call(
        sfn,
        definition=json.dumps(RETRY_AND_CATCH),
        input=json.dumps({"id": 7}),
        inspectionLevel="DEBUG",
        mock={"result": json.dumps({"Payload": {"status": "paid"}, "StatusCode": 200})},
    )
    assert answer["status"] == "SUCCEEDED" and answer["nextState"] == "Ship"
    assert json.loads(answer["output"]) == {"id": 7, "order": {"status": "paid"}}
    data = answer["inspectionData"]
    assert json.loads(data["afterParameters"]) == {"FunctionName": "order-fn", "Payload": {"id": 7}}
    assert json.loads(data["afterResultSelector"]) == {"status": "paid"}


@pytest.mark.parametrize(("retries", "backoff"), [(0, 2), (1, 4), (2, 8)])
def test_a_mocked_error_with_retries_left_is_retriable_with_the_backoff(sfn, retries, backoff):
    answer = call(
        sfn,
        definition=json.dumps(RETRY_AND_CATCH),
        input="{}",
        inspectionLevel="DEBUG",
        mock={"errorOutput": {"error": "Lambda.ServiceException", "cause": "busy"}},
        stateConfiguration={"retrierRetryCount": retries},
    )
    assert (answer["status"], answer["error"], answer["cause"]) == (
        "RETRIABLE",
        "Lambda.ServiceException",
        "busy",
    )
    assert answer["inspectionData"]["errorDetails"] == {
        "retryIndex": 0,
        "retryBackoffIntervalSeconds": backoff,
    }


def test_retries_exhausted_or_another_error_is_caught(sfn):
    for error, retries in (("Lambda.ServiceException", 3), ("OrderRejected", 0)):
        answer = call(
            sfn,
            definition=json.dumps(RETRY_AND_CATCH),
            input=json.dumps({"id": 7}),
            inspectionLevel="DEBUG",
            mock={"errorOutput": {"error": error, "cause": "no"}},
            stateConfiguration={"retrierRetryCount": retries},
        )
        assert answer["status"] == "CAUGHT_ERROR" and answer["nextState"] == "Apologise"
        assert json.loads(answer["output"]) == {"id": 7, "failure": {"Error": error, "Cause": "no"}}
        assert answer["inspectionData"]["errorDetails"] == {"catchIndex": 0}


def test_an_uncaught_error_fails(sfn):
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "End": True,
        "Arguments": {"FunctionName": "f"},
        "QueryLanguage": "JSONata",
    }
    answer = call(
        sfn,
        definition=json.dumps(state),
        mock={"errorOutput": {"error": "Boom", "cause": "bad"}},
    )
    assert (answer["status"], answer["error"], answer["cause"]) == ("FAILED", "Boom", "bad")


def test_a_lambda_task_without_a_mock_runs_the_function(sfn, lambda_role):
    name = f"ts-{uuid.uuid4().hex[:6]}"
    clients.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": zip_source({"app.py": "def handler(e, c):\n    return {'seen': e}\n"})},
    )
    state = {
        "QueryLanguage": "JSONata",
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"FunctionName": name, "Payload": {"n": "{% $states.input.n %}"}},
        "Output": "{% $states.result.Payload %}",
        "End": True,
    }
    answer = call(
        sfn, definition=json.dumps(state), roleArn=ROLE, input='{"n": 3}', inspectionLevel="DEBUG"
    )
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"seen": {"n": 3}}
    assert json.loads(answer["inspectionData"]["afterArguments"]) == {
        "FunctionName": name,
        "Payload": {"n": 3},
    }


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        ({"definition": "{not json"}, "InvalidDefinition"),
        ({"definition": '{"Type": "Pass", "End": true}', "input": "nope"}, "InvalidExecutionInput"),
        (
            {"definition": '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}'},
            "InvalidDefinition",
        ),
        (
            {
                "definition": '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}',
                "stateName": "Missing",
            },
            "ValidationException",
        ),
        (
            {"definition": '{"Type": "Pass", "End": true}', "mock": {"result": "{}"}},
            "ValidationException",
        ),
        (
            {
                "definition": json.dumps(RETRY_AND_CATCH),
                "mock": {"result": "{}", "errorOutput": {"error": "E"}},
            },
            "ValidationException",
        ),
    ],
)
def test_bad_requests_get_aws_error_codes(sfn, request_, code):
    with pytest.raises(ClientError) as raised:
        sfn.test_state(**request_)
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


MAP = {
    "Type": "Map",
    "ItemsPath": "$.items",
    "ItemProcessor": {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "Wrap",
        "States": {"Wrap": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": True}},
    },
    "ResultPath": "$.wrapped",
    "Next": "Done",
}


def test_a_map_state_runs_its_iterations_or_takes_a_mocked_result(sfn):
    ran = call(sfn, definition=json.dumps(MAP), input='{"items": [1, 2]}', inspectionLevel="DEBUG")
    assert ran["status"] == "SUCCEEDED" and ran["nextState"] == "Done"
    assert json.loads(ran["output"]) == {"items": [1, 2], "wrapped": [{"v": 1}, {"v": 2}]}
    # The inner state's Parameters do not stand in for the Map's own data flow.
    assert json.loads(ran["inspectionData"]["afterParameters"]) == {"items": [1, 2]}
    mocked = call(
        sfn,
        definition=json.dumps(MAP),
        input='{"items": [1, 2]}',
        mock={"result": '["a", "b"]'},
    )
    assert json.loads(mocked["output"]) == {"items": [1, 2], "wrapped": ["a", "b"]}


def test_a_parallel_state_runs_its_branches(sfn):
    state = {
        "Type": "Parallel",
        "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "End": True}}},
            {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": 2, "End": True}}},
        ],
        "End": True,
    }
    answer = call(sfn, definition=json.dumps(state), input="{}")
    assert answer["status"] == "SUCCEEDED" and json.loads(answer["output"]) == [1, 2]


def test_a_debug_answer_shows_as_data_flow_boxes(sfn):
    from workshop_lib.dataflow import inspection_flow

    state = {
        "Type": "Pass",
        "InputPath": "$.order",
        "Parameters": {"id.$": "$.id"},
        "ResultPath": "$.picked",
        "Next": "Ship",
    }
    answer = call(
        sfn,
        definition=json.dumps(state),
        input=json.dumps({"order": {"id": 7}}),
        inspectionLevel="DEBUG",
    )
    flow = inspection_flow(answer, "Pick")
    titles = [box.title for box in flow.boxes]
    assert titles[:6] == [
        "State input",
        "After InputPath",
        "After Parameters",
        "Result",
        "After ResultSelector",
        "After ResultPath",
    ]
    assert flow.boxes[2].value == {"id": 7}
    assert flow.boxes[-1].rule == "SUCCEEDED, next: Ship"
    assert "After InputPath" in flow._repr_html_()


def test_a_jsonpath_catcher_assigns_from_the_error_output(sfn):
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f"},
        "Catch": [
            {
                "ErrorEquals": ["States.ALL"],
                "Assign": {"why.$": "$.Cause", "seen": True},
                "ResultPath": "$.failure",
                "Next": "Handle",
            }
        ],
        "End": True,
    }
    answer = call(
        sfn,
        definition=json.dumps(state),
        input="{}",
        inspectionLevel="DEBUG",
        mock={"errorOutput": {"error": "Boom", "cause": "bad input"}},
    )
    assert answer["status"] == "CAUGHT_ERROR"
    assert json.loads(answer["inspectionData"]["variables"]) == {"why": "bad input", "seen": True}


@pytest.mark.parametrize(("failures", "status"), [(1, "SUCCEEDED"), (2, "CAUGHT_ERROR")])
def test_map_iteration_failures_against_the_tolerated_count(sfn, failures, status):
    state = {
        **MAP,
        "ToleratedFailureCount": 1,
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recover"}],
    }
    answer = call(
        sfn,
        definition=json.dumps(state),
        input='{"items": [1, 2, 3]}',
        stateConfiguration={"mapIterationFailureCount": failures},
    )
    assert answer["status"] == status
    if status == "CAUGHT_ERROR":
        assert answer["error"] == "States.ExceedToleratedFailureThreshold"
        assert answer["nextState"] == "Recover"

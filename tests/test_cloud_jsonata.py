"""JSONata states and variables in the local cloud, checked against AWS's documented examples
(developer guide: "Transforming data with JSONata", "Passing data between states with
variables", "Handling errors")."""

from __future__ import annotations

import hashlib
import json
import re
import uuid

import pytest
from conftest import finished

from workshop_lib import clients

ROLE = "arn:aws:iam::123456789012:role/test-sfn"


def run(definition: dict, payload: object = None) -> dict:
    """Create a state machine, run it to the end; the description plus its history."""
    sfn = clients.client("stepfunctions")
    arn = sfn.create_state_machine(
        name=f"jsonata-{uuid.uuid4().hex[:8]}", roleArn=ROLE, definition=json.dumps(definition)
    )["stateMachineArn"]
    execution = sfn.start_execution(
        stateMachineArn=arn, input=json.dumps({} if payload is None else payload)
    )["executionArn"]
    return finished(execution)


def output_of(definition: dict, payload: object = None) -> object:
    result = run(definition, payload)
    assert result["status"] == "SUCCEEDED", (result.get("error"), result.get("cause"))
    return json.loads(result["output"])


def one_pass(output: object, assign: dict | None = None) -> dict:
    state: dict = {"Type": "Pass", "Output": output, "End": True}
    if assign is not None:
        state["Assign"] = assign
    return {"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": state}}


@pytest.fixture(autouse=True)
def _cloud(local_cloud):
    return local_cloud


def test_the_guides_conversion_example_gives_the_same_result_in_both_languages():
    # "Transforming data with JSONata": the same Pass in JSONPath and in JSONata.
    assign = {"Type": "Pass", "Assign": {"customerName": "María"}, "Next": "Task"}
    jsonpath = {
        "StartAt": "Assign",
        "States": {
            "Assign": assign,
            "Task": {
                "Type": "Pass",
                "Parameters": {
                    "static": "Hello",
                    "title.$": "$.title",
                    "name.$": "$customerName",
                    "not-evaluated": "$customerName",
                },
                "End": True,
            },
        },
    }
    jsonata = {
        "QueryLanguage": "JSONata",
        "StartAt": "Assign",
        "States": {
            "Assign": assign,
            "Task": {
                "Type": "Pass",
                "Output": {
                    "static": "Hello",
                    "title": "{% $states.input.title %}",
                    "name": "{% $customerName %}",
                    "not-evaluated": "$customerName",
                },
                "End": True,
            },
        },
    }
    expected = {
        "static": "Hello",
        "title": "Doctor",
        "name": "María",
        "not-evaluated": "$customerName",
    }
    assert output_of(jsonpath, {"title": "Doctor"}) == expected
    assert output_of(jsonata, {"title": "Doctor"}) == expected


def test_expressions_anywhere_in_output_with_json_numbers_and_nulls():
    output = {
        "sum": "{% $sum($states.input.prices) %}",
        "half": "{% 10 / 4 %}",
        "whole": "{% 10 / 2 %}",
        "nested": ["{% $uppercase($states.input.name) %}", {"n": "{% $states.input.none %}"}],
        "literal": 7,
    }
    payload = {"prices": [1, 2.5], "name": "ada", "none": None}
    assert output_of(one_pass(output), payload) == {
        "sum": 3.5,
        "half": 2.5,
        "whole": 5,
        "nested": ["ADA", {"n": None}],
        "literal": 7,
    }


def test_aws_functions():
    output = {
        "partition": "{% $partition([1,2,3,4,5,6,7,8,9], 4) %}",
        "range": "{% $range(0, 10, 2) %}",
        "down": "{% $range(5, 1, -2) %}",
        "hash": "{% $hash('hello', 'SHA-256') %}",
        "md5": "{% $hash('hello', 'MD5') %}",
        "parsed": "{% $parse($states.input.text) %}",
        "uuid": "{% $uuid() %}",
        "seeded": "{% [$random(42), $random(42)] %}",
        "random": "{% $random() %}",
    }
    result = output_of(one_pass(output), {"text": '{"a": [1, {"b": null}]}'})
    assert result["partition"] == [[1, 2, 3, 4], [5, 6, 7, 8], [9]]
    assert result["range"] == [0, 2, 4, 6, 8, 10]
    assert result["down"] == [5, 3, 1]
    assert result["hash"] == hashlib.sha256(b"hello").hexdigest()
    assert result["md5"] == hashlib.md5(b"hello").hexdigest()
    assert result["parsed"] == {"a": [1, {"b": None}]}
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", result["uuid"]
    )
    first, second = result["seeded"]
    assert first == second and 0 <= first < 1  # a seed makes $random repeatable
    assert 0 <= result["random"] < 1


@pytest.mark.parametrize(
    ("expression", "ending"),
    [
        ("$states.input.missing", "returned nothing (undefined)."),
        ("$range(0, 4)", "returned nothing (undefined)."),  # no step
        ("$partition([1,2], 0)", "returned nothing (undefined)."),
        (
            "$range('0', 4, 1)",
            'T0410: Argument 1 of function "range" does not match function signature',
        ),
        ("$eval('1')", "T1006: Attempted to invoke a non-function"),  # AWS disables $eval
        (
            "$hash('a', 'sha-256')",
            "is not supported. Supported algorithms: MD5, SHA-1, SHA-256, SHA-384, SHA-512",
        ),
        ("$parse('{not json')", "is not valid JSON."),
        ("function($x) { $x }", "returned an unsupported result type."),
    ],
)
def test_a_failing_expression_is_a_query_evaluation_error_naming_state_and_field(
    expression, ending
):
    result = run(one_pass({"v": "{% " + expression + " %}"}))
    assert result["status"] == "FAILED"
    assert result["error"] == "States.QueryEvaluationError"  # not States.Runtime
    prefix = (
        "An error occurred while executing the state 'P' (entered at the event id #2). "
        f"The JSONata expression '{expression}' specified for the field 'Output/v' "
    )
    assert result["cause"].startswith(prefix) and result["cause"].endswith(ending)
    failed = [e for e in result["events"] if e["type"] == "EvaluationFailed"]
    assert failed and failed[0]["evaluationFailedEventDetails"]["state"] == "P"


def test_fields_are_named_with_their_path():
    definition = one_pass({"a": {"b": [1, "{% $nope %}"]}})
    cause = run(definition)["cause"]
    assert "specified for the field 'Output/a/b[1]' returned nothing" in cause
    definition = one_pass("{% 1 %}", assign={"x": {"y": "{% $states.input.q %}"}})
    assert "for the field 'Assign/x/y'" in run(definition)["cause"]


def test_a_query_evaluation_error_can_be_caught_with_error_output():
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Bad",
        "States": {
            "Bad": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "{% $states.input.missing %}"},
                "Catch": [
                    {
                        "ErrorEquals": ["States.QueryEvaluationError"],
                        "Output": {"caught": "{% $states.errorOutput.Error %}"},
                        "Assign": {"why": "{% $states.errorOutput.Cause %}"},
                        "Next": "Report",
                    }
                ],
                "End": True,
            },
            "Report": {
                "Type": "Pass",
                "Output": {"error": "{% $states.input.caught %}", "field": "{% $why %}"},
                "End": True,
            },
        },
    }
    result = output_of(definition)
    assert result["error"] == "States.QueryEvaluationError"
    assert "'Arguments/FunctionName' returned nothing (undefined)." in result["field"]


def test_choice_wait_fail_and_map_take_expressions():
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Wait",
        "States": {
            "Wait": {"Type": "Wait", "Seconds": "{% $states.input.delay %}", "Next": "Map"},
            "Map": {
                "Type": "Map",
                "Items": "{% $states.input.orders %}",
                "ItemSelector": {
                    "id": "{% $states.context.Map.Item.Value.id %}",
                    "index": "{% $states.context.Map.Item.Index %}",
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Double",
                    "States": {
                        "Double": {
                            "Type": "Pass",
                            "Output": "{% $states.input.id * 2 + $states.input.index %}",
                            "End": True,
                        }
                    },
                },
                "Output": "{% $sum($states.result) %}",
                "Next": "Big?",
            },
            "Big?": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input > 10 %}", "Next": "TooBig"}],
                "Default": "Fine",
            },
            "Fine": {"Type": "Succeed"},
            "TooBig": {
                "Type": "Fail",
                "Error": "{% 'Order.' & 'TooBig' %}",
                "Cause": "{% 'total ' & $string($states.input) %}",
            },
        },
    }
    small = run(definition, {"delay": 0, "orders": [{"id": 1}, {"id": 2}]})
    assert small["status"] == "SUCCEEDED" and json.loads(small["output"]) == 7
    big = run(definition, {"delay": 0, "orders": [{"id": 5}, {"id": 6}]})
    assert (big["status"], big["error"], big["cause"]) == ("FAILED", "Order.TooBig", "total 23")


def test_variables_scope_in_parallel_branches():
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Set",
        "States": {
            "Set": {"Type": "Pass", "Assign": {"greeting": "hi"}, "Next": "Both"},
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Read",
                        "States": {
                            "Read": {
                                "Type": "Pass",
                                "Assign": {"inner": "{% $greeting & ' there' %}"},
                                "Output": "{% $greeting %}",
                                "Next": "Use",
                            },
                            "Use": {"Type": "Pass", "Output": "{% $inner %}", "End": True},
                        },
                    }
                ],
                "Assign": {"joined": "{% $states.result[0] %}"},
                "Next": "After",
            },
            "After": {
                "Type": "Pass",
                "Output": {"joined": "{% $joined %}", "seen": "{% $exists($inner) %}"},
                "End": True,
            },
        },
    }
    # The branch reads the outer variable; its own variable does not leak out.
    assert output_of(definition) == {"joined": "hi there", "seen": False}


def test_assign_in_a_jsonpath_machine_and_assigned_variables_in_the_history():
    definition = {
        "StartAt": "Remember",
        "States": {
            "Remember": {
                "Type": "Pass",
                "Assign": {"who.$": "$.name", "count": 3, "quote": 'say "hi"'},
                "Next": "Recall",
            },
            "Recall": {
                "Type": "Pass",
                "Parameters": {"who.$": "$who", "count.$": "$count"},
                "End": True,
            },
        },
    }
    result = run(definition, {"name": "Ada"})
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {"who": "Ada", "count": 3}
    exited = next(e for e in result["events"] if e["type"] == "PassStateExited")
    assigned = exited["stateExitedEventDetails"]["assignedVariables"]
    # Each value is its JSON text, as AWS writes it.
    assert {k: json.loads(v) for k, v in assigned.items()} == {
        "who": "Ada",
        "count": 3,
        "quote": 'say "hi"',
    }


def test_output_sees_the_variables_as_they_were_when_the_state_was_entered():
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "First",
        "States": {
            "First": {"Type": "Pass", "Assign": {"x": 1}, "Next": "Second"},
            "Second": {
                "Type": "Pass",
                "Assign": {"x": "{% $x + 1 %}", "y": "{% $x * 10 %}"},
                "Output": {"x": "{% $x %}"},
                "Next": "Third",
            },
            "Third": {"Type": "Pass", "Output": {"x": "{% $x %}", "y": "{% $y %}"}, "End": True},
        },
    }
    result = run(definition)
    outputs = [
        json.loads(e["stateExitedEventDetails"]["output"])
        for e in result["events"]
        if e["type"] == "PassStateExited"
    ]
    # Assign and Output are evaluated side by side; every Assign reads the old $x.
    assert outputs[1] == {"x": 1}
    assert outputs[2] == {"x": 2, "y": 10}


def test_numbers_become_text_as_jsonata_js_writes_them():
    output = {
        "big": "{% $string(1e20) %}",
        "huge": "{% $string(1e21) %}",
        "sum": "{% $string(0.1 + 0.2) %}",
        "joined": "{% 'n=' & 1e16 %}",
        "small": "{% $string(0.000001) %}",
    }
    assert output_of(one_pass(output)) == {
        "big": "100000000000000000000",
        "huge": "1e+21",
        "sum": "0.3",
        "joined": "n=10000000000000000",
        "small": "0.000001",
    }


def test_a_jsonpath_choice_compares_with_a_variable():
    definition = {
        "StartAt": "Limit",
        "States": {
            "Limit": {"Type": "Pass", "Assign": {"limit": 3}, "Next": "Big?"},
            "Big?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.x", "NumericGreaterThanPath": "$limit", "Next": "Big"}],
                "Default": "Small",
            },
            "Big": {"Type": "Pass", "Result": "big", "End": True},
            "Small": {"Type": "Pass", "Result": "small", "End": True},
        },
    }
    assert output_of(definition, {"x": 5}) == "big"
    assert output_of(definition, {"x": 2}) == "small"


def test_an_error_inside_a_map_keeps_its_name_and_can_be_caught():
    inner = {"Type": "Pass", "Output": "{% $states.input.missing %}", "End": True}
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "Items": [1],
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Inner",
                    "States": {"Inner": inner},
                },
                "End": True,
            }
        },
    }
    failed = run(definition)
    assert (failed["status"], failed["error"]) == ("FAILED", "States.QueryEvaluationError")
    assert failed["cause"].startswith("An error occurred while executing the state 'Inner' ")
    assert failed["cause"].count("An error occurred") == 1
    definition["States"]["Each"]["Catch"] = [
        {"ErrorEquals": ["States.QueryEvaluationError"], "Next": "Caught"}
    ]
    definition["States"]["Caught"] = {"Type": "Pass", "Output": "caught", "End": True}
    assert output_of(definition) == "caught"


def test_every_state_has_a_retry_count_in_the_context():
    output = {"count": "{% $states.context.State.RetryCount %}"}
    assert output_of(one_pass(output)) == {"count": 0}


@pytest.mark.parametrize(
    ("state", "field", "expected"),
    [
        (
            {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input.x %}", "Next": "End"}],
                "Default": "End",
            },
            "Choices[0]/Condition",
            "boolean",
        ),
        ({"Type": "Wait", "Seconds": "{% -1 %}", "Next": "End"}, "Seconds", "integer"),
        ({"Type": "Wait", "Seconds": "{% 1.5 %}", "Next": "End"}, "Seconds", "integer"),
        ({"Type": "Fail", "Error": "{% 5 %}"}, "Error", "string"),
    ],
)
def test_a_field_of_the_wrong_type_is_a_query_evaluation_error(state, field, expected):
    states = {"S": state}
    if state["Type"] != "Fail":
        states["End"] = {"Type": "Succeed"}
    result = run({"QueryLanguage": "JSONata", "StartAt": "S", "States": states}, {"x": 5})
    assert (result["status"], result["error"]) == ("FAILED", "States.QueryEvaluationError")
    assert (
        f"specified for the field '{field}' returned an unexpected result type."
        in (result["cause"])
    )
    assert f"Expected '{expected}'" in result["cause"]


def test_variables_over_256_kib_in_one_state_are_a_data_limit_error():
    assign = {"big": "{% $pad('', 300000, 'x') %}"}
    result = run(one_pass("{% 1 %}", assign=assign))
    assert (result["status"], result["error"]) == ("FAILED", "States.DataLimitExceeded")
    definition = one_pass("{% 1 %}", assign={"fine": "{% $pad('', 1000, 'x') %}"})
    assert run(definition)["status"] == "SUCCEEDED"


@pytest.fixture(scope="module")
def echo_function(lambda_role) -> str:
    from conftest import zip_source

    return clients.client("lambda").create_function(
        FunctionName=f"jsonata-echo-{uuid.uuid4().hex[:6]}",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": zip_source({"app.py": "def handler(e, c):\n    return {'got': e}\n"})},
    )["FunctionArn"]


def test_jsonata_tasks_take_arguments_and_see_their_result(echo_function):
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Direct",
        "States": {
            "Direct": {
                "Type": "Task",
                "Resource": echo_function,
                "Arguments": {"n": "{% $states.input.n %}"},
                "Assign": {"first": "{% $states.result.got.n %}"},
                "Next": "Invoke",
            },
            "Invoke": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": echo_function, "Payload": {"m": "{% $first + 1 %}"}},
                "Output": {
                    "payload": "{% $states.result.Payload %}",
                    "status": "{% $states.result.StatusCode %}",
                    "input": "{% $states.input %}",
                },
                "End": True,
            },
        },
    }
    assert output_of(definition, {"n": 1}) == {
        "payload": {"got": {"m": 2}},
        "status": 200,
        "input": {"got": {"n": 1}},
    }


def test_jsonpath_result_selector_reads_variables():
    definition = {
        "StartAt": "Set",
        "States": {
            "Set": {"Type": "Pass", "Assign": {"label": "batch-7"}, "Next": "Both"},
            "Both": {
                "Type": "Parallel",
                "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}],
                "ResultSelector": {"label.$": "$label", "first.$": "$[0].n"},
                "End": True,
            },
        },
    }
    assert output_of(definition, {"n": 3}) == {"label": "batch-7", "first": 3}

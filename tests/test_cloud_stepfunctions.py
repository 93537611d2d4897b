"""Real Step Functions executions against real Lambda code in the local cloud."""

from __future__ import annotations

import itertools
import json
import uuid

import pytest
from conftest import finished, zip_source

from workshop_lib import clients

WORKER = '''
import os, time

class ListValidationError(Exception):
    """A custom error: Step Functions matches it by its class name."""

def lambda_handler(event, context):
    started = time.time()
    action = event.get("action")
    if action == "validate":
        raise ListValidationError("item 2 (kid-0003): 'gifts' has 5 presents; the limit is 3")
    if action == "flaky":
        raise ConnectionError("the sleigh's radio dropped out")
    if action == "slow":
        time.sleep(5)
    if action == "sleep":
        time.sleep(event.get("seconds", 0.5))
    return {"started": started, "ended": time.time(), "pid": os.getpid(), "action": action}
'''


def run(state_machine_arn: str, payload: dict, name: str | None = None) -> dict:
    sfn = clients.client("stepfunctions")
    options = {"name": name} if name else {}
    arn = sfn.start_execution(
        stateMachineArn=state_machine_arn, input=json.dumps(payload), **options
    )["executionArn"]
    return finished(arn)


@pytest.fixture(scope="module")
def worker_arn(lambda_role) -> str:
    return clients.client("lambda").create_function(
        FunctionName=f"worker-{uuid.uuid4().hex[:6]}",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.lambda_handler",
        Code={"ZipFile": zip_source({"app.py": WORKER})},
        Timeout=2,
    )["FunctionArn"]


def state_machine(definition: dict, role: str) -> str:
    return clients.client("stepfunctions").create_state_machine(
        name=f"sm-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]


def task(worker_arn: str, **extra) -> dict:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": worker_arn, "Payload.$": "$"},
        "ResultSelector": {"result.$": "$.Payload"},
        **extra,
    }


def test_custom_error_is_caught_by_its_class_name(worker_arn, lambda_role):
    arn = state_machine(
        {
            "StartAt": "Validate",
            "States": {
                "Validate": task(
                    worker_arn,
                    Catch=[
                        {
                            "ErrorEquals": ["ListValidationError"],
                            "ResultPath": "$.error",
                            "Next": "FixIt",
                        }
                    ],
                    End=True,
                ),
                "FixIt": {"Type": "Pass", "End": True},
            },
        },
        lambda_role,
    )
    done = run(arn, {"action": "validate"})
    assert done["status"] == "SUCCEEDED"
    error = json.loads(done["output"])["error"]
    assert error["Error"] == "ListValidationError"
    cause = json.loads(error["Cause"])
    assert cause["errorType"] == "ListValidationError"
    assert "kid-0003" in cause["errorMessage"]


def test_parallel_branches_invoke_concurrently(worker_arn, lambda_role):
    branch = {"StartAt": "Work", "States": {"Work": task(worker_arn, End=True)}}
    arn = state_machine(
        {
            "StartAt": "Both",
            "States": {
                "Both": {"Type": "Parallel", "Branches": [branch, branch, branch], "End": True}
            },
        },
        lambda_role,
    )
    done = run(arn, {"action": "sleep", "seconds": 1.0})
    assert done["status"] == "SUCCEEDED"
    results = [item["result"] for item in json.loads(done["output"])]
    assert len({r["pid"] for r in results}) == 3  # three execution environments
    assert max(r["started"] for r in results) < min(r["ended"] for r in results)


def test_unnamed_executions_get_unique_names(worker_arn, lambda_role):
    arn = state_machine(
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, lambda_role
    )
    first = run(arn, {})
    second = run(arn, {})
    assert first["executionArn"] != second["executionArn"]
    assert not first["executionArn"].endswith(":None")


def test_the_briefs_retry_policy_retries_quickly_offline(worker_arn, lambda_role):
    retry = {
        "ErrorEquals": ["States.TaskFailed"],
        "IntervalSeconds": 3,
        "MaxAttempts": 2,
        "BackoffRate": 1.5,
    }
    arn = state_machine(
        {"StartAt": "Flaky", "States": {"Flaky": task(worker_arn, Retry=[retry], End=True)}},
        lambda_role,
    )
    done = run(arn, {"action": "flaky"})
    assert done["status"] == "FAILED"
    assert done["error"] == "ConnectionError"
    failures = [e for e in done["events"] if e["type"] == "TaskFailed"]
    assert len(failures) == 3  # the first attempt and two retries
    gaps = [
        (b["timestamp"] - a["timestamp"]).total_seconds() for a, b in itertools.pairwise(failures)
    ]
    # Offline time runs 100x faster by default: nowhere near the real 3 s and 4.5 s waits.
    assert all(gap < 3 for gap in gaps)


def test_lambda_timeout_reaches_step_functions_as_lambda_unknown(worker_arn, lambda_role):
    arn = state_machine(
        {
            "StartAt": "Slow",
            "States": {
                "Slow": task(
                    worker_arn,
                    Catch=[
                        {
                            "ErrorEquals": ["Lambda.Unknown"],
                            "ResultPath": "$.error",
                            "Next": "Handled",
                        }
                    ],
                    End=True,
                ),
                "Handled": {"Type": "Pass", "End": True},
            },
        },
        lambda_role,
    )
    done = run(arn, {"action": "slow"})
    assert done["status"] == "SUCCEEDED"
    error = json.loads(done["output"])["error"]
    assert error["Error"] == "Lambda.Unknown"
    assert "Task timed out after 2.00 seconds" in error["Cause"]


def test_wait_state_follows_the_time_scale(lambda_role):
    arn = state_machine(
        {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 30, "End": True}}},
        lambda_role,
    )
    done = run(arn, {})
    assert done["status"] == "SUCCEEDED"
    assert (done["stopDate"] - done["startDate"]).total_seconds() < 30


def test_a_throttled_function_is_lambda_too_many_requests_for_both_task_forms(lambda_role):
    lam = clients.client("lambda")
    arn = lam.create_function(
        FunctionName=f"throttled-{uuid.uuid4().hex[:6]}",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.lambda_handler",
        Code={"ZipFile": zip_source({"app.py": WORKER})},
    )["FunctionArn"]
    lam.put_function_concurrency(FunctionName=arn, ReservedConcurrentExecutions=0)
    direct = {"Type": "Task", "Resource": arn, "End": True}
    for state in (direct, task(arn, End=True)):
        machine = state_machine({"StartAt": "T", "States": {"T": state}}, lambda_role)
        done = run(machine, {})
        assert done["status"] == "FAILED"
        assert done["error"] == "Lambda.TooManyRequestsException"
        assert "Status Code: 429" in done["cause"]


def test_a_choice_on_a_missing_field_fails_with_states_runtime_like_aws(lambda_role):
    def choosing(rule: dict) -> dict:
        return {
            "StartAt": "Nice?",
            "States": {
                "Nice?": {
                    "Type": "Choice",
                    "Choices": [{**rule, "Next": "Gift"}],
                    "Default": "Coal",
                },
                "Gift": {"Type": "Pass", "Result": {"got": "gift"}, "End": True},
                "Coal": {"Type": "Pass", "Result": {"got": "coal"}, "End": True},
            },
        }

    strict = state_machine(choosing({"Variable": "$.nice", "BooleanEquals": True}), lambda_role)
    failed = run(strict, {"name": "Timmy"})
    assert failed["status"] == "FAILED"
    assert failed["error"] == "States.Runtime"
    assert "Invalid path '$.nice'" in failed["cause"]
    assert json.loads(run(strict, {"nice": True})["output"]) == {"got": "gift"}
    # IsPresent is how a workflow asks about a field that may be missing.
    careful = state_machine(choosing({"Variable": "$.nice", "IsPresent": True}), lambda_role)
    assert json.loads(run(careful, {"name": "Timmy"})["output"]) == {"got": "coal"}


def test_paths_into_parallel_results_select_values_like_aws(lambda_role):
    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "R",
                        "States": {
                            "R": {
                                "Type": "Pass",
                                "Result": {"w": 320, "sizes": [1, 2]},
                                "End": True,
                            }
                        },
                    },
                    {
                        "StartAt": "F",
                        "States": {
                            "F": {"Type": "Pass", "Result": {"w": 640, "sizes": [3]}, "End": True}
                        },
                    },
                ],
                "Next": "Pick",
            },
            "Pick": {
                "Type": "Pass",
                "Parameters": {
                    "first_width.$": "$[0].w",
                    "second_sizes.$": "$[1].sizes",
                    "all_widths.$": "$[*].w",
                    "wide.$": "$[?(@.w > 400)].w",
                },
                "End": True,
            },
        },
    }
    output = json.loads(run(state_machine(definition, lambda_role), {})["output"])
    assert output == {
        "first_width": 320,
        "second_sizes": [3],
        "all_widths": [320, 640],
        "wide": [640],
    }

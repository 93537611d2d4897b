"""Redrive (`RedriveExecution`) through plain boto3 against the local cloud: a failed run
resumes where it stopped after the fix, keeps what succeeded, and is refused as AWS refuses."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from conftest import finished, zip_source

from workshop_lib import clients
from workshop_lib.executions import Execution

# An elf that writes down every call (so a test can count them) and fails while the bucket has
# no "fixed" object, when asked to be fragile.
ELF = """
import boto3, uuid

def handler(event, context):
    s3 = boto3.client("s3")
    s3.put_object(Bucket=event["bucket"], Key=f"calls/{event['step']}/{uuid.uuid4().hex}", Body=b"")
    if event.get("fragile"):
        try:
            s3.head_object(Bucket=event["bucket"], Key="fixed")
        except Exception:
            raise RuntimeError(f"elf for {event['step']} is broken")
    return {"step": event["step"]}
"""


@pytest.fixture(scope="module")
def elf(lambda_role) -> str:
    return clients.client("lambda").create_function(
        FunctionName=f"elf-{uuid.uuid4().hex[:6]}",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": zip_source({"app.py": ELF})},
        Timeout=10,
    )["FunctionArn"]


@pytest.fixture
def bucket(local_cloud) -> str:
    name = f"redrive-{uuid.uuid4().hex[:8]}"
    clients.client("s3").create_bucket(Bucket=name)
    return name


def calls(bucket: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    listed = clients.client("s3").list_objects_v2(Bucket=bucket, Prefix="calls/")
    for item in listed.get("Contents", []):
        step = item["Key"].split("/")[1]
        counts[step] = counts.get(step, 0) + 1
    return counts


def machine(definition: dict, role: str) -> str:
    return clients.client("stepfunctions").create_state_machine(
        name=f"rd-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]


def finish(execution_arn: str) -> dict:
    return finished(execution_arn)


def elf_task(elf: str, step: str, fragile: bool | str = False, **extra) -> dict:
    parameters: dict = {"bucket.$": "$.bucket", "step": step}
    if isinstance(fragile, str):
        parameters["fragile.$"] = fragile
    else:
        parameters["fragile"] = fragile
    return {"Type": "Task", "Resource": elf, "Parameters": parameters, **extra}


def test_a_fixed_failure_is_redriven_from_where_it_stopped(elf, bucket, lambda_role):
    sfn = clients.client("stepfunctions")
    definition = {
        "StartAt": "Sort",
        "States": {
            "Sort": elf_task(elf, "sort", ResultPath="$.sorted", Next="Wrap"),
            "Wrap": {
                "Type": "Map",
                "ItemsPath": "$.kids",
                "MaxConcurrency": 1,  # one kid at a time: "cy" never starts before "bo" fails
                "ItemSelector": {"bucket.$": "$.bucket", "kid.$": "$$.Map.Item.Value"},
                "ItemProcessor": {
                    "StartAt": "WrapOne",
                    "States": {
                        "WrapOne": {
                            "Type": "Task",
                            "Resource": elf,
                            "Parameters": {
                                "bucket.$": "$.bucket",
                                "step.$": "$.kid.name",
                                "fragile.$": "$.kid.fragile",
                            },
                            "End": True,
                        }
                    },
                },
                "ResultPath": "$.wrapped",
                "Next": "Deliver",
            },
            "Deliver": elf_task(elf, "deliver", ResultPath="$.delivered", End=True),
        },
    }
    kids = [
        {"name": "ada", "fragile": False},
        {"name": "bo", "fragile": True},
        {"name": "cy", "fragile": False},
    ]
    execution = sfn.start_execution(
        stateMachineArn=machine(definition, lambda_role),
        input=json.dumps({"bucket": bucket, "kids": kids}),
    )["executionArn"]
    failed = finish(execution)
    assert failed["status"] == "FAILED"
    assert (failed["redriveCount"], failed["redriveStatus"]) == (0, "REDRIVABLE")
    assert calls(bucket) == {"sort": 1, "ada": 1, "bo": 1}

    clients.client("s3").put_object(Bucket=bucket, Key="fixed", Body=b"")  # the fix
    answer = sfn.redrive_execution(executionArn=execution)
    assert "redriveDate" in answer
    done = finish(execution)
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"])["wrapped"] == [
        {"step": "ada"},
        {"step": "bo"},
        {"step": "cy"},
    ]
    # What succeeded ("sort", "ada") did not run again; the failed iteration did.
    assert calls(bucket) == {"sort": 1, "ada": 1, "bo": 2, "cy": 1, "deliver": 1}
    assert done["redriveCount"] == 1 and "redriveDate" in done
    assert done["redriveStatus"] == "NOT_REDRIVABLE"
    types = [event["type"] for event in done["events"]]
    assert types.count("ExecutionStarted") == 1
    assert types.index("ExecutionFailed") < types.index("ExecutionRedriven") < len(types) - 1
    redriven = next(e for e in done["events"] if e["type"] == "ExecutionRedriven")
    assert redriven["executionRedrivenEventDetails"]["redriveCount"] == 1
    ids = [event["id"] for event in done["events"]]
    assert ids == list(range(1, len(ids) + 1))  # one history, numbered on
    assert done["executionArn"] == execution
    # The inspection view reads the redriven history: it says so and shows the final run.
    view = Execution.from_arn(execution)
    assert view.status == "SUCCEEDED"
    assert any("redriven" in note for note in view.notes)
    assert view.step("Deliver").output == json.loads(done["output"])


def test_refusals_are_aws_errors(elf, bucket, lambda_role):
    sfn = clients.client("stepfunctions")
    arn = machine(
        {"StartAt": "Sort", "States": {"Sort": elf_task(elf, "s", End=True)}}, lambda_role
    )
    succeeded = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"bucket": bucket}))
    done = finish(succeeded["executionArn"])
    assert done["status"] == "SUCCEEDED"
    assert done["redriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"
    with pytest.raises(sfn.exceptions.ExecutionNotRedrivable):
        sfn.redrive_execution(executionArn=succeeded["executionArn"])
    missing = succeeded["executionArn"].rsplit(":", 1)[0] + ":no-such-run"
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.redrive_execution(executionArn=missing)

    waiting = machine(
        {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 100000, "End": True}}},
        lambda_role,
    )
    running = sfn.start_execution(stateMachineArn=waiting)["executionArn"]
    described = sfn.describe_execution(executionArn=running)
    assert described["redriveStatus"] == "NOT_REDRIVABLE"
    with pytest.raises(sfn.exceptions.ExecutionNotRedrivable):
        sfn.redrive_execution(executionArn=running)
    sfn.stop_execution(executionArn=running)
    assert finish(running)["status"] == "ABORTED"
    # An aborted execution can be redriven; the same client token again redrives nothing more.
    first = sfn.redrive_execution(executionArn=running, clientToken="once")
    again = sfn.redrive_execution(executionArn=running, clientToken="once")
    assert again["redriveDate"] == first["redriveDate"]
    assert sfn.describe_execution(executionArn=running)["status"] == "RUNNING"
    sfn.stop_execution(executionArn=running)
    assert finish(running)["redriveCount"] == 1


def test_a_caught_error_keeps_its_path_and_list_executions_filters_by_redrive(
    elf, bucket, lambda_role
):
    sfn = clients.client("stepfunctions")
    definition = {
        "StartAt": "Try",
        "States": {
            "Try": elf_task(
                elf,
                "try",
                fragile=True,
                Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Later"}],
                Next="Never",
            ),
            "Never": {"Type": "Fail", "Error": "Wrong", "Cause": "the caught path was lost"},
            "Later": elf_task(elf, "later", fragile=True, End=True),
        },
    }
    arn = machine(definition, lambda_role)
    first = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"bucket": bucket}))
    other = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"bucket": bucket}))
    assert finish(first["executionArn"])["error"] == "RuntimeError"
    assert finish(other["executionArn"])["status"] == "FAILED"
    clients.client("s3").put_object(Bucket=bucket, Key="fixed", Body=b"")
    sfn.redrive_execution(executionArn=first["executionArn"])
    done = finish(first["executionArn"])
    # "Try" was caught in the first attempt: its Catch still leads to "Later", not "Never".
    assert done["status"] == "SUCCEEDED"
    assert calls(bucket)["try"] == 2  # once per execution, not again on redrive
    redriven = sfn.list_executions(stateMachineArn=arn, redriveFilter="REDRIVEN")["executions"]
    assert [e["executionArn"] for e in redriven] == [first["executionArn"]]
    assert redriven[0]["redriveCount"] == 1
    not_redriven = sfn.list_executions(stateMachineArn=arn, redriveFilter="NOT_REDRIVEN")
    assert [e["executionArn"] for e in not_redriven["executions"]] == [other["executionArn"]]


def test_express_executions_cannot_be_redriven(lambda_role):
    sfn = clients.client("stepfunctions")
    arn = sfn.create_state_machine(
        name=f"rd-x-{uuid.uuid4().hex[:6]}",
        definition=json.dumps({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}),
        roleArn=lambda_role,
        type="EXPRESS",
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    time.sleep(0.5)
    with pytest.raises(
        (sfn.exceptions.ExecutionNotRedrivable, sfn.exceptions.ExecutionDoesNotExist)
    ):
        sfn.redrive_execution(executionArn=execution)


def test_a_distributed_map_is_redriven_for_its_failed_children_only(elf, bucket, lambda_role):
    sfn = clients.client("stepfunctions")
    definition = {
        "StartAt": "Wrap",
        "States": {
            "Wrap": {
                "Type": "Map",
                "ItemsPath": "$.kids",
                "ItemSelector": {"bucket.$": "$.bucket", "kid.$": "$$.Map.Item.Value"},
                "MaxConcurrency": 1,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "WrapOne",
                    "States": {
                        "WrapOne": {
                            "Type": "Task",
                            "Resource": elf,
                            "Parameters": {
                                "bucket.$": "$.bucket",
                                "step.$": "$.kid.name",
                                "fragile.$": "$.kid.fragile",
                            },
                            "End": True,
                        }
                    },
                },
                "End": True,
            }
        },
    }
    kids = [{"name": n, "fragile": n == "bo"} for n in ("ada", "bo", "cy")]
    execution = sfn.start_execution(
        stateMachineArn=machine(definition, lambda_role),
        input=json.dumps({"bucket": bucket, "kids": kids}),
    )["executionArn"]
    assert finish(execution)["error"] == "States.ExceedToleratedFailureThreshold"
    clients.client("s3").put_object(Bucket=bucket, Key="fixed", Body=b"")
    sfn.redrive_execution(executionArn=execution)
    done = finish(execution)
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == [{"step": "ada"}, {"step": "bo"}, {"step": "cy"}]
    assert calls(bucket) == {"ada": 1, "bo": 2, "cy": 1}
    # The same Map Run was redriven, as on AWS: one Map Run, a MapRunRedriven event.
    (only,) = sfn.list_map_runs(executionArn=execution)["mapRuns"]
    described = sfn.describe_map_run(mapRunArn=only["mapRunArn"])
    assert (described["status"], described["redriveCount"]) == ("SUCCEEDED", 1)
    assert described["itemCounts"]["succeeded"] == 3 and described["itemCounts"]["failed"] == 0
    types = [event["type"] for event in done["events"]]
    assert types.count("MapRunStarted") == 1 and types.count("MapRunRedriven") == 1
    redriven = next(e for e in done["events"] if e["type"] == "MapRunRedriven")
    assert redriven["mapRunRedrivenEventDetails"]["mapRunArn"] == only["mapRunArn"]


def test_a_new_execution_under_an_old_name_replays_nothing(elf, bucket, lambda_role):
    sfn = clients.client("stepfunctions")
    name = f"rd-again-{uuid.uuid4().hex[:6]}"
    definition = json.dumps(
        {
            "StartAt": "Sort",
            "States": {
                "Sort": elf_task(elf, "sort", ResultPath="$.sorted", Next="Break"),
                "Break": elf_task(elf, "break", fragile=True, End=True),
            },
        }
    )
    payload = json.dumps({"bucket": bucket})
    arn = sfn.create_state_machine(name=name, definition=definition, roleArn=lambda_role)[
        "stateMachineArn"
    ]
    first = sfn.start_execution(stateMachineArn=arn, name="same", input=payload)["executionArn"]
    assert finish(first)["status"] == "FAILED"
    sfn.redrive_execution(executionArn=first)  # still broken: Sort is reused, Break fails again
    assert finish(first)["redriveCount"] == 1
    assert calls(bucket) == {"sort": 1, "break": 2}
    # The state machine made again under the same name: the same execution ARN is a new run.
    sfn.delete_state_machine(stateMachineArn=arn)
    arn = sfn.create_state_machine(name=name, definition=definition, roleArn=lambda_role)[
        "stateMachineArn"
    ]
    again = sfn.start_execution(stateMachineArn=arn, name="same", input=payload)["executionArn"]
    assert again == first
    done = finish(again)
    assert (done["status"], done["redriveCount"]) == ("FAILED", 0)
    assert calls(bucket) == {"sort": 2, "break": 3}

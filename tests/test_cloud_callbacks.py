"""Callbacks (`.waitForTaskToken`) through plain boto3 against the local cloud, refusals and
timeouts included, with the errors AWS documents."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
from conftest import finished, zip_source

from workshop_lib import clients, cloud


def state_machine(definition: dict, role: str) -> str:
    return clients.client("stepfunctions").create_state_machine(
        name=f"cb-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]


def finish(execution_arn: str, seconds: float = 60) -> dict:
    return finished(execution_arn, timeout=seconds)


def start(machine_arn: str, payload: dict | None = None) -> str:
    return clients.client("stepfunctions").start_execution(
        stateMachineArn=machine_arn, input=json.dumps(payload or {})
    )["executionArn"]


@pytest.fixture
def queue(local_cloud) -> Iterator[str]:
    sqs = clients.client("sqs")
    url = sqs.create_queue(QueueName=f"approvals-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    yield url
    sqs.delete_queue(QueueUrl=url)


def next_message(queue_url: str) -> dict:
    sqs = clients.client("sqs")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages")
        if messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])
            return json.loads(messages[0]["Body"])
    raise AssertionError("no message arrived")


def wait_for_token(queue_url: str, **extra) -> dict:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {
            "QueueUrl": queue_url,
            "MessageBody": {"token.$": "$$.Task.Token", "list.$": "$"},
        },
        **extra,
    }


@pytest.fixture
def time_scale(local_cloud) -> Iterator[None]:
    """HeartbeatSeconds and TimeoutSeconds follow the time scale: a tenth makes 10 s one."""
    cloud.configure(local_cloud.port, time_scale=0.1)
    yield
    cloud.configure(local_cloud.port, time_scale=local_cloud.time_scale)


def test_send_task_success_resumes_with_the_output(queue, lambda_role):
    machine = state_machine(
        {"StartAt": "Approve", "States": {"Approve": wait_for_token(queue, End=True)}},
        lambda_role,
    )
    execution = start(machine, {"kid": "Ada"})
    message = next_message(queue)
    assert message["list"] == {"kid": "Ada"}
    sfn = clients.client("stepfunctions")
    sfn.send_task_heartbeat(taskToken=message["token"])  # accepted without HeartbeatSeconds
    sfn.send_task_success(taskToken=message["token"], output=json.dumps({"approved": True}))
    done = finish(execution)
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"approved": True}
    types = [event["type"] for event in done["events"]]
    assert types[types.index("TaskScheduled") :][:4] == [
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskSucceeded",
    ]
    # The task is over: its token is now refused as AWS refuses it.
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=message["token"], output="{}")
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_heartbeat(taskToken=message["token"])


def test_send_task_failure_fails_the_task_with_its_error_and_cause(queue, lambda_role):
    machine = state_machine(
        {
            "StartAt": "Approve",
            "States": {
                "Approve": wait_for_token(
                    queue,
                    Catch=[{"ErrorEquals": ["Rejected"], "Next": "Quarantine"}],
                    End=True,
                ),
                "Quarantine": {"Type": "Pass", "End": True},
            },
        },
        lambda_role,
    )
    execution = start(machine)
    token = next_message(queue)["token"]
    clients.client("stepfunctions").send_task_failure(
        taskToken=token, error="Rejected", cause="too many gifts"
    )
    done = finish(execution)
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"Error": "Rejected", "Cause": "too many gifts"}
    failed = [e for e in done["events"] if e["type"] == "TaskFailed"]
    assert failed[0]["taskFailedEventDetails"]["error"] == "Rejected"


def test_tokens_that_are_not_json_outputs_or_not_tokens_are_refused(queue, lambda_role):
    sfn = clients.client("stepfunctions")
    machine = state_machine(
        {"StartAt": "Approve", "States": {"Approve": wait_for_token(queue, End=True)}},
        lambda_role,
    )
    execution = start(machine)
    token = next_message(queue)["token"]
    with pytest.raises(sfn.exceptions.InvalidOutput):
        sfn.send_task_success(taskToken=token, output="approved")
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.send_task_success(taskToken="not-a-token", output="{}")
    with pytest.raises(sfn.exceptions.TaskDoesNotExist):
        # Well formed (as issued) but never issued.
        sfn.send_task_success(taskToken=token[:-8] + "AAAAAAAA", output="{}")
    sfn.send_task_success(taskToken=token, output="{}")  # the refusals left the task waiting
    assert finish(execution)["status"] == "SUCCEEDED"


def test_a_missed_heartbeat_is_states_heartbeat_timeout(queue, lambda_role, time_scale):
    sfn = clients.client("stepfunctions")
    machine = state_machine(
        {
            "StartAt": "Approve",
            "States": {"Approve": wait_for_token(queue, HeartbeatSeconds=5, End=True)},
        },
        lambda_role,
    )
    execution = start(machine)
    token = next_message(queue)["token"]
    done = finish(execution)
    assert (done["status"], done["error"]) == ("FAILED", "States.HeartbeatTimeout")
    timed_out = [e for e in done["events"] if e["type"] == "TaskTimedOut"]
    assert timed_out[0]["taskTimedOutEventDetails"]["error"] == "States.HeartbeatTimeout"
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=token, output="{}")


def test_heartbeats_keep_a_task_alive_and_states_timeout_catches_a_missed_one(
    queue, lambda_role, time_scale
):
    sfn = clients.client("stepfunctions")
    machine = state_machine(
        {
            "StartAt": "Approve",
            "States": {
                "Approve": wait_for_token(
                    queue,
                    HeartbeatSeconds=10,
                    TimeoutSeconds=600,
                    Catch=[{"ErrorEquals": ["States.Timeout"], "Next": "NoAnswer"}],
                    End=True,
                ),
                "NoAnswer": {"Type": "Pass", "End": True},
            },
        },
        lambda_role,
    )
    execution = start(machine)
    token = next_message(queue)["token"]
    for _ in range(3):  # 1.5 scaled heartbeats' time in all, each within the 10 s
        time.sleep(0.5)
        sfn.send_task_heartbeat(taskToken=token)
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    done = finish(execution)
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"])["Error"] == "States.HeartbeatTimeout"


def test_timeout_seconds_ends_a_wait_with_states_timeout(queue, lambda_role, time_scale):
    machine = state_machine(
        {
            "StartAt": "Approve",
            "States": {"Approve": wait_for_token(queue, TimeoutSeconds=5, End=True)},
        },
        lambda_role,
    )
    done = finish(start(machine))
    assert (done["status"], done["error"]) == ("FAILED", "States.Timeout")
    assert any(e["type"] == "TaskTimedOut" for e in done["events"])


def test_lambda_and_sns_wait_for_a_token_too(lambda_role, local_cloud):
    sfn = clients.client("stepfunctions")
    function_arn = clients.client("lambda").create_function(
        FunctionName=f"ask-{uuid.uuid4().hex[:6]}",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": zip_source({"app.py": "def handler(event, context):\n    return 1\n"})},
    )["FunctionArn"]
    topic = clients.client("sns").create_topic(Name=f"ask-{uuid.uuid4().hex[:6]}")["TopicArn"]
    machine = state_machine(
        {
            "StartAt": "AskLambda",
            "States": {
                "AskLambda": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {
                        "FunctionName": function_arn,
                        "Payload": {"token.$": "$$.Task.Token"},
                    },
                    "ResultPath": "$.lambda",
                    "Next": "AskTopic",
                },
                "AskTopic": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sns:publish.waitForTaskToken",
                    "Parameters": {"TopicArn": topic, "Message": {"token.$": "$$.Task.Token"}},
                    "ResultPath": "$.sns",
                    "End": True,
                },
            },
        },
        lambda_role,
    )
    execution = start(machine)
    for answer in ("lambda", "sns"):
        token = _scheduled_token(execution, occurrence=0 if answer == "lambda" else 1)
        sfn.send_task_success(taskToken=token, output=json.dumps({"from": answer}))
    done = finish(execution)
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"lambda": {"from": "lambda"}, "sns": {"from": "sns"}}


def _scheduled_token(execution_arn: str, occurrence: int) -> str:
    """The token a Task sent, read back from its TaskScheduled event's parameters."""
    sfn = clients.client("stepfunctions")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        events = sfn.get_execution_history(executionArn=execution_arn)["events"]
        submitted = [e for e in events if e["type"] == "TaskSubmitted"]
        scheduled = [e for e in events if e["type"] == "TaskScheduled"]
        if len(submitted) > occurrence:
            parameters = json.loads(
                scheduled[occurrence]["taskScheduledEventDetails"]["parameters"]
            )
            body = parameters.get("Payload") or parameters.get("Message")
            body = json.loads(body) if isinstance(body, str) else body
            return body["token"]
        time.sleep(0.05)
    raise AssertionError("the task never waited for its token")


def test_heartbeat_seconds_alone_keeps_aws_default_timeout(queue, lambda_role, local_cloud):
    # At the tests' time scale (0.01) a second of real time is 100 scaled seconds: past the
    # States Language spec's 60 s default, far below AWS's default TimeoutSeconds (99999999).
    cloud.configure(local_cloud.port, time_scale=0.01)
    try:
        machine = state_machine(
            {
                "StartAt": "Approve",
                "States": {"Approve": wait_for_token(queue, HeartbeatSeconds=1000, End=True)},
            },
            lambda_role,
        )
        execution = start(machine)
        token = next_message(queue)["token"]
        time.sleep(1.0)
        sfn = clients.client("stepfunctions")
        assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
        sfn.send_task_success(taskToken=token, output="{}")
        assert finish(execution)["status"] == "SUCCEEDED"
    finally:
        cloud.configure(local_cloud.port, time_scale=local_cloud.time_scale)


def test_the_state_machines_own_timeout_follows_the_time_scale(lambda_role, local_cloud):
    # At 0.01, the 1,000 s Wait lasts 10 s and the 100 s limit 1 s: the execution times out,
    # as it would on AWS, instead of outliving its limit.
    cloud.configure(local_cloud.port, time_scale=0.01)
    try:
        machine = state_machine(
            {
                "TimeoutSeconds": 100,
                "StartAt": "Nap",
                "States": {"Nap": {"Type": "Wait", "Seconds": 1000, "End": True}},
            },
            lambda_role,
        )
        done = finish(start(machine), seconds=9)
        assert done["status"] == "TIMED_OUT"
        assert any(event["type"] == "ExecutionTimedOut" for event in done["events"])
    finally:
        cloud.configure(local_cloud.port, time_scale=local_cloud.time_scale)

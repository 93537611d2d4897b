"""Express executions rebuilt from CloudWatch Logs records.

Most tests write records shaped like the ones AWS documents (one JSON object per event) into a
log group, so the shapes are fixed by the test; the last one reads what the local cloud itself
logs for a real Express execution.
"""

from __future__ import annotations

import json
import random
import time
import uuid

import pytest

from workshop_lib import clients
from workshop_lib.executions import Execution, ExpressLogsError
from workshop_lib.graph import StateStatus

START_MS = int(time.time() * 1000) - 60_000  # CloudWatch Logs refuses records over 14 days old
RETRY = {"ErrorEquals": ["ConnectionError"], "IntervalSeconds": 1, "BackoffRate": 2}
DEFINITION = {
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "charge-card", "Payload.$": "$"},
            "Retry": [RETRY],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Refund"}],
            "Next": "Receipt",
        },
        "Receipt": {"Type": "Pass", "End": True},
        "Refund": {"Type": "Pass", "End": True},
    },
}


def records(execution_arn: str, *, succeed: bool) -> list[tuple[int, dict]]:
    """(timestamp ms, record) pairs for one execution: a retry, then success or a caught error."""
    steps: list[tuple[int, str, dict]] = [
        (0, "ExecutionStarted", {"input": '{"amount": 12}', "roleArn": "arn:aws:iam::1:role/x"}),
        (5, "TaskStateEntered", {"name": "Charge", "input": '{"amount": 12}'}),
        (6, "TaskScheduled", {"resourceType": "lambda", "resource": "invoke", "parameters": "{}"}),
        (7, "TaskStarted", {"resourceType": "lambda", "resource": "invoke"}),
        (300, "TaskFailed", {"error": "ConnectionError", "cause": "the bank did not answer"}),
        (
            1300,
            "TaskScheduled",
            {"resourceType": "lambda", "resource": "invoke", "parameters": "{}"},
        ),
        (1301, "TaskStarted", {"resourceType": "lambda", "resource": "invoke"}),
    ]
    if succeed:
        steps += [
            (2500, "TaskSucceeded", {"output": '{"paid": true}'}),
            (2501, "TaskStateExited", {"name": "Charge", "output": '{"paid": true}'}),
            (2502, "PassStateEntered", {"name": "Receipt", "input": '{"paid": true}'}),
            (2503, "PassStateExited", {"name": "Receipt", "output": '{"paid": true}'}),
            (2504, "ExecutionSucceeded", {"output": '{"paid": true}'}),
        ]
    else:
        steps += [
            (2500, "TaskFailed", {"error": "CardDeclined", "cause": "insufficient funds"}),
            (2501, "TaskStateExited", {"name": "Charge", "output": "{}"}),
            (2502, "PassStateEntered", {"name": "Refund", "input": "{}"}),
            (2503, "PassStateExited", {"name": "Refund", "output": "{}"}),
            (2504, "ExecutionSucceeded", {"output": "{}"}),
        ]
    out = []
    for index, (offset, kind, details) in enumerate(steps, start=1):
        out.append(
            (
                START_MS + offset,
                {
                    "id": str(index),
                    "type": kind,
                    "details": details,
                    "previous_event_id": str(index - 1),
                    "event_timestamp": str(START_MS + offset),
                    "execution_arn": execution_arn,
                    "redrive_count": "0",
                },
            )
        )
    return out


@pytest.fixture(scope="module")
def express(local_cloud, lambda_role) -> dict[str, str]:
    logs = clients.client("logs")
    group = f"/aws/vendedlogs/states/inspect-{uuid.uuid4().hex[:8]}"
    logs.create_log_group(logGroupName=group)
    group_arn = next(
        g["arn"] for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    )
    name = f"checkout-{uuid.uuid4().hex[:6]}"
    machine = clients.client("stepfunctions").create_state_machine(
        name=name,
        type="EXPRESS",
        definition=json.dumps(DEFINITION),
        roleArn=lambda_role,
        loggingConfiguration={
            "level": "ALL",
            "includeExecutionData": True,
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group_arn}}],
        },
    )["stateMachineArn"]
    prefix = machine.replace(":stateMachine:", ":express:")
    paid, declined = f"{prefix}:paid:{uuid.uuid4()}", f"{prefix}:declined:{uuid.uuid4()}"
    # Two executions' records, spread over two streams the way Step Functions batches them.
    mixed = records(paid, succeed=True) + records(declined, succeed=False)
    random.Random(7).shuffle(mixed)
    for number, half in enumerate((mixed[::2], mixed[1::2])):
        stream = f"states/{name}/2026-03-01-12-00/{number:08d}"
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            logEvents=[
                {"timestamp": stamp, "message": json.dumps(record)}
                for stamp, record in sorted(half, key=lambda pair: pair[0])
            ],
        )
    return {"group": group, "group_arn": group_arn, "paid": paid, "declined": declined}


def test_an_express_execution_is_rebuilt_from_its_log_records(express):
    execution = Execution.from_express_logs(express["group"], express["paid"])
    assert execution.express
    assert execution.status == "SUCCEEDED"
    assert execution.name == "paid"
    assert [e.id for e in execution.events] == list(range(1, 13))  # only this execution's
    assert execution.input == {"amount": 12}
    assert execution.output == {"paid": True}
    assert execution.duration == pytest.approx(2.504)
    charge = execution.step("Charge")
    assert [a.status for a in charge.attempts] == ["FAILED", "SUCCEEDED"]
    assert charge.retries[0].retry_interval == RETRY["IntervalSeconds"]
    assert charge.retries[0].observed_gap == pytest.approx(1.0)
    assert {n: o.status for n, o in execution.overlay.items()} == {
        "Charge": StateStatus.SUCCEEDED,
        "Receipt": StateStatus.SUCCEEDED,
    }
    assert execution.overlay["Charge"].retries == 1
    rows = execution.events_frame()
    assert rows[-1]["elapsed_seconds"] == pytest.approx(2.504)


def test_the_express_view_has_the_diagram_from_the_state_machine(express):
    execution = Execution.from_express_logs(express["group"], express["declined"])
    assert execution.definition == DEFINITION
    assert execution.step("Charge").status is StateStatus.CAUGHT
    assert execution.step("Charge").caught_by == "Refund"
    html = execution._repr_html_()
    assert "<svg" in html and "CloudWatch Logs" in html


def test_an_execution_with_no_records_gets_a_friendly_error(express):
    missing = express["paid"].rsplit(":", 1)[0] + f":{uuid.uuid4()}"
    with pytest.raises(ExpressLogsError, match="level ALL"):
        Execution.from_express_logs(express["group"], missing)
    with pytest.raises(ExpressLogsError, match="no log group"):
        Execution.from_express_logs("/aws/vendedlogs/states/does-not-exist", express["paid"])


def test_a_real_express_execution_is_read_back_from_what_the_cloud_logged(express, lambda_role):
    definition = {
        "StartAt": "Prepare",
        "States": {
            "Prepare": {
                "Type": "Pass",
                "Result": {"ready": True},
                "ResultPath": "$.prep",
                "Next": "Check",
            },
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.prep.ready", "BooleanEquals": True, "Next": "Ship"}],
                "Default": "Stop",
            },
            "Ship": {"Type": "Succeed"},
            "Stop": {"Type": "Fail", "Error": "NotReady"},
        },
    }
    sfn = clients.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"ship-{uuid.uuid4().hex[:6]}",
        type="EXPRESS",
        definition=json.dumps(definition),
        roleArn=lambda_role,
        loggingConfiguration={
            "level": "ALL",
            "includeExecutionData": True,
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": express["group_arn"]}}],
        },
    )["stateMachineArn"]
    answer = sfn.start_sync_execution(stateMachineArn=machine, input='{"order": 7}')
    execution = Execution.from_express_logs(express["group"], answer["executionArn"])
    assert execution.status == answer["status"] == "SUCCEEDED"
    assert [step.name for step in execution.steps] == ["Prepare", "Check", "Ship"]
    assert execution.input == {"order": 7}
    assert execution.step("Prepare").output == {"order": 7, "prep": {"ready": True}}
    assert "Stop" not in execution.overlay

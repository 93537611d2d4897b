"""Express workflows, execution logs, CloudWatch metrics and CPU time in the local cloud."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from conftest import zip_source

from workshop_lib import clients

BURNER = "def handler(event, context):\n    return sum(range(200000))\n"


@pytest.fixture(scope="module")
def burner(lambda_role) -> str:
    return clients.client("lambda").create_function(
        FunctionName=f"burner-{uuid.uuid4().hex[:6]}",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": zip_source({"app.py": BURNER})},
    )["FunctionArn"]


@pytest.fixture(scope="module")
def express_machine(burner, lambda_role) -> tuple[str, str]:
    logs = clients.client("logs")
    group = f"/aws/vendedlogs/states/express-{uuid.uuid4().hex[:6]}"
    logs.create_log_group(logGroupName=group)
    group_arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["arn"]
    arn = clients.client("stepfunctions").create_state_machine(
        name=f"express-{uuid.uuid4().hex[:6]}",
        type="EXPRESS",
        roleArn=lambda_role,
        definition=json.dumps(
            {
                "StartAt": "Burn",
                "States": {"Burn": {"Type": "Task", "Resource": burner, "End": True}},
            }
        ),
        loggingConfiguration={
            "level": "ALL",
            "includeExecutionData": True,
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group_arn}}],
        },
    )["stateMachineArn"]
    return arn, group


def test_start_sync_execution_runs_express_to_the_end(express_machine):
    arn, _ = express_machine
    result = clients.client("stepfunctions").start_sync_execution(stateMachineArn=arn, input="{}")
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == sum(range(200000))
    assert ":express:" in result["executionArn"]
    billing = result["billingDetails"]
    assert billing["billedMemoryUsedInMB"] % 64 == 0
    assert billing["billedDurationInMilliseconds"] % 100 == 0


def test_sync_execution_refuses_standard_machines(burner, lambda_role):
    sfn = clients.client("stepfunctions")
    standard = sfn.create_state_machine(
        name=f"std-{uuid.uuid4().hex[:6]}",
        roleArn=lambda_role,
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
    )["stateMachineArn"]
    with pytest.raises(sfn.exceptions.StateMachineTypeNotSupported):
        sfn.start_sync_execution(stateMachineArn=standard)


def test_executions_log_their_history_to_cloudwatch(express_machine):
    arn, group = express_machine
    result = clients.client("stepfunctions").start_sync_execution(stateMachineArn=arn)
    events = clients.client("logs").filter_log_events(logGroupName=group)["events"]
    records = [json.loads(e["message"]) for e in events]
    mine = [r for r in records if r["execution_arn"] == result["executionArn"]]
    types = [r["type"] for r in mine]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
    assert "LambdaFunctionSucceeded" in types
    assert all(r["event_timestamp"].isdigit() for r in mine)  # epoch milliseconds, as on AWS
    assert [int(r["id"]) for r in mine] == sorted(int(r["id"]) for r in mine)


def _metric_sum(namespace: str, name: str, dimension: dict[str, str]) -> float:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(tz=UTC)
    points = clients.client("cloudwatch").get_metric_statistics(
        Namespace=namespace,
        MetricName=name,
        Dimensions=[{"Name": k, "Value": v} for k, v in dimension.items()],
        StartTime=now - timedelta(minutes=10),
        EndTime=now + timedelta(minutes=1),
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    return sum(p["Sum"] for p in points)


def test_lambda_and_step_functions_publish_standard_metrics(express_machine, burner):
    arn, _ = express_machine
    name = burner.rsplit(":", 1)[-1]
    before = _metric_sum("AWS/Lambda", "Invocations", {"FunctionName": name})
    started_before = _metric_sum("AWS/States", "ExecutionsStarted", {"StateMachineArn": arn})
    clients.client("lambda").invoke(FunctionName=name)
    clients.client("stepfunctions").start_sync_execution(stateMachineArn=arn)
    time.sleep(0.05)
    assert _metric_sum("AWS/Lambda", "Invocations", {"FunctionName": name}) == before + 2
    assert (
        _metric_sum("AWS/States", "ExecutionsStarted", {"StateMachineArn": arn})
        == started_before + 1
    )
    assert _metric_sum("AWS/States", "ExecutionsSucceeded", {"StateMachineArn": arn}) >= 1
    metrics = {
        m["MetricName"]
        for m in clients.client("cloudwatch").list_metrics(Namespace="AWS/Lambda")["Metrics"]
    }
    assert {"Invocations", "Duration", "Errors", "ConcurrentExecutions"} <= metrics


def test_invoke_reports_cpu_time_for_power_tuning(burner):
    response = clients.client("lambda").invoke(FunctionName=burner)
    assert float(response["ResponseMetadata"]["HTTPHeaders"]["x-workshop-cpu-ms"]) > 0

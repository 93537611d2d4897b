"""Measured workflow costs: transitions from the events, REPORT lines, counted requests."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from conftest import zip_source

from workshop_lib import clients
from workshop_lib.costs import (
    CostInputError,
    RequestProfile,
    count_transitions,
    lambda_cost,
    measure_execution,
    measure_executions,
    measured_break_even,
    requests_from_counter,
)
from workshop_lib.executions import Execution, HistoryEvent, Step
from workshop_lib.lambda_report import LambdaReport
from workshop_lib.paths import REPO
from workshop_lib.pricing import load_prices
from workshop_lib.waiting import wait_for_execution

# One S3 PUT, one S3 GET, one DynamoDB PutItem and one SNS Publish per successful run; the first
# attempt of a run with "fail_first" raises Flaky before touching anything.
WORKER = """
import os
import boto3

s3, sns, ddb = boto3.client("s3"), boto3.client("sns"), boto3.client("dynamodb")

class Flaky(Exception):
    pass

def handler(event, context):
    marker = "/tmp/failed-" + event["run"]
    if event.get("fail_first") and not os.path.exists(marker):
        open(marker, "w").close()
        raise Flaky("the first attempt fails")
    s3.put_object(Bucket=os.environ["BUCKET"], Key=event["run"], Body=b"x")
    s3.get_object(Bucket=os.environ["BUCKET"], Key=event["run"])["Body"].read()
    ddb.put_item(TableName=os.environ["TABLE"], Item={"id": {"S": event["run"]}})
    sns.publish(TopicArn=os.environ["TOPIC"], Message="done")
    return event
"""


def _definition(function_arn: str) -> dict:
    return {
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Next": "Work"},
            "Work": {
                "Type": "Task",
                "Resource": function_arn,
                "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2}],
                "Next": "Check",
            },
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.run", "IsPresent": True, "Next": "Done"}],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }


@pytest.fixture(scope="module")
def app(lambda_role) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:6]
    bucket = f"measured-{suffix}"
    table = f"measured-{suffix}"
    clients.client("s3").create_bucket(Bucket=bucket)
    clients.client("dynamodb").create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    topic = clients.client("sns").create_topic(Name=f"measured-{suffix}")["TopicArn"]
    function = clients.client("lambda").create_function(
        FunctionName=f"measured-worker-{suffix}",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        MemorySize=256,
        Code={"ZipFile": zip_source({"app.py": WORKER})},
        Environment={"Variables": {"BUCKET": bucket, "TABLE": table, "TOPIC": topic}},
    )
    sfn = clients.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"measured-{suffix}",
        roleArn=lambda_role,
        definition=json.dumps(_definition(function["FunctionArn"])),
    )["stateMachineArn"]
    return {
        "function": function["FunctionName"],
        "function_arn": function["FunctionArn"],
        "machine": machine,
        "role": lambda_role,
    }


def _run(machine: str, **event: object) -> str:
    sfn = clients.client("stepfunctions")
    run = f"run-{uuid.uuid4().hex[:8]}"
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"run": run, **event}))[
        "executionArn"
    ]
    wait_for_execution(arn, timeout=15, sfn=sfn)
    return arn


@pytest.fixture(scope="module")
def retried_run(app) -> str:
    return _run(app["machine"], fail_first=True)


# -- one Standard execution, measured ------------------------------------------------------------


def test_transitions_count_each_state_entered_plus_the_retry(retried_run):
    measured = measure_execution(retried_run)
    assert measured.status == "SUCCEEDED"
    assert dict(measured.transitions.by_state) == {"Prepare": 1, "Work": 1, "Check": 1, "Done": 1}
    assert measured.transitions.retries == 1
    assert dict(measured.transitions.retries_by_state) == {"Work": 1}
    assert measured.transitions.total == 5
    assert measured.cost.transitions == 5


def test_every_attempt_that_ran_is_priced_from_its_report_line(app, retried_run):
    measured = measure_execution(retried_run)
    assert len(measured.invokes) == 2  # the failed attempt ran code and is billed too
    assert {i.state for i in measured.invokes} == {"Work"}
    assert all(i.memory_mb == 256 for i in measured.invokes)
    events = clients.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{app['function']}")
    reports = {
        r.request_id: r
        for r in (LambdaReport.parse(e["message"]) for e in events["events"])
        if r is not None
    }
    for invoke in measured.invokes:
        assert reports[invoke.request_id].billed_duration_ms == invoke.billed_ms
    expected = sum(lambda_cost(i.memory_mb, i.billed_ms, 1).total_cost for i in measured.invokes)
    assert measured.cost.by_service["Lambda"] == pytest.approx(expected)


def test_an_execution_read_by_the_executions_package_is_what_is_measured(retried_run):
    execution = Execution.from_arn(retried_run)
    measured = measure_execution(execution)
    assert measured.execution is execution
    assert measured.transitions == measure_execution(retried_run).transitions
    # The invokes priced are the REPORT lines the execution's logs pair with its attempts.
    attempts = execution.step("Work").attempts
    assert all(attempt.report is not None for attempt in attempts)
    assert sorted(a.report.request_id for a in attempts) == sorted(
        invoke.request_id for invoke in measured.invokes
    )


def test_requests_are_measured_by_the_local_cloud_during_the_execution(retried_run):
    measured = measure_execution(retried_run)
    requests = measured.requests
    assert requests.source == "measured"
    assert (requests.s3_tier1, requests.s3_tier2) == (1, 1)
    assert (requests.dynamodb_wru, requests.dynamodb_rru) == (1, 0)
    assert requests.sns_publishes == 1
    book = load_prices()
    assert measured.cost.by_service["DynamoDB"] == pytest.approx(book.dynamodb.write_request_unit)


def test_a_declared_profile_gives_the_same_requests_as_the_counter(retried_run, tmp_path):
    profile_file = tmp_path / "requests.json"
    profile_file.write_text(
        json.dumps(
            {
                "states": {
                    "Work": {
                        "s3_tier1": 1,
                        "s3_tier2": 1,
                        "dynamodb_wru": 1,
                        "sns_publishes": 1,
                        "why": "put, get, put_item, publish",
                    }
                }
            }
        )
    )
    declared = measure_execution(
        retried_run, requests="declared", profile=RequestProfile.load(profile_file)
    )
    measured = measure_execution(retried_run)
    assert declared.requests.source == "declared"
    assert declared.requests.as_dict() | {"source": "", "note": ""} == (
        measured.requests.as_dict() | {"source": "", "note": ""}
    )


def test_requests_can_be_left_out(retried_run):
    measured = measure_execution(retried_run, requests="none")
    assert measured.requests.source == "none"
    assert measured.cost.by_service["S3"] == 0


def test_the_result_says_where_each_number_comes_from(retried_run):
    page = measure_execution(retried_run)._repr_html_()
    assert "execution history" in page
    assert "REPORT lines" in page
    assert "request counter" in page
    assert "per 1,000" in page


def test_a_running_execution_is_not_costed(app):
    sfn = clients.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"waiting-{uuid.uuid4().hex[:6]}",
        roleArn=app["role"],
        definition=json.dumps(
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 500, "End": True}}}
        ),
    )["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    try:
        with pytest.raises(CostInputError, match="still RUNNING"):
            measure_execution(arn)
    finally:
        sfn.stop_execution(executionArn=arn)


def test_an_unknown_execution_is_explained(app):
    machine = app["machine"]
    missing = machine.replace(":stateMachine:", ":execution:") + ":nope"
    with pytest.raises(CostInputError, match="no execution"):
        measure_execution(missing)
    with pytest.raises(CostInputError):
        measure_execution("not-an-arn")


def test_the_latest_executions_are_measured_oldest_first(app):
    arns = [_run(app["machine"]) for _ in range(3)]
    measured = measure_executions(app["machine"], last=2)
    assert [run.arn for run in measured.executions] == arns[-2:]
    assert measured.typical in measured.executions
    assert measured.cost.per_execution == measured.typical.per_execution
    summary = measured.as_dict(volume=1000)
    assert summary["executions_measured"] == 2
    assert summary["monthly"]["total"] == pytest.approx(measured.monthly(1000).total)
    assert summary["monthly_free_tier"]["total"] <= summary["monthly"]["total"]


# -- Express ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def express_machine(app) -> str:
    logs = clients.client("logs")
    group = f"/aws/vendedlogs/states/measured-{uuid.uuid4().hex[:6]}"
    logs.create_log_group(logGroupName=group)
    group_arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["arn"]
    return clients.client("stepfunctions").create_state_machine(
        name=f"measured-express-{uuid.uuid4().hex[:6]}",
        type="EXPRESS",
        roleArn=app["role"],
        definition=json.dumps(_definition(app["function_arn"])),
        loggingConfiguration={
            "level": "ALL",
            "includeExecutionData": False,
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group_arn}}],
        },
    )["stateMachineArn"]


def test_an_express_execution_is_read_from_its_logs_and_billed_by_duration(express_machine):
    result = clients.client("stepfunctions").start_sync_execution(
        stateMachineArn=express_machine, input=json.dumps({"run": uuid.uuid4().hex})
    )
    measured = measure_execution(result)
    assert measured.workflow_type == "express"
    assert measured.source.startswith("CloudWatch Logs")
    assert measured.execution.express and measured.execution.log_group in measured.source
    assert measured.transitions.states_entered == 4
    assert len(measured.invokes) == 1
    billed = result["billingDetails"]["billedDurationInMilliseconds"]
    assert measured.express_billed_duration_ms == billed
    assert measured.cost.workflow_type == "express"
    assert measured.cost.express_duration_ms == billed


def test_standard_and_express_measurements_make_a_break_even(retried_run, express_machine):
    result = clients.client("stepfunctions").start_sync_execution(
        stateMachineArn=express_machine, input=json.dumps({"run": uuid.uuid4().hex})
    )
    standard, express = measure_execution(retried_run), measure_execution(result)
    comparison = measured_break_even(standard, express)
    assert comparison.transitions_per_execution == standard.transitions.total
    assert comparison.billed_duration_ms == result["billingDetails"]["billedDurationInMilliseconds"]
    with pytest.raises(CostInputError):
        measured_break_even(express, standard)


def test_an_express_machine_without_logs_cannot_be_measured(app):
    sfn = clients.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"silent-{uuid.uuid4().hex[:6]}",
        type="EXPRESS",
        roleArn=app["role"],
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
    )["stateMachineArn"]
    result = sfn.start_sync_execution(stateMachineArn=machine)
    with pytest.raises(CostInputError, match="level ALL"):
        measure_execution(result)


# -- throttled attempts ----------------------------------------------------------------------------


def test_throttled_attempts_cost_transitions_but_no_lambda_time(lambda_role):
    from workshop_lib.scaling import RetryPolicy, run_fan_out

    lam = clients.client("lambda")
    name = f"narrow-{uuid.uuid4().hex[:6]}"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={
            "ZipFile": zip_source(
                {"app.py": "import time\ndef handler(e, c):\n    time.sleep(0.1)\n    return e\n"}
            )
        },
    )
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    lam.invoke(FunctionName=name, Payload="{}")  # warm, so the retries need not wait a cold start
    run = run_fan_out(name, 4, retry=RetryPolicy(2, 2.0, 10), state_machine_name=f"fan-{name}")
    assert run.ok and run.throttled > 0
    measured = measure_execution(run.execution_arn)
    assert measured.throttled == run.throttled
    assert len(measured.invokes) == 4
    assert measured.transitions.retries == run.attempts - 4


# -- the counting rules on their own ---------------------------------------------------------------


def _event(id_: int, kind: str, previous: int | None = None, **details: object) -> HistoryEvent:
    return HistoryEvent(id_, previous or 0, kind, datetime.fromtimestamp(id_, UTC), details)


def test_map_iterations_count_their_states_and_retries_follow_the_parent_links():
    events = [
        _event(1, "ExecutionStarted"),
        _event(2, "MapStateEntered", 1, name="Each"),
        _event(3, "TaskStateEntered", 2, name="Work"),
        _event(4, "TaskStateEntered", 2, name="Work"),
        _event(5, "TaskScheduled", 3, resourceType="lambda"),
        _event(6, "TaskScheduled", 4, resourceType="lambda"),
        _event(7, "TaskFailed", 5, error="Lambda.TooManyRequestsException"),
        _event(8, "TaskScheduled", 7, resourceType="lambda"),
    ]
    counted = count_transitions(events)
    assert dict(counted.by_state) == {"Each": 1, "Work": 2}
    assert counted.retries == 1
    assert dict(counted.retries_by_state) == {"Work": 1}


def test_without_parent_links_retries_are_attempts_beyond_one_per_task():
    events = [
        _event(1, "TaskStateEntered", None, name="A"),
        _event(2, "LambdaFunctionScheduled", None),
        _event(3, "LambdaFunctionScheduled", None),
        _event(4, "LambdaFunctionScheduled", None),
    ]
    assert count_transitions(events).retries == 2


def test_counter_operations_become_billable_units():
    units = requests_from_counter(
        {
            "s3": {"PUT": 2, "LIST": 1, "GET": 3, "HEAD": 1, "DELETE": 4},
            "dynamodb": {"PutItem": 1, "TransactWriteItems": 1, "GetItem": 2, "DescribeTable": 5},
            "sns": {"Publish": 2, "ListTopics": 1},
            "states": {"DescribeExecution": 9},
            "lambda": {"Invoke": 3},
        }
    )
    assert (units.s3_tier1, units.s3_tier2) == (3, 4)
    assert (units.dynamodb_wru, units.dynamodb_rru) == (3, 2)
    assert units.sns_publishes == 2
    assert set(units.raw) == {"s3", "dynamodb", "sns"}


@pytest.mark.parametrize(
    ("reference", "name"),
    [
        ("arn:aws:lambda:us-east-1:123456789012:function:resize", "resize"),
        ("arn:aws:lambda:us-east-1:123456789012:function:resize:live", "resize"),
        ("resize:live", "resize"),
        ("resize", "resize"),
    ],
)
def test_function_names_are_read_from_any_reference(reference: str, name: str):
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": reference},
    }
    step = Step("Resize", "Task", datetime.now(UTC), state_definition=state)
    assert step.function_name == name


def _state_names(states: dict) -> set[str]:
    names = set(states)
    for state in states.values():
        for branch in state.get("Branches", []):
            names |= _state_names(branch["States"])
        if "ItemProcessor" in state:
            names |= _state_names(state["ItemProcessor"]["States"])
    return names


@pytest.mark.parametrize(
    ("app", "asl"),
    [
        ("santa", "infra/santa/statemachine/santa.asl.json"),
        ("images", "infra/image_processor/statemachine/image_processor.asl.json"),
    ],
)
def test_each_apps_request_profile_names_only_states_of_its_workflow(app, asl):
    profile = RequestProfile.for_app(app)
    definition = json.loads((REPO / asl).read_text(encoding="utf-8"))
    assert profile.states
    assert set(profile.states) <= _state_names(definition["States"])
    assert all(any(units.values()) for units in profile.states.values())


def test_the_event_a_state_sent_is_read_from_the_history(retried_run):
    measured = measure_execution(retried_run)
    event = measured.invoke_event("Work")
    assert event["fail_first"] is True and event["run"].startswith("run-")
    with pytest.raises(CostInputError, match="invoked no Lambda"):
        measured.invoke_event("Prepare")


def test_a_profile_with_unknown_fields_is_refused(tmp_path):
    (tmp_path / "requests.json").write_text(json.dumps({"states": {"A": {"s3_puts": 1}}}))
    with pytest.raises(CostInputError, match="unknown fields"):
        RequestProfile.load(tmp_path)
    with pytest.raises(CostInputError, match="no request profile"):
        RequestProfile.load(tmp_path / "missing.json")

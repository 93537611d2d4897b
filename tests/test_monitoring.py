"""The dashboard: standard Lambda and Step Functions metrics, drawn; CloudWatch's body."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import json
import time
import uuid

import pytest
from conftest import zip_source

from workshop_lib import clients
from workshop_lib.monitoring import (
    PANELS,
    dashboard,
    dashboard_body,
    delete_dashboard,
    publish_dashboard,
    short_name,
)
from workshop_lib.waiting import wait_for_execution


@pytest.fixture(scope="module")
def activity(lambda_role) -> dict[str, object]:
    """Three invokes of a function (one failing) and one execution, all just now."""
    started = time.time() - 1
    name = f"watched-{uuid.uuid4().hex[:6]}"
    lam = clients.client("lambda")
    arn = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={
            "ZipFile": zip_source(
                {"app.py": "def handler(e, c):\n    if e.get('fail'):\n        raise ValueError\n"}
            )
        },
    )["FunctionArn"]
    for event in ({}, {}, {"fail": True}):
        lam.invoke(FunctionName=name, Payload=json.dumps(event))
    sfn = clients.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"watched-{uuid.uuid4().hex[:6]}",
        roleArn=lambda_role,
        definition=json.dumps(
            {"StartAt": "F", "States": {"F": {"Type": "Task", "Resource": arn, "End": True}}}
        ),
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    wait_for_execution(execution, timeout=60, sfn=sfn)
    return {"function": name, "machine": machine, "since": started}


def test_the_dashboard_reads_the_metrics_the_cloud_published(activity):
    board = dashboard([activity["function"]], [activity["machine"]], since=activity["since"])
    assert board.total("Invocations", activity["function"]) == 4  # 3 direct + 1 from the machine
    assert board.total("Errors") == 1
    assert board.total("ExecutionsStarted") == 1
    assert board.total("ExecutionsSucceeded") == 1
    assert len(board.panel("Lambda invocations")) == 1
    assert board.period == 10  # offline default


def test_the_dashboard_draws_every_panel_and_embeds_the_picture(activity):
    board = dashboard([activity["function"]], [activity["machine"]], since=activity["since"])
    figure = board.plot()
    assert len(figure.axes) == len(PANELS)
    page = board._repr_html_()
    assert "data:image/png;base64," in page
    assert "<script" not in page


def test_a_window_before_the_activity_is_empty(activity):
    board = dashboard(
        [activity["function"]], since=activity["since"] - 3600, until=activity["since"] - 1800
    )
    assert board.total("Invocations") == 0


def test_the_cloudwatch_body_has_a_widget_per_panel_with_every_resource():
    body = dashboard_body(
        ["a-fn", "b-fn"], ["arn:aws:states:r:1:stateMachine:m"], region="eu-west-1"
    )
    assert len(body["widgets"]) == len(PANELS)
    invocations = body["widgets"][0]["properties"]
    assert invocations["region"] == "eu-west-1"
    assert [line[3] for line in invocations["metrics"]] == ["a-fn", "b-fn"]
    assert dashboard_body([], [], region="us-east-1") == {"widgets": []}


def test_publishing_offline_creates_nothing_and_says_so(local_cloud):
    published = publish_dashboard("workshop-test", ["a-fn"], [])
    assert not published.created and published.url is None
    assert "aws mode" in published.note
    assert "not created" in published._repr_html_()
    assert not clients.client("cloudwatch").list_dashboards()["DashboardEntries"]
    assert delete_dashboard("workshop-test") is False


def test_the_body_is_accepted_by_put_dashboard(local_cloud):
    cloudwatch = clients.client("cloudwatch")
    body = dashboard_body(["a-fn"], [], region="us-east-1")
    cloudwatch.put_dashboard(DashboardName="body-check", DashboardBody=json.dumps(body))
    try:
        stored = cloudwatch.get_dashboard(DashboardName="body-check")["DashboardBody"]
        assert json.loads(stored) == body
    finally:
        cloudwatch.delete_dashboards(DashboardNames=["body-check"])


@pytest.mark.parametrize(
    ("resource", "short"),
    [
        ("workshop-santa-ValidateFunction-5ESJR7N10DMP", "ValidateFunction"),
        (
            "arn:aws:states:us-east-1:123:stateMachine:workshop-santa-Machine-GICY1XLHS0K7",
            "Machine",
        ),
        ("my-function", "my-function"),
    ],
)
def test_generated_names_are_shortened_for_legends(resource, short):
    assert short_name(resource) == short

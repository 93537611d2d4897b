"""In aws mode every notebook stops at its CONFIRM_AWS gate, before it creates anything.

aws mode is pointed at the local cloud (AWS_ENDPOINT_URL), so the notebooks run the real-account
code path without an account: each one must end at the gate cell with ConfirmationRequired, a
message that says to set CONFIRM_AWS = True, and a cloud with no new resources.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from workshop_lib import clients
from workshop_lib import constants as C
from workshop_lib.costs import estimate_usd
from workshop_lib.course._editions import LEARNER_DIR
from workshop_lib.guard import ConfirmationRequired, confirm_real_account
from workshop_lib.notebooks import discover, run_notebook
from workshop_lib.pricing import load_prices

NOTEBOOKS = discover() + discover(LEARNER_DIR)
IDS = [p.stem for p in discover()] + [f"learner-{p.stem}" for p in discover(LEARNER_DIR)]


def aws_environment(endpoint_url: str, tmp_path: Path) -> dict[str, str]:
    """aws mode, aimed at the local cloud, with the local cloud's own credentials."""
    offline = clients.offline_environment()
    return {
        C.ENV_MODE: C.MODE_AWS,
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": offline["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": offline["AWS_SECRET_ACCESS_KEY"],
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        C.ENV_LEARNER: "gatekeeper",
    }


def _every(service: str, operation: str, key: str) -> list:
    """Every item of a listing, through all its pages (the tests' cloud holds many)."""
    paginator = clients.client(service).get_paginator(operation)
    return [item for page in paginator.paginate() for item in page.get(key, [])]


def everything_in_the_cloud() -> set[tuple[str, str]]:
    """Every resource of the kinds a notebook creates, by name (offline view of the cloud)."""
    client = clients.client
    found: set[tuple[str, str]] = set()
    found |= {
        ("stack", s["StackName"])
        for s in client("cloudformation").describe_stacks()["Stacks"]
        if s["StackStatus"] != "DELETE_COMPLETE"
    }
    found |= {("bucket", b["Name"]) for b in client("s3").list_buckets()["Buckets"]}
    found |= {
        ("function", f["FunctionName"]) for f in _every("lambda", "list_functions", "Functions")
    }
    found |= {("role", r["RoleName"]) for r in _every("iam", "list_roles", "Roles")}
    found |= {
        ("state machine", m["name"])
        for m in _every("stepfunctions", "list_state_machines", "stateMachines")
    }
    found |= {("queue", q) for q in _every("sqs", "list_queues", "QueueUrls")}
    found |= {("topic", t["TopicArn"]) for t in _every("sns", "list_topics", "Topics")}
    found |= {("table", t) for t in _every("dynamodb", "list_tables", "TableNames")}
    found |= {
        ("log group", g["logGroupName"]) for g in _every("logs", "describe_log_groups", "logGroups")
    }
    found |= {
        ("auto scaling group", g["AutoScalingGroupName"])
        for g in client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    }
    found |= {
        ("launch template", t["LaunchTemplateName"])
        for t in client("ec2").describe_launch_templates()["LaunchTemplates"]
    }
    found |= {
        ("dashboard", d["DashboardName"])
        for d in client("cloudwatch").list_dashboards()["DashboardEntries"]
    }
    return found


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_notebook_stops_at_its_gate_before_creating_anything(path, local_cloud, tmp_path):
    before = everything_in_the_cloud()
    result = run_notebook(
        path,
        out_dir=tmp_path,
        html_export=False,
        timeout=240,
        extra_env=aws_environment(local_cloud.endpoint_url, tmp_path),
    )
    assert not result.ok, "the notebook ran on in aws mode without CONFIRM_AWS"
    executed = nbformat.read(result.executed, as_version=4)
    failed = [
        (cell, output)
        for cell in executed.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert len(failed) == 1
    cell, error = failed[0]
    assert error["ename"] == "ConfirmationRequired", error
    assert "confirm_real_account(" in cell.source and "CONFIRM_AWS" in cell.source
    message = error["evalue"]
    assert "set CONFIRM_AWS = True in its parameters cell" in message
    assert "region us-east-1" in message and "Estimated cost: about $" in message
    # The same account and region the snapshot below looks at (else it would prove nothing).
    assert f"account {C.OFFLINE_ACCOUNT_ID}, region {C.OFFLINE_REGION}" in message
    assert "workshop-gatekeeper-" in message  # whose names these would have been
    # The gate is the first thing after the imports: nothing ran that could create anything.
    assert everything_in_the_cloud() == before
    # ...and the parameters cell is where the message says.
    parameters = [c for c in executed.cells if "parameters" in c.metadata.get("tags", [])]
    assert parameters and "CONFIRM_AWS = False" in parameters[0].source


def test_gate_offline_is_a_one_line_note(local_cloud):
    plan = confirm_real_account(False, creates=["a stack"], estimate=0.5)
    assert plan.confirmed
    assert len(str(plan).splitlines()) == 1 and "Offline" in str(plan)
    assert "Offline mode" in plan._repr_html_()


def test_gate_in_aws_mode_shows_account_region_plan_and_cost(local_cloud, monkeypatch, tmp_path):
    for key, value in aws_environment(local_cloud.endpoint_url, tmp_path).items():
        monkeypatch.setenv(key, value)
    clients.forget_clients()
    try:
        with pytest.raises(ConfirmationRequired) as stop:
            confirm_real_account(False, creates=["one stack"], estimate=1.25)
        plan = stop.value.plan
        assert (plan.account_id, plan.region, plan.actions) == (
            C.OFFLINE_ACCOUNT_ID,
            "us-east-1",
            ["one stack"],
        )
        assert "about $1.25" in str(stop.value) and "CONFIRM_AWS = True" in str(stop.value)
        assert os.environ["AWS_SECRET_ACCESS_KEY"] not in str(stop.value)
        assert confirm_real_account(True, creates=["one stack"]).confirmed
        assert confirm_real_account(C.OFFLINE_ACCOUNT_ID).confirmed
        with pytest.raises(ConfirmationRequired):
            confirm_real_account("999999999999")
    finally:
        clients.forget_clients()


def test_estimates_price_ec2_instances_from_the_price_data():
    base = dict(executions=10, transitions_per_execution=5, lambda_invokes_per_execution=3)
    without = estimate_usd(**base)
    with_servers = estimate_usd(**base, instance_hours={"m5.large": 2.0})
    hourly = float(load_prices().price("ec2.on_demand.m5.large").value)
    assert with_servers - without == pytest.approx(2.0 * hourly)
    assert without > 0


def test_catch_up_in_aws_mode_stops_at_the_gate(local_cloud, monkeypatch, tmp_path, capsys):
    from workshop_lib.cli import main
    from workshop_lib.course import catch_up

    for key, value in aws_environment(local_cloud.endpoint_url, tmp_path).items():
        monkeypatch.setenv(key, value)
    clients.forget_clients()
    try:
        before = everything_in_the_cloud()
        with pytest.raises(ConfirmationRequired, match="CONFIRM_AWS"):
            catch_up(3)
        # The command line asks for the account id; a wrong answer (or none) does nothing.
        monkeypatch.setattr("builtins.input", lambda prompt: "not-the-account")
        assert main(["catch-up", "3"]) == 1
        assert "Nothing was done" in capsys.readouterr().err
        assert everything_in_the_cloud() == before
    finally:
        clients.forget_clients()

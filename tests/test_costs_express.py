"""An Express copy of a Standard state machine: same definition, logs at level ALL, measured."""

from __future__ import annotations

import json
import uuid

import pytest
from conftest import zip_source

from workshop_lib import clients
from workshop_lib.costs import CostInputError, express_copy, measure_execution

DOUBLER = "def handler(event, context):\n    return {'value': event['value'] * 2}\n"


@pytest.fixture(scope="module")
def standard_machine(lambda_role) -> str:
    function = clients.client("lambda").create_function(
        FunctionName=f"doubler-{uuid.uuid4().hex[:6]}",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": zip_source({"app.py": DOUBLER})},
    )["FunctionArn"]
    iam = clients.client("iam")
    role = f"standard-{uuid.uuid4().hex[:6]}"
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=role,
        PolicyName="invoke",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function}
                ],
            }
        ),
    )
    definition = {
        "StartAt": "Double",
        "States": {"Double": {"Type": "Task", "Resource": function, "End": True}},
    }
    return clients.client("stepfunctions").create_state_machine(
        name=f"standard-{uuid.uuid4().hex[:6]}", roleArn=role_arn, definition=json.dumps(definition)
    )["stateMachineArn"]


def test_the_copy_runs_the_same_definition_as_express_and_logs_everything(standard_machine):
    copy = express_copy(standard_machine)
    try:
        sfn = clients.client("stepfunctions")
        described = sfn.describe_state_machine(stateMachineArn=copy.arn)
        original = sfn.describe_state_machine(stateMachineArn=standard_machine)
        assert described["type"] == "EXPRESS"
        assert described["definition"] == original["definition"]
        assert described["loggingConfiguration"]["level"] == "ALL"
        result = copy.run({"value": 21})
        assert result["status"] == "SUCCEEDED"
        assert json.loads(result["output"]) == {"value": 42}
        measured = measure_execution(result)
        assert measured.workflow_type == "express"
        assert len(measured.invokes) == 1
        assert copy.name in copy._repr_html_()
    finally:
        copy.delete()


def test_the_copys_role_keeps_the_original_permissions_and_adds_log_delivery(standard_machine):
    copy = express_copy(standard_machine, name=f"copy-{uuid.uuid4().hex[:6]}")
    try:
        iam = clients.client("iam")
        policies = set(iam.list_role_policies(RoleName=copy.role_name)["PolicyNames"])
        assert {"invoke", "log-delivery"} <= policies
    finally:
        copy.delete()
    assert not any(
        role["RoleName"] == copy.role_name for role in clients.client("iam").list_roles()["Roles"]
    )
    groups = clients.client("logs").describe_log_groups(logGroupNamePrefix=copy.log_group)
    assert not groups["logGroups"]


def test_copying_twice_updates_the_same_copy(standard_machine):
    first = express_copy(standard_machine, name=f"twice-{uuid.uuid4().hex[:6]}")
    try:
        second = express_copy(standard_machine, name=first.name)
        assert second.arn == first.arn
    finally:
        first.delete()


def test_copying_a_missing_state_machine_is_explained(standard_machine):
    missing = standard_machine.rsplit(":", 1)[0] + ":nothing-here"
    with pytest.raises(CostInputError, match="no state machine"):
        express_copy(missing)


def test_express_logging_is_measured_from_the_log_group_and_priced(standard_machine):
    from workshop_lib.costs import express_logging
    from workshop_lib.pricing import load_prices

    copy = express_copy(standard_machine)
    quiet = express_copy(standard_machine, name="quiet-copy", include_execution_data=False)
    try:
        payload = {"value": 21, "padding": "x" * 20_000}  # execution data makes logs bigger
        loud_runs = [copy.run(payload) for _ in range(2)]
        quiet_runs = [quiet.run(payload) for _ in range(2)]
        loud, silent = express_logging(copy, loud_runs), express_logging(quiet, quiet_runs)
        assert loud.executions == 2 and loud.events_per_execution >= 4  # start, task, end...
        assert loud.bytes_per_execution > 20_000 > silent.bytes_per_execution
        assert loud.include_execution_data and not silent.include_execution_data
        price = load_prices().value("cloudwatch.logs.vended_ingestion")
        assert loud.per_execution == pytest.approx(loud.bytes_per_execution / 1024**3 * price)
        assert loud.monthly(1_000_000) == pytest.approx(1_000_000 * loud.per_execution)
        page = loud._repr_html_()
        assert "at least once" in page and "idempotent" in page
    finally:
        copy.delete()
        quiet.delete()

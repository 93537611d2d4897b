"""The AWS CLI (from the dev extras) against the local cloud, for every command the notebooks show.

It gets exactly what a learner's `eval "$(workshop cloud env)"` exports
(`clients.offline_environment()`), so these tests also prove that those variables are enough,
host-prefixed operations (StartSyncExecution, TestState) included.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from workshop_lib import clients
from workshop_lib.waiting import wait_for_execution

PASS_MACHINE = {"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "End": True}}}


def _aws_cli() -> str:
    here = shutil.which("aws", path=str(Path(sys.executable).parent))
    if here is None:
        pytest.fail("the AWS CLI is missing from the venv: `pip install -e '.[dev]'` installs it")
    return here


def aws(port: int, *args: str) -> Any:
    """Run one AWS CLI command with the offline environment; its JSON answer, parsed."""
    env = {
        # Nothing of the learner's own AWS set-up may leak in.
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        **clients.offline_environment(port),
    }
    result = subprocess.run(
        [_aws_cli(), *args, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, f"aws {' '.join(args)} failed:\n{result.stderr}"
    return json.loads(result.stdout) if result.stdout.strip() else None


@pytest.fixture(scope="module")
def role_arn(local_cloud) -> str:
    iam = clients.client("iam")
    name = f"cli-test-{uuid.uuid4().hex[:6]}"
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "states.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(document))["Role"][
        "Arn"
    ]


def _machine(role_arn: str, kind: str, definition: dict) -> str:
    sfn = clients.client("stepfunctions")
    return sfn.create_state_machine(
        name=f"cli-{kind.lower()}-{uuid.uuid4().hex[:6]}",
        definition=json.dumps(definition),
        roleArn=role_arn,
        type=kind,
    )["stateMachineArn"]


@pytest.mark.cloud
def test_list_and_describe_executions_match_what_boto3_started(local_cloud, role_arn):
    machine = _machine(role_arn, "STANDARD", PASS_MACHINE)
    sfn = clients.client("stepfunctions")
    started = sfn.start_execution(stateMachineArn=machine, input='{"child": "Ada"}')
    wait_for_execution(started["executionArn"], timeout=10, sfn=sfn)
    listed = aws(
        local_cloud.port, "stepfunctions", "list-executions", "--state-machine-arn", machine
    )
    assert [e["executionArn"] for e in listed["executions"]] == [started["executionArn"]]
    described = aws(
        local_cloud.port,
        "stepfunctions",
        "describe-execution",
        "--execution-arn",
        started["executionArn"],
    )
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"child": "Ada"}


@pytest.mark.cloud
def test_start_sync_execution_runs_an_express_workflow(local_cloud, role_arn):
    definition = {
        "StartAt": "Stamp",
        "States": {
            "Stamp": {"Type": "Pass", "Parameters": {"stamped.$": "$.name"}, "End": True},
        },
    }
    machine = _machine(role_arn, "EXPRESS", definition)
    answer = aws(
        local_cloud.port,
        "stepfunctions",
        "start-sync-execution",
        "--state-machine-arn",
        machine,
        "--input",
        '{"name": "Ho Ho Ho"}',
    )
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"stamped": "Ho Ho Ho"}
    assert answer["billingDetails"]["billedDurationInMilliseconds"] >= 100


@pytest.mark.cloud
def test_test_state_runs_one_state_with_its_input(local_cloud, role_arn):
    state = {"Type": "Pass", "Parameters": {"photo.$": "$.key"}, "End": True}
    answer = aws(
        local_cloud.port,
        "stepfunctions",
        "test-state",
        "--definition",
        json.dumps(state),
        "--role-arn",
        role_arn,
        "--input",
        '{"key": "uploads/rocket.jpg"}',
    )
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"photo": "uploads/rocket.jpg"}


@pytest.mark.cloud
def test_the_cli_sees_what_cloudformation_and_s3_hold(local_cloud):
    bucket = f"cli-bucket-{uuid.uuid4().hex[:8]}"
    clients.client("s3").create_bucket(Bucket=bucket)
    try:
        listed = aws(local_cloud.port, "s3api", "list-buckets")
        assert bucket in [b["Name"] for b in listed["Buckets"]]
        identity = aws(local_cloud.port, "sts", "get-caller-identity")
        assert identity["Account"] == "123456789012"
    finally:
        clients.client("s3").delete_bucket(Bucket=bucket)

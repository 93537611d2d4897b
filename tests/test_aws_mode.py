"""The whole aws-mode code path, run against the local cloud by pointing its endpoint there.

aws mode uses the standard credential chain and honours AWS_ENDPOINT_URL, so these tests set
it to the local cloud: packaging with dependencies, the cost guard, validation, upload, stack
create and update, a failing resource with its rollback, and teardown verification.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid

import pytest
from test_clients import _LoopbackGuard
from test_packaging import make_wheel
from test_real_account_gate import aws_environment

from workshop_lib import clients
from workshop_lib.cleanup import cleanup, find_all
from workshop_lib.costs import estimate_usd
from workshop_lib.deploy import deploy, destroy
from workshop_lib.errors import DeployError
from workshop_lib.guard import ConfirmationRequired, confirm_real_account
from workshop_lib.paths import REPO


@pytest.fixture
def aws_mode(local_cloud, monkeypatch, tmp_path):
    # The local cloud answers only its owner's key pair: aws mode gets it as its "account" keys.
    for name, value in aws_environment(local_cloud.endpoint_url, tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    guard = _LoopbackGuard()
    guard.install(monkeypatch)
    clients.forget_clients()
    yield
    clients.forget_clients()
    assert guard.violations == []


def test_the_guard_requires_an_explicit_yes(aws_mode):
    with pytest.raises(ConfirmationRequired) as error:
        confirm_real_account(False, actions=["deploy Santa's list"], estimate_usd=0.01)
    text = str(error.value)
    assert "123456789012" in text and "us-east-1" in text and "deploy Santa's list" in text
    assert os.environ["AWS_SECRET_ACCESS_KEY"] not in text
    assert os.environ["AWS_ACCESS_KEY_ID"] not in text
    assert confirm_real_account(True, actions=["x"]).confirmed
    assert confirm_real_account("123456789012").confirmed
    with pytest.raises(ConfirmationRequired):
        confirm_real_account("999999999999")


def test_offline_needs_no_confirmation(local_cloud):
    assert confirm_real_account(False).confirmed


def test_estimates_come_from_the_price_data():
    small = estimate_usd(executions=10, transitions_per_execution=5, lambda_invokes_per_execution=3)
    large = estimate_usd(
        executions=1000, transitions_per_execution=5, lambda_invokes_per_execution=3
    )
    assert 0 < small < large


def test_deploy_update_rollback_and_teardown_in_aws_mode(aws_mode, tmp_path, monkeypatch):
    # An app whose function needs a dependency: it is built for Lambda and bundled.
    house = tmp_path / "wheelhouse"
    house.mkdir()
    make_wheel(house, "bells", "py3-none-any", "def ring():\n    return 'jingle'\n")
    monkeypatch.setenv("WORKSHOP_PIP_OPTIONS", f"--no-index --find-links {house}")
    app = tmp_path / f"carols{uuid.uuid4().hex[:6]}"
    (app / "src").mkdir(parents=True)
    (app / "src" / "app.py").write_text(
        "import bells\n\ndef handler(event, context):\n    return bells.ring()\n"
    )
    (app / "src" / "requirements.txt").write_text("bells\nboto3\n")
    (app / "template.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Singer:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      CodeUri: src/\n"
        "      Handler: app.handler\n"
        "      Runtime: python3.12\n"
        "Outputs:\n"
        "  SingerName:\n"
        "    Value: !Ref Singer\n"
    )
    stack = deploy(str(app))
    lam = clients.client("lambda")
    assert json.loads(lam.invoke(FunctionName=stack["SingerName"])["Payload"].read()) == "jingle"
    stack_tags = clients.client("cloudformation").describe_stacks(StackName=stack.name)["Stacks"][
        0
    ]["Tags"]
    # CloudFormation copies stack tags onto the resources it creates (moto does not, so the
    # test checks the stack; cleanup finds the stack by this tag).
    assert {"Key": "workshop", "Value": "sfn-lambda-workbook"} in stack_tags

    # Update in place with new code.
    (app / "src" / "app.py").write_text(
        "import bells\n\ndef handler(event, context):\n    return bells.ring().upper()\n"
    )
    deploy(str(app))
    assert json.loads(lam.invoke(FunctionName=stack["SingerName"])["Payload"].read()) == "JINGLE"

    # The real apps deploy too (validated first in aws mode).
    santa = tmp_path / "santa"
    shutil.copytree(REPO / "infra" / "santa", santa)
    assert deploy(str(santa)).status == "CREATE_COMPLETE"

    # A failing resource: validation stops it before anything is created.
    broken = tmp_path / "broken"
    shutil.copytree(REPO / "infra" / "santa", broken)
    definition = broken / "statemachine" / "santa.asl.json"
    definition.write_text(
        definition.read_text().replace('"Next": "TransformData"', '"Next": "TransformDta"')
    )
    with pytest.raises(DeployError, match="TransformDta"):
        deploy(str(broken))

    destroy(str(app))
    report = cleanup()
    assert report.clean, str(report)
    assert report.mode == "aws"
    assert not find_all().resources

"""Deploying SAM templates: packaging, translation, stacks, updates, failures, teardown."""

from __future__ import annotations

import json
import shutil
import uuid
import zipfile
from pathlib import Path

import pytest

from workshop_lib import cli, clients
from workshop_lib.deploy import build_template, deploy, destroy, resolve_app
from workshop_lib.errors import DeployError
from workshop_lib.paths import REPO
from workshop_lib.templates import load_template, package, read_definition, translate

TINY_TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting:
    Type: String
    Default: hello
  Reindeer:
    Type: Number
    Default: 9
Resources:
  Store:
    Type: AWS::S3::Bucket
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          GREETING: !Ref Greeting
          REINDEER: !Ref Reindeer
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: flow.asl.json
      DefinitionSubstitutions:
        EchoArn: !GetAtt Echo.Arn
      Policies:
        - LambdaInvokePolicy:
            FunctionName: !Ref Echo
Outputs:
  StoreName:
    Value: !Ref Store
  FlowArn:
    Value: !Ref Flow
  EchoName:
    Value: !Ref Echo
"""

FLOW = {
    "StartAt": "Echo",
    "States": {"Echo": {"Type": "Task", "Resource": "${EchoArn}", "End": True}},
}


def make_app(
    root: Path,
    handler_body: str = "return {'greeting': os.environ['GREETING'], "
    "'reindeer': os.environ['REINDEER']}",
) -> Path:
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "template.yaml").write_text(TINY_TEMPLATE)
    (root / "flow.asl.json").write_text(json.dumps(FLOW))
    (root / "src" / "app.py").write_text(
        f"import os\n\ndef handler(event, context):\n    {handler_body}\n"
    )
    return root


def test_workshop_package_writes_each_function_zip(tmp_path, capsys):
    """`workshop package` (registered by deploy's command line since packaging sits below
    deploy) zips each function of a template, here one without requirements."""
    app = make_app(tmp_path / "app")
    assert cli.main(["package", str(app), "--out", str(tmp_path / "out")]) == 0
    with zipfile.ZipFile(tmp_path / "out" / "Echo.zip") as archive:
        assert "app.py" in archive.namelist()
    assert "Echo" in capsys.readouterr().out


def test_unknown_app_is_a_clear_error():
    with pytest.raises(DeployError, match="no application called 'reindeer'"):
        resolve_app("reindeer")
    assert resolve_app("santa").stack_name == "workshop-santa"


def test_package_uploads_code_and_inlines_definitions(tmp_path):
    app = make_app(tmp_path)
    uploads: dict[str, bytes] = {}

    def upload(key: str, body: bytes) -> tuple[str, str]:
        uploads[key] = body
        return "artifacts", key

    packaged = package(load_template(app / "template.yaml"), app, upload, prefix="tiny")
    code = packaged["Resources"]["Echo"]["Properties"]["CodeUri"]
    assert code["Bucket"] == "artifacts" and code["Key"] in uploads
    flow = packaged["Resources"]["Flow"]["Properties"]
    assert flow["Definition"] == FLOW and "DefinitionUri" not in flow
    again = package(load_template(app / "template.yaml"), app, upload, prefix="tiny")
    assert again["Resources"]["Echo"]["Properties"]["CodeUri"] == code  # same code, same key


def test_translation_gives_plain_cloudformation(tmp_path):
    app = make_app(tmp_path)
    packaged = package(
        load_template(app / "template.yaml"), app, lambda k, b: ("a", k), prefix="tiny"
    )
    template = translate(packaged, region="us-east-1")
    kinds = {r["Type"] for r in template["Resources"].values()}
    assert "AWS::Lambda::Function" in kinds and "AWS::StepFunctions::StateMachine" in kinds
    assert not any(k.startswith("AWS::Serverless") for k in kinds)


def test_bad_definition_json_says_where(tmp_path):
    bad = tmp_path / "broken.asl.json"
    bad.write_text('{"StartAt": "A",\n "States": {"A": {"Type": "Pass" "End": true}}}')
    with pytest.raises(DeployError, match="line 2"):
        read_definition(bad)


def test_every_app_template_translates(local_cloud):
    for name in ("santa", "images"):
        template = build_template(resolve_app(name))
        assert template["Resources"]


def test_deploy_update_and_destroy_a_real_stack(local_cloud, tmp_path):
    root = make_app(tmp_path / f"tiny{uuid.uuid4().hex[:6]}")
    stack = deploy(str(root))
    assert stack.status == "CREATE_COMPLETE"
    lam = clients.client("lambda")
    result = json.loads(lam.invoke(FunctionName=stack["EchoName"])["Payload"].read())
    assert result == {"greeting": "hello", "reindeer": "9"}  # environment values are strings

    # The state machine got the real function ARN through DefinitionSubstitutions.
    definition = json.loads(
        clients.client("stepfunctions").describe_state_machine(stateMachineArn=stack["FlowArn"])[
            "definition"
        ]
    )
    assert definition["States"]["Echo"]["Resource"].startswith("arn:aws:lambda:")

    # Deploying again with changed code updates in place, and the new code takes effect.
    (root / "src" / "app.py").write_text(
        "def handler(event, context):\n    return {'greeting': 'ho ho ho'}\n"
    )
    updated = deploy(str(root))
    assert updated["StoreName"] == stack["StoreName"]
    result = json.loads(lam.invoke(FunctionName=stack["EchoName"])["Payload"].read())
    assert result == {"greeting": "ho ho ho"}

    s3 = clients.client("s3")
    s3.put_object(Bucket=stack["StoreName"], Key="a.txt", Body=b"x")
    report = destroy(str(root))
    assert report.existed and report.emptied_buckets == {stack["StoreName"]: 1}
    assert stack["StoreName"] not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=stack["EchoName"])
    assert not destroy(str(root)).existed


def test_santa_template_deploys_with_every_output(local_cloud, tmp_path):
    copy = tmp_path / "santa"
    shutil.copytree(REPO / "infra" / "santa", copy)
    stack = deploy(str(copy))
    try:
        assert set(stack.outputs) >= {
            "InputBucketName",
            "UploadPrefix",
            "OutputBucketName",
            "StateMachineArn",
            "TopicArn",
        }
        notification = clients.client("s3").get_bucket_notification_configuration(
            Bucket=stack["InputBucketName"]
        )["LambdaFunctionConfigurations"]
        rules = notification[0]["Filter"]["Key"]["FilterRules"]
        assert {"Name": "Prefix", "Value": "uploads/"} in [
            {"Name": r["Name"].capitalize(), "Value": r["Value"]} for r in rules
        ]
    finally:
        destroy(str(copy))


def test_a_failing_resource_rolls_back_and_says_which(local_cloud):
    from workshop_lib.deploy._stack import create_or_update

    name = f"failing-{uuid.uuid4().hex[:6]}"
    broken = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Nxt": "B"}}}  # a typo
    template = {
        "Outputs": {"TopicArn": {"Value": {"Ref": "Topic"}}},
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Flow": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "RoleArn": "arn:aws:iam::123456789012:role/any",
                    "DefinitionString": json.dumps(broken),
                },
            },
        },
    }
    with pytest.raises(DeployError) as error:
        create_or_update(name, template)
    assert "ROLLBACK_COMPLETE" in str(error.value)
    assert "Flow (AWS::StepFunctions::StateMachine)" in str(error.value)
    assert "/States/A" in str(error.value)  # the reason points at the broken state
    topics = [t["TopicArn"] for t in clients.client("sns").list_topics()["Topics"]]
    assert not any(name in topic for topic in topics)  # what was created is gone again
    described = clients.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    assert described["StackStatus"] == "ROLLBACK_COMPLETE" and not described.get("Outputs")
    # Fixed, the same stack deploys (a rolled-back stack is replaced, as on AWS).
    template["Resources"]["Flow"]["Properties"]["DefinitionString"] = json.dumps(
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
    )
    assert create_or_update(name, template).status == "CREATE_COMPLETE"


def test_offline_a_template_over_the_inline_limit_still_goes_inline(local_cloud):
    from workshop_lib.deploy import _stack

    body = json.dumps({"Description": "x" * 60_000, "Resources": {}})
    argument = _stack._template_argument("big", body)
    assert argument == {"TemplateBody": body}  # never an S3 URL naming amazonaws.com

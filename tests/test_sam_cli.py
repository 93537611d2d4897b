"""The SAM CLI against the local cloud: deploy, outputs, invoke, logs and delete of both apps.

The first tests make, with boto3, the calls `sam deploy` makes (a change set for a template
that still says `Transform: AWS::Serverless-2016-10-31`, uploaded to S3 and named by a URL on
the local cloud's address), so they run everywhere. The others run the SAM CLI itself where it
is installed (`make sam` puts it in .venv-sam; CI installs it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import yaml
from conftest import zip_source

from workshop_lib import clients
from workshop_lib.deploy import empty_bucket
from workshop_lib.paths import REPO
from workshop_lib.templates import load_template

HELLO_TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Description: A hello-world app as `sam init` makes it (an API event, outputs).
Globals:
  Function:
    Timeout: 3
Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello_world/
      Handler: app.lambda_handler
      Runtime: python3.12
      Events:
        HelloWorld:
          Type: Api
          Properties:
            Path: /hello
            Method: get
Outputs:
  HelloWorldApi:
    Value: !Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/hello/"
  HelloWorldFunction:
    Value: !GetAtt HelloWorldFunction.Arn
"""

HELLO_HANDLER = """
import json


def lambda_handler(event, context):
    print("hello from the local cloud")
    return {"statusCode": 200, "body": json.dumps({"message": "hello world"})}
"""


class _CloudFormationLoader(yaml.SafeLoader):
    """Reads the short forms (!Sub, !GetAtt) as CloudFormation's long ones."""


_CloudFormationLoader.add_constructor("!Sub", lambda loader, node: {"Fn::Sub": node.value})
_CloudFormationLoader.add_constructor(
    "!GetAtt", lambda loader, node: {"Fn::GetAtt": node.value.split(".", 1)}
)


def _change_set_deploy(stack: str, template: dict, *, key: str) -> dict:
    """What `sam deploy` does: upload the template, create a change set from its URL, run it."""
    s3 = clients.client("s3")
    cfn = clients.client("cloudformation")
    bucket = f"sam-artifacts-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(template).encode())
    endpoint = s3.meta.endpoint_url
    url = f"{endpoint}/{bucket}/{key}?versionId={version['VersionId']}"
    cfn.create_change_set(
        StackName=stack,
        ChangeSetName="samcli-deploy1",
        ChangeSetType="CREATE",
        TemplateURL=url,
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    cfn.get_waiter("change_set_create_complete").wait(
        StackName=stack, ChangeSetName="samcli-deploy1", WaiterConfig={"Delay": 1}
    )
    cfn.execute_change_set(StackName=stack, ChangeSetName="samcli-deploy1")
    empty_bucket(bucket)  # the template was read when the change set was made
    s3.delete_bucket(Bucket=bucket)
    return cfn.describe_stacks(StackName=stack)["Stacks"][0]


def _stack_cleanup(stack: str) -> None:
    clients.client("cloudformation").delete_stack(StackName=stack)


@pytest.mark.cloud
def test_a_sam_template_deployed_by_change_set_has_its_resources_and_outputs(local_cloud):
    stack = f"sam-hello-{uuid.uuid4().hex[:6]}"
    # An uploaded zip, as `sam package` leaves it, and the template that names it.
    s3 = clients.client("s3")
    code_bucket = f"sam-code-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=code_bucket)
    s3.put_object(Bucket=code_bucket, Key="hello.zip", Body=zip_source({"app.py": HELLO_HANDLER}))
    template = yaml.load(HELLO_TEMPLATE, Loader=_CloudFormationLoader)
    template["Resources"]["HelloWorldFunction"]["Properties"]["CodeUri"] = (
        f"s3://{code_bucket}/hello.zip"
    )
    try:
        described = _change_set_deploy(stack, template, key="hello.template")
        assert described["StackStatus"] == "CREATE_COMPLETE"
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
        assert outputs["HelloWorldApi"].endswith(".execute-api.us-east-1.amazonaws.com/Prod/hello/")
        function_arn = outputs["HelloWorldFunction"]
        answer = clients.client("lambda").invoke(FunctionName=function_arn, Payload=b"{}")
        assert json.loads(answer["Payload"].read())["statusCode"] == 200
        # The API from the Api event has its route, and CloudFormation keeps the template as sent.
        apigateway = clients.client("apigateway")
        api_id = outputs["HelloWorldApi"].split("//")[1].split(".")[0]
        paths = {r["path"]: r for r in apigateway.get_resources(restApiId=api_id)["items"]}
        assert "GET" in paths["/hello"]["resourceMethods"]
        # Each resource reports its progress, as `sam deploy` prints it.
        events = clients.client("cloudformation").describe_stack_events(StackName=stack)
        done = {
            e["LogicalResourceId"]
            for e in events["StackEvents"]
            if e["ResourceStatus"] == "CREATE_COMPLETE"
        }
        assert {"HelloWorldFunction", "HelloWorldFunctionRole", "ServerlessRestApi"} <= done
        body = clients.client("cloudformation").get_template(StackName=stack)["TemplateBody"]
        sent = body if isinstance(body, dict) else json.loads(body)
        assert sent["Transform"] == "AWS::Serverless-2016-10-31"
    finally:
        _stack_cleanup(stack)
        empty_bucket(code_bucket)
        s3.delete_bucket(Bucket=code_bucket)


@pytest.mark.cloud
def test_a_state_machine_definition_in_s3_is_read(local_cloud):
    s3 = clients.client("s3")
    bucket = f"sam-definitions-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    definition = {"StartAt": "Hi", "States": {"Hi": {"Type": "Pass", "Result": 7, "End": True}}}
    s3.put_object(Bucket=bucket, Key="flow.asl.json", Body=json.dumps(definition).encode())
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Flow": {
                "Type": "AWS::Serverless::StateMachine",
                "Properties": {"DefinitionUri": {"Bucket": bucket, "Key": "flow.asl.json"}},
            }
        },
        "Outputs": {"FlowArn": {"Value": {"Ref": "Flow"}}},
    }
    stack = f"sam-flow-{uuid.uuid4().hex[:6]}"
    try:
        described = _change_set_deploy(stack, template, key="flow.template")
        arn = described["Outputs"][0]["OutputValue"]
        sfn = clients.client("stepfunctions")
        assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) == (
            definition
        )
    finally:
        _stack_cleanup(stack)
        empty_bucket(bucket)
        s3.delete_bucket(Bucket=bucket)


@pytest.mark.cloud
def test_a_change_set_whose_resource_fails_rolls_back_with_the_reason(local_cloud):
    template = {
        "Resources": {
            "Good": {"Type": "AWS::SNS::Topic"},
            # No Code: Lambda refuses it, as AWS would.
            "Broken": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Handler": "app.handler", "Runtime": "python3.12"},
            },
        },
    }
    stack = f"sam-broken-{uuid.uuid4().hex[:6]}"
    cfn = clients.client("cloudformation")
    try:
        described = _change_set_deploy(stack, template, key="broken.template")
        assert described["StackStatus"] == "ROLLBACK_COMPLETE"
        events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
        failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
        assert failed and failed[0]["LogicalResourceId"] == "Broken"
        assert failed[0]["ResourceStatusReason"]
    finally:
        _stack_cleanup(stack)


@pytest.mark.cloud
def test_a_change_set_name_used_by_two_stacks_executes_the_named_stacks_own(local_cloud):
    cfn = clients.client("cloudformation")
    template = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
    first, second = (f"sam-twin-{uuid.uuid4().hex[:6]}" for _ in range(2))
    for stack in (first, second):
        cfn.create_change_set(
            StackName=stack,
            ChangeSetName="samcli-deploy1",
            ChangeSetType="CREATE",
            TemplateBody=template,
        )
    try:
        cfn.execute_change_set(StackName=first, ChangeSetName="samcli-deploy1")
        statuses = {
            s: cfn.describe_stacks(StackName=s)["Stacks"][0]["StackStatus"] for s in (first, second)
        }
        assert statuses == {first: "CREATE_COMPLETE", second: "REVIEW_IN_PROGRESS"}
    finally:
        _stack_cleanup(first)
        _stack_cleanup(second)


FEATURES_TEMPLATE = {
    "Transform": "AWS::Serverless-2016-10-31",
    "Resources": {
        "Table": {"Type": "AWS::Serverless::SimpleTable"},
        "Queue": {"Type": "AWS::SQS::Queue"},
        "Fn": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Handler": "app.lambda_handler",
                "Runtime": "python3.12",
                "AutoPublishAlias": "live",
                "FunctionUrlConfig": {"AuthType": "NONE"},
                "Environment": {"Variables": {"TABLE": {"Ref": "Table"}}},
                "Events": {
                    "Http": {"Type": "HttpApi", "Properties": {"Path": "/items", "Method": "get"}},
                    "FromQueue": {
                        "Type": "SQS",
                        "Properties": {"Queue": {"Fn::GetAtt": ["Queue", "Arn"]}},
                    },
                    "Hourly": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 hour)"}},
                },
            },
        },
    },
    "Outputs": {
        "Api": {"Value": {"Fn::Sub": "https://${ServerlessHttpApi}.execute-api.${AWS::Region}"}},
        "Url": {"Value": {"Fn::GetAtt": ["FnUrl", "FunctionUrl"]}},
        "Alias": {"Value": {"Ref": "FnAliaslive"}},
    },
}


@pytest.mark.cloud
def test_common_sam_features_deploy_alias_url_http_api_queue_and_schedule(local_cloud):
    s3 = clients.client("s3")
    code_bucket = f"sam-code-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=code_bucket)
    s3.put_object(Bucket=code_bucket, Key="fn.zip", Body=zip_source({"app.py": HELLO_HANDLER}))
    template = json.loads(json.dumps(FEATURES_TEMPLATE))
    template["Resources"]["Fn"]["Properties"]["CodeUri"] = f"s3://{code_bucket}/fn.zip"
    stack = f"sam-features-{uuid.uuid4().hex[:6]}"
    try:
        described = _change_set_deploy(stack, template, key="features.template")
        assert described["StackStatus"] == "CREATE_COMPLETE"
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
        # AutoPublishAlias: the alias names version 1, and invoking it runs that version.
        answer = clients.client("lambda").invoke(FunctionName=outputs["Alias"], Payload=b"{}")
        assert answer["ExecutedVersion"] == "1"
        assert json.loads(answer["Payload"].read())["statusCode"] == 200
        assert outputs["Url"].startswith("https://") and ".lambda-url." in outputs["Url"]
        api_id = outputs["Api"].split("//")[1].split(".")[0]
        routes = clients.client("apigatewayv2").get_routes(ApiId=api_id)["Items"]
        assert [r["RouteKey"] for r in routes] == ["GET /items"]
    finally:
        _stack_cleanup(stack)
        empty_bucket(code_bucket)
        s3.delete_bucket(Bucket=code_bucket)
    # Deleting the stack took the HTTP API with it.
    apis = clients.client("apigatewayv2").get_apis()["Items"]
    assert api_id not in [a["ApiId"] for a in apis]


# -- the SAM CLI itself ------------------------------------------------------------------------


def _sam_cli() -> str | None:
    local = REPO / ".venv-sam" / "bin" / "sam"
    return str(local) if local.exists() else shutil.which("sam")


SAM = _sam_cli()
needs_sam = pytest.mark.skipif(
    SAM is None, reason="the SAM CLI is not installed (optional): `make sam` installs it"
)


def sam(
    args: list[str],
    *,
    cwd: Path,
    port: int,
    check: bool = True,
    answers: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> str:
    env = {
        **os.environ,
        **clients.offline_environment(port),
        "SAM_CLI_TELEMETRY": "0",
        "SAM_CLI_POLL_DELAY": "0.5",  # the local cloud answers at once; don't poll every 5 s
        # The SAM CLI's weekly version check calls pypi.org: a dead proxy keeps it on this
        # machine, while the local cloud (on 127.0.0.1) is reached directly.
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        **(extra_env or {}),
    }
    result = subprocess.run(
        [str(SAM), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        input=answers,
        stdin=None if answers is not None else subprocess.DEVNULL,
    )
    output = result.stdout + result.stderr
    if check:
        assert result.returncode == 0, f"sam {' '.join(args)} failed:\n{output}"
    return output


def _deploy(app_dir: Path, stack: str, port: int) -> dict[str, str]:
    sam(
        [
            "deploy",
            "--stack-name",
            stack,
            "--resolve-s3",
            "--capabilities",
            "CAPABILITY_IAM",
            "--no-confirm-changeset",
            "--tags",
            "workshop=sfn-lambda-workbook",
        ],
        cwd=app_dir,
        port=port,
    )
    listed = sam(
        ["list", "stack-outputs", "--stack-name", stack, "--output", "json"], cwd=app_dir, port=port
    )
    answer, _ = json.JSONDecoder().raw_decode(listed[listed.index("[") :])
    return {o["OutputKey"]: o["OutputValue"] for o in answer}


def _delete(app_dir: Path, stack: str, port: int, buckets: list[str]) -> None:
    for bucket in buckets:  # as on AWS, CloudFormation deletes only empty buckets
        empty_bucket(bucket)
    sam(["delete", "--stack-name", stack, "--no-prompts"], cwd=app_dir, port=port)
    summaries = clients.client("cloudformation").list_stacks()["StackSummaries"]
    assert {s["StackStatus"] for s in summaries if s["StackName"] == stack} == {"DELETE_COMPLETE"}


def _copy_app(name: str, tmp_path: Path) -> Path:
    # sam writes .aws-sam/ and samconfig.toml next to the template: keep infra/ clean.
    target = tmp_path / name
    shutil.copytree(REPO / "infra" / name, target)
    return target


@needs_sam
@pytest.mark.cloud
def test_sam_deploys_invokes_logs_and_deletes_santa(local_cloud, tmp_path):
    port = local_cloud.port
    app = _copy_app("santa", tmp_path)
    stack = f"sam-santa-{uuid.uuid4().hex[:6]}"
    sam(["validate", "--lint"], cwd=app, port=port)
    outputs = _deploy(app, stack, port)
    assert outputs["StateMachineArn"].startswith("arn:aws:states:us-east-1:")
    # The real handler runs: it rejects an event that names no list.
    invoked = sam(
        ["remote", "invoke", "--stack-name", stack, "ValidateFunction", "--event", "{}"],
        cwd=app,
        port=port,
    )
    assert "InvalidInputError" in invoked
    request_id = invoked.split("START RequestId: ")[1].split()[0]
    logs = sam(["logs", "--stack-name", stack, "-n", "ValidateFunction"], cwd=app, port=port)
    assert f"REPORT RequestId: {request_id}" in logs
    _delete(app, stack, port, [outputs["InputBucketName"], outputs["OutputBucketName"]])


@needs_sam
@pytest.mark.cloud
def test_sam_deploys_runs_and_deletes_the_image_processor(local_cloud, tmp_path):
    port = local_cloud.port
    app = _copy_app("image_processor", tmp_path)
    stack = f"sam-images-{uuid.uuid4().hex[:6]}"
    outputs = _deploy(app, stack, port)
    # An upload starts the workflow the SAM CLI deployed, which makes the web-ready files.
    s3 = clients.client("s3")
    bucket = outputs["InputBucketName"]
    image = (REPO / "data" / "images" / "rocket.jpg").read_bytes()
    s3.put_object(
        Bucket=bucket, Key=f"{outputs.get('UploadPrefix', 'uploads/')}rocket.jpg", Body=image
    )
    sfn = clients.client("stepfunctions")
    deadline = time.monotonic() + 120
    statuses: list[str] = []
    while time.monotonic() < deadline:
        runs = sfn.list_executions(stateMachineArn=outputs["StateMachineArn"])["executions"]
        statuses = [r["status"] for r in runs]
        if statuses and "RUNNING" not in statuses:
            break
        time.sleep(0.5)
    assert statuses == ["SUCCEEDED"]
    invoked = sam(
        ["remote", "invoke", "--stack-name", stack, "ImageStateMachine", "--event", "{}"],
        cwd=app,
        port=port,
        check=False,
    )
    assert "Invoking Step Function ImageStateMachine" in invoked
    _delete(app, stack, port, [outputs["InputBucketName"], outputs["OutputBucketName"]])


@needs_sam
@pytest.mark.cloud
def test_sam_deploys_an_api_app_invokes_it_reads_its_logs_and_deletes_it(local_cloud, tmp_path):
    port = local_cloud.port
    app = tmp_path / "hello"
    (app / "hello_world").mkdir(parents=True)
    (app / "template.yaml").write_text(HELLO_TEMPLATE)
    (app / "hello_world" / "app.py").write_text(HELLO_HANDLER)
    stack = f"sam-hello-{uuid.uuid4().hex[:6]}"
    outputs = _deploy(app, stack, port)
    assert outputs["HelloWorldApi"].startswith("https://")
    invoked = sam(["remote", "invoke", "--stack-name", stack], cwd=app, port=port)
    assert '"statusCode": 200' in invoked
    logs = sam(["logs", "--stack-name", stack], cwd=app, port=port)
    assert "hello from the local cloud" in logs
    # A second deploy of the same template has nothing to change, as on AWS.
    again = sam(
        ["deploy", "--stack-name", stack, "--resolve-s3", "--capabilities", "CAPABILITY_IAM"],
        cwd=app,
        port=port,
        check=False,
    )
    assert "No changes to deploy" in again
    _delete(app, stack, port, [])


@needs_sam
@pytest.mark.cloud
def test_a_guided_deploy_saves_its_answers_for_the_next_deploy_and_delete(local_cloud, tmp_path):
    port = local_cloud.port
    app = _copy_app("santa", tmp_path)
    stack = f"sam-guided-{uuid.uuid4().hex[:6]}"
    # Stack name, region, every parameter (defaults), confirm changes: no, allow role
    # creation: yes, disable rollback: no, save the answers: yes, file and environment: defaults.
    parameters = load_template(app / "template.yaml")["Parameters"]
    answers = f"{stack}\nus-east-1\n" + "\n" * len(parameters) + "N\nY\nN\nY\n\n\n"
    guided = sam(
        ["deploy", "--guided", "--capabilities", "CAPABILITY_IAM"],
        cwd=app,
        port=port,
        answers=answers,
    )
    assert f"Successfully created/updated stack - {stack}" in guided
    assert f'stack_name = "{stack}"' in (app / "samconfig.toml").read_text()
    # Later commands read the stack name from samconfig.toml, as after a guided deploy on AWS.
    again = sam(["deploy"], cwd=app, port=port, check=False)
    assert "No changes to deploy" in again
    sam(["delete", "--no-prompts"], cwd=app, port=port)
    summaries = clients.client("cloudformation").list_stacks()["StackSummaries"]
    assert {s["StackStatus"] for s in summaries if s["StackName"] == stack} == {"DELETE_COMPLETE"}


def _python_312() -> str | None:
    """A Python 3.12 that runs (`sam build` needs the template's runtime), or None."""
    candidates = [
        shutil.which("python3.12"),
        *sorted(Path.home().glob(".pyenv/versions/3.12*/bin/python3.12")),
    ]
    for candidate in candidates:
        if (
            candidate
            and subprocess.run([str(candidate), "--version"], capture_output=True).returncode == 0
        ):
            return str(candidate)
    return None


@needs_sam
@pytest.mark.cloud
def test_sam_build_then_deploy_uses_the_built_app(local_cloud, tmp_path):
    python = _python_312()
    if python is None:
        pytest.skip("sam build needs Python 3.12 (the template's runtime) on PATH")
    port = local_cloud.port
    app = tmp_path / "hello"
    (app / "hello_world").mkdir(parents=True)
    (app / "template.yaml").write_text(HELLO_TEMPLATE)
    (app / "hello_world" / "app.py").write_text(HELLO_HANDLER)
    (app / "hello_world" / "requirements.txt").write_text("")
    path = f"{Path(python).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    built = sam(["build"], cwd=app, port=port, extra_env={"PATH": path})
    assert "Build Succeeded" in built
    assert (app / ".aws-sam" / "build" / "HelloWorldFunction" / "app.py").exists()
    stack = f"sam-built-{uuid.uuid4().hex[:6]}"
    _deploy(app, stack, port)  # sam deploy takes .aws-sam/build/template.yaml after a build
    invoked = sam(["remote", "invoke", "--stack-name", stack], cwd=app, port=port)
    assert '"statusCode": 200' in invoked
    _delete(app, stack, port, [])

"""`workshop cost workflow APP`: a deployed app's executions, measured in the current cloud."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workshop_lib import clients
from workshop_lib.cli import main
from workshop_lib.deploy import deploy, destroy
from workshop_lib.waiting import wait_for_execution

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: app.handler
      Runtime: python3.12
      MemorySize: 128
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties:
      Type: STANDARD
      Definition:
        StartAt: Start
        States:
          Start:
            Type: Pass
            Next: Echo
          Echo:
            Type: Task
            Resource: "${EchoArn}"
            End: true
      DefinitionSubstitutions:
        EchoArn: !GetAtt EchoFunction.Arn
      Policies:
        - LambdaInvokePolicy:
            FunctionName: !Ref EchoFunction
Outputs:
  StateMachineArn:
    Value: !Ref Machine
"""


@pytest.fixture(scope="module")
def app(local_cloud, tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("costapp")
    (folder / "template.yaml").write_text(TEMPLATE)
    (folder / "fn").mkdir()
    (folder / "fn" / "app.py").write_text("def handler(event, context):\n    return event\n")
    (folder / "requests.json").write_text(
        json.dumps({"states": {"Echo": {"sns_publishes": 2, "why": "pretend it publishes"}}})
    )
    stack = deploy(str(folder))
    yield str(folder)
    destroy(str(folder))
    assert stack.outputs


def _run(machine: str) -> None:
    sfn = clients.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=machine, input='{"hello": "world"}')["executionArn"]
    wait_for_execution(arn, timeout=60, sfn=sfn)


def _json(capsys, *argv: str) -> dict:
    assert main(["cost", "workflow", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_an_app_that_never_ran_is_explained(app, capsys):
    assert main(["cost", "workflow", app, "--json"]) == 1
    assert "No finished executions" in capsys.readouterr().err


def test_the_json_prices_the_latest_executions(app, capsys):
    from workshop_lib.deploy import outputs

    machine = outputs(app)["StateMachineArn"]
    for _ in range(3):
        _run(machine)
    result = _json(capsys, app, "--last", "2", "--volume", "1e6")
    assert result["executions_measured"] == 2
    run = result["executions"][0]
    assert run["transitions"] == 2  # Start and Echo
    assert run["lambda_invocations"] == 1
    assert result["per_thousand"] == pytest.approx(1000 * result["per_execution"])
    assert result["monthly"]["volume"] == 1_000_000
    assert result["monthly"]["total"] == pytest.approx(
        sum(result["monthly"]["by_service"].values())
    )
    assert result["monthly_free_tier"]["total"] < result["monthly"]["total"]
    assert result["sources"]["requests"] == "measured"


def test_declared_requests_come_from_the_apps_profile(app, capsys):
    result = _json(capsys, app, "--last", "1", "--requests", "declared")
    assert result["sources"]["requests"] == "declared"
    assert result["executions"][0]["requests"]["sns_publishes"] == 2
    assert result["by_service"]["SNS"] > 0


def test_the_text_output_shows_the_table_and_the_month(app, capsys):
    assert main(["cost", "workflow", Path(app).as_posix(), "--volume", "5000"]) == 0
    out = capsys.readouterr().out
    assert "executions measured" in out
    assert "5,000 executions a month" in out

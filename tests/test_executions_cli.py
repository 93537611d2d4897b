"""`workshop inspect`: a text summary, or a standalone HTML report that needs no internet."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from conftest import zip_source

from workshop_lib import cli, clients
from workshop_lib.executions import run

HANDLER = """
def lambda_handler(event, context):
    print("hello from the report test")
    return {"greeting": "hi " + event.get("who", "there")}
"""

DEFINITION = {
    "StartAt": "Greet",
    "States": {
        "Greet": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "FUNCTION", "Payload.$": "$"},
            "ResultPath": "$.greet",
            "Next": "Decide",
        },
        "Decide": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.refuse", "BooleanEquals": True, "Next": "Refuse"}],
            "Default": "Finish",
        },
        "Refuse": {"Type": "Fail", "Error": "Refused", "Cause": "the input asked to be refused"},
        "Finish": {"Type": "Pass", "End": True},
    },
}


@pytest.fixture(scope="module")
def executions(lambda_role) -> dict[str, str]:
    function_arn = clients.client("lambda").create_function(
        FunctionName=f"report-{uuid.uuid4().hex[:8]}",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.lambda_handler",
        Code={"ZipFile": zip_source({"app.py": HANDLER})},
    )["FunctionArn"]
    definition = json.loads(json.dumps(DEFINITION).replace("FUNCTION", function_arn))
    machine = clients.client("stepfunctions").create_state_machine(
        name=f"report-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition),
        roleArn=lambda_role,
    )["stateMachineArn"]
    done = {
        name: run(machine, {"who": "Ada", "refuse": refuse}, wait=False).watch(0.05, timeout=60)
        for name, refuse in (("ok", False), ("refused", True))
    }
    return {name: execution.arn for name, execution in done.items()}


def test_the_text_summary_lists_steps_and_the_error(executions, capsys):
    assert cli.main(["inspect", executions["refused"]]) == 0
    out = capsys.readouterr().out
    assert "FAILED" in out and "Refused" in out and "the input asked to be refused" in out
    for state in ("Greet", "Decide", "Refuse"):
        assert state in out
    assert "Finish" not in out


def test_the_html_report_is_complete_and_self_contained(executions, tmp_path, capsys):
    target = tmp_path / "report.html"
    assert cli.main(["inspect", executions["ok"], "--html", str(target)]) == 0
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page  # the diagram
    assert "data:image/png;base64," in page  # the timeline
    assert "hello from the report test" in page  # the Lambda logs
    assert "TaskScheduled" in page and "Greet" in page  # events and steps
    assert "<script" not in page.lower()
    assert set(re.findall(r"https?://[^\s\"'<>)]+", page)) <= {"http://www.w3.org/2000/svg"}
    links = re.findall(r"(?:src|href)\s*=\s*[\"']([^\"']*)", page)
    assert links and all(link.startswith("data:") for link in links)
    assert str(target) in capsys.readouterr().err


def test_an_unknown_execution_is_a_friendly_error(local_cloud, capsys):
    missing = "arn:aws:states:us-east-1:123456789012:execution:nothing-here:nope"
    assert cli.main(["inspect", missing]) == 1
    assert "What to do" in capsys.readouterr().err

"""Notebook 11's capstone: the learner edition starts empty, says "not attempted" and shows no
reference solution; a check leaves nothing behind in the cloud."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

from workshop_lib import clients
from workshop_lib.course._editions import LEARNER_DIR
from workshop_lib.exercises import ____, nb11
from workshop_lib.paths import NOTEBOOKS

NOTEBOOK = f"{nb11.NOTEBOOK}.ipynb"


def _learner_starters(folder: Path) -> None:
    """Write the capstone's files as the learner edition's cells write them, untouched."""
    learner = nbformat.read(LEARNER_DIR / NOTEBOOK, as_version=4)
    (folder / nb11.FUNCTION_DIR).mkdir(parents=True)
    for cell in learner.cells:
        if cell.cell_type != "code":
            continue
        if cell.source.startswith("%%writefile capstone/check_order/app.py"):
            (folder / nb11.FUNCTION_DIR / "app.py").write_text(cell.source.split("\n", 1)[1])
        elif "workflow = {" in cell.source:
            namespace: dict = {"CAPSTONE": folder, "json": json}
            exec(cell.source, namespace)
    assert (folder / nb11.WORKFLOW_FILE).is_file()


def test_the_learner_editions_untouched_starters_are_not_attempted(tmp_path):
    _learner_starters(tmp_path)
    outcome = nb11.capstone.evaluate(tmp_path)
    assert outcome.status == "not attempted"
    assert "no states yet" in outcome.message
    assert nb11.capstone.evaluate(____).status == "not attempted"
    assert nb11.capstone.evaluate(tmp_path / "never-written").status == "not attempted"


def test_the_learner_edition_shows_no_reference_solution(capsys):
    instructor = "\n".join(
        cell.source for cell in nbformat.read(NOTEBOOKS / NOTEBOOK, as_version=4).cells
    )
    solutions = re.findall(r"# BEGIN SOLUTION\n(.*?)# END SOLUTION", instructor, re.DOTALL)
    starters = set(re.findall(r"# STARTER: ?(.*)", instructor))
    telling = [
        line.strip()
        for block in solutions
        for line in block.splitlines()
        if len(line.strip()) > 20 and line not in starters
    ]
    assert len(telling) > 20, "the instructor edition lost its solution"
    learner = nbformat.read(LEARNER_DIR / NOTEBOOK, as_version=4)
    text = "\n".join(cell.source for cell in learner.cells)
    shown = [line for line in telling if line in text]
    assert not shown, shown
    nb11.capstone.solution()  # says there is none; prints no code
    assert "Retry" not in capsys.readouterr().out


def _every(service: str, operation: str, key: str) -> list:
    """Every item of a listing, through all its pages (the tests' cloud holds many)."""
    paginator = clients.client(service).get_paginator(operation)
    return [item for page in paginator.paginate() for item in page.get(key, [])]


def _capstone_resources() -> set[str]:
    found = {f["FunctionName"] for f in _every("lambda", "list_functions", "Functions")}
    found |= {m["name"] for m in _every("stepfunctions", "list_state_machines", "stateMachines")}
    found |= set(_every("sqs", "list_queues", "QueueUrls"))
    found |= {t["TopicArn"] for t in _every("sns", "list_topics", "Topics")}
    found |= {b["Name"] for b in clients.client("s3").list_buckets()["Buckets"]}
    found |= {r["RoleName"] for r in _every("iam", "list_roles", "Roles")}
    found |= {g["logGroupName"] for g in _every("logs", "describe_log_groups", "logGroups")}
    return {name for name in found if "capstone" in name}


def test_a_check_removes_everything_it_deployed(local_cloud):
    before = _capstone_resources()
    outcome = nb11.capstone.evaluate(nb11.reference_folder())
    assert outcome.correct, str(outcome)
    assert [b.name for b in outcome.behaviours] == list(nb11.BEHAVIOURS)
    assert _capstone_resources() == before


def test_a_run_that_cannot_finish_is_reported_not_raised(local_cloud):
    missing = "arn:aws:states:us-east-1:123456789012:stateMachine:capstone-never-deployed"
    execution = nb11._run(missing, {"orderId": "good-1", "gift": "a kite", "paper": "red"})
    assert execution.status == "DID NOT FINISH"
    verdict = nb11._good_behaviour(execution, "good-1", "", "capstone-no-such-bucket")
    assert not verdict.passed
    assert "the run ended DID NOT FINISH" in verdict.detail


def test_each_behaviour_line_shows_its_verdict_in_colour():
    # The notebook says "repeat until every line is green": a passed mark is green, a failed red.
    from workshop_lib.display import theme

    outcome = nb11.CapstoneOutcome(
        "capstone",
        "incorrect",
        "1 of 2 behaviours pass.",
        behaviours=(
            nb11.Behaviour("Written in JSONata", True, "QueryLanguage is JSONata."),
            nb11.Behaviour("A jammed machine is tried again", False, "jammed.", "Add a Retry."),
        ),
    )
    page = outcome._repr_html_()
    assert re.search(rf"color:{re.escape(theme.SUCCESS)}'><b>✔</b>", page)
    assert re.search(rf"color:{re.escape(theme.FAILURE)}'><b>✘</b>", page)

"""Learner edition, progress report, catch-up."""

from __future__ import annotations

import subprocess
import sys

import nbformat

from workshop_lib.course import catch_up, check, learner_notebook, learner_source, progress


def test_solutions_become_starters():
    source = (
        "from x import ____\n"
        "# STARTER: policy = ____  # your code here\n"
        "# BEGIN SOLUTION\n"
        "policy = {'MaxAttempts': 2}\n"
        "# END SOLUTION\n"
        "check(policy)\n"
    )
    assert learner_source(source) == (
        "from x import ____\npolicy = ____  # your code here\ncheck(policy)"
    )
    assert "your code here" in learner_source("# BEGIN SOLUTION\nsecret = 1\n# END SOLUTION")
    assert "secret" not in learner_source("# BEGIN SOLUTION\nsecret = 1\n# END SOLUTION")


def test_learner_notebooks_keep_everything_but_solutions():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\nprint(x)"),
        nbformat.v4.new_code_cell("y = 2"),
    ]
    learner = learner_notebook(notebook)
    assert [c.source for c in learner.cells] == ["# Title", "# your code here\nprint(x)", "y = 2"]
    assert notebook.cells[1].source.startswith("# BEGIN")  # the source is untouched


def test_learner_links_to_the_docs_still_resolve_one_folder_deeper():
    from workshop_lib.course._editions import LEARNER_DIR
    from workshop_lib.paths import NOTEBOOKS

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("An [ARN](../docs/glossary.md#arn).")]
    (cell,) = learner_notebook(notebook).cells
    target = cell.source.split("](")[1].split("#")[0]
    assert (LEARNER_DIR / target).resolve() == (NOTEBOOKS / "../docs/glossary.md").resolve()
    assert (LEARNER_DIR / target).exists()


def test_committed_learner_edition_is_up_to_date():
    stale = [status.notebook for status in check() if not status.up_to_date]
    assert not stale, f"run `workshop editions build`: {stale}"


def test_progress_lists_every_exercise(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKSHOP_PROGRESS_FILE", str(tmp_path / "progress.json"))
    report = progress()
    assert report.rows and report.passed() == 0
    result = subprocess.run(
        [sys.executable, "-m", "workshop_lib.cli", "progress"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, "WORKSHOP_PROGRESS_FILE": str(tmp_path / "progress.json")},
    )
    assert result.returncode == 0 and "exercises pass" in result.stdout


def test_catch_up_deploys_what_earlier_modules_built(local_cloud):
    from workshop_lib.deploy import outputs

    report = catch_up(3, reset=False)
    assert "santa" in report.deployed
    assert outputs("santa")["StateMachineArn"]

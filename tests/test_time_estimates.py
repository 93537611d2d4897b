"""One set of time estimates: each notebook's first cell, the README and the instructor guide
give the same minutes (and the same optional minutes) for every module."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from workshop_lib.notebooks import discover
from workshop_lib.paths import REPO

_README_ROW = re.compile(
    r"^\| (\d\d) \| `\d\d_[^\n]*\((\d+) min(?: \+ (\d+) optional)?\) \|$", re.M
)


def _notebook_minutes(path: Path) -> tuple[int, int]:
    first = nbformat.read(path, as_version=4).cells[0].source
    found = re.search(r"[Aa]bout (\d+) minutes(?:, plus (\d+) for the optional)?", first)
    assert found, f"{path.name}: the first cell says how long the notebook takes"
    return int(found.group(1)), int(found.group(2) or 0)


def _readme_minutes() -> dict[str, tuple[int, int]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    rows = _README_ROW.findall(text)
    return {num: (int(core), int(optional or 0)) for num, core, optional in rows}


def _guide_minutes() -> dict[str, tuple[int, int]]:
    text = (REPO / "docs" / "instructor_guide.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d\d) \| [^|]+ \| (\d+)(?: \(\+(\d+) optional\))? \|", text, re.M)
    return {num: (int(core), int(optional or 0)) for num, core, optional in rows}


def test_notebooks_readme_and_guide_agree_on_every_modules_minutes():
    notebooks = {path.name[:2]: _notebook_minutes(path) for path in discover()}
    assert _readme_minutes() == notebooks
    assert _guide_minutes() == notebooks


def test_the_totals_quoted_in_the_guide_add_up():
    notebooks = [_notebook_minutes(path) for path in discover()]
    guide = (REPO / "docs" / "instructor_guide.md").read_text(encoding="utf-8")
    core, optional = sum(n[0] for n in notebooks), sum(n[1] for n in notebooks)
    assert f"({core} minutes), plus {optional} minutes of sections marked" in guide
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"plus {optional} minutes of optional sections" in readme

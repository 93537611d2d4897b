"""One source, two editions: the learner notebooks are generated from the instructor ones.

In an instructor notebook, a solution sits between `# BEGIN SOLUTION` and `# END SOLUTION`.
Lines `# STARTER: ...` just before it give what the learner starts from (commented out in the
instructor edition); without them the learner gets `# your code here`.
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..notebooks import discover
from ..paths import NOTEBOOKS

LEARNER_DIR = NOTEBOOKS / "learner"
_BEGIN = re.compile(r"^(\s*)# BEGIN SOLUTION\s*$")
_END = re.compile(r"^\s*# END SOLUTION\s*$")
_STARTER = re.compile(r"^(\s*)# STARTER: ?(.*)$")
_UP_LINK = re.compile(r"(\]\()\.\./")


def learner_source(source: str) -> str:
    """The learner's version of one cell's source."""
    out: list[str] = []
    starters: list[str] = []
    inside = False
    for line in source.splitlines():
        starter = _STARTER.match(line)
        if not inside and starter:
            starters.append(starter.group(1) + starter.group(2))
            continue
        begin = _BEGIN.match(line)
        if begin:
            inside = True
            out.extend(starters or [begin.group(1) + "# your code here"])
            starters = []
            continue
        if inside:
            if _END.match(line):
                inside = False
            continue
        out.extend(starters)
        starters = []
        out.append(line)
    out.extend(starters)
    return "\n".join(out)


def has_solutions(source: str) -> bool:
    return any(_BEGIN.match(line) for line in source.splitlines())


def learner_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    learner = copy.deepcopy(notebook)
    for cell in learner.cells:
        if cell.cell_type == "code" and has_solutions(cell.source):
            cell.source = learner_source(cell.source)
        elif cell.cell_type == "markdown":
            # The learner edition lives one folder deeper: ../docs/x.md becomes ../../docs/x.md.
            cell.source = _UP_LINK.sub(r"\1../../", cell.source)
    learner.metadata["workshop_edition"] = "learner"
    return learner


@dataclass(frozen=True)
class EditionStatus:
    notebook: str
    up_to_date: bool
    diff: str = ""


def build(out_dir: Path = LEARNER_DIR) -> list[Path]:
    """Write the learner edition of every notebook."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in discover():
        target = out_dir / path.name
        nbformat.write(learner_notebook(nbformat.read(path, as_version=4)), target)
        written.append(target)
    return written


def check(out_dir: Path = LEARNER_DIR) -> list[EditionStatus]:
    """Compare the committed learner edition with what `build` would write."""
    statuses = []
    for path in discover():
        expected = nbformat.writes(learner_notebook(nbformat.read(path, as_version=4)))
        target = out_dir / path.name
        actual = target.read_text(encoding="utf-8") if target.exists() else ""
        if actual == expected + ("\n" if not expected.endswith("\n") else ""):
            statuses.append(EditionStatus(path.stem, True))
            continue
        if actual.rstrip("\n") == expected.rstrip("\n"):
            statuses.append(EditionStatus(path.stem, True))
            continue
        diff = "".join(
            difflib.unified_diff(
                actual.splitlines(keepends=True),
                expected.splitlines(keepends=True),
                fromfile=f"committed {target.name}",
                tofile="generated",
                n=1,
            )
        )
        statuses.append(EditionStatus(path.stem, False, diff[:4000]))
    return statuses

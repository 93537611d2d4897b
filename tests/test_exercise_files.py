"""Handlers learners write live in files (`%%writefile` cells): both editions of each such cell
write a file that `handler_file` and the exercise's check read the way a learner needs."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from workshop_lib.course._editions import learner_source
from workshop_lib.exercises import ____, handler_file, handlers_folder, nb00, nb01
from workshop_lib.notebooks import discover

_WRITEFILE = re.compile(r"\A%%writefile (\S+)\n")
# The exercise each handler file is checked by, by file name.
_EXERCISES = {
    "greeter.py": nb00.greeter,
    "naughty_or_nice.py": nb01.naughty_or_nice,
    "stamper.py": nb01.stamper,
}


def _writefile_cells() -> list[tuple[str, str]]:
    cells = []
    for path in discover():
        for cell in nbformat.read(path, as_version=4).cells:
            found = _WRITEFILE.match(cell.source) if cell.cell_type == "code" else None
            if found and Path(found.group(1)).parent.name == "my_handlers":
                cells.append((found.group(1), cell.source))
    return cells


def _write(tmp_path: Path, cell_source: str) -> Path:
    """What `%%writefile` writes: the cell without its first line."""
    target = tmp_path / "handler.py"
    target.write_text(cell_source.split("\n", 1)[1], encoding="utf-8")
    return target


def test_every_exercise_handler_is_written_to_a_file():
    names = sorted(Path(name).name for name, _ in _writefile_cells())
    assert names == sorted(_EXERCISES)


@pytest.mark.parametrize("name, source", _writefile_cells(), ids=lambda v: str(v)[:30])
def test_instructor_file_passes_and_learner_starter_is_not_attempted(name, source, tmp_path):
    exercise = _EXERCISES[Path(name).name]
    assert exercise.evaluate(handler_file(_write(tmp_path, source))).status == "correct"
    starter = learner_source(source)
    assert "BEGIN SOLUTION" not in starter and starter.startswith(f"%%writefile {name}\n")
    assert handler_file(_write(tmp_path, starter)) is ____
    assert exercise.evaluate(handler_file(_write(tmp_path, starter))).status == "not attempted"


def test_a_wrong_handler_in_a_file_gets_the_checkers_advice(tmp_path):
    wrong = tmp_path / "greeter.py"
    wrong.write_text("def lambda_handler(event, context):\n    return 'Hello'\n", encoding="utf-8")
    outcome = nb00.greeter.evaluate(handler_file(wrong))
    assert outcome.status == "incorrect" and "return a dictionary" in outcome.message


def test_a_missing_file_is_not_attempted_and_the_folder_is_made(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert handler_file("my_handlers/greeter.py") is ____
    assert handlers_folder().resolve() == (tmp_path / "my_handlers").resolve()
    assert (tmp_path / "my_handlers").is_dir()

"""Every checker passes its reference solution and catches its known wrong answers."""

from __future__ import annotations

import pytest

from workshop_lib.exercises import ____, all_exercises
from workshop_lib.exercises._progress import load

EXERCISES = [exercise for items in all_exercises().values() for exercise in items]


def test_there_are_exercises():
    assert EXERCISES


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.key for e in EXERCISES])
def test_reference_solution_passes(exercise):
    assert exercise.evaluate(exercise.solution_value()).correct


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.key for e in EXERCISES])
def test_known_wrong_answers_fail_with_specific_feedback(exercise):
    assert exercise.known_wrong, "every checker must be proven against a wrong answer"
    for wrong, phrase in exercise.known_wrong:
        outcome = exercise.evaluate(wrong)
        assert outcome.status == "incorrect", wrong
        assert phrase in outcome.message, (phrase, outcome.message)


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.key for e in EXERCISES])
def test_blank_answers_are_not_attempted(exercise):
    assert exercise.evaluate(____).status == "not attempted"


def test_check_records_progress_and_keeps_a_pass(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKSHOP_PROGRESS_FILE", str(tmp_path / "progress.json"))
    exercise = EXERCISES[0]
    exercise.check(exercise.known_wrong[0][0])
    assert load()[exercise.notebook][exercise.key]["status"] == "incorrect"
    exercise.check(exercise.solution_value())
    exercise.check(exercise.known_wrong[0][0])  # a later slip does not lose the pass
    entry = load()[exercise.notebook][exercise.key]
    assert entry["status"] == "correct" and entry["attempts"] == 3


def test_hints_are_progressive(capsys):
    exercise = EXERCISES[0]
    assert len(exercise.hints) >= 2
    exercise.hint()
    exercise.hint(99)  # past the last hint shows the last one
    exercise.solution()


def test_a_cell_ending_with_check_shows_the_verdict_once(monkeypatch, tmp_path):
    from workshop_lib.exercises import _exercise

    monkeypatch.setenv("WORKSHOP_PROGRESS_FILE", str(tmp_path / "progress.json"))
    shown = []
    monkeypatch.setattr(_exercise, "display", lambda value, **_: shown.append(value))
    monkeypatch.setattr(_exercise, "_cell_number", lambda: 7)
    exercise = EXERCISES[0]
    outcome = exercise.check(exercise.solution_value())
    outcome._ipython_display_()  # what IPython does with the value a cell ends with
    assert len(shown) == 1 and outcome.correct

    monkeypatch.setattr(_exercise, "_cell_number", lambda: 8)
    outcome._ipython_display_()  # asked for again in a later cell, it shows
    assert len(shown) == 2 and "Correct" in shown[1]["text/html"]

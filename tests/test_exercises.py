"""Every checker passes its reference solution and catches its known wrong answers."""

from __future__ import annotations

import pytest

from workshop_lib.exercises import ____, all_exercises
from workshop_lib.exercises._progress import load

EXERCISES = [exercise for items in all_exercises().values() for exercise in items]


def _cloud_if_it_deploys(exercise, request) -> None:
    """The capstone's checker deploys the answer and runs it: it needs the local cloud."""
    if getattr(exercise, "deploys", False):
        request.getfixturevalue("local_cloud")


def test_there_are_exercises():
    assert EXERCISES


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.key for e in EXERCISES])
def test_reference_solution_passes(exercise, request):
    _cloud_if_it_deploys(exercise, request)
    assert exercise.evaluate(exercise.solution_value()).correct


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.key for e in EXERCISES])
def test_known_wrong_answers_fail_with_specific_feedback(exercise, request):
    _cloud_if_it_deploys(exercise, request)
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
    monkeypatch.setattr(_exercise, "current_cell", lambda: 7)
    exercise = EXERCISES[0]
    outcome = exercise.check(exercise.solution_value())
    outcome._ipython_display_()  # what IPython does with the value a cell ends with
    assert len(shown) == 1 and outcome.correct

    monkeypatch.setattr(_exercise, "current_cell", lambda: 8)
    outcome._ipython_display_()  # asked for again in a later cell, it shows
    assert len(shown) == 2 and "Correct" in shown[1]["text/html"]


# -- the checkers agree with the apps and the price data they teach --------------------------------


def test_the_image_apps_own_choice_and_retry_pass_their_checkers():
    from workshop_lib.exercises import nb05

    states = nb05._definition()["States"]
    assert nb05.image_valid.evaluate(states["ImageValid"]).correct
    for name in ("ValidateImage", "OptimizeImage"):
        assert nb05.retry_policy.evaluate(states[name]["Retry"]).correct, name


def test_a_choice_fails_like_step_functions_when_a_compared_field_is_missing():
    from workshop_lib.asl import ChoiceFailure, choose

    state = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.a.ok", "BooleanEquals": True, "Next": "Yes"}],
    }
    assert choose(state, {"a": {"ok": True}}) == "Yes"
    with pytest.raises(ChoiceFailure) as missing:
        choose(state, {"a": {}})
    assert missing.value.error == "States.Runtime"
    with pytest.raises(ChoiceFailure) as unmatched:
        choose(state, {"a": {"ok": "true"}})  # a string is not the boolean true
    assert unmatched.value.error == "States.NoChoiceMatched"
    guarded = {
        "Type": "Choice",
        "Choices": [
            {
                "And": [
                    {"Variable": "$.a.ok", "IsPresent": True},
                    {"Variable": "$.a.ok", "BooleanEquals": True},
                ],
                "Next": "Yes",
            }
        ],
        "Default": "No",
    }
    assert choose(guarded, {"a": {}}) == "No"


def test_the_format_gate_solution_agrees_with_the_apps_validator():
    from workshop_lib.exercises import nb04
    from workshop_lib.gallery import sample_bytes
    from workshop_lib.images_app import lambda_code

    imaging = lambda_code().imaging
    upload_format = nb04.upload_format.solution_value()
    for name, expected in nb04._expected_formats().items():
        data = sample_bytes(name)
        try:
            found = imaging.inspect_image(data).format
        except imaging.InvalidImageError:
            found = None
        assert upload_format(data, "renamed.bin", "text/plain") == found == expected, name


def test_the_cost_checkers_arithmetic_without_slips_is_the_libraries_bill():
    from workshop_lib.costs import lambda_cost, stepfunctions_cost
    from workshop_lib.exercises import nb08
    from workshop_lib.pricing import load_prices

    book = load_prices()
    for month in nb08._LAMBDA_MONTHS:
        right = dict(nb08._lambda_variants(month, book))[frozenset()]
        bill = lambda_cost(month.memory_mb, month.duration_ms, month.invocations).total_cost
        assert right == pytest.approx(bill, rel=1e-9)
    for month in nb08._WORKFLOW_MONTHS:
        standard = dict(nb08._standard_variants(month, book))[frozenset()]
        express = dict(nb08._express_variants(month, book))[frozenset()]
        assert standard == pytest.approx(
            stepfunctions_cost(
                "standard", month.executions, transitions=month.transitions
            ).total_cost
        )
        assert express == pytest.approx(
            stepfunctions_cost(
                "express",
                month.executions,
                duration_ms=month.duration_ms,
                memory_mb=month.memory_mb,
            ).total_cost
        )

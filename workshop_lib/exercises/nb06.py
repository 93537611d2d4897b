"""Exercises of notebook 06 (run and inspect): reading a recorded execution like a detective.

The mystery is a real run of the image processor, recorded by `data/executions/record.py`:
its history events, the definition it ran and its description, as the Step Functions API
returned them. Learners rebuild it with `mystery_execution()` and read it with the same tools as
their own runs; the checkers compare their answers with the recorded events themselves.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from .. import asl
from ..executions import Execution, Step
from ..paths import EXECUTIONS_DATA, require
from ._exercise import Exercise, Mistake

NOTEBOOK = "06_run_and_inspect"
MYSTERY_FILE = EXECUTIONS_DATA / "mystery_run.json"
_TOLERANCE_S = 0.1


@cache
def _recording() -> dict[str, Any]:
    recorded = require(MYSTERY_FILE, "the recorded mystery run")
    return json.loads(recorded.read_text(encoding="utf-8"))


def mystery_execution() -> Execution:
    """The recorded run, as an `Execution`: display it, open its steps, draw its timeline."""
    recording = _recording()
    description = recording["execution"]
    return Execution(
        recording["events"],
        arn=description["executionArn"],
        definition=recording["definition"],
        description=description,
    )


# -- the truth, read straight from the recorded events --------------------------------------------


@dataclass(frozen=True)
class _Truth:
    state: str
    error: str
    message: str
    attempts: int
    policy_waits: tuple[float, ...]
    fail_state: str
    caught_by: str
    states_that_ran: tuple[str, ...]


@cache
def _truth() -> _Truth:
    """The first state whose every attempt failed, from the raw events (not the replay)."""
    recording = _recording()
    events = recording["events"]
    by_id = {event["id"]: event for event in events}
    visits: dict[int, dict[str, Any]] = {}  # StateEntered event id -> what happened there
    for event in events:
        entered = _entered_event(event, by_id)
        if entered is None:
            continue
        visit = visits.setdefault(entered["id"], {"scheduled": 0, "errors": [], "ok": False})
        if event["type"] == "TaskScheduled":
            visit["scheduled"] += 1
        elif event["type"] == "TaskFailed":
            details = event["taskFailedEventDetails"]
            visit["errors"].append((details["error"], details.get("cause") or ""))
        elif event["type"] == "TaskSucceeded":
            visit["ok"] = True
    entered_id, visit = next(
        (key, value) for key, value in sorted(visits.items()) if value["errors"] and not value["ok"]
    )
    state = by_id[entered_id]["stateEnteredEventDetails"]["name"]
    error, cause = visit["errors"][-1]
    definition = recording["definition"]["States"][state]
    waits = tuple(
        asl.retry_wait(definition.get("Retry", []), error, done).seconds
        for done in range(visit["scheduled"] - 1)
    )
    catcher = asl.catch_target(definition.get("Catch", []), error)
    ran = tuple(
        dict.fromkeys(
            event["stateEnteredEventDetails"]["name"]
            for event in events
            if event["type"].endswith("StateEntered")
        )
    )
    return _Truth(
        state=state,
        error=error,
        message=json.loads(cause).get("errorMessage", "") if cause.startswith("{") else cause,
        attempts=visit["scheduled"],
        policy_waits=waits,
        fail_state=recording["execution"].get("error") or "",
        caught_by=catcher,
        states_that_ran=ran,
    )


def _entered_event(event: Mapping[str, Any], by_id: Mapping[int, Any]) -> Mapping[str, Any] | None:
    """The StateEntered event a Task event belongs to, following previousEventId back."""
    if not event["type"].startswith("Task") or event["type"].endswith("StateEntered"):
        return None
    current = by_id.get(event.get("previousEventId") or 0)
    while current is not None and not current["type"].endswith("StateEntered"):
        current = by_id.get(current.get("previousEventId") or 0)
    return current


# -- exercise 1: where did it go wrong? -----------------------------------------------------------


def _check_root_cause(answer: Any) -> str:
    truth = _truth()
    if isinstance(answer, Step):
        raise Mistake(
            "that is the whole step. Build the answer from it: "
            '{"state": step.name, "error": step.error, "attempts": len(step.attempts)}.'
        )
    if not isinstance(answer, Mapping):
        raise Mistake('answer with a dictionary: {"state": ..., "error": ..., "attempts": ...}.')
    missing = [key for key in ("state", "error", "attempts") if key not in answer]
    if missing:
        raise Mistake(f"the dictionary needs the key(s) {', '.join(missing)}.")
    _check_state(answer["state"], truth)
    _check_error(answer["error"], truth)
    _check_attempts(answer["attempts"], truth)
    return (
        f"{truth.state} failed with {truth.error} on all {truth.attempts} attempts; the Catch "
        f"sent the run to {truth.caught_by}, and {truth.fail_state} only reported it."
    )


def _check_state(state: Any, truth: _Truth) -> None:
    if state == truth.state:
        return
    if state == truth.fail_state:
        raise Mistake(
            f"{state} is the Fail state the run ended in on purpose, after the problem was "
            "handled. It reports the failure; look earlier for the step whose own error was "
            "caught (orange in the diagram)."
        )
    if state == truth.caught_by:
        raise Mistake(
            f"{state} ran because something else failed, and it succeeded. Which state's "
            f"error did the Catch send to {state}?"
        )
    if state in truth.states_that_ran:
        raise Mistake(f"{state} did its job. Look for the step with an error in the Steps table.")
    raise Mistake(
        f"no state called {state!r} ran in this execution (names are case-sensitive). "
        f"These ran: {', '.join(truth.states_that_ran)}."
    )


def _check_error(error: Any, truth: _Truth) -> None:
    if error == truth.error:
        return
    if error == truth.fail_state:
        raise Mistake(
            f"{error} is the execution's error, set by its Fail state. The state's own error "
            "is on its step: step.error."
        )
    if error == "States.ALL":
        raise Mistake(
            "States.ALL is the pattern in the Retry and Catch rules, matching any error. The "
            "error itself has its own name: step.error."
        )
    if isinstance(error, str) and error and error in truth.message:
        raise Mistake(
            "that is the error's message (it is in the cause). The error is the name of the "
            "exception: step.error."
        )
    raise Mistake(f"{error!r} is not the error that state raised. Read step.error.")


def _check_attempts(attempts: Any, truth: _Truth) -> None:
    if isinstance(attempts, bool) or not isinstance(attempts, int):
        raise Mistake(f"attempts should be a whole number, not {attempts!r}.")
    if attempts == truth.attempts:
        return
    if attempts == truth.attempts - 1:
        raise Mistake(
            "that counts the retries only. Attempts include the first try: len(step.attempts)."
        )
    raise Mistake(
        f"the state was not tried {attempts} times. Count the rows of its Attempts table, or "
        "len(step.attempts)."
    )


_ROOT_CAUSE = """failed = next(step for step in mystery.steps if step.error)
root_cause = {"state": failed.name, "error": failed.error, "attempts": len(failed.attempts)}
"""


def _root_cause_solution() -> dict[str, Any]:
    failed = next(step for step in mystery_execution().steps if step.error)
    return {"state": failed.name, "error": failed.error, "attempts": len(failed.attempts)}


root_cause = Exercise(
    key="root_cause",
    notebook=NOTEBOOK,
    title="Where did it go wrong?",
    checker=_check_root_cause,
    hints=[
        "The execution's own error comes from the Fail state at the very end. The trouble "
        "started earlier: find the orange box in the diagram, or the Error column of Steps.",
        "mystery.steps lists the top-level steps in the order they ran; the first one with an "
        "error is where it went wrong.",
        "For that step: .name, .error, and len(.attempts) (the first try counts).",
    ],
    solution_code=_ROOT_CAUSE,
    solution_value=_root_cause_solution,
    known_wrong=[
        ({"state": "ImageRejected", "error": "ImageRejected", "attempts": 1}, "Fail state"),
        ({"state": "NotifyError", "error": "OSError", "attempts": 3}, "ran because"),
        ({"state": "OptimizeImage", "error": "States.ALL", "attempts": 3}, "pattern"),
        ({"state": "OptimizeImage", "error": "ImageRejected", "attempts": 3}, "step.error"),
        ({"state": "OptimizeImage", "error": "No space left on device", "attempts": 3}, "message"),
        ({"state": "OptimizeImage", "error": "OSError", "attempts": 2}, "retries only"),
        ({"state": "optimizeimage", "error": "OSError", "attempts": 3}, "case-sensitive"),
        (("OptimizeImage", "OSError", 3), "dictionary"),
        ({"state": "OptimizeImage", "error": "OSError"}, "attempts"),
    ],
)


# -- exercise 2: how long did it wait? ------------------------------------------------------------


def _check_waits(answer: Any) -> str:
    truth = _truth()
    total = sum(truth.policy_waits)
    if isinstance(answer, bool) or not isinstance(answer, int | float) or math.isnan(answer):
        raise Mistake(f"answer with a number of seconds, such as 1.5, not {answer!r}.")
    if abs(answer - total) <= _TOLERANCE_S:
        waits = " + ".join(f"{wait:g}" for wait in truth.policy_waits)
        return (
            f"{waits} = {total:g} s: each retry waited BackoffRate times longer than the one "
            "before. Offline the local cloud shortens these waits; in AWS they are real."
        )
    if truth.policy_waits and abs(answer - truth.policy_waits[-1]) <= _TOLERANCE_S:
        raise Mistake(
            "that is only the wait before the last attempt. Add the wait before every retry."
        )
    if truth.policy_waits and abs(answer - truth.policy_waits[0]) <= _TOLERANCE_S:
        raise Mistake(
            f"{answer:g} is the first wait alone (or the number of retries). BackoffRate makes "
            "each following wait longer: add them all up."
        )
    if answer == truth.attempts:
        raise Mistake("that is the number of attempts; the question asks for seconds of waiting.")
    duration = mystery_execution().step(truth.state).duration
    if duration is not None and abs(answer - duration) <= _TOLERANCE_S / 2:
        raise Mistake(
            "that is how long the whole state took, the attempts themselves included. Add up "
            "only the waits the Retry policy asked for."
        )
    raise Mistake(
        "not quite. Open the failed step: its Attempts table has a 'Retry policy wait' "
        "column; add up its values."
    )


_WAITS = """failed = mystery.step("OptimizeImage")
waited = sum(attempt.retry_interval for attempt in failed.retries)
"""


def _waits_solution() -> float:
    step = mystery_execution().step(_truth().state)
    return sum(attempt.retry_interval or 0.0 for attempt in step.retries)


retry_waits = Exercise(
    key="retry_waits",
    notebook=NOTEBOOK,
    title="How long did Step Functions wait?",
    checker=_check_waits,
    hints=[
        "Open the step that failed, mystery.step(...) with its name: the Attempts table has a "
        "'Retry policy wait' column.",
        "Each retry (step.retries) has .retry_interval: the seconds the Retry policy asked for "
        "before it. The first try has none.",
        "sum(attempt.retry_interval for attempt in step.retries)",
    ],
    solution_code=_WAITS,
    solution_value=_waits_solution,
    known_wrong=[
        (4.0, "only the wait before the last attempt"),
        (2, "first wait alone"),
        (3, "number of attempts"),
        ("6 s", "number of seconds"),
        (100, "Retry policy wait"),
    ],
)

"""Exercise of notebook 10 (testing one state): a TestState request that shows a given retry.

The checker works out what TestState answers for ValidateData, from Santa's own Retry and Catch
rules and AWS's documented matching (the first retrier whose ErrorEquals names the error; with
`retrierRetryCount` n below MaxAttempts the answer is RETRIABLE after IntervalSeconds x
BackoffRate^n seconds; otherwise the first matching catcher decides).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from .. import asl
from ..paths import SANTA_ASL, require
from ._checks import check_fields, first_match, python_value
from ._exercise import Exercise, Mistake

NOTEBOOK = "10_testing_one_state"
ASL = SANTA_ASL
WANTED_RETRY = 3
"""The exercise: show the wait before ValidateData's third retry."""

REQUEST_FIELDS = frozenset({"mock", "stateConfiguration", "input", "inspectionLevel"})
MOCK_FIELDS = frozenset({"result", "errorOutput", "fieldValidationMode"})


@cache
def _validate_state() -> dict[str, Any]:
    machine = require(ASL, "the Santa state machine")
    return json.loads(machine.read_text(encoding="utf-8"))["States"]["ValidateData"]


def predicted_answer(request: dict[str, Any]) -> dict[str, Any]:
    """What TestState answers for ValidateData with this mock and stateConfiguration."""
    state = _validate_state()
    mock = request.get("mock") or {}
    if "result" in mock:
        return {"status": "SUCCEEDED", "nextState": state["Next"]}
    error = mock["errorOutput"]["error"]
    count = (request.get("stateConfiguration") or {}).get("retrierRetryCount", 0)
    wait = asl.retry_wait(state.get("Retry", []), error, count)
    if wait is not None:
        return {"status": "RETRIABLE", "error": error, "waitSeconds": wait.seconds}
    target = asl.catch_target(state.get("Catch", []), error)
    if target is not None:
        return {"status": "CAUGHT_ERROR", "error": error, "nextState": target}
    return {"status": "FAILED", "error": error}


_SOLUTION = """my_request = {
    "mock": {"errorOutput": {"error": "Lambda.TooManyRequestsException",
                             "cause": "Rate exceeded"}},
    "stateConfiguration": {"retrierRetryCount": 2},
}
"""


def _solution() -> dict[str, Any]:
    return {
        "mock": {
            "errorOutput": {"error": "Lambda.TooManyRequestsException", "cause": "Rate exceeded"}
        },
        "stateConfiguration": {"retrierRetryCount": 2},
    }


def _check_request(answer: Any) -> str:
    request = python_value(answer, dict, "the request")
    check_fields(request, REQUEST_FIELDS, "This request")
    mock = request.get("mock")
    if mock is None:
        raise Mistake(
            "without a mock, TestState calls the real validate function, which succeeds: "
            'nothing is retried. Add "mock": {"errorOutput": {"error": ..., "cause": ...}}.'
        )
    python_value(mock, dict, "mock")
    check_fields(mock, MOCK_FIELDS, "mock")
    if ("result" in mock) == ("errorOutput" in mock):
        raise Mistake('a mock holds exactly one of "result" (a success) or "errorOutput".')
    if "errorOutput" in mock:
        error_output = python_value(mock["errorOutput"], dict, "errorOutput")
        check_fields(error_output, {"error", "cause"}, "errorOutput")
        if not isinstance(error_output.get("error"), str) or not error_output["error"]:
            raise Mistake('errorOutput needs "error": the error\'s name, in quotes.')
    configuration = request.get("stateConfiguration") or {}
    python_value(configuration, dict, "stateConfiguration")
    check_fields(configuration, {"retrierRetryCount"}, "stateConfiguration")
    count = configuration.get("retrierRetryCount", 0)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise Mistake(f"retrierRetryCount is a whole number, 0 or more, not {count!r}.")
    answer_ = predicted_answer(request)
    status = answer_["status"]
    if status == "SUCCEEDED":
        raise Mistake(
            "a mocked result is a success: ValidateData goes on to TransformData and nothing is "
            'retried. Mock a failure with "errorOutput".'
        )
    if status == "CAUGHT_ERROR":
        retried = first_match(_validate_state()["Retry"], answer_["error"])
        if retried is None:
            raise Mistake(
                f"{answer_['error']} is not in ValidateData's Retry, so it is not retried: the "
                f"Catch sends it to {answer_['nextState']} at once. Mock one of the Lambda "
                "service's errors, such as Lambda.TooManyRequestsException."
            )
        raise Mistake(
            f"retrierRetryCount {count} says the retries have been used up (MaxAttempts is "
            f"{retried[1]['MaxAttempts']}): TestState answers CAUGHT_ERROR, on to "
            f"{answer_['nextState']}. Count the retries already made before the one you want."
        )
    if status == "FAILED":
        raise Mistake(f"{answer_['error']} is neither retried nor caught here.")
    wait = answer_["waitSeconds"]
    if count != WANTED_RETRY - 1:
        raise Mistake(
            f"with retrierRetryCount {count}, TestState shows retry number {count + 1}, after "
            f"{wait:g} s. retrierRetryCount counts the retries already made before this one."
        )
    return (
        f"TestState will answer RETRIABLE: the third retry of {answer_['error']} waits "
        f"{wait:g} s (2 x 2 x 2), without waiting, calling anything or running the workflow."
    )


retry_request = Exercise(
    key="retry_request",
    notebook=NOTEBOOK,
    title="A TestState request for ValidateData's third retry",
    checker=_check_request,
    hints=[
        "Two parts: a mock that makes the call fail with an error ValidateData retries, and a "
        "stateConfiguration that says how many retries were already made.",
        'The mock: {"errorOutput": {"error": "Lambda.TooManyRequestsException", "cause": '
        '"Rate exceeded"}}. Any of the four Lambda service errors is retried.',
        "Before the third retry, two retries were already made: "
        '"stateConfiguration": {"retrierRetryCount": 2}.',
    ],
    solution_code=_SOLUTION,
    solution_value=_solution,
    known_wrong=[
        ({**_solution(), "stateConfiguration": {"retrierRetryCount": 3}}, "retry number 4"),
        ({**_solution(), "stateConfiguration": {}}, "retry number 1"),
        ({**_solution(), "stateConfiguration": {"retrierRetryCount": 6}}, "used up"),
        (
            {**_solution(), "mock": {"errorOutput": {"error": "ListValidationError"}}},
            "not in ValidateData's Retry",
        ),
        ({**_solution(), "mock": {"result": "{}"}}, "a mocked result is a success"),
        ({"stateConfiguration": {"retrierRetryCount": 2}}, "without a mock"),
        ({**_solution(), "mock": {"errorOutput": {"cause": "busy"}}}, 'needs "error"'),
        ({**_solution(), "stateConfiguration": {"retrierRetryCount": "2"}}, "whole number"),
        ({**_solution(), "stateConfiguration": {"retryCount": 2}}, "stateConfiguration"),
        (
            {**_solution(), "mock": {"errorOutput": {"error": "X"}, "result": "{}"}},
            "exactly one",
        ),
        (json.dumps(_solution()), "Python dictionary"),
    ],
)

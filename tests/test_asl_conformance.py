"""workshop_lib.asl and the local cloud give the same answers for the same definitions.

Each case is a small Lambda-free definition (Pass, Choice, Fail, Parallel) and an input.
`asl` predicts the outcome (which Catch or Retry rule fires and how long it waits, what the
paths produce, which Choice branch is taken, a JSONata expression's value); the local cloud
runs a real execution; the test asserts they agree. When one of them changes, this test says
which rule now disagrees.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from test_cloud_jsonata import run

from workshop_lib import asl

INPUT = {"order": {"id": 7, "items": ["a", "b"]}, "note": "hi"}
CAUSE = "the list is torn"


@pytest.fixture(autouse=True)
def _cloud(local_cloud):
    return local_cloud


def _entered(result: dict[str, Any]) -> list[str]:
    return [
        event["stateEnteredEventDetails"]["name"]
        for event in result["events"]
        if event["type"].endswith("StateEntered")
    ]


def _failing_branch(source: str) -> dict[str, Any]:
    """A branch failing with a custom error, or with States.Runtime (a path that matches
    nothing)."""
    if source == "States.Runtime":
        state = {"Type": "Pass", "InputPath": "$.missing", "End": True}
    else:
        state = {"Type": "Fail", "Error": source, "Cause": CAUSE}
    return {"StartAt": "Inner", "States": {"Inner": state}}


def _parallel(source: str, **handling: Any) -> dict[str, Any]:
    """A Parallel state whose only branch fails, with the given Retry and Catch; each catch
    target is a Pass state (named after it) that hands its input on."""
    targets = {rule["Next"] for rule in handling.get("Catch", [])}
    states = {name: {"Type": "Pass", "End": True} for name in targets}
    parallel = {"Type": "Parallel", "Branches": [_failing_branch(source)], "End": True}
    states["P"] = {**parallel, **handling}
    return {"StartAt": "P", "States": states}


# -- Catch: which rule fires, and what its ResultPath makes of the error ------------------------

CATCHES = [
    ("BadList", [{"ErrorEquals": ["States.TaskFailed"], "Next": "A"}]),
    (
        "BadList",
        [{"ErrorEquals": ["Other"], "Next": "A"}, {"ErrorEquals": ["States.ALL"], "Next": "B"}],
    ),
    ("BadList", [{"ErrorEquals": ["Other", "BadList"], "Next": "A"}]),
    ("BadList", [{"ErrorEquals": ["Other"], "Next": "A"}]),
    ("States.Runtime", [{"ErrorEquals": ["States.ALL"], "Next": "B"}]),
    ("States.Runtime", [{"ErrorEquals": ["States.TaskFailed"], "Next": "A"}]),
    (
        "States.Runtime",
        [
            {"ErrorEquals": ["States.Runtime"], "Next": "A"},
            {"ErrorEquals": ["States.ALL"], "Next": "B"},
        ],
    ),
]


@pytest.mark.parametrize(("error", "catchers"), CATCHES)
def test_the_catch_rule_asl_picks_is_the_one_the_cloud_follows(error, catchers):
    result = run(_parallel(error, Catch=catchers), INPUT)
    target = asl.catch_target(catchers, error)
    if target is None:
        assert (result["status"], result["error"]) == ("FAILED", error)
    else:
        assert result["status"] == "SUCCEEDED"
        assert _entered(result)[-1] == target


@pytest.mark.parametrize("result_path", ["$", "$.error", "$.order.problem", "$.note.deeper", None])
def test_a_catchers_result_path_places_the_error_output_as_asl_places_it(result_path):
    catcher = {"ErrorEquals": ["States.ALL"], "Next": "A", "ResultPath": result_path}
    result = run(_parallel("BadList", Catch=[catcher]), INPUT)
    expected = asl.place(INPUT, {"Error": "BadList", "Cause": CAUSE}, result_path)
    if expected is asl.MISSING:  # a path through a value that is not an object
        assert (result["status"], result["error"]) == ("FAILED", "States.Runtime")
    else:
        assert json.loads(result["output"]) == expected


# -- Retry: which rule retries, how often, and how long it waits --------------------------------

RETRIES = [
    ("BadList", [{"ErrorEquals": ["BadList"], "IntervalSeconds": 1, "MaxAttempts": 2}]),
    # The first matching rule decides, even once it is used up: States.ALL is not tried next.
    (
        "BadList",
        [
            {"ErrorEquals": ["BadList"], "IntervalSeconds": 1, "MaxAttempts": 1},
            {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3},
        ],
    ),
    ("BadList", [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 0}]),
    ("States.Runtime", [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2}]),
]


def _predicted_waits(rules: list[dict[str, Any]], error: str) -> list[float]:
    """The waits asl asks for, retry after retry, until no rule retries any more."""
    waits: list[float] = []
    counts: dict[int, int] = {}
    while (wait := asl.retry_wait(rules, error, counts)) is not None:
        waits.append(wait.seconds)
        counts[wait.rule_index] = counts.get(wait.rule_index, 0) + 1
    return waits


def _attempt_starts(result: dict[str, Any]) -> list[float]:
    return [
        event["timestamp"].timestamp()
        for event in result["events"]
        if event["type"] == "ParallelStateStarted"
    ]


@pytest.mark.parametrize(("error", "retriers"), RETRIES)
def test_the_cloud_retries_as_often_as_asl_predicts(error, retriers):
    result = run(_parallel(error, Retry=retriers), INPUT)
    assert (result["status"], result["error"]) == ("FAILED", error)
    assert len(_attempt_starts(result)) == 1 + len(_predicted_waits(retriers, error))


def test_the_cloud_waits_what_asl_computes_backoff_and_cap_included(local_cloud):
    # 20 s, then 20 × 5 = 100 s capped at 30 s, then 30 s: scaled by the cloud's time scale.
    retriers = [
        {
            "ErrorEquals": ["States.ALL"],
            "IntervalSeconds": 20,
            "BackoffRate": 5,
            "MaxDelaySeconds": 30,
            "MaxAttempts": 3,
        }
    ]
    predicted = _predicted_waits(retriers, "BadList")
    assert predicted == [20, 30, 30]
    starts = _attempt_starts(run(_parallel("BadList", Retry=retriers), INPUT))
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    scale = local_cloud.time_scale
    assert len(gaps) == len(predicted)
    for gap, wait in zip(gaps, predicted, strict=True):
        # Never shorter than asked; longer only by the machine's own delays (the uncapped
        # waits, 100 and 500 s, would be far longer).
        assert wait * scale * 0.9 <= gap < wait * scale + 0.5, (gaps, predicted, scale)


# -- paths: InputPath, ResultPath and OutputPath of a Pass state --------------------------------

PATHS = [
    ("$", "$", "$"),
    ("$.order", "$.extra", "$"),
    ("$", "$.order.extra", "$.order"),
    ("$", None, "$.note"),
    ("$.order", "$.items", "$.items"),
    ("$.missing", "$", "$"),
    ("$", "$.note.deeper", "$.note"),
    ("$", "$", "$.missing"),
]


@pytest.mark.parametrize(("input_path", "result_path", "output_path"), PATHS)
def test_paths_select_and_place_as_asl_does(input_path, result_path, output_path):
    result_value = {"made": True}
    state = {
        "Type": "Pass",
        "Result": result_value,
        "InputPath": input_path,
        "ResultPath": result_path,
        "OutputPath": output_path,
        "End": True,
    }
    result = run({"StartAt": "S", "States": {"S": state}}, INPUT)
    selected = asl.select(INPUT, input_path)
    # ResultPath places the result into the state's own input, not into what InputPath chose.
    placed = asl.MISSING if selected is asl.MISSING else asl.place(INPUT, result_value, result_path)
    output = asl.MISSING if placed is asl.MISSING else asl.select(placed, output_path)
    if output is asl.MISSING:
        assert (result["status"], result["error"]) == ("FAILED", "States.Runtime")
    else:
        assert result["status"] == "SUCCEEDED", result.get("cause")
        assert json.loads(result["output"]) == output


# -- Choice -----------------------------------------------------------------------------------

CHOICES = [
    ({"Variable": "$.n", "NumericGreaterThan": 3}, {"n": 4}),
    ({"Variable": "$.n", "NumericGreaterThan": 3}, {"n": "4"}),
    ({"Variable": "$.n", "NumericLessThanEqualsPath": "$.m"}, {"n": 4, "m": 4}),
    ({"Variable": "$.s", "StringGreaterThan": "a"}, {"s": "b"}),
    ({"Variable": "$.s", "StringMatches": "log-*.txt"}, {"s": "log-1.txt"}),
    ({"Variable": "$.b", "BooleanEquals": True}, {"b": 1}),
    (
        {"Variable": "$.t", "TimestampLessThan": "2026-01-02T00:00:00Z"},
        {"t": "2026-01-01T23:59:59Z"},
    ),
    ({"Variable": "$.t", "IsTimestamp": True}, {"t": "yesterday"}),
    ({"Variable": "$.x", "IsPresent": False}, {}),
    ({"Variable": "$.x", "IsNull": True}, {"x": None}),
    ({"Variable": "$.x", "IsNumeric": True}, {"x": False}),
    ({"Variable": "$.gone", "StringEquals": "x"}, {}),
    (
        {
            "And": [
                {"Variable": "$.a", "IsPresent": True},
                {"Variable": "$.a", "BooleanEquals": True},
            ]
        },
        {},
    ),
    (
        {
            "Or": [
                {"Variable": "$.a", "IsPresent": False},
                {"Variable": "$.a", "BooleanEquals": True},
            ]
        },
        {},
    ),
    ({"Not": {"Variable": "$.a", "StringEquals": "x"}}, {"a": "y"}),
]


def _choice_machine(rule: dict[str, Any], default: bool = True, jsonata: bool = False) -> dict:
    choice: dict[str, Any] = {"Type": "Choice", "Choices": [{**rule, "Next": "Yes"}]}
    states: dict[str, Any] = {"C": choice, "Yes": {"Type": "Succeed"}}
    if default:
        choice["Default"] = "No"
        states["No"] = {"Type": "Succeed"}
    machine = {"StartAt": "C", "States": states}
    return {"QueryLanguage": "JSONata", **machine} if jsonata else machine


def _agree(state: dict[str, Any], result: dict[str, Any], document: Any) -> None:
    try:
        branch = asl.choose(state, document)
    except asl.ChoiceFailure as failure:
        assert (result["status"], result["error"]) == ("FAILED", failure.error)
    else:
        assert result["status"] == "SUCCEEDED", result.get("cause")
        assert _entered(result)[-1] == branch


@pytest.mark.parametrize(("rule", "document"), CHOICES)
def test_the_choice_branch_asl_picks_is_the_one_the_cloud_takes(rule, document):
    machine = _choice_machine(rule)
    _agree(machine["States"]["C"], run(machine, document), document)


def test_no_matching_rule_and_no_default_fails_alike():
    machine = _choice_machine({"Variable": "$.a", "IsNull": True}, default=False)
    _agree(machine["States"]["C"], run(machine, {"a": 1}), {"a": 1})


@pytest.mark.parametrize(
    ("condition", "document"),
    [
        ("{% $states.input.n > 3 %}", {"n": 5}),
        ("{% $states.input.n > 3 %}", {"n": 1}),
        ("{% 'b' in $states.input.items %}", {"items": ["a", "b"]}),
        ("{% $states.input.n %}", {"n": 5}),  # not a boolean
    ],
)
def test_a_jsonata_condition_decides_alike(condition, document):
    machine = _choice_machine({"Condition": condition}, jsonata=True)
    _agree(machine["States"]["C"], run(machine, document), document)


# -- JSONata ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "$states.input.order.items[1]",
        "$count($states.input.order.items) * 10",
        "$partition($states.input.order.items, 1)",
        "$sum([0.1, 0.2])",
        "$string($states.input.order.id / 3)",
        "{'id': $states.input.order.id, 'upper': $uppercase($states.input.note)}",
    ],
)
def test_a_jsonata_expression_has_the_same_value(expression):
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Output": f"{{% {expression} %}}", "End": True}},
    }
    result = run(machine, INPUT)
    assert result["status"] == "SUCCEEDED", result.get("cause")
    assert json.loads(result["output"]) == asl.evaluate(expression, {"states": {"input": INPUT}})

"""Exercises of notebook 09 (JSONata and variables): FixIt's Arguments and TransformData's Catch.

The checkers evaluate the learner's JSONata with the same engine the local cloud uses, on the
variables and `$states` a real execution of Santa's JSONata workflow has at that point.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..asl import UNDEFINED, error_matches, error_text, evaluate
from ._checks import check_catch_all_last, closest, rules_of
from ._exercise import Exercise, Mistake

NOTEBOOK = "09_jsonata_and_variables"

# What ValidateData's catcher kept: the upload and why it failed.
UPLOAD: dict[str, Any] = {
    "bucket": "workshop-santa-input-123456789012-us-east-1",
    "key": "by-hand/naughty.json",
    "versionId": "Wq1c5Yh8bq0kTn.yKfJ3mEhD2lW9xR4s",
}
ERROR: dict[str, Any] = {
    "Error": "ListValidationError",
    "Cause": json.dumps(
        {
            "errorMessage": "Santa's list has 1 problem:\n- item 5 (kid-0006), field 'gifts': "
            "naughty! 5 presents asked for, but the rule is at most 3",
            "errorType": "ListValidationError",
        }
    ),
}
# What TransformData received (validate's summary) and an error it could raise.
SUMMARY: dict[str, Any] = {**UPLOAD, "key": "by-hand/good_list.json", "kids": 360, "gifts": 698}
TRANSFORM_ERROR: dict[str, Any] = {
    "Error": "Lambda.Unknown",
    "Cause": "The function ran out of memory while stamping the list.",
}


def _expression(text: str) -> str | None:
    """The JSONata inside `{% ... %}`, or None for a plain string."""
    stripped = text.strip()
    if stripped.startswith("{%") and stripped.endswith("%}"):
        return stripped[2:-2].strip()
    return None


def _evaluate_field(value: Any, bindings: dict[str, Any], field: str) -> Any:
    """A JSONata field's value as Step Functions works it out: `{% %}` strings are evaluated,
    objects and lists are templates whose strings may be expressions, the rest is literal."""
    if isinstance(value, dict):
        evaluated = {}
        for key, inner in value.items():
            if isinstance(key, str) and key.endswith(".$"):
                raise Mistake(
                    f'"{key}": keys ending in .$ are JSONPath\'s way to say "this is a path". '
                    f'In JSONata write "{key[:-2]}" and put the expression in {{% %}}.'
                )
            evaluated[key] = _evaluate_field(inner, bindings, f"{field}/{key}")
        return evaluated
    if isinstance(value, list):
        return [_evaluate_field(inner, bindings, field) for inner in value]
    if not isinstance(value, str):
        return value
    expression = _expression(value)
    if expression is None:
        if value.startswith("$"):
            raise Mistake(
                f'{field} is the plain text "{value}": without {{% %}} Step Functions sends '
                f'these letters as they are. Write "{{% {value} %}}" (and in JSONata the '
                "variables and $states are the names to use, not JSONPath's $.paths)."
            )
        return value
    if expression.startswith("$.") or expression == "$":
        raise Mistake(
            f"{field}: {expression!r} is a JSONPath path. In JSONata the state's input is "
            "$states.input, and the values kept earlier are variables such as $upload."
        )
    for name in re.findall(r"\$([A-Za-z_]\w*)", expression):
        guess = None if name in bindings else closest(name, list(bindings))
        if guess:
            raise Mistake(
                f"{field}: there is no variable ${name} (it would be undefined, and JSONata "
                f"drops it silently). Did you mean ${guess}?"
            )
    try:
        result = evaluate(expression, bindings)
    except Exception as error:  # the engine's own words, as Step Functions reports them
        raise Mistake(
            f"{field}: the expression {expression!r} fails: {error_text(error)}. Step "
            "Functions would stop with States.QueryEvaluationError."
        ) from None
    if result is UNDEFINED:
        raise Mistake(
            f"{field}: {expression!r} returns nothing here (an unknown variable or field?). "
            "Step Functions would stop with States.QueryEvaluationError."
        )
    return result


# -- exercise 1: FixIt's Arguments -----------------------------------------------------------------

_FIXIT_ARGUMENTS = """fixit_arguments = "{% $merge([$upload, {'error': $error}]) %}"

# or, as a template with one expression per field:
fixit_arguments = {
    "bucket": "{% $upload.bucket %}",
    "key": "{% $upload.key %}",
    "versionId": "{% $upload.versionId %}",
    "error": "{% $error %}",
}
"""


def _fixit_arguments() -> str:
    return "{% $merge([$upload, {'error': $error}]) %}"


def _fixit_bindings() -> dict[str, Any]:
    # In FixIt, after ValidateData's catcher: $states.input is the error (the catcher's output).
    return {
        "upload": UPLOAD,
        "error": ERROR,
        "states": {"input": ERROR, "context": {"State": {"Name": "FixIt"}}},
    }


def _check_fixit_arguments(answer: Any) -> str:
    if not isinstance(answer, str | dict):
        raise Mistake(
            'write Arguments as text holding one expression, "{% ... %}", or as a dictionary '
            f"whose values are expressions, not a {type(answer).__name__}."
        )
    received = _evaluate_field(answer, _fixit_bindings(), "Arguments")
    expected = {**UPLOAD, "error": ERROR}
    if received == expected:
        return (
            'FixIt receives the upload (bucket, key, versionId) and, under "error", why it '
            'failed: exactly what notebook 03\'s ResultPath "$.error" gave it, with no path '
            "juggling."
        )
    if received == UPLOAD:
        raise Mistake(
            "FixIt would know which file to move, but not why it failed: its reason file would "
            'be empty. Add the error ($error) under the key "error".'
        )
    if received == ERROR:
        raise Mistake(
            "FixIt would receive only the error: it would not know which file to move. Start "
            'from the upload ($upload) and add the error under "error".'
        )
    if received == {**UPLOAD, **ERROR}:
        raise Mistake(
            "the error's Error and Cause end up beside bucket and key, but FixIt reads them from "
            'one field, event["error"]: put $error under the key "error".'
        )
    if isinstance(received, dict) and all(received.get(k) == v for k, v in UPLOAD.items()):
        keys = [k for k, v in received.items() if v == ERROR]
        if keys:
            raise Mistake(
                f'FixIt reads the error from the field "error" (event["error"]), but this puts '
                f'it under "{keys[0]}".'
            )
    raise Mistake(
        f"FixIt would receive {json.dumps(received)[:200]}. It needs the upload's bucket, key "
        'and versionId, and the error under "error".'
    )


fixit_arguments = Exercise(
    key="fixit_arguments",
    notebook=NOTEBOOK,
    title="FixIt's Arguments, from two variables",
    checker=_check_fixit_arguments,
    hints=[
        "Two variables hold what FixIt needs: $upload (bucket, key, versionId) and $error "
        "(Error and Cause). Arguments builds one object from them.",
        "JSONata's $merge([a, b]) makes one object from two. The second can be written on the "
        "spot: {'error': $error}.",
        "\"{% $merge([$upload, {'error': $error}]) %}\": the whole value in {% %}, JSONata "
        "strings in single quotes so they do not clash with Python's double ones.",
    ],
    solution_code=_FIXIT_ARGUMENTS,
    solution_value=_fixit_arguments,
    known_wrong=[
        ("{% $upload %}", "not why it failed"),
        ("{% $error %}", "only the error"),
        ("{% $states.input %}", "only the error"),
        ("{% $merge([$upload, $error]) %}", 'event["error"]'),
        ("{% $merge([$upload, {'reason': $error}]) %}", 'under "reason"'),
        ("$merge([$upload, {'error': $error}])", "plain text"),
        ("{% $.error %}", "JSONPath path"),
        ("{% $merge([$upload, {'error': $eror}]) %}", "Did you mean $error"),
        ("{% $merge([$upload, {'error': $error}] %}", "fails"),
        ({"bucket.$": "$.bucket", "error.$": "$.error"}, "keys ending in .$"),
        (
            {"bucket": "{% $upload.bucket %}", "key": "{% $upload.key %}", "error": "{% $error %}"},
            "It needs the upload's bucket, key and versionId",
        ),
        (["{% $upload %}"], "not a list"),
    ],
)


# -- exercise 2: TransformData's Catch, keeping the error in a variable ---------------------------

JSONATA_CATCH_FIELDS = frozenset({"ErrorEquals", "Next", "Assign", "Output", "Comment"})
_STATES = (
    "ValidateData",
    "TransformData",
    "Notify",
    "FixIt",
    "NotifyFailure",
    "ListRejected",
    "CouldNotQuarantine",
)

_CATCH = """transform_catch = [
    {
        "ErrorEquals": ["States.ALL"],
        "Assign": {"error": "{% $states.errorOutput %}"},
        "Next": "FixIt",
    }
]
"""


def _transform_catch() -> list[dict[str, Any]]:
    return [
        {
            "ErrorEquals": ["States.ALL"],
            "Assign": {"error": "{% $states.errorOutput %}"},
            "Next": "FixIt",
        }
    ]


def _catch_bindings() -> dict[str, Any]:
    # A catcher sees the state's input and the error; there is no result when the task failed.
    return {
        "upload": UPLOAD,
        "summary": SUMMARY,
        "states": {
            "input": SUMMARY,
            "errorOutput": TRANSFORM_ERROR,
            "context": {"State": {"Name": "TransformData"}},
        },
    }


def _check_transform_catch(answer: Any) -> str:
    for rule in answer if isinstance(answer, list) else []:
        if isinstance(rule, dict) and "ResultPath" in rule:
            raise Mistake(
                "ResultPath is JSONPath's. A JSONata catcher has no paths: keep the error in a "
                'variable with "Assign": {"error": "{% $states.errorOutput %}"}.'
            )
    rules = rules_of(answer, "Catch", JSONATA_CATCH_FIELDS)
    if not rules:
        raise Mistake("an empty Catch catches nothing: add a rule that sends errors to FixIt.")
    check_catch_all_last(rules)
    names = [name for rule in rules for name in rule["ErrorEquals"]]
    if not error_matches(names, TRANSFORM_ERROR["Error"]):
        raise Mistake(
            f"an error such as {TRANSFORM_ERROR['Error']} would not be caught and would end the "
            'run with nobody told. Catch everything: "ErrorEquals": ["States.ALL"].'
        )
    for rule in rules:
        target = rule.get("Next")
        if target != "FixIt":
            guess = closest(str(target), _STATES) if isinstance(target, str) else None
            if target is None:
                raise Mistake('a Catch rule needs "Next": the state to go to, here "FixIt".')
            if guess and guess != target:
                raise Mistake(f'there is no state {target!r}. Did you mean "{guess}"?')
            raise Mistake(
                f'{target} is not where a failed stamping goes: send it to "FixIt", which moves '
                "the list to quarantine."
            )
        assign = rule.get("Assign")
        if not isinstance(assign, dict) or "error" not in assign:
            raise Mistake(
                "FixIt's Arguments read the variable $error, and this rule does not set it: "
                "FixIt would get the error of an earlier state, or none. Add "
                '"Assign": {"error": ...} with the error that was just caught.'
            )
        if "$states.result" in json.dumps(assign):
            raise Mistake(
                "in a Catch rule there is no $states.result: the task failed, so it has no "
                "result. The error that was caught is $states.errorOutput."
            )
        kept = _evaluate_field(assign, _catch_bindings(), "Assign")["error"]
        if kept == TRANSFORM_ERROR:
            continue
        if kept == SUMMARY:
            raise Mistake(
                "$states.input is what TransformData received (validate's summary), not the "
                "error. In a catcher the error is $states.errorOutput."
            )
        raise Mistake(
            f"$error would be {json.dumps(kept)[:160]}, not the error that was caught. In a "
            "catcher the error (Error and Cause) is $states.errorOutput."
        )
    return (
        "every failure of TransformData goes to FixIt, and $error holds its Error and Cause; "
        "FixIt still finds the file in $upload, kept since ValidateData."
    )


_RULE = _transform_catch()[0]

transform_catch = Exercise(
    key="transform_catch",
    notebook=NOTEBOOK,
    title="A JSONata Catch that keeps the error in a variable",
    checker=_check_transform_catch,
    hints=[
        "A JSONata catcher has the same ErrorEquals and Next as in notebook 03, and no "
        "ResultPath: Assign takes its place.",
        'Catch everything with ["States.ALL"] and go to "FixIt". Assign sets the variable '
        "error, which FixIt's Arguments read as $error.",
        'In a catcher the caught error is $states.errorOutput: "Assign": {"error": '
        '"{% $states.errorOutput %}"}.',
    ],
    solution_code=_CATCH,
    solution_value=_transform_catch,
    known_wrong=[
        (_RULE, "inside [ ]"),
        ([], "catches nothing"),
        ([{**_RULE, "ResultPath": "$.error"}], "ResultPath is JSONPath's"),
        ([{k: v for k, v in _RULE.items() if k != "Assign"}], "does not set it"),
        ([{**_RULE, "Assign": {"failure": "{% $states.errorOutput %}"}}], "does not set it"),
        ([{**_RULE, "Assign": {"error": "{% $states.input %}"}}], "not the error"),
        ([{**_RULE, "Assign": {"error": "{% $states.result %}"}}], "no $states.result"),
        ([{**_RULE, "Assign": {"error": "$states.errorOutput"}}], "plain text"),
        ([{**_RULE, "Assign": {"error": "{% $states.errorOutput.Cause %}"}}], "not the error"),
        ([{**_RULE, "Next": "NotifyFailure"}], 'send it to "FixIt"'),
        ([{**_RULE, "Next": "Fixit"}], 'Did you mean "FixIt"'),
        ([{**_RULE, "ErrorEquals": ["ListValidationError"]}], "would not be caught"),
        ([{**_RULE, "ErrorEquals": ["States.ALL", "KeyError"]}], "alone"),
        ([{**_RULE, "assign": _RULE["Assign"]}], 'Did you mean "Assign"'),
        (json.dumps(_transform_catch()), "Python list"),
    ],
)

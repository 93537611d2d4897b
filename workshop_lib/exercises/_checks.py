"""Checking helpers the exercises share: the shape of an answer, field names, ASL paths, Choice
rules, Retry and Catch rules, and learners' own functions.

The Step Functions rules themselves (paths, error matching, retry waits, Choice) are
`workshop_lib.asl`'s, the ones the data-flow view, the replay and the local cloud follow, so
what a checker predicts for a state is what a real execution does. This module only turns a
learner's answer into those rules' input and their refusals into friendly mistakes.
"""

from __future__ import annotations

import difflib
import inspect
import json
import math
from collections.abc import Callable, Collection, Mapping
from typing import Any

from .. import asl
from ._exercise import Mistake

_KINDS = {dict: "dictionary { ... }", list: "list [ ... ]"}


def python_value(answer: Any, kind: type[dict] | type[list], what: str) -> Any:
    """The answer if it is a Python dict (or list), else a mistake saying how to write it."""
    if isinstance(answer, kind):
        return answer
    if isinstance(answer, str):
        raise Mistake(
            f"write {what} as a Python {_KINDS[kind]}, not as text in quotes. (Copying JSON? "
            "Its true, false and null are True, False and None in Python.)"
        )
    if kind is list and isinstance(answer, Mapping):
        raise Mistake(
            f"{what} is a list, even when it holds one rule: put your dictionary inside [ ]."
        )
    raise Mistake(f"{what} should be a Python {_KINDS[kind]}, not {type(answer).__name__}.")


def check_fields(mapping: Mapping[str, Any], allowed: Collection[str], where: str) -> None:
    """Every key is a known field; a near miss gets a "did you mean"."""
    for name in mapping:
        if name in allowed:
            continue
        guess = closest(str(name), allowed)
        if guess:
            raise Mistake(
                f'{where} has no field "{name}". Did you mean "{guess}"? Field names must be '
                "spelled exactly, capitals included."
            )
        raise Mistake(
            f'{where}: "{name}" is not a field it knows. The fields are: '
            f"{', '.join(sorted(allowed))}."
        )


def closest(name: str, choices: Collection[str]) -> str | None:
    """The choice `name` was probably meant to be (same letters in another case, or a typo)."""
    by_case = {choice.lower(): choice for choice in choices}
    if name.lower() in by_case:
        return by_case[name.lower()]
    matches = difflib.get_close_matches(name.lower(), list(by_case), n=1, cutoff=0.75)
    if matches:
        return by_case[matches[0]]
    # A shortened name ("Interval" for "IntervalSeconds") when it fits only one choice.
    starts = [
        c for lower, c in by_case.items() if len(name) >= 4 and lower.startswith(name.lower())
    ]
    return starts[0] if len(starts) == 1 else None


def check_path(field: str, path: Any) -> None:
    """A path the exercises can evaluate: `$`, `$.a.b`, or null."""
    if path is None or path == "$":
        return
    if not isinstance(path, str):
        raise Mistake(f'{field} should be a path in quotes, such as "$.validatedData".')
    if not path.startswith("$"):
        raise Mistake(
            f'a path starts with $, the whole document: {field} "$.{path.lstrip(".")}", '
            f'not "{path}".'
        )
    if not asl.is_simple_path(path):
        raise Mistake(
            f"{field} {path!r} is more than this exercise needs: use a path like "
            '"$.validatedData" (a $, then .name for each field).'
        )


def placed(document: Any, result: Any, result_path: Any, instead: str) -> Any:
    """`document` with `result` at `result_path` (`asl.place`); a mistake ending with
    `instead` when Step Functions could not put it there (it would fail with States.Runtime)."""
    combined = asl.place(document, result, result_path)
    if combined is asl.MISSING:
        raise Mistake(
            f'ResultPath "{result_path}" goes inside a field that holds no object, so Step '
            f"Functions would fail with States.Runtime. {instead}"
        )
    return combined


def fields_of(document: Any) -> str:
    """A short list of a document's top-level fields, for a message."""
    if isinstance(document, Mapping):
        return ", ".join(document) or "no fields"
    return json.dumps(document)


# -- Retry and Catch rules ------------------------------------------------------------------------

LAMBDA_SERVICE_ERRORS = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)
"""The Lambda service's own passing errors: AWS recommends retrying these for Lambda tasks."""
ALSO_TRANSIENT = ("Lambda.ClientExecutionTimeoutException", "Lambda.Unknown")
RETRY_FIELDS = frozenset(
    {
        "ErrorEquals",
        "IntervalSeconds",
        "MaxAttempts",
        "BackoffRate",
        "MaxDelaySeconds",
        "JitterStrategy",
        "Comment",
    }
)
CATCH_FIELDS = frozenset({"ErrorEquals", "Next", "ResultPath", "Comment"})


def rule_where(kind: str, index: int, count: int) -> str:
    """How a message names one rule: "the Retry rule", or "Retry rule 2" among several."""
    return f"the {kind} rule" if count == 1 else f"{kind} rule {index + 1}"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def rules_of(answer: Any, kind: str, fields: Collection[str]) -> list[dict[str, Any]]:
    """A Retry or Catch answer as a list of rule dictionaries, each with known fields and a
    proper ErrorEquals; a mistake otherwise."""
    rules = python_value(answer, list, kind)
    for index, rule in enumerate(rules):
        where = rule_where(kind, index, len(rules))
        python_value(rule, dict, where)
        check_fields(rule, fields, capital(where))
        error_names(rule, where)
    return rules


def error_names(rule: Mapping[str, Any], where: str) -> list[str]:
    names = rule.get("ErrorEquals")
    if names is None:
        raise Mistake(f"{where} needs ErrorEquals: the list of error names it applies to.")
    if isinstance(names, str):
        raise Mistake(f'ErrorEquals is a list, even for one name: ["{names}"].')
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise Mistake(f"{where}: ErrorEquals should be a list of error names, in quotes.")
    return names


def check_catch_all_last(rules: list[dict[str, Any]]) -> None:
    """Step Functions refuses States.ALL anywhere but alone, in the last rule."""
    if asl.misplaced_catch_all(rules) is not None:
        raise Mistake(
            "States.ALL must be alone in its ErrorEquals, in the last rule: rules are tried "
            "in order, so nothing after it could ever match (Step Functions refuses the "
            "definition otherwise)."
        )


def first_match(rules: list[dict[str, Any]], error: str) -> tuple[int, dict[str, Any]] | None:
    """The rule that decides for `error` (`asl.matching_rule`), with its index."""
    index = asl.matching_rule(rules, error)
    return None if index is None else (index, rules[index])


def retrier(rule: Mapping[str, Any]) -> asl.Retrier:
    """A Retry rule's numbers, defaults filled in; a mistake if Step Functions would refuse
    them (a wrong type, IntervalSeconds or BackoffRate below 1, a JitterStrategy in lower
    case...)."""
    try:
        return asl.Retrier.from_rule(rule)
    except asl.InvalidRetrier as problem:
        raise Mistake(str(problem)) from None


def retry_waits(rule: Mapping[str, Any]) -> list[float]:
    """The waits, in seconds, a Retry rule asks for before each retry (no jitter)."""
    return retrier(rule).waits()


# -- Choice rules ---------------------------------------------------------------------------------

_TAUGHT_TESTS = ("IsPresent", "IsNull", "IsBoolean", "IsString", "IsNumeric")
_EQUALS = {"BooleanEquals": (bool,), "StringEquals": (str,), "NumericEquals": (int, float)}
_OTHER_OPERATORS = asl.CHOICE_OPERATORS - {*_TAUGHT_TESTS, *_EQUALS}
"""Operators the exercises do not teach: a rule using one is valid but more than needed."""


def check_choice_rule(rule: Any, where: str, *, top: bool = True) -> None:
    """A Choice rule Step Functions would accept: a combination (And, Or, Not) or a Variable
    with one comparison; top-level rules have a Next, nested ones do not."""
    if not isinstance(rule, Mapping):
        raise Mistake(f"{where} should be a dictionary {{ ... }}, not {type(rule).__name__}.")
    allowed = {"Variable", "Comment", *asl.COMBINATIONS, *asl.CHOICE_OPERATORS} | (
        {"Next"} if top else set()
    )
    if not top and "Next" in rule:
        raise Mistake(
            f"{where} sits inside And, Or or Not, so it has no Next: only the outer rule, the one "
            "directly in Choices, says where to go."
        )
    check_fields(rule, allowed, capital(where))
    if top and not isinstance(rule.get("Next"), str):
        raise Mistake(f'{where} needs a "Next": the state to go to when the rule is true.')
    combinations = [name for name in asl.COMBINATIONS if name in rule]
    operators = [name for name in asl.CHOICE_OPERATORS if name in rule]
    if len(combinations) + len(operators) != 1:
        raise Mistake(
            f"{where} should test one thing: a Variable with one comparison such as "
            '"BooleanEquals", or several rules combined with "And", "Or" or "Not".'
        )
    if combinations:
        _check_combination(rule, combinations[0], where)
        return
    operator = operators[0]
    if "Variable" not in rule:
        raise Mistake(f'{where} compares, so it needs a "Variable": the path of the value to test.')
    check_path("Variable", rule["Variable"])
    if rule["Variable"] is None:
        raise Mistake('"Variable" is the path of the value to test, such as "$.status".')
    if operator in _OTHER_OPERATORS:
        raise Mistake(
            f"{operator} is a fine operator, but more than this exercise needs: test the value "
            "with " + ", ".join(sorted([*_TAUGHT_TESTS, *_EQUALS])) + "."
        )
    _check_operand(operator, rule[operator])


def _check_combination(rule: Mapping[str, Any], name: str, where: str) -> None:
    inner = rule[name]
    if name == "Not":
        if isinstance(inner, list):
            raise Mistake('"Not" takes one rule (a dictionary), not a list of them.')
        check_choice_rule(inner, f"the rule inside {where}'s Not", top=False)
        return
    if not isinstance(inner, list) or not inner:
        raise Mistake(f'"{name}" takes a list of rules: [{{...}}, {{...}}].')
    for index, item in enumerate(inner):
        check_choice_rule(item, f"rule {index + 1} of {where}'s {name}", top=False)


def _check_operand(operator: str, operand: Any) -> None:
    expected = (bool,) if operator in _TAUGHT_TESTS else _EQUALS[operator]
    if isinstance(operand, bool) and bool not in expected:
        raise Mistake(f"{operator} compares with a {expected[0].__name__}, not {operand!r}.")
    if isinstance(operand, expected):
        return
    if bool in expected and isinstance(operand, str) and operand.lower() in ("true", "false"):
        raise Mistake(
            f'{operator} takes a boolean, not the text "{operand}": write True or False, '
            "without quotes (Python's spelling of JSON's true and false)."
        )
    kind = "True or False" if bool in expected else f"a {expected[0].__name__}"
    raise Mistake(f"{operator} takes {kind}, not {operand!r}.")


# -- the learner's own functions ------------------------------------------------------------------


class RaisedError(Mistake):
    """The learner's function raised; `error` is what it raised, for a more specific message."""

    def __init__(self, message: str, error: BaseException) -> None:
        super().__init__(message)
        self.error = error


def learner_function(answer: Any, name: str, parameters: str) -> Callable[..., Any]:
    """The answer if it is a function, else a mistake saying how to hand one in."""
    if callable(answer) and not isinstance(answer, type):
        return answer
    if isinstance(answer, str):
        raise Mistake(
            f"pass the function itself, {name}, without quotes: the check calls it with "
            "cases of its own."
        )
    raise Mistake(
        f"the answer is a function: write `def {name}({parameters}):` and pass {name} without "
        f"parentheses. With them, Python calls it first and the check only gets "
        f"{type(answer).__name__} {answer!r}."
    )


def call_learner(function: Callable[..., Any], *arguments: Any, shown: str) -> Any:
    """Call the learner's function; a friendly mistake (a `RaisedError`) if it raises.
    `shown` is how the call reads in a message, such as "web_size(640, 427, 320)"."""
    try:
        inspect.signature(function).bind(*arguments)
    except TypeError as error:
        raise RaisedError(
            f"{shown} could not be called: {error}. Give your function {len(arguments)} "
            "parameters, in the order the exercise names them.",
            error,
        ) from None
    except ValueError:  # no signature to read (a builtin): just call it
        pass
    try:
        return function(*arguments)
    except Exception as error:  # the learner's code: anything can happen
        raise RaisedError(f"{shown} raised {type(error).__name__}: {error}", error) from None


def number_from(value: Any, shown: str) -> float:
    """A returned amount as a float, or a mistake about what came back instead."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        if isinstance(value, str):
            raise Mistake(
                f"{shown} returned the text {value!r}. Return the number itself (no $ sign, "
                "no rounding): format it only when you print it."
            )
        raise Mistake(f"{shown} returned {value!r}; it should return a number of US dollars.")
    if math.isnan(value) or math.isinf(value) or value < 0:
        raise Mistake(f"{shown} returned {value!r}; a bill is a number of dollars, 0 or more.")
    return float(value)


def defined(code: str, name: str, **given: Any) -> Callable[..., Any]:
    """The function `name` that a solution's code defines (run with `given` as its globals, the
    notebook's names it relies on), so the solution shown and the one checked are the same."""
    namespace: dict[str, Any] = dict(given)
    exec(compile(code, f"<solution of {name}>", "exec"), namespace)  # our own reference code
    return namespace[name]

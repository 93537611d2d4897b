"""Checking helpers the exercises share: the shape of an answer, field names, ASL paths, Choice
rules, Retry and Catch rules, and learners' own functions.

The paths are evaluated with the same small JSONPath evaluator as `workshop_lib.dataflow`, so
what a checker predicts for a state is what the data-flow view shows for a real execution.
"""

from __future__ import annotations

import difflib
import inspect
import json
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ..dataflow import _MISSING, _SIMPLE_PATH, _place, _select
from ..pricing import load_prices
from ._exercise import Mistake

MISSING = _MISSING
"""What `select` returns when a path matches nothing (Step Functions: States.Runtime)."""

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
    if not _SIMPLE_PATH.fullmatch(path):
        raise Mistake(
            f"{field} {path!r} is more than this exercise needs: use a path like "
            '"$.validatedData" (a $, then .name for each field).'
        )


def select(document: Any, path: Any) -> Any:
    """What `path` picks from `document` (InputPath, OutputPath), or MISSING."""
    return _select(document, path)


def place(document: Any, result: Any, path: Any) -> Any:
    """`document` with `result` put at `path` (ResultPath)."""
    return _place(document, result, path)


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
JITTER_STRATEGIES = ("FULL", "NONE")


@dataclass(frozen=True)
class RetryDefaults:
    """What Step Functions uses when a Retry rule leaves a field out (from the price data)."""

    interval_s: int
    max_attempts: int
    backoff_rate: float


def retry_defaults() -> RetryDefaults:
    sfn = load_prices().step_functions
    return RetryDefaults(
        int(sfn.retry_interval_seconds), int(sfn.retry_max_attempts), sfn.retry_backoff_rate
    )


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
    for index, rule in enumerate(rules):
        names = rule["ErrorEquals"]
        if "States.ALL" in names and (len(names) > 1 or index != len(rules) - 1):
            raise Mistake(
                "States.ALL must be alone in its ErrorEquals, in the last rule: rules are tried "
                "in order, so nothing after it could ever match (Step Functions refuses the "
                "definition otherwise)."
            )


def handles(names: Collection[str], error: str) -> bool:
    """Whether an ErrorEquals list matches `error`, the way Step Functions matches it."""
    if error == "States.Runtime":
        return False  # never retried or caught
    if error in names or "States.ALL" in names:
        return True
    return "States.TaskFailed" in names and error != "States.Timeout"


def first_match(rules: list[dict[str, Any]], error: str) -> tuple[int, dict[str, Any]] | None:
    """The rule that decides for `error`: the first whose ErrorEquals matches it."""
    for index, rule in enumerate(rules):
        if handles(rule["ErrorEquals"], error):
            return index, rule
    return None


def whole_number(rule: Mapping[str, Any], field: str, default: int) -> int:
    value = rule.get(field, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Mistake(f"{field} should be a number, such as 2, not {value!r}.")
    if isinstance(value, float) and not value.is_integer():
        raise Mistake(f"{field} is a whole number, not {value}.")
    return int(value)


def retry_waits(rule: Mapping[str, Any]) -> list[float]:
    """The waits, in seconds, a Retry rule asks for before each retry (no jitter)."""
    defaults = retry_defaults()
    interval = whole_number(rule, "IntervalSeconds", defaults.interval_s)
    attempts = whole_number(rule, "MaxAttempts", defaults.max_attempts)
    backoff = rule.get("BackoffRate", defaults.backoff_rate)
    if isinstance(backoff, bool) or not isinstance(backoff, int | float):
        raise Mistake(f"BackoffRate should be a number, such as 2, not {backoff!r}.")
    if interval < 1:
        raise Mistake("IntervalSeconds is at least 1: the first wait lasts a second or more.")
    if backoff < 1:
        raise Mistake(
            f"BackoffRate {backoff} would make each wait shorter than the last; Step Functions "
            "requires at least 1.0. Use 2 to double each wait."
        )
    waits = [interval * backoff**n for n in range(max(attempts, 0))]
    if "MaxDelaySeconds" in rule:
        cap = whole_number(rule, "MaxDelaySeconds", 1)
        if cap < 1:
            raise Mistake("MaxDelaySeconds is at least 1: it caps each wait at that many seconds.")
        waits = [min(wait, cap) for wait in waits]
    jitter = rule.get("JitterStrategy", "NONE")
    if jitter not in JITTER_STRATEGIES:
        raise Mistake(f'JitterStrategy is "FULL" or "NONE" (in capitals), not {jitter!r}.')
    return waits


# -- Choice rules ---------------------------------------------------------------------------------

_TYPE_TESTS = {
    "IsPresent": None,  # handled before the value is read
    "IsNull": lambda value: value is None,
    "IsBoolean": lambda value: isinstance(value, bool),
    "IsString": lambda value: isinstance(value, str),
    "IsNumeric": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
}
_EQUALS = {"BooleanEquals": (bool,), "StringEquals": (str,), "NumericEquals": (int, float)}
_COMBINATIONS = ("And", "Or", "Not")
_ORDERINGS = ("GreaterThan", "GreaterThanEquals", "LessThan", "LessThanEquals")
_OTHER_OPERATORS = frozenset(
    [
        f"{kind}{test}{path}"
        for kind in ("String", "Numeric", "Timestamp")
        for test in _ORDERINGS
        for path in ("", "Path")
    ]
    + ["BooleanEqualsPath", "StringEqualsPath", "NumericEqualsPath", "TimestampEquals"]
    + ["TimestampEqualsPath", "StringMatches", "IsTimestamp"]
)
CHOICE_OPERATORS = frozenset([*_TYPE_TESTS, *_EQUALS, *_OTHER_OPERATORS])
"""Comparison operators of JSONPath Choice rules (the checker evaluates the common ones)."""


class ChoiceFailure(Exception):
    """What Step Functions would fail the execution with while choosing: `error` is
    States.Runtime (a rule reads a field that is not there) or States.NoChoiceMatched."""

    def __init__(self, error: str, detail: str) -> None:
        super().__init__(f"{error}: {detail}")
        self.error = error
        self.detail = detail


def check_choice_rule(rule: Any, where: str, *, top: bool = True) -> None:
    """A Choice rule Step Functions would accept: a combination (And, Or, Not) or a Variable
    with one comparison; top-level rules have a Next, nested ones do not."""
    if not isinstance(rule, Mapping):
        raise Mistake(f"{where} should be a dictionary {{ ... }}, not {type(rule).__name__}.")
    allowed = {"Variable", "Comment", *_COMBINATIONS, *CHOICE_OPERATORS} | (
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
    combinations = [name for name in _COMBINATIONS if name in rule]
    operators = [name for name in CHOICE_OPERATORS if name in rule]
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
            "with " + ", ".join(sorted([*_TYPE_TESTS, *_EQUALS])) + "."
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
    expected = (bool,) if operator in _TYPE_TESTS else _EQUALS[operator]
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


def choose(state: Mapping[str, Any], document: Any) -> str:
    """The state a (checked) Choice state goes to for `document`, as Step Functions decides it;
    `ChoiceFailure` when the execution would fail instead."""
    for rule in state["Choices"]:
        if _holds(rule, document):
            return str(rule["Next"])
    if "Default" in state:
        return str(state["Default"])
    raise ChoiceFailure("States.NoChoiceMatched", "no rule matched and there is no Default")


def _holds(rule: Mapping[str, Any], document: Any) -> bool:
    if "And" in rule:
        return all(_holds(inner, document) for inner in rule["And"])  # stops at the first false
    if "Or" in rule:
        return any(_holds(inner, document) for inner in rule["Or"])
    if "Not" in rule:
        return not _holds(rule["Not"], document)
    operator = next(name for name in rule if name in _TYPE_TESTS or name in _EQUALS)
    operand = rule[operator]
    value = select(document, rule["Variable"])
    if operator == "IsPresent":
        return (value is not MISSING) == operand
    if value is MISSING:
        raise ChoiceFailure(
            "States.Runtime",
            f"Invalid path '{rule['Variable']}': the choice state's condition path references "
            "an invalid value",
        )
    if operator in _TYPE_TESTS:
        return _TYPE_TESTS[operator](value) == operand
    kinds = _EQUALS[operator]
    same_kind = isinstance(value, kinds) and (isinstance(value, bool) == (bool in kinds))
    return same_kind and value == operand


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

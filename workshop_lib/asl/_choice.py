"""Which branch a Choice state takes, as Step Functions decides it.

JSONPath rules compare the value at `Variable` with an operand (`StringEquals`,
`NumericLessThanPath`, `IsPresent`...), or combine rules with And, Or and Not. A rule that
reads a field that is not there fails the execution with States.Runtime (only `IsPresent` may
test a missing field); a comparison between values of different types is false. JSONata rules
hold a `Condition` expression that must give true or false. The first rule that holds
decides; with none, `Default`, else States.NoChoiceMatched.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from typing import Any

from ._jsonata import error_text, evaluate
from ._paths import MISSING, select

COMBINATIONS = ("And", "Or", "Not")
_ORDERINGS = ("GreaterThan", "GreaterThanEquals", "LessThan", "LessThanEquals")
_KINDS = ("String", "Numeric", "Boolean", "Timestamp")
TYPE_TESTS = ("IsPresent", "IsNull", "IsBoolean", "IsString", "IsNumeric", "IsTimestamp")
COMPARISONS = frozenset(
    [f"{kind}Equals{path}" for kind in _KINDS for path in ("", "Path")]
    + [
        f"{kind}{test}{path}"
        for kind in ("String", "Numeric", "Timestamp")
        for test in _ORDERINGS
        for path in ("", "Path")
    ]
    + ["StringMatches"]
)
CHOICE_OPERATORS = frozenset([*TYPE_TESTS, *COMPARISONS])
"""Every comparison operator of a JSONPath Choice rule."""

_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


class ChoiceFailure(Exception):
    """The execution fails while choosing: `error` is States.Runtime (a rule reads a field
    that is not there), States.QueryEvaluationError (a Condition is not a boolean) or
    States.NoChoiceMatched."""

    def __init__(self, error: str, detail: str) -> None:
        super().__init__(f"{error}: {detail}")
        self.error = error
        self.detail = detail


def choose(
    state: Mapping[str, Any], document: Any, variables: Mapping[str, Any] | None = None
) -> str:
    """The state a Choice state goes to for `document` (its input) and the workflow's
    `variables`; `ChoiceFailure` when the execution would fail instead."""
    for rule in state["Choices"]:
        if rule_holds(rule, document, variables):
            return str(rule["Next"])
    if "Default" in state:
        return str(state["Default"])
    raise ChoiceFailure("States.NoChoiceMatched", "no rule matched and there is no Default")


def rule_holds(
    rule: Mapping[str, Any], document: Any, variables: Mapping[str, Any] | None = None
) -> bool:
    """Whether one Choice rule is true for `document` (And and Or stop at the first answer)."""
    if "Condition" in rule:
        return _condition(rule["Condition"], document, variables or {})
    if "And" in rule:
        return all(rule_holds(inner, document, variables) for inner in rule["And"])
    if "Or" in rule:
        return any(rule_holds(inner, document, variables) for inner in rule["Or"])
    if "Not" in rule:
        return not rule_holds(rule["Not"], document, variables)
    operator = next((name for name in rule if name in CHOICE_OPERATORS), None)
    if operator is None:
        raise ValueError(f"the Choice rule {dict(rule)!r} has no comparison operator")
    operand = rule[operator]
    value = select(document, rule["Variable"])
    if operator == "IsPresent":
        return (value is not MISSING) == operand
    if value is MISSING:
        raise _runtime(rule["Variable"])
    if operator in TYPE_TESTS:
        return _TYPE_TESTS[operator](value) == operand
    if operator.endswith("Path"):
        operand = select(document, operand)
        if operand is MISSING:
            raise _runtime(rule[operator])
        operator = operator.removesuffix("Path")
    return _compare(operator, value, operand)


def _runtime(path: Any) -> ChoiceFailure:
    return ChoiceFailure(
        "States.Runtime",
        f"Invalid path '{path}': the choice state's condition path references an invalid value",
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _timestamp(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        return None
    try:
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda value: value is None,
    "IsBoolean": lambda value: isinstance(value, bool),
    "IsString": lambda value: isinstance(value, str),
    "IsNumeric": _is_number,
    "IsTimestamp": lambda value: _timestamp(value) is not None,
}

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": lambda a, b: a == b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanEquals": lambda a, b: a >= b,
    "LessThan": lambda a, b: a < b,
    "LessThanEquals": lambda a, b: a <= b,
}


def _compare(operator: str, value: Any, operand: Any) -> bool:
    """A comparison of two values: false when either is not of the operator's kind."""
    if operator == "StringMatches":
        return isinstance(value, str) and isinstance(operand, str) and _matches(value, operand)
    kind = next(kind for kind in _KINDS if operator.startswith(kind))
    test = _ORDER[operator.removeprefix(kind)]
    if kind == "String":
        return isinstance(value, str) and isinstance(operand, str) and test(value, operand)
    if kind == "Numeric":
        return _is_number(value) and _is_number(operand) and test(value, operand)
    if kind == "Boolean":
        return isinstance(value, bool) and isinstance(operand, bool) and test(value, operand)
    left, right = _timestamp(value), _timestamp(operand)
    return left is not None and right is not None and test(left, right)


def _matches(text: str, pattern: str) -> bool:
    """StringMatches: `*` matches any run of characters, `\\*` a star itself."""
    parts = re.split(r"(\\\\|\\\*|\*)", pattern)
    regex = "".join(
        ".*" if part == "*" else re.escape(part[1:] if part in ("\\*", "\\\\") else part)
        for part in parts
    )
    return re.fullmatch(regex, text, flags=re.DOTALL) is not None


def _condition(condition: Any, document: Any, variables: Mapping[str, Any]) -> bool:
    """A JSONata rule's Condition: true or false, or the literal boolean itself."""
    if isinstance(condition, bool):
        return condition
    text = str(condition).strip()
    if not (text.startswith("{%") and text.endswith("%}")):
        raise ChoiceFailure("States.QueryEvaluationError", f"{condition!r} is not {{% ... %}}")
    expression = text[2:-2].strip()
    try:
        value = evaluate(expression, {**variables, "states": {"input": document}})
    except Exception as error:  # the library's own errors
        raise ChoiceFailure("States.QueryEvaluationError", error_text(error)) from None
    if not isinstance(value, bool):  # UNDEFINED included
        raise ChoiceFailure(
            "States.QueryEvaluationError",
            f"The JSONata expression '{expression}' returned {value!r}, not a boolean",
        )
    return value

"""What CreateStateMachine and UpdateStateMachine refuse on AWS (part of patch 16).

moto only parses a definition, so an offline deploy accepted a `Next` naming no state and the
run later failed naming "None". AWS refuses such a definition with `InvalidDefinition`:

* `MISSING_TRANSITION_TARGET`: a `StartAt`, `Next`, `Default`, `Choices[].Next` or
  `Catch[].Next` that names no state of its own scope;
* `UNREACHABLE_STATE`: a state that no transition reaches;
* `SCHEMA_VALIDATION_FAILED`: a state with neither `Next` nor `End`, a JSONPath-only field in
  a JSONata state (or the reverse), a JSONPath state in a JSONata machine;
* `INVALID_JSONATA_EXPRESSION` / `UNSUPPORTED_JSONATA_EXPRESSION`: a `{% %}` expression that
  does not parse, or that uses `$$`; a Wait's `Seconds` outside 0..99999999.

Messages follow AWS's form: `Invalid State Machine Definition: 'CODE: message at /path, ...'`.
"""

from __future__ import annotations

import json
from typing import Any

_JSONPATH_ONLY = (
    "InputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "OutputPath",
    "ItemsPath",
    "MaxConcurrencyPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
)
_JSONATA_ONLY = ("Arguments", "Output", "Items")
_MAX_WAIT_SECONDS = 99999999  # AWS's documented range for a Wait's Seconds
_NEEDS_NEXT_OR_END = ("Task", "Pass", "Wait", "Parallel", "Map")


def problems(definition: dict[str, Any]) -> list[str]:
    """AWS's diagnostics for a definition, empty when AWS would accept it."""
    found: list[str] = []
    language = definition.get("QueryLanguage", "JSONPath")
    _scope(definition, "", language, found)
    return found


def message(found: list[str]) -> str:
    return "Invalid State Machine Definition: '" + ", ".join(found) + "'"


def _scope(machine: dict[str, Any], where: str, language: str, found: list[str]) -> None:
    states = machine.get("States")
    if not isinstance(states, dict) or not states:
        return  # moto's parser reports a missing States itself
    start = machine.get("StartAt")
    if start not in states:
        found.append(
            f"MISSING_TRANSITION_TARGET: Missing 'Next' target: {start} at {where}/StartAt"
        )
    reached: set[str] = set()
    pending = [start] if start in states else []
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        reached.add(name)
        pending += [t for t in _targets(states[name]) if t in states]
    for name, state in states.items():
        at = f"{where}/States/{name}"
        if not isinstance(state, dict):
            continue
        for field, target in _labelled_targets(state):
            if target not in states:
                found.append(
                    f"MISSING_TRANSITION_TARGET: Missing 'Next' target: {target} at {at}/{field}"
                )
        if name not in reached:
            found.append(f"UNREACHABLE_STATE: State '{name}' is not reachable at {at}")
        kind = state.get("Type")
        if kind in _NEEDS_NEXT_OR_END and "Next" not in state and state.get("End") is not True:
            found.append(
                "SCHEMA_VALIDATION_FAILED: This state must have either a 'Next' or an 'End' "
                f"field at {at}"
            )
        seconds = state.get("Seconds") if kind == "Wait" else None
        if (
            seconds is not None
            and not isinstance(seconds, str)
            and (
                isinstance(seconds, bool)
                or not isinstance(seconds, int)
                or not (0 <= seconds <= _MAX_WAIT_SECONDS)
            )
        ):
            found.append(
                "SCHEMA_VALIDATION_FAILED: The value of the field 'Seconds' must be an "
                f"integer from 0 to {_MAX_WAIT_SECONDS} at {at}/Seconds"
            )
        own = state.get("QueryLanguage", language)
        if language == "JSONata" and state.get("QueryLanguage") == "JSONPath":
            found.append(
                "SCHEMA_VALIDATION_FAILED: 'QueryLanguage' can not be 'JSONPath' if set to "
                f"'JSONata' for whole state machine at {at}"
            )
        elif own == "JSONata":
            found += _expression_problems(state, at)
            found += [
                f"SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONata', but field "
                f"'{field}' is only supported for the 'JSONPath' QueryLanguage at {at}"
                for field in _JSONPATH_ONLY
                if field in state
            ]
            if kind == "Pass" and "Result" in state:
                found.append(
                    "SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONata', but "
                    f"field 'Result' is only supported for the 'JSONPath' QueryLanguage at {at}"
                )
        else:
            found += [
                f"SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONPath', but field "
                f"'{field}' is only supported for the 'JSONata' QueryLanguage at {at}"
                for field in _JSONATA_ONLY
                if field in state
            ]
        for index, branch in enumerate(state.get("Branches") or []):
            if isinstance(branch, dict):
                _scope(branch, f"{at}/Branches[{index}]", language, found)
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(key), dict):
                _scope(state[key], f"{at}/{key}", language, found)


_NESTED = ("States", "Branches", "ItemProcessor", "Iterator", "Comment")  # not evaluated here


def _expression_problems(value: Any, at: str) -> list[str]:
    """Every `{% %}` expression of a JSONata state must parse, and may not use `$$`."""
    from jsonata.jexception import JException

    from ..asl import compiled

    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key not in _NESTED:
                found += _expression_problems(inner, f"{at}/{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _expression_problems(inner, f"{at}[{index}]")
    elif isinstance(value, str) and value.startswith("{%") and value.endswith("%}"):
        expression = value[2:-2].strip()
        if "$$" in _outside_strings(expression):
            found.append(
                f"UNSUPPORTED_JSONATA_EXPRESSION: Reference to '$$' is not supported. at {at}"
            )
            return found
        try:
            compiled(expression)
        except JException as error:
            found.append(f"INVALID_JSONATA_EXPRESSION: {error} at {at}")
    return found


def _outside_strings(expression: str) -> str:
    """The expression without its string literals (a '$$' inside one is text)."""
    kept, quote = [], ""
    for char in expression:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        else:
            kept.append(char)
    return "".join(kept)


def _labelled_targets(state: dict[str, Any]) -> list[tuple[str, Any]]:
    targets: list[tuple[str, Any]] = []
    if "Next" in state:
        targets.append(("Next", state["Next"]))
    if "Default" in state:
        targets.append(("Default", state["Default"]))
    for index, rule in enumerate(state.get("Choices") or []):
        if isinstance(rule, dict) and "Next" in rule:
            targets.append((f"Choices[{index}]/Next", rule["Next"]))
    for index, catcher in enumerate(state.get("Catch") or []):
        if isinstance(catcher, dict) and "Next" in catcher:
            targets.append((f"Catch[{index}]/Next", catcher["Next"]))
    return targets


def _targets(state: Any) -> list[Any]:
    return [target for _, target in _labelled_targets(state)] if isinstance(state, dict) else []


def install() -> None:
    """Add the checks to moto's definition validation (Create and Update)."""
    from moto.stepfunctions.parser.models import InvalidDefinition, StepFunctionsParserBackend

    original = StepFunctionsParserBackend._validate_definition

    def validate(definition: str) -> None:
        # AWS's diagnostics first: moto's parser stops at the first field it does not expect.
        try:
            parsed = json.loads(definition)
        except ValueError:
            parsed = None
        found = problems(parsed) if isinstance(parsed, dict) else []
        if found:
            raise InvalidDefinition(message(found))
        original(definition)

    StepFunctionsParserBackend._validate_definition = staticmethod(validate)

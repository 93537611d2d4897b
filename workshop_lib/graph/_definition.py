"""Reading an Amazon States Language definition into the small model the layout walks.

Only what the diagram needs is kept: each state's type, its transitions (with readable labels),
whether it ends its flow, its Retry policy and, for Parallel and Map, the nested flows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import WorkshopError
from . import _labels

STATE_TYPES = ("Task", "Pass", "Wait", "Succeed", "Fail", "Choice", "Parallel", "Map")


class GraphError(WorkshopError):
    """Something the diagram cannot draw or write."""


class DefinitionError(GraphError):
    """The text is not JSON, or the JSON is not an Amazon States Language state machine."""


@dataclass(frozen=True)
class Transition:
    """One arrow out of a state. `kind` is next, choice, default or catch."""

    target: str
    kind: str
    label: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class StateSpec:
    """One state, reduced to what the diagram shows."""

    name: str
    type: str
    transitions: tuple[Transition, ...]
    ends: bool
    branches: tuple[Flow, ...] = ()
    caption: str | None = None
    retry: str | None = None
    details: tuple[str, ...] = ()

    @property
    def is_container(self) -> bool:
        return self.type in ("Parallel", "Map")


@dataclass(frozen=True)
class Flow:
    """A StartAt with its States: the whole machine, a Parallel branch or a Map's processor."""

    start_at: str
    states: tuple[StateSpec, ...]


def load_definition(source: Mapping[str, Any] | str | bytes) -> dict[str, Any]:
    """The definition as a dict, from a dict or a JSON document."""
    if isinstance(source, Mapping):
        return dict(source)
    if isinstance(source, bytes):
        source = source.decode("utf-8-sig")
    if not isinstance(source, str):
        raise DefinitionError(
            f"A state machine definition is a dict or a JSON string, not {type(source).__name__}.",
            hint="Pass the parsed definition, or the text of a .asl.json file.",
        )
    return _parse_json(source, "The definition")


def read_definition_file(path: str | Path) -> dict[str, Any]:
    """Read and parse a .asl.json file, with errors that name the file and the spot."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DefinitionError(
            f"There is no file {file}.", hint="Check the path (it is relative to where you are)."
        ) from None
    except (IsADirectoryError, UnicodeDecodeError) as error:
        raise DefinitionError(
            f"{file} cannot be read as text ({error.__class__.__name__}).",
            hint="Point at the state machine's .asl.json file.",
        ) from None
    return _parse_json(text, str(file))


def _parse_json(text: str, where: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        hint = "Fix the JSON at that spot (a missing comma or quote is the usual cause)."
        if text.startswith("${", error.pos):
            hint = (
                "A ${Placeholder} must sit inside a JSON string, like "
                '"Resource": "${MyFunctionArn}"; a bare one is not valid JSON.'
            )
        raise DefinitionError(
            f"{where} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}.",
            hint=hint,
        ) from None
    if not isinstance(document, dict):
        raise _not_a_machine(where)
    return document


def _not_a_machine(where: str) -> DefinitionError:
    return DefinitionError(
        f"{where} is not a state machine: it needs a StartAt and a States object.",
        hint='An Amazon States Language definition looks like {"StartAt": "First", '
        '"States": {"First": {"Type": "Pass", "End": true}}}.',
    )


def parse_flow(definition: Mapping[str, Any]) -> Flow:
    """The machine as a Flow, checking what the diagram relies on: types, targets, unique names."""
    seen: set[str] = set()
    return _flow(definition, "This definition", seen)


def _flow(document: Any, where: str, seen: set[str]) -> Flow:
    if not isinstance(document, Mapping):
        raise _not_a_machine(where)
    start_at, states = document.get("StartAt"), document.get("States")
    if not isinstance(start_at, str) or not isinstance(states, Mapping) or not states:
        raise _not_a_machine(where)
    if start_at not in states:
        raise DefinitionError(
            f"{where} starts at {start_at!r}, which is not one of its States.",
            hint=f"Set StartAt to one of: {', '.join(map(repr, states))}.",
        )
    specs = []
    for name, body in states.items():
        if name in seen:
            raise DefinitionError(
                f"The state name {name!r} is used twice.",
                hint="State names must be unique across the whole machine, branches included.",
            )
        seen.add(name)
        specs.append(_state(str(name), body, states, seen))
    return Flow(start_at=start_at, states=tuple(specs))


def _state(name: str, body: Any, siblings: Mapping[str, Any], seen: set[str]) -> StateSpec:
    if not isinstance(body, Mapping):
        raise DefinitionError(
            f"State {name!r} is not an object.", hint='Each state is {"Type": ..., ...}.'
        )
    kind = body.get("Type")
    if kind not in STATE_TYPES:
        raise DefinitionError(
            f"State {name!r} has Type {kind!r}, which is not a state type.",
            hint=f"Use one of: {', '.join(STATE_TYPES)}.",
        )
    transitions = _transitions(name, kind, body)
    for transition in transitions:
        if transition.target not in siblings:
            raise DefinitionError(
                f"State {name!r} goes to {transition.target!r}, which is not a state here.",
                hint="A transition can only reach a state in the same States object "
                "(a branch cannot jump out to its parent). Check the spelling.",
            )
    branches = _branches(name, kind, body, seen)
    retriers = [r for r in body.get("Retry", []) or [] if isinstance(r, Mapping)]
    details = [f"{kind}: {name}"]
    if body.get("Comment"):
        details.append(str(body["Comment"]))
    if kind == "Task" and body.get("Resource"):
        details.append(f"Resource: {body['Resource']}")
    details.extend(_labels.retry_detail(retriers))
    details.extend(f"Catch {t.detail} → {t.target}" for t in transitions if t.kind == "catch")
    return StateSpec(
        name=name,
        type=kind,
        transitions=transitions,
        ends=bool(body.get("End")) or kind in ("Succeed", "Fail"),
        branches=branches,
        caption=_caption(kind, body, branches),
        retry=_labels.retry_badge(retriers),
        details=tuple(details),
    )


def _transitions(name: str, kind: str, body: Mapping[str, Any]) -> tuple[Transition, ...]:
    found: list[Transition] = []
    if kind == "Choice":
        for index, rule in enumerate(body.get("Choices", []) or [], start=1):
            if not isinstance(rule, Mapping) or not isinstance(rule.get("Next"), str):
                raise DefinitionError(
                    f"Choice {name!r}: rule {index} has no Next.",
                    hint="Every Choice rule names the state to go to when it matches.",
                )
            text = _labels.condition_text(rule)
            found.append(Transition(rule["Next"], "choice", text, text))
        if isinstance(body.get("Default"), str):
            found.append(Transition(body["Default"], "default", "Default", "Default"))
    elif isinstance(body.get("Next"), str):
        found.append(Transition(body["Next"], "next"))
    for catcher in body.get("Catch", []) or []:
        if isinstance(catcher, Mapping) and isinstance(catcher.get("Next"), str):
            errors = [str(e) for e in catcher.get("ErrorEquals", [])]
            found.append(
                Transition(catcher["Next"], "catch", _labels.errors_text(errors), ", ".join(errors))
            )
    return tuple(found)


def _branches(name: str, kind: str, body: Mapping[str, Any], seen: set[str]) -> tuple[Flow, ...]:
    if kind == "Parallel":
        branches = body.get("Branches")
        if not isinstance(branches, list) or not branches:
            raise DefinitionError(
                f"Parallel {name!r} has no Branches.",
                hint="A Parallel state lists its branches, each with a StartAt and States.",
            )
        return tuple(
            _flow(b, f"Branch {i} of {name!r}", seen) for i, b in enumerate(branches, start=1)
        )
    if kind == "Map":
        processor = body.get("ItemProcessor", body.get("Iterator"))
        if processor is None:
            raise DefinitionError(
                f"Map {name!r} has no ItemProcessor (or the older Iterator).",
                hint="A Map state says what to do with each item in its ItemProcessor.",
            )
        return (_flow(processor, f"The ItemProcessor of {name!r}", seen),)
    return ()


def _caption(kind: str, body: Mapping[str, Any], branches: tuple[Flow, ...]) -> str | None:
    if kind == "Task":
        return _labels.task_caption(body.get("Resource"))
    if kind == "Wait":
        return _labels.wait_caption(body)
    if kind == "Map":
        return _labels.map_caption(body)
    if kind == "Parallel":
        return _labels.parallel_caption(len(branches))
    if kind == "Fail" and isinstance(body.get("Error"), str):
        return body["Error"]
    return None

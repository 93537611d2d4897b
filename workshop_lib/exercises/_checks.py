"""Checking helpers the exercises share: the shape of an answer, field names, and ASL paths.

The paths are evaluated with the same small JSONPath evaluator as `workshop_lib.dataflow`, so
what a checker predicts for a state is what the data-flow view shows for a real execution.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Collection, Mapping
from typing import Any

from ..dataflow import _MISSING, _SIMPLE_PATH, _place, _select
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

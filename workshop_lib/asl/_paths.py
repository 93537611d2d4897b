"""JSONPath as a JSONPath state uses it: InputPath, OutputPath and ItemsPath select a part of a
document, ResultPath places a result into one.

Only what the workbook teaches is evaluated: `$` (the whole document), `null`, and simple
reference paths, a `$` then `.name` for each field (`$.validation.image`). Anything else (array
indexes, filters, `$$` context paths) is reported as not evaluable (`MISSING`) rather than
guessed, so a prediction is never silently wrong.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any


class _Missing:
    """The value of a path that matches nothing (Step Functions fails with States.Runtime)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""What `select` returns when a path matches nothing, and `place` when it cannot place."""

SIMPLE_PATH = re.compile(r"\$(\.[A-Za-z_][A-Za-z0-9_]*)+")
"""`$.a.b`: the reference paths these functions evaluate (besides `$` itself)."""


def parse_json(text: Any) -> Any:
    """A document Step Functions handed on as JSON text (an event's input or output, a
    TestState answer) decoded; anything else, JSON or not, comes back unchanged."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def is_simple_path(path: Any) -> bool:
    """Whether `path` is `$.name(.name)*`, a path `select` and `place` can follow."""
    return isinstance(path, str) and SIMPLE_PATH.fullmatch(path) is not None


def select(document: Any, path: Any) -> Any:
    """What `path` picks from `document` (InputPath, OutputPath, ItemsPath, a Choice Variable).

    `null` picks nothing (`{}`, as AWS hands on), `$` the whole document, `$.a.b` that field;
    `MISSING` when a field is absent or the path is not a simple one.
    """
    if path is None:
        return {}
    if path == "$":
        return document
    if not is_simple_path(path):
        return MISSING
    value = document
    for name in path[2:].split("."):
        if not isinstance(value, dict) or name not in value:
            return MISSING
        value = value[name]
    return value


def place(document: Any, result: Any, path: Any) -> Any:
    """`document` with `result` put at `path` (ResultPath); `document` itself is not changed.

    `null` discards the result (the document passes through), `$` replaces the document, and
    `$.a.b` sets that field, creating missing parents on the way. `MISSING` when the path goes
    through a value that is not an object (Step Functions fails with States.Runtime), or is
    not a simple path.
    """
    if path is None:
        return document
    if path == "$":
        return result
    if not is_simple_path(path):
        return MISSING
    if not isinstance(document, dict):
        return MISSING
    placed = copy.deepcopy(document)
    target = placed
    names = path[2:].split(".")
    for name in names[:-1]:
        child = target.setdefault(name, {})
        if not isinstance(child, dict):
            return MISSING
        target = child
    target[names[-1]] = result
    return placed

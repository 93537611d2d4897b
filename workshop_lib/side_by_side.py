"""Two versions of the same thing next to each other, such as one state in JSONPath and in
JSONata (notebook 09):

    from workshop_lib.side_by_side import side_by_side, state_of
    side_by_side(("JSONPath", state_of(santa.ASL, "TransformData")),
                 ("JSONata", state_of(JSONATA_ASL, "TransformData")))
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .display import Displayable
from .errors import WorkshopError
from .source import SourceView

__all__ = ["SideBySide", "side_by_side", "state_of"]

LEFT_OUT = ("Retry", "Catch", "Comment")
"""What `state_of` leaves out by default: the error rules (notebook 03's) and the comments."""


@dataclass(frozen=True)
class SideBySide(Displayable):
    """Columns of (title, JSON value), shown as coloured JSON next to each other."""

    columns: tuple[tuple[str, Any], ...]

    def views(self) -> list[SourceView]:
        return [
            SourceView(json.dumps(value, indent=2, ensure_ascii=False), title, 1, "json")
            for title, value in self.columns
        ]

    def __str__(self) -> str:
        return "\n\n".join(f"{view.title}\n{view.code}" for view in self.views())

    def _html(self) -> str:
        cells = "".join(
            f"<div style='flex:1 1 0;min-width:280px'>{view._repr_html_()}</div>"
            for view in self.views()
        )
        return f"<div style='display:flex;gap:12px;flex-wrap:wrap'>{cells}</div>"


def side_by_side(*columns: tuple[str, Any]) -> SideBySide:
    """Show each (title, value) as JSON, in columns next to each other."""
    return SideBySide(tuple(columns))


def state_of(asl: str | Path, name: str, *, leave_out: Collection[str] = LEFT_OUT) -> dict:
    """One state of an ASL file, without the fields in `leave_out`."""
    states = json.loads(Path(asl).read_text(encoding="utf-8")).get("States", {})
    if name not in states:
        raise WorkshopError(
            f"{Path(asl).name} has no state called {name!r}.",
            hint=f"Its states are: {', '.join(states)}.",
        )
    return {field: value for field, value in states[name].items() if field not in leave_out}

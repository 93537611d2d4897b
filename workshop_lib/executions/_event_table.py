"""`EventTable`: an execution's history as rows, shown as a table when a cell ends with it."""

from __future__ import annotations

from typing import Any

from ..display import Displayable


class EventTable(list[dict[str, Any]], Displayable):
    """One dict per history event: id, type, state, resource, elapsed_seconds, timestamp.

    It is a plain list, so filter it, loop over it, or give it to `pandas.DataFrame(...)`; as
    the last line of a notebook cell it shows itself as the events table.
    """

    def _html(self) -> str:
        from ._html import event_rows_html

        return event_rows_html(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def __str__(self) -> str:
        from ._text import event_rows_text

        return event_rows_text(self)

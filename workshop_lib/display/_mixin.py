"""`Displayable`: the one way a library object shows itself as HTML in a notebook, and
`TableReport`, a Displayable that is a titled table with notes, as text and as HTML."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from . import _theme as theme
from ._html import html_block, html_table, text_table
from ._protect import protected


class Displayable:
    """A mixin for objects a notebook cell shows as HTML.

    A class writes `_html()` (plain HTML, no protection) and, as it likes, `__str__` for the
    command line; the mixin supplies `_repr_html_`, whose HTML is always wrapped by `protect`,
    so no class can forget that JupyterLab's maths renderer eats `$` (a price, a JSONPath).
    Code that embeds one object's view in another's calls `_repr_html_()` as before.
    """

    __slots__ = ()

    def _html(self) -> str:
        """The object as HTML; subclasses write this."""
        raise NotImplementedError(
            f"{type(self).__name__} is Displayable but defines no _html(); write one that "
            "returns the object's HTML."
        )

    @protected
    def _repr_html_(self) -> str:
        return self._html()


class TableReport(Displayable):
    """A result shown as a title, one table and notes, alike as text (`str()`, the command line)
    and as HTML, so the two views cannot drift apart.

    A class sets `HEADERS` and writes `_title()` and `_rows()`, and as it needs `_footer()` (a
    total row), `_notes()`, `_verdict()` (a check that passed or failed colours its title) and
    `_html_extra()` (HTML under the table, such as a link); it writes neither `__str__` nor
    `_html()`.
    """

    __slots__ = ()
    HEADERS: ClassVar[tuple[str, ...]] = ()

    def _title(self) -> str:
        raise NotImplementedError(f"{type(self).__name__} is a TableReport but has no _title().")

    def _rows(self) -> Sequence[Sequence[object]]:
        raise NotImplementedError(f"{type(self).__name__} is a TableReport but has no _rows().")

    def _footer(self) -> Sequence[object] | None:
        """A last row set apart (a total), or None."""
        return None

    def _notes(self) -> Sequence[str]:
        return ()

    def _verdict(self) -> bool | None:
        """Whether the report is a check that passed (True) or failed (False); None if neither."""
        return None

    def _html_extra(self) -> str:
        """HTML shown under the table only (a link a terminal cannot follow)."""
        return ""

    def __str__(self) -> str:
        footer = self._footer()
        rows = [*self._rows(), *([footer] if footer is not None else [])]
        return "\n".join([self._title(), text_table(self.HEADERS, rows), *self._notes()])

    def _html(self) -> str:
        table = html_table(self.HEADERS, self._rows(), footer=self._footer())
        verdict = self._verdict()
        colour = "" if verdict is None else theme.SUCCESS if verdict else theme.FAILURE
        return html_block(
            self._title(), table, self._html_extra(), notes=self._notes(), colour=colour
        )

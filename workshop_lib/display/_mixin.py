"""`Displayable`: the one way a library object shows itself as HTML in a notebook."""

from __future__ import annotations

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

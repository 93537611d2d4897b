"""Everything the library draws with: one HTML table (`html_table`), the colour palette
(`theme`), figures (`new_figure`, `dollar_ticks`), widgets (`SliderPanel`) and the `Displayable`
mixin, whose HTML is protected from JupyterLab's maths renderer.

An object a notebook shows writes `_html()` and inherits the rest:

    class Bill(Displayable):
        def _html(self) -> str:
            rows = [("Lambda", usd(0.17)), ("Step Functions", usd(0.025))]
            return html_block("This month", html_table(("service", "cost"), rows))

Layer 2: this package imports nothing from the rest of the library, so every other package can
draw with it. matplotlib and ipywidgets are imported inside the functions that need them, so
importing workshop_lib stays fast.
"""

from __future__ import annotations

from . import _theme as theme
from ._cells import current_cell
from ._figures import count_ticks, dollar_ticks, figure_png, new_figure, png_img
from ._html import escape, html_block, html_table, number, text_table, usd
from ._mixin import Displayable, TableReport
from ._protect import IGNORE_CLASS, is_protected, protect, protected, unprotected_dollars
from ._widgets import SliderPanel, checkbox, float_slider, selection_slider

__all__ = [
    "IGNORE_CLASS",
    "Displayable",
    "SliderPanel",
    "TableReport",
    "checkbox",
    "count_ticks",
    "current_cell",
    "dollar_ticks",
    "escape",
    "figure_png",
    "float_slider",
    "html_block",
    "html_table",
    "is_protected",
    "new_figure",
    "number",
    "png_img",
    "protect",
    "protected",
    "selection_slider",
    "text_table",
    "theme",
    "unprotected_dollars",
    "usd",
]

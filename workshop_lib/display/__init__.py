"""Everything the library draws with: one HTML table (`html_table`), the colour palette
(`theme`), figures (`new_figure`, `dollar_ticks`), widgets (`SliderPanel`) and the `Displayable`
mixin, whose HTML is protected from JupyterLab's maths renderer.

Layer 2: this package imports nothing from the rest of the library except constants and errors,
so every other package can draw with it. matplotlib and ipywidgets are imported inside the
functions that need them, so importing workshop_lib stays fast.
"""

from __future__ import annotations

from . import _theme as theme
from ._figures import count_ticks, dollar_ticks, figure_png, new_figure, png_img
from ._html import escape, html_block, html_table, number, text_table, usd
from ._mixin import Displayable
from ._protect import IGNORE_CLASS, is_protected, protect, protected, unprotected_dollars
from ._widgets import SliderPanel, checkbox, float_slider, selection_slider

__all__ = [
    "IGNORE_CLASS",
    "Displayable",
    "SliderPanel",
    "checkbox",
    "count_ticks",
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

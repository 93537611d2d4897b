"""matplotlib figures that display once in a notebook and never open a window elsewhere, and
pictures of them inside an HTML page."""

from __future__ import annotations

import base64
import html
import io
from typing import Any


def new_figure(rows: int = 1, *, height: float = 3.6, sharex: bool = False) -> tuple[Any, Any]:
    """A figure and its axes. The figure is closed in pyplot so Jupyter shows only the return."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(rows, 1, figsize=(8, height * rows), sharex=sharex, squeeze=False)
    plt.close(figure)
    return figure, [row[0] for row in axes]


def figure_png(figure: Any, *, dpi: float = 100, facecolor: str | None = None) -> bytes:
    """The figure as PNG bytes (`facecolor` paints its background, e.g. white behind images)."""
    buffer = io.BytesIO()
    options = {"facecolor": facecolor} if facecolor else {}
    figure.savefig(buffer, format="png", dpi=dpi, **options)
    return buffer.getvalue()


def png_img(png: bytes, alt: str, *, style: str = "max-width:100%;height:auto") -> str:
    """An <img> whose picture is inside the page itself (a data: URI), so it survives export."""
    encoded = base64.b64encode(png).decode("ascii")
    css = f' style="{style}"' if style else ""
    return f'<img src="data:image/png;base64,{encoded}" alt="{html.escape(alt, quote=True)}"{css}>'


def dollar_ticks(axis: Any) -> None:
    """Tick labels in plain dollars ($0.000002, $0.50, $1,000), never a `1e-6` offset."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _: _dollars(value)))
    if axis.get_scale() == "log":
        axis.set_minor_formatter(NullFormatter())


def count_ticks(axis: Any) -> None:
    """Tick labels as counts (1,000 or 1M), never `10^6`."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _: _count(value)))
    if axis.get_scale() == "log":
        axis.set_minor_formatter(NullFormatter())


def _dollars(value: float) -> str:
    if value == 0:
        return "$0"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1:
        return f"{sign}${value:,.2f}".removesuffix(".00")
    text = f"{value:.10f}".rstrip("0")
    return f"{sign}${text}"


def _count(value: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= size:
            return f"{value / size:,.3g}{suffix}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.3g}"

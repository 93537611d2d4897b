"""Draw captioned image panels into one matplotlib figure and embed it as static HTML.

Figures are built with `matplotlib.figure.Figure` directly, never through pyplot, so nothing
is shown twice in Jupyter and no window opens outside it.
"""

from __future__ import annotations

import functools
import html
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from ..display import Displayable, figure_png, html_table, png_img

_PANEL_INCHES = 3.2
_DPI = 100
_CHECKER = 8  # checkerboard squares, in preview pixels, behind transparent images


@dataclass(frozen=True)
class Panel:
    """One image in a figure: a bold label, a caption under it, or the reason it is missing."""

    label: str
    image: Image.Image | None
    caption: str
    problem: str | None = None


def _checkerboard(width: int, height: int) -> np.ndarray:
    rows = (np.arange(height) // _CHECKER)[:, None]
    cols = (np.arange(width) // _CHECKER)[None, :]
    return np.where((rows + cols) % 2 == 0, 0.93, 0.78)


def build_figure(panels: Sequence[Panel], *, title: str | None = None, columns: int = 4) -> Figure:
    """A grid of panels, `columns` wide, each captioned under the picture."""
    count = max(1, len(panels))
    cols = max(1, min(columns, count))
    rows = math.ceil(count / cols)
    figure = Figure(
        figsize=(cols * _PANEL_INCHES, rows * (_PANEL_INCHES * 0.85 + 0.5) + (0.4 if title else 0)),
        dpi=_DPI,
        layout="constrained",
    )
    if title:
        figure.suptitle(title, fontsize=12, fontweight="bold")
    axes = figure.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
    for ax, panel in zip(axes, panels, strict=False):
        ax.set_title(panel.label, fontsize=10, fontweight="bold")
        ax.set_xlabel(panel.caption, fontsize=8.5)
        if panel.image is None:
            ax.set_facecolor("#f4f4f4")
            ax.text(
                0.5,
                0.5,
                "cannot show:\n" + textwrap.fill(panel.problem or "unknown problem", 30),
                ha="center",
                va="center",
                fontsize=9,
                color="#a00",
                transform=ax.transAxes,
            )
            continue
        width, height = panel.image.size
        extent = (0, width, height, 0)
        if panel.image.mode == "RGBA":
            board = _checkerboard(width, height)
            ax.imshow(board, cmap="gray", vmin=0, vmax=1, extent=extent, interpolation="nearest")
        ax.imshow(np.asarray(panel.image), extent=extent, interpolation="antialiased")
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    return figure


class FigureView(Displayable):
    """What Comparison and Gallery share: a cached PNG of `figure()`, shown in HTML with a
    table of `_rows()` under `HEADERS`. Subclasses set `title` and `HEADERS`."""

    HEADERS: tuple[str, ...] = ()
    title: str | None

    def figure(self, *, titled: bool = True) -> Figure:
        raise NotImplementedError

    def _rows(self) -> list[tuple[str, ...]]:
        raise NotImplementedError

    @functools.cached_property
    def png(self) -> bytes:
        """The figure as PNG bytes, without its title: the HTML shows the title once, as text."""
        return figure_png(self.figure(titled=False), dpi=_DPI, facecolor="white")

    def _html(self) -> str:
        # Only HTML (no _repr_png_): Jupyter saves every representation an object offers, and
        # the figure would then be stored in the notebook twice.
        heading = f"<strong>{html.escape(self.title)}</strong>" if self.title else ""
        alt = "; ".join(" ".join(row[:4]) for row in self._rows())
        return (
            f"<figure style='margin:0'>{heading}{png_img(self.png, alt)}"
            f"<figcaption>{html_table(self.HEADERS, self._rows())}</figcaption></figure>"
        )

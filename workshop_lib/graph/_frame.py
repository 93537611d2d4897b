"""The page around a diagram: margins, the title band and the legend rows.

Both renderers use it, so the SVG and the matplotlib figure put everything in the same place.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from . import _theme as T
from ._layout import Layout
from ._metrics import text_width
from ._overlay import StateOverlay, StateStatus

MARGIN = 16.0
TITLE_BAND = 30.0
LEGEND_ROW = 22.0
LEGEND_SWATCH = (22.0, 14.0)
RETRIES_KEY = "retried n times"

LegendItem = tuple[StateStatus | None, str]
"""A status and its label; None stands for the retries badge."""


@dataclass(frozen=True)
class Frame:
    width: float
    height: float
    graph_x: float  # where the layout's (0, 0) goes
    graph_y: float
    legend: tuple[tuple[LegendItem, ...], ...]
    legend_y: float


def frame(
    layout: Layout, *, title: str | None, overlay: Mapping[str, StateOverlay] | None
) -> Frame:
    items = _legend_items(overlay) if overlay is not None else []
    content_w = max(layout.width, max((legend_item_width(label) for _, label in items), default=0))
    rows = _rows(items, content_w)
    top = MARGIN + (TITLE_BAND if title else 0.0)
    legend_h = (len(rows) * LEGEND_ROW + 10.0) if rows else 0.0
    return Frame(
        width=content_w + 2 * MARGIN,
        height=top + layout.height + legend_h + MARGIN,
        graph_x=MARGIN + (content_w - layout.width) / 2,
        graph_y=top,
        legend=tuple(tuple(row) for row in rows),
        legend_y=top + layout.height + 14.0,
    )


def legend_item_width(label: str) -> float:
    return LEGEND_SWATCH[0] + 6 + text_width(label, T.LEGEND_SIZE) + 18


def _legend_items(overlay: Mapping[str, StateOverlay]) -> list[LegendItem]:
    present = {entry.status for entry in overlay.values()}
    items: list[LegendItem] = [
        (status, T.STATUS_LOOKS[status].label) for status in StateStatus if status in present
    ]
    if any(entry.retries for entry in overlay.values()):
        items.append((None, RETRIES_KEY))
    return items


def _rows(items: list[LegendItem], width: float) -> list[list[LegendItem]]:
    rows: list[list[LegendItem]] = []
    used = math.inf
    for item in items:
        item_w = legend_item_width(item[1])
        if used + item_w > width:
            rows.append([])
            used = 0.0
        rows[-1].append(item)
        used += item_w
    return rows

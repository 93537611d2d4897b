"""Several uploads at once, in a captioned grid."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from matplotlib.figure import Figure

from ._figure import FigureView, Panel, build_figure
from ._summary import ImageSource, ImageSummary, human_bytes, preview, read_items


class Gallery(FigureView):
    """A grid of images with their dimensions, format and size; unreadable files get a panel
    saying why. Displays as a static figure plus a table."""

    HEADERS = ("image", "dimensions", "format", "size", "note")

    def __init__(
        self, items: Mapping[str, bytes], title: str | None = None, *, columns: int = 4
    ) -> None:
        self.items = dict(items)
        self.title = title
        self.columns = columns

    @functools.cached_property
    def _previews(self) -> dict[str, tuple[Any, ImageSummary]]:
        return {name: preview(data, edge=480) for name, data in self.items.items()}

    @property
    def summaries(self) -> dict[str, ImageSummary]:
        return {name: summary for name, (_image, summary) in self._previews.items()}

    @staticmethod
    def _note(summary: ImageSummary) -> str:
        if not summary.viewable:
            return f"cannot show: {summary.problem}"
        notes = []
        if summary.rotated_by_exif:
            notes.append("EXIF-rotated")
        if summary.has_alpha:
            notes.append("transparent parts")
        return ", ".join(notes)

    def _rows(self) -> list[tuple[str, str, str, str, str]]:
        return [
            (name, s.dimensions(), s.format or "–", human_bytes(s.bytes), self._note(s))
            for name, s in self.summaries.items()
        ]

    def figure(self, *, titled: bool = True) -> Figure:
        panels = []
        for name, (image, summary) in self._previews.items():
            caption = human_bytes(summary.bytes)
            if summary.viewable:
                caption = f"{summary.dimensions()} · {summary.format}\n{caption}"
            panels.append(Panel(name, image, caption, summary.problem))
        return build_figure(panels, title=self.title if titled else None, columns=self.columns)

    def __repr__(self) -> str:
        lines = [f"Gallery of {len(self.items)}{f' {self.title!r}' if self.title else ''}:"]
        lines += [f"  {' | '.join(row)}" for row in self._rows()]
        return "\n".join(lines)


def gallery(
    items: Mapping[str, ImageSource] | Iterable[Any],
    title: str | None = None,
    *,
    columns: int = 4,
) -> Gallery:
    """A grid of several uploads. `items` is a mapping name -> bytes (or path, or object with
    `.data`), or an iterable of paths or (name, source) pairs."""
    return Gallery(read_items(items), title, columns=columns)

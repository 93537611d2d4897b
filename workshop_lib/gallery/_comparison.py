"""Before and after: an original upload beside what the image processor made from it."""

from __future__ import annotations

import functools
import html
from collections.abc import Mapping
from typing import Any

from matplotlib.figure import Figure

from ..display import protect
from ._figure import FigureView, Panel, build_figure
from ._summary import (
    ImageSource,
    ImageSummary,
    display_bytes,
    human_bytes,
    preview,
    read_bytes,
    saving_text,
)

_ORIGINAL = "\0original"  # a key no output name can clash with


class Comparison(FigureView):
    """An original and its outputs. In a notebook it shows as one figure (static, so it survives
    HTML export); `.widget()` gives a live toggle between outputs instead."""

    HEADERS = ("image", "dimensions", "format", "size", "vs original")

    def __init__(
        self,
        original: bytes,
        outputs: Mapping[str, bytes],
        title: str | None = None,
        *,
        columns: int = 4,
    ) -> None:
        self.original = original
        self.outputs = dict(outputs)
        self.title = title
        self.columns = columns

    # -- facts ---------------------------------------------------------------------------
    @functools.cached_property
    def _previews(self) -> dict[str, tuple[Any, ImageSummary]]:
        sources = {_ORIGINAL: self.original, **self.outputs}
        return {key: preview(data) for key, data in sources.items()}

    @property
    def summaries(self) -> dict[str, ImageSummary]:
        """Each output's summary by name; the original's is `original_summary`."""
        return {name: self._previews[name][1] for name in self.outputs}

    @property
    def original_summary(self) -> ImageSummary:
        return self._previews[_ORIGINAL][1]

    def _caption(self, summary: ImageSummary, *, is_original: bool) -> str:
        first = human_bytes(summary.bytes)
        if summary.viewable:
            first = f"{summary.dimensions()} · {summary.format} · {first}"
        if is_original:
            second = "EXIF-rotated for display" if summary.rotated_by_exif else "original"
        elif summary.viewable:
            second = saving_text(summary.bytes, self.original_summary.bytes)
        else:
            second = ""
        return f"{first}\n{second}"

    def _rows(self) -> list[tuple[str, str, str, str, str]]:
        rows = [self._row("original", self.original_summary, "—")]
        for name, summary in self.summaries.items():
            versus = saving_text(summary.bytes, len(self.original)) if summary.viewable else "—"
            rows.append(self._row(name, summary, versus))
        return rows

    @staticmethod
    def _row(name: str, summary: ImageSummary, versus: str) -> tuple[str, str, str, str, str]:
        dimensions = summary.dimensions() if summary.viewable else f"cannot show: {summary.problem}"
        return (name, dimensions, summary.format or "–", human_bytes(summary.bytes), versus)

    # -- static display ------------------------------------------------------------------
    def figure(self, *, titled: bool = True) -> Figure:
        """The matplotlib figure: the original first, then each output, all captioned."""
        panels = [self._panel("original", _ORIGINAL, is_original=True)]
        panels += [self._panel(name, name, is_original=False) for name in self.outputs]
        return build_figure(panels, title=self.title if titled else None, columns=self.columns)

    def _panel(self, label: str, key: str, *, is_original: bool) -> Panel:
        image, summary = self._previews[key]
        return Panel(label, image, self._caption(summary, is_original=is_original), summary.problem)

    def __repr__(self) -> str:
        lines = [f"Comparison{f' {self.title!r}' if self.title else ''}:"]
        lines += [f"  {' | '.join(row)}" for row in self._rows()]
        return "\n".join(lines)

    # -- live display --------------------------------------------------------------------
    def widget(self, *, width: int = 420) -> Any:
        """An ipywidgets view for a live kernel: the original on the left, and on the right the
        output picked with the toggle buttons. Every picture is drawn to one scale (the widest
        image is `width` pixels wide), so a thumbnail looks as much smaller than the original
        as it is. Needs a running kernel; exported pages show the static figure instead."""
        import ipywidgets as widgets

        widths = [s.width for _, s in self._previews.values() if s.viewable and s.width]
        scale = width / max(widths) if widths else 1.0

        def view(key: str, label: str, *, is_original: bool) -> tuple[Any, Any]:
            image, summary = self._previews[key]
            caption = html.escape(self._caption(summary, is_original=is_original)).replace(
                "\n", "<br>"
            )
            text = widgets.HTML(protect(f"<b>{html.escape(label)}</b><br><small>{caption}</small>"))
            if image is None:
                problem = html.escape(summary.problem or "")
                picture = widgets.HTML(protect(f"<i>cannot show: {problem}</i>"))
            else:
                value, fmt = display_bytes(image)
                shown = max(1, round((summary.width or image.width) * scale))
                picture = widgets.Image(value=value, format=fmt, layout={"width": f"{shown}px"})
            return text, picture

        column = widgets.Layout(width=f"{width + 20}px")
        left = widgets.VBox(list(view(_ORIGINAL, "original", is_original=True)), layout=column)
        if not self.outputs:
            return widgets.VBox([left])
        views = {name: view(name, name, is_original=False) for name in self.outputs}
        first = next(iter(views))
        right = widgets.VBox(list(views[first]), layout=widgets.Layout(width=f"{width + 20}px"))
        toggle = widgets.ToggleButtons(options=list(views), value=first, description="Output:")

        def show(change: dict[str, Any]) -> None:
            right.children = views[change["new"]]

        toggle.observe(show, names="value")
        children = [toggle, widgets.HBox([left, right])]
        if self.title:
            heading = protect(f"<strong>{html.escape(self.title)}</strong>")
            children.insert(0, widgets.HTML(heading))
        return widgets.VBox(children)


def compare(
    original: ImageSource,
    outputs: Mapping[str, ImageSource],
    title: str | None = None,
    *,
    columns: int = 4,
) -> Comparison:
    """Show an original beside each output with dimensions, format, size and % saved.

    `original` and each output may be bytes, a file path, or anything with a `.data`
    attribute (the imaging core's RenderedImage), so `compare(photo, resize_for_web(photo))`
    works directly.
    """
    return Comparison(
        read_bytes(original),
        {str(name): read_bytes(source) for name, source in outputs.items()},
        title,
        columns=columns,
    )

"""`ArchitectureDiagram`: an application's architecture, to show in a notebook or save."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..display import protected
from ..errors import WorkshopError
from ._model import Architecture, load, read_architecture
from ._svg import render

MIN_SCALE = 0.8
"""The smallest scale a notebook shows a diagram at: 13 px box names stay over 10 px."""
_WIDTH = re.compile(r'<svg[^>]*?\swidth="([0-9.]+)"')


class ArchitectureDiagram:
    """The services of a SAM template and how events flow between them."""

    def __init__(self, template: dict[str, Any], title: str) -> None:
        self.architecture: Architecture = read_architecture(template, title)
        if not self.architecture.services:
            raise WorkshopError(
                f"{title}: the template has no services a diagram can show.",
                hint="Diagrams show S3 buckets, Lambda functions, state machines, DynamoDB "
                "tables, SNS topics and SQS queues.",
            )

    @classmethod
    def for_app(cls, app: str) -> ArchitectureDiagram:
        """`santa`, `images`, or a folder holding a template.yaml."""
        from ..deploy import resolve_app

        resolved = resolve_app(app)
        return cls(load(resolved.template), f"{resolved.name}: architecture")

    @classmethod
    def from_file(cls, path: str | Path, title: str | None = None) -> ArchitectureDiagram:
        target = Path(path)
        return cls(load(target), title or target.parent.name or target.name)

    def to_svg(self) -> str:
        """A self-contained SVG document (no scripts, no links, no external fonts)."""
        return render(self.architecture)

    def save(self, path: str | Path) -> Path:
        target = Path(path)
        if target.suffix.lower() != ".svg":
            raise WorkshopError(
                f"Cannot save an architecture diagram as {target.name!r}.",
                hint="Use a name ending in .svg.",
            )
        target.write_text(self.to_svg(), encoding="utf-8")
        return target

    @protected
    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **_: Any
    ) -> dict[str, str]:
        # JupyterLab shows image/svg+xml as an <img>, where hovering shows nothing; the same
        # SVG inline in HTML keeps the arrows' IAM tooltips. The SVG stays for other viewers.
        svg = self.to_svg()
        return {"text/html": readable_width(svg), "image/svg+xml": svg, "text/plain": repr(self)}

    def __repr__(self) -> str:
        arch = self.architecture
        return (
            f"<ArchitectureDiagram {arch.title!r}: {len(arch.services)} services, "
            f"{len(arch.arrows)} arrows>"
        )


def readable_width(svg: str) -> str:
    """`svg` fitted to the output, and, when that shrinks it below `MIN_SCALE`, again at a
    readable size under "Full size", in a box that scrolls sideways.

    A wide app (santa: 1810 px, five columns) fitted to a notebook's ~950 px output comes out at
    half size, its labels ~6 px high: an overview, but nothing a learner can read."""
    match = _WIDTH.search(svg)
    if match is None:
        return svg
    least = round(float(match.group(1)) * MIN_SCALE)
    return (
        f"{svg}<details><summary>Full size (scroll sideways)</summary>"
        f'<div style="overflow-x:auto"><div style="min-width:{least}px">{svg}</div></div>'
        "</details>"
    )


def architecture_svg(app: str) -> str:
    """The SVG diagram of an application in one call."""
    return ArchitectureDiagram.for_app(app).to_svg()

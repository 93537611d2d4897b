"""Sizes, fonts and the colour roles shared by the SVG and matplotlib renderers.

The colours themselves are the library's palette (`workshop_lib.display.theme`): status colours
follow the Okabe-Ito palette, which stays distinguishable with the common forms of colour
blindness; each status also has its own glyph, so colour is never the only signal.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..display import theme
from ._metrics import fit_text, text_width
from ._overlay import StateOverlay, StateStatus

FONT_SANS = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
FONT_MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace"

KIND_SIZE = 10.0
NAME_SIZE = 13.0
NOTE_SIZE = 10.0
LABEL_SIZE = 11.0
TITLE_SIZE = 15.0
LEGEND_SIZE = 11.0

PAD_X = 14.0
PAD_TOP = 8.0
PAD_BOTTOM = 9.0
NODE_MIN_WIDTH = 132.0
NODE_MAX_WIDTH = 250.0
CONTAINER_MAX_TEXT = 360.0
TERMINAL_SIZE = (64.0, 28.0)
LABEL_HEIGHT = 18.0
LABEL_PAD_X = 7.0
LABEL_MAX_WIDTH = 240.0
NODE_RADIUS = 8.0
CONTAINER_RADIUS = 11.0
MAP_STACK_OFFSET = 5.0

INK = theme.INK
MUTED = theme.MUTED
BACKGROUND = theme.BACKGROUND
EDGE = "#7b8794"
CATCH = "#b5520b"
LABEL_BORDER = "#d5dbe2"
LABEL_TEXT = "#2d3742"
NOTE_TEXT = "#7a5300"  # a Retry note under a state's name, on a plain box
BOX_STROKE = "#98a4b3"  # the outline of a plain state box

_KIND_COLOURS = {
    "Task": theme.BLUE,
    "Choice": theme.PURPLE,
    "Parallel": theme.SLATE,
    "Map": theme.SLATE,
    "Wait": theme.BROWN,
    "Pass": MUTED,
    "Succeed": theme.GREEN,
    "Fail": theme.VERMILION,
}


@dataclass(frozen=True)
class TextLine:
    """One centred line of text in a box; `baseline` is measured from the box's top."""

    text: str
    baseline: float
    size: float
    bold: bool = False
    role: str = "name"  # kind, name, caption or note: renderers pick the colour by role


def node_text(
    kind: str,
    name: str,
    caption: str | None,
    retry: str | None,
    *,
    container: bool,
    width: float | None = None,
) -> list[TextLine]:
    """The lines a state's box shows, fitted to `width` (or to the widest allowed box)."""
    limit = (width or (CONTAINER_MAX_TEXT if container else NODE_MAX_WIDTH)) - 2 * PAD_X
    kind_line = kind.upper()
    if caption and not container:
        kind_line += f" · {caption}"
    lines = [
        TextLine(fit_text(kind_line, limit, KIND_SIZE), PAD_TOP + KIND_SIZE, KIND_SIZE, role="kind")
    ]
    baseline = lines[-1].baseline + NAME_SIZE + 4
    lines.append(TextLine(fit_text(name, limit, NAME_SIZE, bold=True), baseline, NAME_SIZE, True))
    if caption and container:
        baseline += NOTE_SIZE + 5
        lines.append(
            TextLine(fit_text(caption, limit, NOTE_SIZE), baseline, NOTE_SIZE, role="caption")
        )
    if retry:
        baseline += NOTE_SIZE + 5
        lines.append(
            TextLine(fit_text("↻ " + retry, limit, NOTE_SIZE), baseline, NOTE_SIZE, role="note")
        )
    return lines


def text_block_size(lines: list[TextLine], *, container: bool) -> tuple[float, float]:
    """The smallest box (within limits) that shows `lines` whole."""
    widest = max(text_width(line.text, line.size, bold=line.bold) for line in lines)
    ceiling = CONTAINER_MAX_TEXT if container else NODE_MAX_WIDTH
    width = min(max(widest + 2 * PAD_X, NODE_MIN_WIDTH), ceiling)
    height = lines[-1].baseline + lines[-1].size * 0.25 + PAD_BOTTOM
    return width, height


def kind_colour(kind: str) -> str:
    return _KIND_COLOURS.get(kind, MUTED)


@dataclass(frozen=True)
class BoxStyle:
    fill: str
    stroke: str
    stroke_width: float
    dash: str | None
    text: str
    kind_text: str
    glyph: str | None = None
    glyph_fill: str = INK
    glyph_text: str = BACKGROUND


@dataclass(frozen=True)
class StatusLook:
    label: str
    fill: str
    stroke: str
    glyph: str | None
    glyph_text: str
    dash: str | None = None
    stroke_width: float = 2.0
    muted: bool = False


STATUS_LOOKS: dict[StateStatus, StatusLook] = {
    StateStatus.SUCCEEDED: StatusLook("Succeeded", "#dff3ea", theme.SUCCEEDED, "✓", BACKGROUND),
    StateStatus.FAILED: StatusLook("Failed", "#fae1d3", theme.FAILED, "✕", BACKGROUND),
    StateStatus.CAUGHT: StatusLook("Caught (error handled)", "#fcefcc", theme.CAUGHT, "!", INK),
    StateStatus.IN_PROGRESS: StatusLook(
        "In progress", "#d9ebf7", theme.IN_PROGRESS, "…", BACKGROUND, dash="6 3", stroke_width=2.6
    ),
    StateStatus.CANCELLED: StatusLook("Cancelled", "#e3e3e3", theme.CANCELLED, "■", BACKGROUND),
    StateStatus.NOT_REACHED: StatusLook(
        "Not reached",
        "#f7f8f9",
        theme.NOT_REACHED,
        None,
        INK,
        dash="3 3",
        stroke_width=1.2,
        muted=True,
    ),
}


def box_style(kind: str, overlay: StateOverlay | None, *, container: bool) -> BoxStyle:
    """How to paint a state's box, plain or coloured by what happened to it."""
    if overlay is None:
        if container:
            return BoxStyle("#f6f7f9", "#aab4c0", 1.2, None, INK, kind_colour(kind))
        return BoxStyle(BACKGROUND, BOX_STROKE, 1.2, None, INK, kind_colour(kind))
    look = STATUS_LOOKS[overlay.status]
    fill = _mix(look.fill, 0.55) if container else look.fill
    text = "#5d6875" if look.muted else INK
    kind_text = "#7d8894" if look.muted else kind_colour(kind)
    return BoxStyle(
        fill,
        look.stroke,
        look.stroke_width,
        look.dash,
        text,
        kind_text,
        look.glyph,
        look.stroke,
        look.glyph_text,
    )


def terminal_style() -> BoxStyle:
    return BoxStyle("#2f3b48", "#2f3b48", 1.0, None, BACKGROUND, BACKGROUND)


def _mix(colour: str, amount: float) -> str:
    """`colour` blended toward white by `amount` (0 keeps it, 1 is white)."""
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(c + (255 - c) * amount) for c in channels]
    return "#" + "".join(f"{c:02x}" for c in mixed)

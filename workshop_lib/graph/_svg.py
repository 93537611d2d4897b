"""The diagram as one self-contained SVG document.

Everything is drawn with presentation attributes (no <style>, no ids, no scripts, no links), so
the same text renders inline in a notebook, as an image on GitHub, in VS Code and in exported
HTML, and two diagrams on one page cannot restyle each other.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from xml.sax.saxutils import escape

from . import _theme as T
from ._frame import LEGEND_ROW, LEGEND_SWATCH, MARGIN, LegendItem, frame, legend_item_width
from ._layout import EdgePath, Layout, NodeBox
from ._metrics import fit_text, text_width
from ._overlay import StateOverlay
from ._routes import ARROW_LENGTH, Command

_SVG_NS = "http://www.w3.org/2000/svg"


def render_svg_document(
    layout: Layout,
    *,
    title: str | None = None,
    overlay: Mapping[str, StateOverlay] | None = None,
) -> str:
    """The SVG text for `layout`, coloured by `overlay` (state name -> outcome) when given."""
    page = frame(layout, title=title, overlay=overlay)
    width, height = page.width, page.height
    label = title or "State machine diagram"
    out = [
        f'<svg xmlns="{_SVG_NS}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="{_n(width)}" height="{_n(height)}" style="max-width:100%;height:auto" '
        f'role="img" aria-label="{_attr(label)}">',
        f"<title>{_text(label)}</title>",
        f'<rect x="0" y="0" width="{_n(width)}" height="{_n(height)}" rx="10" '
        f'fill="{T.BACKGROUND}"/>',
        f'<g font-family="{_attr(T.FONT_SANS)}" fill="{T.INK}">',
    ]
    if title:
        out.append(
            f'<text x="{_n(MARGIN)}" y="{_n(MARGIN + T.TITLE_SIZE)}" '
            f'font-size="{_n(T.TITLE_SIZE)}" font-weight="600">{_text(title)}</text>'
        )
    out.append(f'<g transform="translate({_n(page.graph_x)} {_n(page.graph_y)})">')
    containers = sorted((n for n in layout.nodes if n.is_container), key=layout.depth)
    for node in containers:
        out.extend(_container(node, _entry(overlay, node)))
    for edge in layout.edges:
        out.extend(_edge(edge))
    for node in layout.nodes:
        if not node.is_container:
            out.extend(_box(node, _entry(overlay, node)))
    for edge in layout.edges:
        out.extend(_edge_label(edge))
    out.append("</g>")
    if page.legend:
        out.extend(_legend(page.legend, MARGIN, page.legend_y))
    out.append("</g></svg>")
    return "\n".join(out)


def _entry(overlay: Mapping[str, StateOverlay] | None, node: NodeBox) -> StateOverlay | None:
    if overlay is None or not node.is_state:
        return None
    return overlay.get(node.name)


# -- boxes ---------------------------------------------------------------------------------------


def _tooltip(node: NodeBox, entry: StateOverlay | None) -> str:
    lines = list(node.details) or [node.name]
    if entry is not None:
        status = T.STATUS_LOOKS[entry.status].label
        lines.append(f"Status: {status}" + (f", retried {entry.retries}×" if entry.retries else ""))
        if entry.note:
            lines.append(entry.note)
    return "\n".join(lines)


def _box(node: NodeBox, entry: StateOverlay | None) -> list[str]:
    if not node.is_state:
        style = T.terminal_style()
        cx, cy = node.center
        return [
            f"<g><title>{_text(node.name)}</title>",
            _rect(node.x, node.y, node.width, node.height, node.height / 2, style),
            f'<text x="{_n(cx)}" y="{_n(cy + 4)}" font-size="12" font-weight="600" '
            f'text-anchor="middle" fill="{style.text}">{_text(node.name)}</text>',
            "</g>",
        ]
    style = T.box_style(node.kind, entry, container=False)
    out = [f"<g><title>{_text(_tooltip(node, entry))}</title>"]
    out.append(_rect(node.x, node.y, node.width, node.height, T.NODE_RADIUS, style))
    out.extend(_lines(node, node.width, style, container=False))
    out.extend(_badges(node.right, node.y, entry, style))
    out.append("</g>")
    return out


def _container(node: NodeBox, entry: StateOverlay | None) -> list[str]:
    style = T.box_style(node.kind, entry, container=True)
    stack = T.MAP_STACK_OFFSET if node.kind == "Map" else 0.0
    card_w, card_h = node.width - stack, node.height - stack
    out = [f"<g><title>{_text(_tooltip(node, entry))}</title>"]
    if stack:  # a second card behind suggests "one run per item"
        out.append(_rect(node.x + stack, node.y + stack, card_w, card_h, T.CONTAINER_RADIUS, style))
    out.append(_rect(node.x, node.y, card_w, card_h, T.CONTAINER_RADIUS, style))
    rule_y = node.y + node.header_height - 4
    out.append(
        f'<line x1="{_n(node.x + 10)}" y1="{_n(rule_y)}" x2="{_n(node.x + card_w - 10)}" '
        f'y2="{_n(rule_y)}" stroke="{style.stroke}" stroke-opacity="0.45" stroke-width="1"/>'
    )
    for x in node.dividers:
        out.append(
            f'<line x1="{_n(x)}" y1="{_n(node.y + node.header_height + 6)}" x2="{_n(x)}" '
            f'y2="{_n(node.y + card_h - 8)}" stroke="{style.stroke}" stroke-opacity="0.6" '
            'stroke-width="1" stroke-dasharray="4 4"/>'
        )
    out.extend(_lines(node, card_w, style, container=True))
    out.extend(_badges(node.x + card_w, node.y, entry, style))
    out.append("</g>")
    return out


def _lines(node: NodeBox, width: float, style: T.BoxStyle, *, container: bool) -> list[str]:
    colours = {
        "kind": style.kind_text,
        "name": style.text,
        "caption": T.MUTED,
        "note": T.NOTE_TEXT if style.text == T.INK else style.text,
    }
    cx = node.x + width / 2
    out = []
    for line in T.node_text(
        node.kind, node.name, node.caption, node.retry, container=container, width=width
    ):
        weight = ' font-weight="600"' if line.bold else ""
        out.append(
            f'<text x="{_n(cx)}" y="{_n(node.y + line.baseline)}" font-size="{_n(line.size)}"'
            f'{weight} text-anchor="middle" fill="{colours[line.role]}">'
            f"{_text(line.text)}</text>"
        )
    return out


def _badges(right: float, top: float, entry: StateOverlay | None, style: T.BoxStyle) -> list[str]:
    if entry is None:
        return []
    out = []
    edge_x = right - 6
    if style.glyph:
        out.append(
            f'<circle cx="{_n(right - 4)}" cy="{_n(top + 4)}" r="8.5" fill="{style.glyph_fill}" '
            f'stroke="{T.BACKGROUND}" stroke-width="1.5"/>'
        )
        out.append(
            f'<text x="{_n(right - 4)}" y="{_n(top + 8)}" font-size="11" font-weight="700" '
            f'text-anchor="middle" fill="{style.glyph_text}">{_text(style.glyph)}</text>'
        )
        edge_x = right - 16
    if entry.retries:
        text = f"↻ {entry.retries}"
        pill_w = text_width(text, 10, bold=True) + 10
        x = edge_x - pill_w - 2
        out.append(
            f'<rect x="{_n(x)}" y="{_n(top - 4)}" width="{_n(pill_w)}" height="16" rx="8" '
            f'fill="{T.INK}" stroke="{T.BACKGROUND}" stroke-width="1.5"/>'
        )
        out.append(
            f'<text x="{_n(x + pill_w / 2)}" y="{_n(top + 8)}" font-size="10" font-weight="700" '
            f'text-anchor="middle" fill="{T.BACKGROUND}">{_text(text)}</text>'
        )
    return out


def _rect(x: float, y: float, w: float, h: float, radius: float, style: T.BoxStyle) -> str:
    dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
    return (
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="{_n(radius)}" '
        f'fill="{style.fill}" stroke="{style.stroke}" stroke-width="{_n(style.stroke_width)}"'
        f"{dash}/>"
    )


# -- edges ---------------------------------------------------------------------------------------


def _edge(edge: EdgePath) -> list[str]:
    colour = T.CATCH if edge.kind == "catch" else T.EDGE
    dash = ' stroke-dasharray="5 4"' if edge.kind == "catch" else ""
    out = [f"<g><title>{_text(_edge_tooltip(edge))}</title>"]
    out.append(
        f'<path d="{path_data(edge.commands)}" fill="none" stroke="{colour}" '
        f'stroke-width="1.4"{dash}/>'
    )
    if edge.arrow:
        points = " ".join(f"{_n(x)},{_n(y)}" for x, y in arrow_polygon(edge.arrow))
        out.append(f'<polygon points="{points}" fill="{colour}"/>')
    out.append("</g>")
    return out


def _edge_tooltip(edge: EdgePath) -> str:
    words = {"catch": "on error", "default": "otherwise", "choice": "when"}
    text = f"{edge.source} → {edge.target}"
    if edge.kind in words:
        text += f" ({words[edge.kind]}: {edge.detail})" if edge.kind != "default" else " (Default)"
    return text


def _edge_label(edge: EdgePath) -> list[str]:
    if not edge.label or edge.label_center is None:
        return []
    cx, cy = edge.label_center
    mono = edge.kind == "choice"
    room = edge.label_width - 2 * T.LABEL_PAD_X
    text = fit_text(edge.label, room + 0.5, T.LABEL_SIZE, mono=mono)
    colour = T.CATCH if edge.kind == "catch" else T.LABEL_TEXT
    family = f' font-family="{_attr(T.FONT_MONO)}"' if mono else ""
    italic = ' font-style="italic"' if edge.kind == "default" else ""
    h = T.LABEL_HEIGHT
    return [
        f"<g><title>{_text(_edge_tooltip(edge))}</title>",
        f'<rect x="{_n(cx - edge.label_width / 2)}" y="{_n(cy - h / 2)}" '
        f'width="{_n(edge.label_width)}" height="{_n(h)}" rx="{_n(h / 2)}" fill="{T.BACKGROUND}" '
        f'stroke="{T.CATCH if edge.kind == "catch" else T.LABEL_BORDER}" stroke-width="1"/>',
        f'<text x="{_n(cx)}" y="{_n(cy + 4)}" font-size="{_n(T.LABEL_SIZE)}"{family}{italic} '
        f'text-anchor="middle" fill="{colour}">{_text(text)}</text>',
        "</g>",
    ]


def path_data(commands: Iterable[Command]) -> str:
    parts = []
    for op, points in commands:
        parts.append(op + " " + " ".join(f"{_n(x)} {_n(y)}" for x, y in points))
    return " ".join(parts)


def arrow_polygon(
    arrow: tuple[tuple[float, float], tuple[float, float]],
) -> list[tuple[float, float]]:
    (tip_x, tip_y), (dx, dy) = arrow
    length = math.hypot(dx, dy) or 1.0
    dx, dy = dx / length, dy / length
    base_x, base_y = tip_x - dx * ARROW_LENGTH, tip_y - dy * ARROW_LENGTH
    half = 4.2
    return [
        (tip_x, tip_y),
        (base_x - dy * half, base_y + dx * half),
        (base_x + dy * half, base_y - dx * half),
    ]


# -- legend --------------------------------------------------------------------------------------


def _legend(rows: tuple[tuple[LegendItem, ...], ...], left: float, top: float) -> list[str]:
    sw, sh = LEGEND_SWATCH
    out = ['<g font-size="11">']
    for r, row in enumerate(rows):
        x, y = left, top + r * LEGEND_ROW
        for status, label in row:
            if status is None:
                out.append(
                    f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(sw)}" height="{_n(sh)}" rx="7" '
                    f'fill="{T.INK}"/><text x="{_n(x + sw / 2)}" y="{_n(y + 11)}" font-size="9" '
                    f'font-weight="700" text-anchor="middle" fill="{T.BACKGROUND}">↻ n</text>'
                )
            else:
                look = T.STATUS_LOOKS[status]
                dash = f' stroke-dasharray="{look.dash}"' if look.dash else ""
                out.append(
                    f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(sw)}" height="{_n(sh)}" rx="4" '
                    f'fill="{look.fill}" stroke="{look.stroke}" '
                    f'stroke-width="{_n(min(look.stroke_width, 2))}"{dash}/>'
                )
                if look.glyph:
                    out.append(
                        f'<text x="{_n(x + sw / 2)}" y="{_n(y + 11)}" font-size="10" '
                        f'font-weight="700" text-anchor="middle" fill="{look.stroke}">'
                        f"{_text(look.glyph)}</text>"
                    )
            out.append(
                f'<text x="{_n(x + sw + 6)}" y="{_n(y + 11)}" fill="{T.MUTED}">'
                f"{_text(label)}</text>"
            )
            x += legend_item_width(label)
    out.append("</g>")
    return out


# -- formatting ----------------------------------------------------------------------------------


def _n(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text(value: str) -> str:
    return escape(value)


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})

"""The same diagram drawn with matplotlib, for PNG or PDF export and for plain Python sessions.

Every state is one patch whose gid is `state:<name>`, so a figure can be inspected in tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import _theme as T
from ._frame import LEGEND_SWATCH, MARGIN, Frame, frame, legend_item_width
from ._layout import EdgePath, Layout, NodeBox
from ._overlay import StateOverlay
from ._svg import arrow_polygon

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_PX_PER_INCH = 72.0  # one layout pixel is one point, so font sizes carry over unchanged


def draw_figure(
    layout: Layout,
    *,
    title: str | None = None,
    overlay: Mapping[str, StateOverlay] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw on `ax` (or on a new figure of the diagram's own size) and return the figure."""
    from matplotlib.figure import Figure

    page = frame(layout, title=title, overlay=overlay)
    if ax is None:
        figure = Figure(figsize=(page.width / _PX_PER_INCH, page.height / _PX_PER_INCH))
        ax = figure.add_axes((0, 0, 1, 1))
        scale = 1.0
    else:
        figure = ax.get_figure()
        box = ax.get_window_extent().transformed(figure.dpi_scale_trans.inverted())
        scale = min(box.width * 72 / page.width, box.height * 72 / page.height)
    ax.set_xlim(0, page.width)
    ax.set_ylim(page.height, 0)
    ax.set_aspect("equal")
    ax.axis("off")
    _Painter(ax, page, scale, overlay).paint(layout, title)
    return figure


class _Painter:
    def __init__(
        self,
        ax: Axes,
        page: Frame,
        scale: float,
        overlay: Mapping[str, StateOverlay] | None,
    ) -> None:
        self.ax, self.page, self.scale, self.overlay = ax, page, scale, overlay
        self.dx, self.dy = page.graph_x, page.graph_y

    def paint(self, layout: Layout, title: str | None) -> None:
        if title:
            self._text(MARGIN, MARGIN + T.TITLE_SIZE, title, T.TITLE_SIZE, bold=True, ha="left")
        for node in sorted((n for n in layout.nodes if n.is_container), key=layout.depth):
            self._container(node)
        for edge in layout.edges:
            self._edge(edge)
        for node in layout.nodes:
            if not node.is_container:
                self._box(node)
        for edge in layout.edges:
            self._label(edge)
        self._legend()

    # -- primitives ----------------------------------------------------------------------------

    def _at(self, x: float, y: float) -> tuple[float, float]:
        return (x + self.dx, y + self.dy)

    def _rounded(
        self, x: float, y: float, w: float, h: float, radius: float, style: T.BoxStyle, gid: str
    ) -> None:
        from matplotlib.patches import FancyBboxPatch

        patch = FancyBboxPatch(
            self._at(x, y),
            w,
            h,
            boxstyle=f"round,pad=0,rounding_size={min(radius, w / 2, h / 2)}",
            facecolor=style.fill,
            edgecolor=style.stroke,
            linewidth=style.stroke_width * self.scale,
            linestyle=_dashes(style.dash, style.stroke_width),
        )
        patch.set_gid(gid)
        self.ax.add_patch(patch)

    def _text(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        *,
        bold: bool = False,
        colour: str = T.INK,
        ha: str = "center",
        **extra: Any,
    ) -> None:
        self.ax.text(
            x,
            y,
            text,
            fontsize=size * self.scale,
            fontweight="bold" if bold else "normal",
            color=colour,
            ha=ha,
            va="baseline",
            **extra,
        )

    # -- boxes ---------------------------------------------------------------------------------

    def _entry(self, node: NodeBox) -> StateOverlay | None:
        if self.overlay is None or not node.is_state:
            return None
        return self.overlay.get(node.name)

    def _box(self, node: NodeBox) -> None:
        if not node.is_state:
            style = T.terminal_style()
            gid = f"terminal:{node.kind.lower()}"
            self._rounded(node.x, node.y, node.width, node.height, node.height / 2, style, gid)
            cx, cy = self._at(*node.center)
            self._text(cx, cy + 4, node.name, 12, bold=True, colour=style.text)
            return
        entry = self._entry(node)
        style = T.box_style(node.kind, entry, container=False)
        gid = f"state:{node.name}"
        self._rounded(node.x, node.y, node.width, node.height, T.NODE_RADIUS, style, gid)
        self._lines(node, node.width, style, container=False)
        self._badges(node.right, node.y, entry, style)

    def _container(self, node: NodeBox) -> None:
        entry = self._entry(node)
        style = T.box_style(node.kind, entry, container=True)
        stack = T.MAP_STACK_OFFSET if node.kind == "Map" else 0.0
        card_w, card_h = node.width - stack, node.height - stack
        if stack:
            self._rounded(
                node.x + stack,
                node.y + stack,
                card_w,
                card_h,
                T.CONTAINER_RADIUS,
                style,
                "decoration",
            )
        gid = f"state:{node.name}"
        self._rounded(node.x, node.y, card_w, card_h, T.CONTAINER_RADIUS, style, gid)
        rule_y = node.y + node.header_height - 4
        self._line([(node.x + 10, rule_y), (node.x + card_w - 10, rule_y)], style.stroke, 0.45)
        for x in node.dividers:
            top, bottom = node.y + node.header_height + 6, node.y + card_h - 8
            self._line([(x, top), (x, bottom)], style.stroke, 0.6, dashed=True)
        self._lines(node, card_w, style, container=True)
        self._badges(node.x + card_w, node.y, entry, style)

    def _line(
        self, points: list[tuple[float, float]], colour: str, alpha: float, dashed: bool = False
    ) -> None:
        xs, ys = zip(*(self._at(*p) for p in points), strict=True)
        self.ax.plot(
            xs,
            ys,
            color=colour,
            alpha=alpha,
            linewidth=self.scale,
            linestyle=(0, (4, 4)) if dashed else "-",
        )

    def _lines(self, node: NodeBox, width: float, style: T.BoxStyle, *, container: bool) -> None:
        colours = {
            "kind": style.kind_text,
            "name": style.text,
            "caption": T.MUTED,
            "note": T.NOTE_TEXT if style.text == T.INK else style.text,
        }
        cx, top = self._at(node.x + width / 2, node.y)
        for line in T.node_text(
            node.kind, node.name, node.caption, node.retry, container=container, width=width
        ):
            self._text(
                cx,
                top + line.baseline,
                line.text,
                line.size,
                bold=line.bold,
                colour=colours[line.role],
            )

    def _badges(
        self, right: float, top: float, entry: StateOverlay | None, style: T.BoxStyle
    ) -> None:
        from matplotlib.patches import Circle, FancyBboxPatch

        if entry is None:
            return
        x, y = self._at(right, top)
        edge_x = x - 6
        if style.glyph:
            circle = Circle((x - 4, y + 4), 8.5, facecolor=style.glyph_fill, edgecolor=T.BACKGROUND)
            circle.set_gid("badge")
            self.ax.add_patch(circle)
            self._text(x - 4, y + 8, style.glyph, 11, bold=True, colour=style.glyph_text)
            edge_x = x - 16
        if entry.retries:
            text = f"↻ {entry.retries}"
            pill_w = len(text) * 6.5 + 10
            pill = FancyBboxPatch(
                (edge_x - pill_w - 2, y - 4),
                pill_w,
                16,
                boxstyle="round,pad=0,rounding_size=8",
                facecolor=T.INK,
                edgecolor=T.BACKGROUND,
            )
            pill.set_gid("badge")
            self.ax.add_patch(pill)
            self._text(edge_x - 2 - pill_w / 2, y + 8, text, 10, bold=True, colour=T.BACKGROUND)

    # -- edges ---------------------------------------------------------------------------------

    def _edge(self, edge: EdgePath) -> None:
        from matplotlib.patches import PathPatch, Polygon
        from matplotlib.path import Path

        colour = T.CATCH if edge.kind == "catch" else T.EDGE
        codes, vertices = [], []
        for op, points in edge.commands:
            code = {"M": Path.MOVETO, "L": Path.LINETO, "C": Path.CURVE4}[op]
            for point in points:
                codes.append(code)
                vertices.append(self._at(*point))
        line = PathPatch(
            Path(vertices, codes),
            facecolor="none",
            edgecolor=colour,
            linewidth=1.4 * self.scale,
            linestyle=_dashes("5 4" if edge.kind == "catch" else None, 1.4),
        )
        line.set_gid(f"edge:{edge.source}->{edge.target}")
        self.ax.add_patch(line)
        if edge.arrow:
            head = Polygon(
                [self._at(*p) for p in arrow_polygon(edge.arrow)],
                closed=True,
                facecolor=colour,
                edgecolor="none",
            )
            head.set_gid("arrow")
            self.ax.add_patch(head)

    def _label(self, edge: EdgePath) -> None:
        from matplotlib.patches import FancyBboxPatch

        from ._metrics import fit_text

        if not edge.label or edge.label_center is None:
            return
        cx, cy = self._at(*edge.label_center)
        mono = edge.kind == "choice"
        room = edge.label_width - 2 * T.LABEL_PAD_X
        text = fit_text(edge.label, room + 0.5, T.LABEL_SIZE, mono=mono)
        h = T.LABEL_HEIGHT
        pill = FancyBboxPatch(
            (cx - edge.label_width / 2, cy - h / 2),
            edge.label_width,
            h,
            boxstyle=f"round,pad=0,rounding_size={h / 2}",
            facecolor=T.BACKGROUND,
            edgecolor=T.CATCH if edge.kind == "catch" else T.LABEL_BORDER,
            linewidth=self.scale,
        )
        pill.set_gid("label")
        self.ax.add_patch(pill)
        self._text(
            cx,
            cy + 4,
            text,
            T.LABEL_SIZE,
            colour=T.CATCH if edge.kind == "catch" else T.LABEL_TEXT,
            family="monospace" if mono else "sans-serif",
            style="italic" if edge.kind == "default" else "normal",
        )

    # -- legend --------------------------------------------------------------------------------

    def _legend(self) -> None:
        sw, sh = LEGEND_SWATCH
        for r, row in enumerate(self.page.legend):
            x, y = MARGIN, self.page.legend_y + r * 22.0
            for status, label in row:
                if status is None:
                    swatch = T.BoxStyle(T.INK, T.INK, 1.0, None, T.BACKGROUND, T.BACKGROUND, "↻ n")
                else:
                    look = T.STATUS_LOOKS[status]
                    swatch = T.BoxStyle(
                        look.fill,
                        look.stroke,
                        min(look.stroke_width, 2.0),
                        look.dash,
                        T.INK,
                        T.INK,
                        look.glyph,
                        look.stroke,
                        look.stroke,
                    )
                self._rounded(x - self.dx, y - self.dy, sw, sh, 4, swatch, "legend")
                if swatch.glyph:
                    colour = T.BACKGROUND if status is None else swatch.stroke
                    self._text(x + sw / 2, y + 11, swatch.glyph, 9, bold=True, colour=colour)
                self._text(x + sw + 6, y + 11, label, T.LEGEND_SIZE, colour=T.MUTED, ha="left")
                x += legend_item_width(label)


def _dashes(dash: str | None, width: float) -> Any:
    """An SVG dash array as a matplotlib line style (matplotlib scales dashes by line width)."""
    if not dash:
        return "solid"
    return (0, tuple(float(part) / width for part in dash.split()))

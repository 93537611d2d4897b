"""Drawing an architecture as one self-contained SVG, in the look of the state-machine graphs
(same fonts, box style, arrows and label pills; see `workshop_lib.graph.style`).

Columns, left to right: event sources, the functions they trigger, state machines, the
functions those invoke, then the stores and topics written to. An arrow between neighbouring
columns is a curve; any other (a function reading the bucket that triggered the workflow) runs
in a lane of its own above the boxes. Hovering an arrow shows the IAM permission it needs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from html import escape

from ..display import theme
from ..graph import arrow_polygon, fit_text, text_width
from ..graph import style as T
from ._model import Architecture, Arrow

BOX_W = 210.0
BOX_H = 58.0
COLUMN_GAP = 180.0
ROW_GAP = 22.0
MARGIN = 20.0
LANE_GAP = 21.0
TITLE_ROOM = 34.0
LEGEND_ROOM = 26.0

SERVICE_COLOURS = {
    "S3 bucket": theme.GREEN,
    "Lambda function": "#c45500",
    "State machine": theme.PURPLE,
    "DynamoDB table": theme.BLUE,
    "SNS topic": "#b0084d",
    "SQS queue": theme.BROWN,
}


@dataclass(frozen=True)
class Box:
    key: str
    column: int
    x: float
    y: float

    @property
    def centre_y(self) -> float:
        return self.y + BOX_H / 2


def columns(arch: Architecture) -> dict[str, int]:
    """Which column each service stands in (see the module docstring)."""
    kinds = {key: service.kind for key, service in arch.services.items()}
    triggered = {a.target for a in arch.arrows if a.trigger}
    sources = {a.source for a in arch.arrows if a.trigger}
    placed = {}
    for key, kind in kinds.items():
        if key in sources:
            placed[key] = 0
        elif kind == "Lambda function":
            placed[key] = 1 if key in triggered else 3
        elif kind == "State machine":
            placed[key] = 2
        else:
            placed[key] = 4
    used = sorted(set(placed.values()))
    return {key: used.index(column) for key, column in placed.items()}  # no empty columns


def _order(arch: Architecture, column_of: dict[str, int]) -> list[list[str]]:
    """Services per column, ordered to keep arrows short: template order first, then a few
    sweeps placing each service at the mean position of its neighbours."""
    count = max(column_of.values(), default=-1) + 1
    layers: list[list[str]] = [[] for _ in range(count)]
    for key in arch.services:  # template order
        layers[column_of[key]].append(key)
    neighbours: dict[str, list[str]] = defaultdict(list)
    for arrow in arch.arrows:
        neighbours[arrow.source].append(arrow.target)
        neighbours[arrow.target].append(arrow.source)

    def _mean(key: str, fixed: int, position: dict[str, float]) -> float:
        near = [position[n] for n in neighbours[key] if column_of[n] == fixed]
        return sum(near) / len(near) if near else position[key]

    for sweep in range(4):
        indices = range(1, count) if sweep % 2 == 0 else range(count - 2, -1, -1)
        for index in indices:
            position = {k: i / max(len(layer), 1) for layer in layers for i, k in enumerate(layer)}
            fixed = index - 1 if sweep % 2 == 0 else index + 1

            layers[index].sort(key=lambda key, f=fixed, p=position: _mean(key, f, p))
    return layers


def render(arch: Architecture) -> str:
    column_of = columns(arch)
    layers = _order(arch, column_of)
    lanes = [a for a in arch.arrows if abs(column_of[a.source] - column_of[a.target]) != 1]
    top = MARGIN + TITLE_ROOM + LANE_GAP * (len(lanes) + 1)
    tallest = max((len(layer) for layer in layers), default=0)
    body_h = tallest * BOX_H + max(tallest - 1, 0) * ROW_GAP
    boxes: dict[str, Box] = {}
    for c, layer in enumerate(layers):
        height = len(layer) * BOX_H + max(len(layer) - 1, 0) * ROW_GAP
        y = top + (body_h - height) / 2
        for key in layer:
            boxes[key] = Box(key, c, MARGIN + c * (BOX_W + COLUMN_GAP), y)
            y += BOX_H + ROW_GAP
    width = MARGIN * 2 + len(layers) * BOX_W + max(len(layers) - 1, 0) * COLUMN_GAP
    height = top + body_h + LEGEND_ROOM + MARGIN
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="{_n(width)}" height="{_n(height)}" style="max-width:100%;height:auto" '
        f'role="img" aria-label="{_attr(arch.title)}">',
        f"<title>{escape(arch.title)}</title>",
        f'<rect x="0" y="0" width="{_n(width)}" height="{_n(height)}" rx="10" '
        f'fill="{T.BACKGROUND}"/>',
        f'<g font-family="{_attr(T.FONT_SANS)}" fill="{T.INK}">',
        f'<text x="{_n(MARGIN)}" y="{_n(MARGIN + T.TITLE_SIZE)}" font-size="{_n(T.TITLE_SIZE)}" '
        f'font-weight="600">{escape(arch.title)}</text>',
    ]
    labels: list[str] = []
    entries = _spread_ends(boxes, lanes)
    labelled: set[tuple[str, str]] = set()
    for arrow in arch.arrows:
        if arrow in lanes:
            k = lanes.index(arrow)
            lane_y = MARGIN + TITLE_ROOM + LANE_GAP * (k + 1)
            share = 0.25 + 0.5 * k / max(len(lanes) - 1, 1)  # labels staggered along the lanes
            out += _lane_arrow(arrow, boxes, lane_y, entries[k], share, labels)
        else:
            out += _curve_arrow(arrow, boxes, labels, labelled)
    for box in boxes.values():
        out += _box(arch, box)
    out += labels
    out += _legend(height - MARGIN - 8)
    out.append("</g></svg>")
    return "\n".join(out)


def _spread_ends(boxes: dict[str, Box], lanes: list[Arrow]) -> list[tuple[float, float]]:
    """Each lane arrow's two ends: x on the top edge of its left box (spread so none overlap),
    and y on the left edge of its right box (above the middle, where curves arrive)."""
    tops: dict[str, list[int]] = defaultdict(list)
    sides: dict[str, list[int]] = defaultdict(list)
    for index, arrow in enumerate(lanes):
        left, right = _left_right(arrow, boxes)
        tops[left.key].append(index)
        sides[right.key].append(index)
    x_of, y_of = {}, {}
    for key, indices in tops.items():
        for slot, index in enumerate(indices):
            x_of[index] = boxes[key].x + BOX_W * (slot + 1) / (len(indices) + 1)
    for key, indices in sides.items():
        for slot, index in enumerate(indices):
            y_of[index] = boxes[key].y + 8 + (BOX_H / 2 - 14) * slot / max(len(indices), 1)
    return [(x_of[i], y_of[i]) for i in range(len(lanes))]


def _left_right(arrow: Arrow, boxes: dict[str, Box]) -> tuple[Box, Box]:
    a, b = boxes[arrow.source], boxes[arrow.target]
    return (a, b) if a.column <= b.column else (b, a)


def _curve_arrow(
    arrow: Arrow, boxes: dict[str, Box], labels: list[str], labelled: set[tuple[str, str]]
) -> list[str]:
    a, b = boxes[arrow.source], boxes[arrow.target]
    forward = a.column < b.column
    x1 = a.x + BOX_W if forward else a.x
    x2 = b.x if forward else b.x + BOX_W
    y1, y2 = a.centre_y, b.centre_y
    bend = (x2 - x1) * 0.45
    path = (
        f"M {_n(x1)} {_n(y1)} C {_n(x1 + bend)} {_n(y1)} {_n(x2 - bend)} {_n(y2)} {_n(x2)} {_n(y2)}"
    )
    heads = [((x2, y2), (1.0 if forward else -1.0, 0.0))]
    if arrow.both_ways:
        heads.append(((x1, y1), (-1.0 if forward else 1.0, 0.0)))
    # One label per wording where arrows gather at the right-hand box: a fan of six
    # "reads, writes" into one table needs saying once.
    right = b if forward else a
    if (right.key, arrow.label) not in labelled:
        labelled.add((right.key, arrow.label))
        w = _label_width(arrow.label)
        labels += _label(arrow, right.x - w / 2 - 16, right.centre_y)
    return _arrow_group(arrow, path, heads)


def _lane_arrow(
    arrow: Arrow,
    boxes: dict[str, Box],
    lane_y: float,
    ends: tuple[float, float],
    share: float,
    labels: list[str],
) -> list[str]:
    left, right = _left_right(arrow, boxes)
    x1, y2 = ends
    drop = right.x - 14 - 6 * (lane_y - MARGIN - TITLE_ROOM) / LANE_GAP
    r = 6.0
    path = (
        f"M {_n(x1)} {_n(left.y)} L {_n(x1)} {_n(lane_y + r)} Q {_n(x1)} {_n(lane_y)} "
        f"{_n(x1 + r)} {_n(lane_y)} L {_n(drop - r)} {_n(lane_y)} Q {_n(drop)} {_n(lane_y)} "
        f"{_n(drop)} {_n(lane_y + r)} L {_n(drop)} {_n(y2 - r)} Q {_n(drop)} {_n(y2)} "
        f"{_n(drop + r)} {_n(y2)} L {_n(right.x)} {_n(y2)}"
    )
    into_right = ((right.x, y2), (1.0, 0.0))
    into_left = ((x1, left.y), (0.0, 1.0))
    heads = [into_right if arrow.target == right.key else into_left]
    if arrow.both_ways:
        heads = [into_right, into_left]
    labels += _label(arrow, x1 + (drop - x1) * share, lane_y)
    return _arrow_group(arrow, path, heads)


def _arrow_group(
    arrow: Arrow, path: str, heads: list[tuple[tuple[float, float], tuple[float, float]]]
) -> list[str]:
    dash = ' stroke-dasharray="5 4"' if arrow.trigger else ""
    out = [
        f"<g><title>{escape(arrow.tooltip())}</title>",
        # A wide invisible stroke makes the thin arrow easy to hover.
        f'<path d="{path}" fill="none" stroke="transparent" stroke-width="10"/>',
        f'<path d="{path}" fill="none" stroke="{T.EDGE}" stroke-width="1.4"{dash}/>',
    ]
    for tip, direction in heads:
        points = " ".join(f"{_n(x)},{_n(y)}" for x, y in arrow_polygon((tip, direction)))
        out.append(f'<polygon points="{points}" fill="{T.EDGE}"/>')
    out.append("</g>")
    return out


def _label_width(label: str) -> float:
    text = fit_text(label, T.LABEL_MAX_WIDTH - 2 * T.LABEL_PAD_X, T.LABEL_SIZE)
    return text_width(text, T.LABEL_SIZE) + 2 * T.LABEL_PAD_X


def _label(arrow: Arrow, cx: float, cy: float) -> list[str]:
    if arrow.label == "invokes":
        return []  # every state machine → function arrow: the legend says it once
    text = fit_text(arrow.label, T.LABEL_MAX_WIDTH - 2 * T.LABEL_PAD_X, T.LABEL_SIZE)
    w = _label_width(arrow.label)
    h = T.LABEL_HEIGHT
    return [
        f"<g><title>{escape(arrow.tooltip())}</title>",
        f'<rect x="{_n(cx - w / 2)}" y="{_n(cy - h / 2)}" width="{_n(w)}" height="{_n(h)}" '
        f'rx="{_n(h / 2)}" fill="{T.BACKGROUND}" stroke="{T.LABEL_BORDER}" stroke-width="1"/>',
        f'<text x="{_n(cx)}" y="{_n(cy + 4)}" font-size="{_n(T.LABEL_SIZE)}" '
        f'text-anchor="middle" fill="{T.LABEL_TEXT}">{escape(text)}</text>',
        "</g>",
    ]


def _box(arch: Architecture, box: Box) -> list[str]:
    service = arch.services[box.key]
    colour = SERVICE_COLOURS.get(service.kind, T.MUTED)
    cx = box.x + BOX_W / 2
    room = BOX_W - 2 * T.PAD_X
    name = fit_text(service.key, room, T.NAME_SIZE, bold=True)
    out = [
        f"<g><title>{escape(f'{service.kind}: {service.key}')}</title>",
        f'<rect x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(BOX_W)}" height="{_n(BOX_H)}" '
        f'rx="{_n(T.NODE_RADIUS)}" fill="{T.BACKGROUND}" stroke="{T.BOX_STROKE}" '
        'stroke-width="1.2"/>',
        f'<rect x="{_n(box.x)}" y="{_n(box.y + 6)}" width="4" height="{_n(BOX_H - 12)}" '
        f'rx="2" fill="{colour}"/>',
        f'<text x="{_n(cx)}" y="{_n(box.y + 16)}" font-size="{_n(T.KIND_SIZE)}" '
        f'text-anchor="middle" fill="{colour}" font-weight="600" letter-spacing="0.3">'
        f"{escape(service.kind.upper())}</text>",
        f'<text x="{_n(cx)}" y="{_n(box.y + 34)}" font-size="{_n(T.NAME_SIZE)}" '
        f'text-anchor="middle" font-weight="600">{escape(name)}</text>',
    ]
    if service.note:
        note = fit_text(service.note, room, T.NOTE_SIZE)
        out.append(
            f'<text x="{_n(cx)}" y="{_n(box.y + 49)}" font-size="{_n(T.NOTE_SIZE)}" '
            f'text-anchor="middle" fill="{T.MUTED}">{escape(note)}</text>'
        )
    out.append("</g>")
    return out


def _legend(y: float) -> list[str]:
    x = MARGIN
    return [
        f'<g font-size="{_n(T.LEGEND_SIZE)}" fill="{T.MUTED}">',
        f'<path d="M {_n(x)} {_n(y - 4)} L {_n(x + 26)} {_n(y - 4)}" stroke="{T.EDGE}" '
        'stroke-width="1.4" stroke-dasharray="5 4"/>',
        f'<text x="{_n(x + 32)}" y="{_n(y)}">an event starts the function</text>',
        f'<path d="M {_n(x + 220)} {_n(y - 4)} L {_n(x + 246)} {_n(y - 4)}" stroke="{T.EDGE}" '
        'stroke-width="1.4"/>',
        f'<text x="{_n(x + 252)}" y="{_n(y)}">calls or data (unlabelled: the state machine '
        "invokes the function) · hover an arrow for the IAM permission it needs</text>",
        "</g>",
    ]


def _n(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attr(value: str) -> str:
    return escape(value, quote=True)

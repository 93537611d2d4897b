"""From an arrangement to coordinates: rank heights, ports, and a path for every edge.

Forward edges are smooth curves that bend only in the gaps between ranks and run straight down
through the ranks they cross. Loops (back edges) run up a lane to the right of everything they
pass: out of the source's right side when nothing stands to its right, otherwise out of its
bottom along a track in the gap below; into the target the same way.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from ._sugiyama import Arrangement, Item, LayerEdge, LayerNode, Point, arrange, isotonic

BAND_GAP = 16.0
TRACK_SPACING = 7.0
LANE_GAP = 16.0
PORT_SPACING = 14.0
PORT_INSET = 12.0
SIDE_STEP = 8.0
ARROW_LENGTH = 7.0
CORNER_RADIUS = 8.0

Command = tuple[str, tuple[Point, ...]]
"""("M", (p,)), ("L", (p,)) or ("C", (control1, control2, p)), as in SVG paths."""


@dataclass(frozen=True)
class Route:
    """How one edge is drawn: waypoints, path commands, arrowhead (tip, direction), label."""

    points: tuple[Point, ...]
    commands: tuple[Command, ...]
    arrow: tuple[Point, Point] | None
    label_center: Point | None
    back: bool


@dataclass(frozen=True)
class Placement:
    """Node centres and edge routes, with (0, 0) at the top left of the flow's bounding box."""

    centers: dict[Hashable, Point]
    routes: tuple[Route, ...]
    width: float
    height: float


def place(
    nodes: Sequence[LayerNode], edges: Sequence[LayerEdge], start: Hashable, end: Hashable
) -> Placement:
    """Lay out one flow: from `start` at the top to `end` at the bottom."""
    return _Router(arrange(nodes, edges, start, end)).placement()


@dataclass(frozen=True)
class _Bands:
    top: list[float]
    bottom: list[float]
    gap_top: list[float]  # gap g lies above rank g; the last gap is below the last rank
    height: float

    def middle(self, rank: int) -> float:
        return (self.top[rank] + self.bottom[rank]) / 2

    def gap_bottom(self, gap: int) -> float:
        return self.top[gap] if gap < len(self.top) else self.height


class _Router:
    def __init__(self, graph: Arrangement) -> None:
        self.graph = graph
        self.side_out: dict[int, float] = {}  # loop -> y offset from the source's middle
        self.side_in: dict[int, float] = {}
        self._choose_loop_sides()
        self.slots: dict[tuple[int, bool], tuple[int, int]] = {}  # (loop, at source) -> (gap, n)
        self.per_gap = [0] * (len(graph.layers) + 1)
        self._assign_tracks()
        self.bands = self._bands()
        self.out_x, self.in_x = self._ports()

    # -- decisions ---------------------------------------------------------------------------

    def _nothing_right_of(self, item: Item) -> bool:
        return not any(
            other.x > item.x and not other.dummy for other in self.graph.layers[item.rank]
        )

    def _choose_loop_sides(self) -> None:
        graph = self.graph
        leaving: dict[int, int] = {}
        entering: dict[int, int] = {}
        for i in graph.loops_inner_first():
            source, target = graph.sources[i], graph.targets[i]
            selfish = source == target
            for node, table, counts, sign in (
                (source, self.side_out, leaving, 1.0),
                (target, self.side_in, entering, -1.0),
            ):
                item = graph.items[node]
                if not self._nothing_right_of(item):
                    continue
                k = counts.get(node, 0)
                counts[node] = k + 1
                offset = (item.height / 4 if selfish else 0.0) + k * SIDE_STEP
                table[i] = sign * min(offset, max(item.height / 2 - 4, 0.0))

    def _assign_tracks(self) -> None:
        graph = self.graph
        for i in graph.loops_inner_first():
            ends = (
                (True, graph.items[graph.sources[i]].rank + 1, i in self.side_out),
                (False, graph.items[graph.targets[i]].rank, i in self.side_in),
            )
            for at_source, gap, on_side in ends:
                if not on_side:
                    self.slots[(i, at_source)] = (gap, self.per_gap[gap])
                    self.per_gap[gap] += 1

    def _bands(self) -> _Bands:
        layers = self.graph.layers
        depth = len(layers)
        top, bottom, gap_top = [], [], []
        y = 0.0
        for rank in range(depth + 1):
            count = self.per_gap[rank]
            base = BAND_GAP if 0 < rank < depth else 0.0
            gap_top.append(y)
            y += base + count * TRACK_SPACING + (TRACK_SPACING if count and not base else 0.0)
            if rank == depth:
                break
            top.append(y)
            y += max((item.height for item in layers[rank]), default=0.0)
            bottom.append(y)
        return _Bands(top, bottom, gap_top, y)

    def _track_y(self, loop: int, *, at_source: bool) -> float:
        gap, slot = self.slots[(loop, at_source)]
        start, end = self.bands.gap_top[gap], self.bands.gap_bottom(gap)
        return start + (slot + 1) * (end - start) / (self.per_gap[gap] + 1)

    def _ports(self) -> tuple[list[float], list[float]]:
        """Where each edge leaves its source's bottom and enters its target's top: as close as
        possible to where it heads (so straight edges stay straight), but spread apart."""
        graph = self.graph
        leaving: list[list[tuple[float, int]]] = [[] for _ in graph.items]
        arriving: list[list[tuple[float, int]]] = [[] for _ in graph.items]
        for i, chain in enumerate(graph.chains):
            source, target = graph.sources[i], graph.targets[i]
            if graph.back[i]:
                if i not in self.side_out:
                    leaving[source].append((math.inf, i))
                if i not in self.side_in:
                    arriving[target].append((math.inf, i))
            else:
                leaving[source].append((chain[0].x, i))
                arriving[target].append((chain[-1].x, i))
        out_x = [0.0] * len(graph.edges)
        in_x = [0.0] * len(graph.edges)
        for node, item in enumerate(graph.items):
            for wanted, result in ((leaving[node], out_x), (arriving[node], in_x)):
                wanted.sort()
                for (_, edge), x in zip(wanted, _spread(item, [w for w, _ in wanted]), strict=True):
                    result[edge] = x
        return out_x, in_x

    # -- paths -------------------------------------------------------------------------------

    def placement(self) -> Placement:
        graph = self.graph
        routes: list[Route | None] = [None] * len(graph.edges)
        for i, edge in enumerate(graph.edges):
            if not graph.back[i]:
                routes[i] = self._forward(i, edge)
        lanes: list[tuple[float, float, float]] = []  # (top, bottom, right-most x used)
        for i in graph.loops_inner_first():
            routes[i] = self._loop(i, graph.edges[i], lanes)
        return self._normalised([r for r in routes if r is not None])

    def _top(self, item: Item) -> float:
        return self.bands.middle(item.rank) - item.height / 2

    def _bottom(self, item: Item) -> float:
        return self.bands.middle(item.rank) + item.height / 2

    def _forward(self, i: int, edge: LayerEdge) -> Route:
        graph, bands = self.graph, self.bands
        source, target = graph.items[graph.sources[i]], graph.items[graph.targets[i]]
        out_x, in_x = self.out_x[i], self.in_x[i]
        points: list[Point] = [(out_x, self._bottom(source))]
        if bands.bottom[source.rank] > points[0][1] + 0.5:
            points.append((out_x, bands.bottom[source.rank]))
        label_center = None
        for position, dummy in enumerate(graph.chains[i]):
            if position == 0 and dummy.height:
                label_center = (dummy.x, bands.middle(dummy.rank))
            if bands.top[dummy.rank] == bands.bottom[dummy.rank]:
                continue  # an empty rank: let the curve flow straight through it
            points.append((dummy.x, bands.top[dummy.rank]))
            points.append((dummy.x, bands.bottom[dummy.rank]))
        target_top = self._top(target)
        end_y = target_top - (ARROW_LENGTH if edge.arrow else 0.0)
        if bands.top[target.rank] < end_y - 0.5:
            points.append((in_x, bands.top[target.rank]))
        points.append((in_x, end_y))
        commands: list[Command] = [("M", (points[0],))]
        for a, b in itertools.pairwise(points):
            if abs(a[0] - b[0]) < 0.5:
                commands.append(("L", (b,)))
            else:
                bend = (b[1] - a[1]) / 2
                commands.append(("C", ((a[0], a[1] + bend), (b[0], b[1] - bend), b)))
        if not edge.arrow:
            return Route(tuple(points), tuple(commands), None, label_center, back=False)
        tip = (in_x, target_top)
        return Route((*points, tip), tuple(commands), (tip, (0.0, 1.0)), label_center, back=False)

    def _loop(self, i: int, edge: LayerEdge, lanes: list[tuple[float, float, float]]) -> Route:
        graph = self.graph
        source, target = graph.items[graph.sources[i]], graph.items[graph.targets[i]]
        mid_source, mid_target = self.bands.middle(source.rank), self.bands.middle(target.rank)
        if i in self.side_out:
            start: list[Point] = [(source.right, mid_source + self.side_out[i])]
        else:
            below = self._track_y(i, at_source=True)
            start = [(self.out_x[i], self._bottom(source)), (self.out_x[i], below)]
        if i in self.side_in:
            y = mid_target + self.side_in[i]
            tip, direction = (target.right, y), (-1.0, 0.0)
            finish: list[Point] = [(target.right + ARROW_LENGTH, y)]
        else:
            above = self._track_y(i, at_source=False)
            tip, direction = (self.in_x[i], self._top(target)), (0.0, 1.0)
            finish = [(self.in_x[i], above), (self.in_x[i], tip[1] - ARROW_LENGTH)]
        low, high = finish[0][1], start[-1][1]  # the lane runs up from `high` to `low`
        extent = max(
            item.right
            for rank in range(target.rank, source.rank + 1)
            for item in graph.layers[rank]
        )
        for top, bottom, right in lanes:
            if top <= high and bottom >= low:
                extent = max(extent, right)
        half_label = edge.label_width / 2
        lane = extent + LANE_GAP + half_label
        lanes.append((low, high, lane + max(half_label, CORNER_RADIUS)))
        points = [*start, (lane, high), (lane, low), *finish]
        label = (lane, (low + high) / 2) if edge.label_width else None
        return Route((*points, tip), _rounded(points), (tip, direction), label, back=True)

    def _normalised(self, routes: list[Route]) -> Placement:
        graph = self.graph
        everything = [item for layer in graph.layers for item in layer]
        lefts = [item.x - item.width / 2 for item in everything]
        rights = [item.right for item in everything]
        for edge, route in zip(graph.edges, routes, strict=True):
            xs = [p[0] for p in route.points]
            lefts.append(min(xs))
            # A loop's label is centred on its lane, which sits right of everything else.
            rights.append(max(xs) + (max(CORNER_RADIUS, edge.label_width / 2) if route.back else 0))
        shift = -min(lefts)
        centers = {
            node.key: (graph.items[i].x + shift, self.bands.middle(graph.items[i].rank))
            for i, node in enumerate(graph.nodes)
        }
        moved = tuple(_shifted(route, shift) for route in routes)
        return Placement(centers, moved, max(rights) + shift, self.bands.height)


def _spread(item: Item, wanted: list[float]) -> list[float]:
    """Port positions along a side of `item`, in order, near `wanted`, at least a step apart."""
    count = len(wanted)
    if not count:
        return []
    inset = min(PORT_INSET, item.width / 2)
    low, high = item.x - item.width / 2 + inset, item.right - inset
    step = min(PORT_SPACING, (high - low) / (count - 1)) if count > 1 else 0.0
    offsets = [k * step for k in range(count)]
    clamped = [min(max(w, low), high) for w in wanted]
    fitted = isotonic([c - o for c, o in zip(clamped, offsets, strict=True)], [1.0] * count)
    xs = [f + o for f, o in zip(fitted, offsets, strict=True)]
    shift = max(low - xs[0], 0.0) + min(high - xs[-1], 0.0)
    return [x + shift for x in xs]


def _rounded(points: list[Point]) -> tuple[Command, ...]:
    """An orthogonal polyline with rounded corners."""
    commands: list[Command] = [("M", (points[0],))]
    for previous, corner, following in zip(points, points[1:], points[2:], strict=False):
        incoming, outgoing = math.dist(previous, corner), math.dist(corner, following)
        if incoming < 1e-6 or outgoing < 1e-6:
            continue
        radius = min(CORNER_RADIUS, incoming / 2, outgoing / 2)
        before, after = _toward(corner, previous, radius), _toward(corner, following, radius)
        pull = radius * 0.55  # control points that make a near-circular quarter turn
        commands.append(("L", (before,)))
        commands.append(("C", (_toward(before, corner, pull), _toward(after, corner, pull), after)))
    commands.append(("L", (points[-1],)))
    return tuple(commands)


def _toward(origin: Point, goal: Point, distance: float) -> Point:
    length = math.dist(origin, goal)
    if length < 1e-9:
        return origin
    scale = distance / length
    return (origin[0] + (goal[0] - origin[0]) * scale, origin[1] + (goal[1] - origin[1]) * scale)


def _shifted(route: Route, dx: float) -> Route:
    def move(point: Point) -> Point:
        return (point[0] + dx, point[1])

    return Route(
        tuple(move(p) for p in route.points),
        tuple((op, tuple(move(p) for p in pts)) for op, pts in route.commands),
        (move(route.arrow[0]), route.arrow[1]) if route.arrow else None,
        move(route.label_center) if route.label_center else None,
        route.back,
    )

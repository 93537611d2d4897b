"""The diagram's geometry: a box for every state, a path for every transition.

Flows are laid out from the inside out. A Parallel or Map is sized from its laid-out branches,
then placed in its own flow like any other box, and its contents are moved along with it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

from . import _theme as T
from ._definition import Flow, StateSpec, Transition
from ._metrics import fit_text, text_width
from ._routes import Command, Route, place
from ._sugiyama import LayerEdge, LayerNode, Point

BRANCH_GAP = 30.0
CONTAINER_PAD_X = 16.0
CONTAINER_PAD_BOTTOM = 16.0

_LABEL_TEXT_ROOM = T.LABEL_MAX_WIDTH - 2 * T.LABEL_PAD_X

EDGE_KINDS = ("start", "next", "choice", "default", "catch", "end")
# How hard each kind of edge pulls its ends into line: the happy path should run straight.
_WEIGHTS = {"start": 4.0, "next": 4.0, "end": 3.0, "choice": 2.0, "default": 2.0, "catch": 1.0}


@dataclass(frozen=True)
class NodeBox:
    """A box in the diagram. `x`, `y` is the top-left corner; `kind` is the state's Type
    (or Start / End); `parent` is the name of the Parallel or Map it sits in."""

    key: str
    name: str
    kind: str
    x: float
    y: float
    width: float
    height: float
    parent: str | None = None
    caption: str | None = None
    retry: str | None = None
    details: tuple[str, ...] = ()
    header_height: float = 0.0
    dividers: tuple[float, ...] = ()

    @property
    def is_state(self) -> bool:
        return self.kind not in ("Start", "End")

    @property
    def is_container(self) -> bool:
        return self.kind in ("Parallel", "Map")

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def center(self) -> Point:
        return (self.x + self.width / 2, self.y + self.height / 2)

    def contains(self, other: NodeBox) -> bool:
        return (
            self.x <= other.x
            and self.y <= other.y
            and other.right <= self.right
            and other.bottom <= self.bottom
        )

    def overlaps(self, other: NodeBox) -> bool:
        return (
            self.x < other.right
            and other.x < self.right
            and self.y < other.bottom
            and other.y < self.bottom
        )


@dataclass(frozen=True)
class EdgePath:
    """A drawn transition. `source` and `target` are node keys (a branch's start and end edges
    use the name of the Parallel or Map around it). `kind` is one of EDGE_KINDS."""

    source: str
    target: str
    kind: str
    label: str | None
    points: tuple[Point, ...]
    commands: tuple[Command, ...] = ()
    arrow: tuple[Point, Point] | None = None
    label_center: Point | None = None
    label_width: float = 0.0
    detail: str | None = None
    parent: str | None = None
    back: bool = False


@dataclass(frozen=True)
class Layout:
    """Every box and edge of a diagram, in pixels, with (0, 0) at the top left."""

    nodes: tuple[NodeBox, ...]
    edges: tuple[EdgePath, ...]
    width: float
    height: float

    def node(self, key: str) -> NodeBox:
        for node in self.nodes:
            if node.key == key:
                return node
        raise KeyError(key)

    @property
    def states(self) -> tuple[NodeBox, ...]:
        return tuple(node for node in self.nodes if node.is_state)

    @property
    def start(self) -> NodeBox:
        return next(node for node in self.nodes if node.kind == "Start")

    @property
    def end(self) -> NodeBox:
        return next(node for node in self.nodes if node.kind == "End")

    def depth(self, node: NodeBox) -> int:
        """How many containers `node` sits inside."""
        level = 0
        while node.parent is not None:
            node = self.node(node.parent)
            level += 1
        return level


@dataclass
class _Block:
    nodes: list[NodeBox]
    edges: list[EdgePath]
    width: float
    height: float
    header_height: float = 0.0
    dividers: tuple[float, ...] = ()  # x of the lines between a Parallel's branches


def build_layout(flow: Flow) -> Layout:
    """Lay out a whole machine, with Start and End nodes."""
    names = set(_all_names(flow))
    start_key, end_key = _unused("<start>", names), _unused("<end>", names)
    block = _layout_flow(flow, parent=None, terminals=(start_key, end_key))
    return Layout(tuple(block.nodes), tuple(block.edges), block.width, block.height)


def _all_names(flow: Flow) -> Iterator[str]:
    for state in flow.states:
        yield state.name
        for branch in state.branches:
            yield from _all_names(branch)


def _unused(key: str, names: set[str]) -> str:
    while key in names:
        key = f"<{key}>"
    return key


def _layout_flow(flow: Flow, parent: str | None, terminals: tuple[str, str] | None) -> _Block:
    """One flow. The top level has visible Start and End nodes; a branch has invisible ones
    where its lines leave the container's header and join at its bottom."""
    top = terminals is not None
    start_key, end_key = terminals or (f"\0start:{parent}", f"\0end:{parent}")
    terminal_size = T.TERMINAL_SIZE if top else (0.0, 0.0)
    layer_nodes = [LayerNode(start_key, *terminal_size)]
    containers: dict[str, _Block] = {}
    specs: dict[str, StateSpec] = {}
    for state in flow.states:
        specs[state.name] = state
        if state.is_container:
            containers[state.name] = _container(state)
            size = containers[state.name].width, containers[state.name].height
        else:
            lines = T.node_text(state.type, state.name, state.caption, state.retry, container=False)
            size = T.text_block_size(lines, container=False)
        layer_nodes.append(LayerNode(state.name, *size))
    layer_nodes.append(LayerNode(end_key, *terminal_size))

    transitions = [Transition(flow.start_at, "start")]
    origins = [start_key]
    for state in flow.states:
        for transition in state.transitions:
            transitions.append(transition)
            origins.append(state.name)
        if state.ends:
            transitions.append(Transition(end_key, "end"))
            origins.append(state.name)
    layer_edges = [
        _layer_edge(origin, t, arrow=top or t.kind != "end")
        for origin, t in zip(origins, transitions, strict=True)
    ]
    placement = place(layer_nodes, layer_edges, start_key, end_key)

    nodes: list[NodeBox] = []
    edges: list[EdgePath] = []
    for layer_node in layer_nodes:
        key = str(layer_node.key)
        cx, cy = placement.centers[layer_node.key]
        x, y = cx - layer_node.width / 2, cy - layer_node.height / 2
        if key in specs:
            state = specs[key]
            inner = containers.get(key)
            box = _state_box(state, x, y, layer_node, parent, inner)
            nodes.append(box)
            if inner is not None:
                nodes.extend(_moved(node, x, y) for node in inner.nodes)
                edges.extend(_moved_edge(edge, x, y) for edge in inner.edges)
        elif top:
            name, kind = ("Start", "Start") if key == start_key else ("End", "End")
            nodes.append(NodeBox(key, name, kind, x, y, layer_node.width, layer_node.height))
    public = {start_key: parent or start_key, end_key: parent or end_key}
    for origin, transition, edge, route in zip(
        origins, transitions, layer_edges, placement.routes, strict=True
    ):
        edges.append(
            _edge_path(
                public.get(origin, origin),
                public.get(transition.target, transition.target),
                transition,
                edge,
                route,
                parent,
            )
        )
    return _Block(nodes, edges, placement.width, placement.height)


def _layer_edge(origin: str, transition: Transition, *, arrow: bool) -> LayerEdge:
    width = 0.0
    if transition.label:
        mono = transition.kind == "choice"
        text = fit_text(transition.label, _LABEL_TEXT_ROOM, T.LABEL_SIZE, mono=mono)
        width = text_width(text, T.LABEL_SIZE, mono=mono) + 2 * T.LABEL_PAD_X
    return LayerEdge(
        origin,
        transition.target,
        label_width=width,
        label_height=T.LABEL_HEIGHT if width else 0.0,
        weight=_WEIGHTS[transition.kind],
        arrow=arrow,
    )


def _edge_path(
    source: str,
    target: str,
    transition: Transition,
    edge: LayerEdge,
    route: Route,
    parent: str | None,
) -> EdgePath:
    return EdgePath(
        source=source,
        target=target,
        kind=transition.kind,
        label=transition.label,
        points=route.points,
        commands=route.commands,
        arrow=route.arrow,
        label_center=route.label_center,
        label_width=edge.label_width,
        detail=transition.detail,
        parent=parent,
        back=route.back,
    )


def _state_box(
    state: StateSpec,
    x: float,
    y: float,
    layer_node: LayerNode,
    parent: str | None,
    inner: _Block | None,
) -> NodeBox:
    header = inner.header_height if inner else 0.0
    dividers = tuple(x + d for d in inner.dividers) if inner else ()
    return NodeBox(
        key=state.name,
        name=state.name,
        kind=state.type,
        x=x,
        y=y,
        width=layer_node.width,
        height=layer_node.height,
        parent=parent,
        caption=state.caption,
        retry=state.retry,
        details=state.details,
        header_height=header,
        dividers=dividers,
    )


def _container(state: StateSpec) -> _Block:
    """Lay out a Parallel's branches side by side (or a Map's one processor) under a header.

    The returned block's nodes and edges are relative to the container's top-left corner.
    """
    blocks = [_layout_flow(branch, state.name, None) for branch in state.branches]
    lines = T.node_text(state.type, state.name, state.caption, state.retry, container=True)
    text_w, header_h = T.text_block_size(lines, container=True)
    stack = T.MAP_STACK_OFFSET if state.type == "Map" else 0.0
    area_w = sum(b.width for b in blocks) + BRANCH_GAP * (len(blocks) - 1)
    area_h = max(b.height for b in blocks)
    card_w = max(text_w, area_w + 2 * CONTAINER_PAD_X)
    card_h = header_h + area_h + CONTAINER_PAD_BOTTOM
    nodes: list[NodeBox] = []
    edges: list[EdgePath] = []
    dividers: list[float] = []
    x = (card_w - area_w) / 2
    for i, block in enumerate(blocks):
        nodes.extend(_moved(node, x, header_h) for node in block.nodes)
        for edge in block.edges:
            moved = _moved_edge(edge, x, header_h)
            if moved.kind == "end" and moved.target == state.name:
                moved = _extended_to(moved, card_h)
            edges.append(moved)
        x += block.width
        if i < len(blocks) - 1:
            dividers.append(x + BRANCH_GAP / 2)
            x += BRANCH_GAP
    return _Block(nodes, edges, card_w + stack, card_h + stack, header_h, tuple(dividers))


def _extended_to(edge: EdgePath, bottom: float) -> EdgePath:
    """A branch's last line, continued down to the container's bottom edge."""
    x, _ = edge.points[-1]
    return dataclasses.replace(
        edge,
        points=(*edge.points, (x, bottom)),
        commands=(*edge.commands, ("L", ((x, bottom),))),
    )


def _moved(node: NodeBox, dx: float, dy: float) -> NodeBox:
    return dataclasses.replace(
        node,
        x=node.x + dx,
        y=node.y + dy,
        dividers=tuple(d + dx for d in node.dividers),
    )


def _moved_edge(edge: EdgePath, dx: float, dy: float) -> EdgePath:
    def move(point: Point) -> Point:
        return (point[0] + dx, point[1] + dy)

    return dataclasses.replace(
        edge,
        points=tuple(move(p) for p in edge.points),
        commands=tuple((op, tuple(move(p) for p in pts)) for op, pts in edge.commands),
        arrow=(move(edge.arrow[0]), edge.arrow[1]) if edge.arrow else None,
        label_center=move(edge.label_center) if edge.label_center else None,
    )

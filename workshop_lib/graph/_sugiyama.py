"""Layered (Sugiyama-style) arrangement of one flow, top to bottom.

1. Back edges (loops) are found by a depth-first walk from the start and set aside.
2. Every other node gets the rank of its longest path from the start. Ranks are doubled so that
   each edge crosses at least one in-between rank, where its label sits as a node of its own:
   labels then take part in the spacing like boxes do and can never overlap one.
3. Long edges get invisible "dummy" nodes on the ranks they cross.
4. A few barycenter sweeps plus adjacent swaps reduce crossings.
5. x positions: each rank is solved for the order-keeping placement closest to its neighbours
   (pool-adjacent-violators), sweeping down and up a few times.

`_routes` then turns the arrangement into coordinates and edge paths.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

NODE_GAP = 30.0
LABEL_GAP = 12.0
DUMMY_GAP = 8.0
DUMMY_WIDTH = 6.0
_SWEEPS = 6
_PLACEMENT_ROUNDS = 6

Point = tuple[float, float]


@dataclass(frozen=True)
class LayerNode:
    key: Hashable
    width: float
    height: float


@dataclass(frozen=True)
class LayerEdge:
    source: Hashable
    target: Hashable
    label_width: float = 0.0
    label_height: float = 0.0
    weight: float = 1.0
    arrow: bool = True


@dataclass(eq=False)
class Item:
    """A box, a label or a dummy on one rank; `x` is its centre."""

    width: float
    height: float
    rank: int
    dummy: bool
    x: float = 0.0
    up: list[tuple[Item, float]] = field(default_factory=list)
    down: list[tuple[Item, float]] = field(default_factory=list)

    @property
    def right(self) -> float:
        return self.x + self.width / 2


@dataclass
class Arrangement:
    """The ranked, ordered and horizontally placed graph of one flow.

    `items[i]` is `nodes[i]`; `chains[e]` are edge e's dummies from top to bottom (empty for a
    back edge); `layers[r]` lists rank r's items from left to right.
    """

    nodes: Sequence[LayerNode]
    edges: Sequence[LayerEdge]
    sources: list[int]
    targets: list[int]
    back: list[bool]
    items: list[Item]
    chains: list[list[Item]]
    layers: list[list[Item]]

    def loops_inner_first(self) -> list[int]:
        loops = [i for i, is_back in enumerate(self.back) if is_back]
        return sorted(loops, key=lambda i: self.span(i))

    def span(self, edge: int) -> int:
        return self.items[self.sources[edge]].rank - self.items[self.targets[edge]].rank


def arrange(
    nodes: Sequence[LayerNode], edges: Sequence[LayerEdge], start: Hashable, end: Hashable
) -> Arrangement:
    """Rank, order and place one flow, walking from `start`; `end` goes below everything."""
    index = {node.key: i for i, node in enumerate(nodes)}
    sources = [index[e.source] for e in edges]
    targets = [index[e.target] for e in edges]
    outgoing: list[list[int]] = [[] for _ in nodes]
    for edge_index, source in enumerate(sources):
        outgoing[source].append(edge_index)

    back, preorder = _depth_first(len(nodes), outgoing, targets, index[start])
    ranks = _ranks(len(nodes), sources, targets, back, preorder)
    sink = index[end]
    ranks[sink] = max(rank for i, rank in enumerate(ranks) if i != sink) + 1
    items = [Item(n.width, n.height, 2 * ranks[i], dummy=False) for i, n in enumerate(nodes)]
    chains = _dummy_chains(edges, sources, targets, back, items)
    layers = _initial_order(items, preorder, outgoing, chains, back)
    layers = _reduce_crossings(layers)
    _assign_x(layers)
    return Arrangement(nodes, edges, sources, targets, back, items, chains, layers)


# -- ranks ---------------------------------------------------------------------------------------


def _depth_first(
    count: int, outgoing: list[list[int]], targets: list[int], start: int
) -> tuple[list[bool], list[int]]:
    """Back edges (to a node still on the walk's stack) and the order nodes were first seen."""
    state = [0] * count  # 0 unseen, 1 on the stack, 2 finished
    back = [False] * len(targets)
    preorder: list[int] = []
    for root in [start, *range(count)]:
        if state[root]:
            continue
        state[root] = 1
        preorder.append(root)
        stack = [(root, iter(outgoing[root]))]
        while stack:
            node, pending = stack[-1]
            edge = next(pending, None)
            if edge is None:
                state[node] = 2
                stack.pop()
                continue
            target = targets[edge]
            if state[target] == 1:
                back[edge] = True
            elif state[target] == 0:
                state[target] = 1
                preorder.append(target)
                stack.append((target, iter(outgoing[target])))
    return back, preorder


def _ranks(
    count: int, sources: list[int], targets: list[int], back: list[bool], preorder: list[int]
) -> list[int]:
    """Longest path from the top over the forward edges."""
    incoming = [0] * count
    forward: list[list[int]] = [[] for _ in range(count)]
    for i, (source, target) in enumerate(zip(sources, targets, strict=True)):
        if not back[i]:
            forward[source].append(target)
            incoming[target] += 1
    rank = [1] * count  # a state the start cannot reach still sits below the start
    rank[preorder[0]] = 0
    ready = [node for node in preorder if incoming[node] == 0]
    while ready:
        node = ready.pop(0)
        for target in forward[node]:
            rank[target] = max(rank[target], rank[node] + 1)
            incoming[target] -= 1
            if incoming[target] == 0:
                ready.append(target)
    return rank


def _dummy_chains(
    edges: Sequence[LayerEdge],
    sources: list[int],
    targets: list[int],
    back: list[bool],
    items: list[Item],
) -> list[list[Item]]:
    chains: list[list[Item]] = []
    for i, edge in enumerate(edges):
        chain: list[Item] = []
        if not back[i]:
            source, target = items[sources[i]], items[targets[i]]
            previous = source
            for rank in range(source.rank + 1, target.rank):
                labelled = rank == source.rank + 1 and edge.label_width > 0
                dummy = Item(
                    edge.label_width if labelled else DUMMY_WIDTH,
                    edge.label_height if labelled else 0.0,
                    rank,
                    dummy=True,
                )
                _link(previous, dummy, edge.weight)
                chain.append(dummy)
                previous = dummy
            _link(previous, target, edge.weight)
        chains.append(chain)
    return chains


def _link(upper: Item, lower: Item, weight: float) -> None:
    # Long edges should run straight, so links between dummies pull hardest.
    factor = 8.0 if (upper.dummy and lower.dummy) else 2.0
    upper.down.append((lower, weight * factor))
    lower.up.append((upper, weight * factor))


# -- order ---------------------------------------------------------------------------------------


def _initial_order(
    items: list[Item],
    preorder: list[int],
    outgoing: list[list[int]],
    chains: list[list[Item]],
    back: list[bool],
) -> list[list[Item]]:
    depth = max(item.rank for item in items) + 1
    layers: list[list[Item]] = [[] for _ in range(depth)]
    for node in preorder:
        layers[items[node].rank].append(items[node])
        for edge in outgoing[node]:
            if not back[edge]:
                for dummy in chains[edge]:
                    layers[dummy.rank].append(dummy)
    return layers


def _reduce_crossings(layers: list[list[Item]]) -> list[list[Item]]:
    best = [layer[:] for layer in layers]
    best_count = _crossings(layers)
    for _ in range(_SWEEPS):
        if best_count == 0:
            break
        for rank in range(1, len(layers)):
            _sort_by_barycenter(layers[rank], layers[rank - 1], upward=True)
        for rank in range(len(layers) - 2, -1, -1):
            _sort_by_barycenter(layers[rank], layers[rank + 1], upward=False)
        _transpose(layers)
        count = _crossings(layers)
        if count < best_count:
            best, best_count = [layer[:] for layer in layers], count
    return best


def _positions(layer: list[Item]) -> dict[int, int]:
    return {id(item): i for i, item in enumerate(layer)}


def _sort_by_barycenter(layer: list[Item], fixed: list[Item], *, upward: bool) -> None:
    where = _positions(fixed)
    keys: dict[int, float] = {}
    for i, item in enumerate(layer):
        neighbours = [where[id(n)] for n, _ in (item.up if upward else item.down)]
        keys[id(item)] = sum(neighbours) / len(neighbours) if neighbours else float(i)
    layer.sort(key=lambda item: keys[id(item)])


def _crossings(layers: list[list[Item]]) -> int:
    total = 0
    for upper, lower in itertools.pairwise(layers):
        where = _positions(lower)
        pairs = [(i, where[id(n)]) for i, item in enumerate(upper) for n, _ in item.down]
        for a in range(len(pairs)):
            for b in range(a + 1, len(pairs)):
                if (pairs[a][0] - pairs[b][0]) * (pairs[a][1] - pairs[b][1]) < 0:
                    total += 1
    return total


def _transpose(layers: list[list[Item]]) -> None:
    """Swap neighbours on a rank while that strictly removes crossings."""
    for _ in range(4):
        improved = False
        for rank, layer in enumerate(layers):
            above = _positions(layers[rank - 1]) if rank > 0 else {}
            below = _positions(layers[rank + 1]) if rank + 1 < len(layers) else {}
            for i in range(len(layer) - 1):
                left, right = layer[i], layer[i + 1]
                kept = _pair_crossings(left, right, above, below)
                swapped = _pair_crossings(right, left, above, below)
                if swapped < kept:
                    layer[i], layer[i + 1] = right, left
                    improved = True
        if not improved:
            return


def _pair_crossings(left: Item, right: Item, above: dict[int, int], below: dict[int, int]) -> int:
    count = 0
    for left_links, right_links, where in (
        (left.up, right.up, above),
        (left.down, right.down, below),
    ):
        for a, _ in left_links:
            for b, _ in right_links:
                if where[id(a)] > where[id(b)]:
                    count += 1
    return count


# -- x coordinates ---------------------------------------------------------------------------


def _separation(left: Item, right: Item) -> float:
    if left.dummy and right.dummy:
        gap = LABEL_GAP if (left.height or right.height) else DUMMY_GAP
    elif left.dummy or right.dummy:
        gap = LABEL_GAP
    else:
        gap = NODE_GAP
    return (left.width + right.width) / 2 + gap


def _assign_x(layers: list[list[Item]]) -> None:
    for layer in layers:
        x = 0.0
        for i, item in enumerate(layer):
            if i:
                x += _separation(layer[i - 1], item)
            item.x = x
        shift = x / 2
        for item in layer:
            item.x -= shift
    for _ in range(_PLACEMENT_ROUNDS):
        for rank in range(1, len(layers)):
            _place_rank(layers[rank], up=True, down=False)
        for rank in range(len(layers) - 2, -1, -1):
            _place_rank(layers[rank], up=False, down=True)
    for rank in range(1, len(layers)):
        _place_rank(layers[rank], up=True, down=True)


def _place_rank(layer: list[Item], *, up: bool, down: bool) -> None:
    """Move a rank's items as close as their order allows to their neighbours' weighted median.

    The median (unlike the mean) lets a heavy link win outright, so the main path runs straight
    even where a Catch edge pulls sideways; two equal pulls still meet in the middle.
    """
    if not layer:
        return  # ranks can be empty, e.g. above an End that nothing reaches
    desired, weights = [], []
    for item in layer:
        links = (item.up if up else []) + (item.down if down else [])
        if links:
            desired.append(_weighted_median(links))
            weights.append(sum(weight for _, weight in links))
        else:
            desired.append(item.x)
            weights.append(0.5)
    offsets = [0.0]
    for i in range(1, len(layer)):
        offsets.append(offsets[-1] + _separation(layer[i - 1], layer[i]))
    fitted = isotonic([d - o for d, o in zip(desired, offsets, strict=True)], weights)
    for item, value, offset in zip(layer, fitted, offsets, strict=True):
        item.x = value + offset


def _weighted_median(links: list[tuple[Item, float]]) -> float:
    ordered = sorted((item.x, weight) for item, weight in links)
    half = sum(weight for _, weight in ordered) / 2
    running = 0.0
    for i, (x, weight) in enumerate(ordered):
        running += weight
        if abs(running - half) < 1e-9 and i + 1 < len(ordered):
            return (x + ordered[i + 1][0]) / 2
        if running > half:
            return x
    return ordered[-1][0]


def isotonic(values: list[float], weights: list[float]) -> list[float]:
    """The non-decreasing sequence closest to `values` (weighted least squares)."""
    blocks: list[list[float]] = []  # [weighted sum, total weight, count]
    for value, weight in zip(values, weights, strict=True):
        blocks.append([value * weight, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            last = blocks.pop()
            blocks[-1] = [a + b for a, b in zip(blocks[-1], last, strict=True)]
    fitted: list[float] = []
    for total, weight, count in blocks:
        fitted.extend([total / weight] * int(count))
    return fitted

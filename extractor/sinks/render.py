"""The picture: a lineage graph, or one object's neighbourhood, drawn the way Snowsight draws it.

Snowsight's lineage view (https://docs.snowflake.com/en/user-guide/ui-snowsight-lineage) lays the
DAG out left to right in layers, one card per object with its domain above it. We reproduce that
offline, with no graphviz binary and no new dependency, as pure functions:

    select_subgraph  → which nodes and edges (the rules of ``mlineage lineage``: query.py)
    layered_layout   → columns, order and coordinates (deterministic Sugiyama-style layering)
    render_*         → HTML (interactive, self-contained), SVG, DOT or Mermaid text

Equal input gives byte-identical output in every format: every loop runs over sorted ids, ties
break on node_id, coordinates are rounded before they are written.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from extractor.query import MAX_DISTANCE, Edge, Graph, Node, node_at, trace
from extractor.sinks.render_page import ICON_PATHS, PAGE_TEMPLATE
from extractor.visibility import Visibility, VisibilityError

logger = logging.getLogger(__name__)

FORMATS = ("html", "svg", "dot", "mermaid")

# Card geometry in CSS pixels, close to Snowsight's cards (≈ 220 × 86 with the domain above).
CARD_W, CARD_H, LABEL_H = 240, 84, 18
COL_GAP, ROW_GAP = 76, 16
DUMMY_H, DUMMY_GAP = 6, 8
MARGIN = 28
SWEEPS = 8
PLACEMENT_ROUNDS = 6

# Above this many cards the HTML page starts collapsed by schema: a browser stays responsive with a
# few hundred DOM cards, not with thousands.
COLLAPSE_OVER = 300

DOMAIN_LABELS: dict[str, str] = {
    "stage": "Stage",
    "table": "Table",
    "view": "View",
    "feature_view": "Feature view",
    "dataset": "Dataset",
    "model": "Model",
    "service": "Service",
    "schema": "Schema",
    "database": "Database",
}
DOMAIN_COLOURS: dict[str, str] = {
    "stage": "#0e9384",
    "table": "#2f6fde",
    "view": "#5b5bd6",
    "feature_view": "#8e44ad",
    "dataset": "#16a34a",
    "model": "#d97706",
    "service": "#db2777",
    "schema": "#64748b",
    "database": "#475569",
}
FALLBACK_COLOUR = "#64748b"
# Edge colour and dash pattern: data solid, dependency dotted, clone dashed (and orange).
EDGE_STYLES: dict[str, tuple[str, str]] = {
    "data": ("#98a2b3", ""),
    "dependency": ("#5b7bd5", "1.5 4"),
    "clone": ("#e8590c", "7 5"),
}
MASKED_NAME = "***"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Point = tuple[float, float]


# ---------------------------------------------------------------------------------------------
# Selection


@dataclass(frozen=True)
class Subgraph:
    """What one picture shows. Masked nodes already carry opaque ids (``masked:1``) and ``***``
    names, so no sink can leak what the role may not see."""

    nodes: dict[str, Node]
    edges: list[Edge]
    focus: str | None = None
    title: str = "Lineage"


def select_subgraph(
    graph: Graph,
    start: Node | None = None,
    direction: str = "both",
    distance: int = MAX_DISTANCE,
    at: datetime | None = None,
    as_role: str | None = None,
    public_view_lineage: bool = True,
    all_nodes: bool = False,
) -> Subgraph:
    """The whole graph, or ``start``'s neighbourhood walked as ``mlineage lineage`` walks it.

    A picture defaults to both directions (Snowsight opens on both). With ``as_role`` a node the
    role may not see is shown masked and never walked through; in the whole graph an edge between
    two such nodes is left out, as no walk from a visible node could reach it. Isolated nodes
    (temporary stages, containers) are left out unless ``all_nodes``: they carry no lineage.
    """
    view: Visibility | None = None
    if as_role is not None:
        view = Visibility.for_role(as_role, graph.grants, at, public_view_lineage)
        if not view.can_view_lineage():
            raise VisibilityError("Insufficient privileges to view data lineage")
    visible: Callable[[Node], bool] = view.can_see if view else (lambda n: True)

    nodes: dict[str, Node] = {}
    edges: dict[tuple[str, str, str], Edge] = {}
    if start is not None:
        if not visible(start):
            raise VisibilityError(f"{start.node_id}: object does not exist or not authorized")
        nodes[start.node_id] = node_at(start, at)
        for row in trace(graph, start, direction, distance, at, can_expand=visible):
            nodes.setdefault(row.source.node_id, row.source)
            nodes.setdefault(row.target.node_id, row.target)
            edges.setdefault((row.edge.source_id, row.edge.target_id, row.edge.edge_type), row.edge)
        title = f"Lineage of {_display_name(start)} ({direction}, distance {distance})"
    else:
        for edge in graph.edges:
            if at is not None and edge.first_seen is not None and edge.first_seen > at:
                continue
            source, target = graph.nodes[edge.source_id], graph.nodes[edge.target_id]
            if not (visible(source) or visible(target)):
                continue
            nodes[source.node_id] = node_at(source, at)
            nodes[target.node_id] = node_at(target, at)
            edges[(edge.source_id, edge.target_id, edge.edge_type)] = edge
        if all_nodes:
            for node in graph.nodes.values():
                existed = at is None or node.created_at is None or node.created_at <= at
                if existed and visible(node):
                    nodes.setdefault(node.node_id, node_at(node, at))
        title = "Lineage graph"
    masked = {node_id for node_id, node in nodes.items() if not visible(node)}
    focus = start.node_id if start is not None else None
    return _masked_subgraph(nodes, list(edges.values()), masked, focus, title)


def _display_name(node: Node) -> str:
    name = ".".join(p for p in (node.database, node.schema, node.name) if p)
    return name + (f" {node.version}" if node.version else "")


def _masked_subgraph(
    nodes: Mapping[str, Node],
    edges: Sequence[Edge],
    masked: set[str],
    focus: str | None,
    title: str,
) -> Subgraph:
    """Replace masked nodes by opaque ones. Their numbers follow their domain and visible
    neighbours, so the picture is stable without revealing the hidden names' order."""
    neighbours: dict[str, set[str]] = {node_id: set() for node_id in masked}
    for edge in edges:
        for near, far in ((edge.source_id, edge.target_id), (edge.target_id, edge.source_id)):
            if near in masked and far not in masked:
                neighbours[near].add(far)
    ordered = sorted(masked, key=lambda i: (nodes[i].domain, sorted(neighbours[i]), i))
    new_id = {old: f"masked:{k}" for k, old in enumerate(ordered, start=1)}
    out_nodes: dict[str, Node] = {}
    for node_id, node in nodes.items():
        if node_id in new_id:
            node = Node(
                new_id[node_id],
                node.domain,
                node.domain,
                MASKED_NAME,
                MASKED_NAME,
                MASKED_NAME,
                None,
                "MASKED",
                None,
                None,
            )
        out_nodes[node.node_id] = node
    out_edges = sorted(
        (
            replace(
                e,
                source_id=new_id.get(e.source_id, e.source_id),
                target_id=new_id.get(e.target_id, e.target_id),
            )
            for e in edges
        ),
        key=lambda e: (e.source_id, e.target_id, e.edge_type),
    )
    new_focus = new_id.get(focus, focus) if focus else None
    return Subgraph(dict(sorted(out_nodes.items())), out_edges, new_focus, title)


# ---------------------------------------------------------------------------------------------
# Layout


@dataclass(frozen=True)
class Card:
    """A placed card: its column and the top-left corner of its slot (the domain label's line,
    the card itself ``LABEL_H`` below)."""

    id: str
    column: int
    order: int
    x: int
    y: int


@dataclass(frozen=True)
class Layout:
    cards: dict[str, Card]
    routes: dict[tuple[str, str], tuple[Point, ...]]  # (source, target) → polyline, source first
    width: int
    height: int

    def port_y(self, card_id: str) -> int:
        return self.cards[card_id].y + LABEL_H + CARD_H // 2


def layered_layout(ids: Iterable[str], pairs: Iterable[tuple[str, str]]) -> Layout:
    """Sugiyama-style, our own: break cycles, layer by longest path from the sources, thread long
    edges through dummy slots, order each column by barycentre sweeps (keeping the ordering with
    fewest crossings), then place cards as close to their neighbours as the order allows.

    Longest-path layering is what Snowsight's picture shows: an object sits one column right of
    its deepest input. A source is then pulled next to its nearest consumer, so a lone table read
    by one model does not stretch an edge across the whole picture.
    """
    links = sorted(set(pairs))
    node_ids = sorted(set(ids).union(*links))
    successors: dict[str, list[str]] = {n: [] for n in node_ids}
    for source, target in links:
        if source != target:
            successors[source].append(target)
    back = _back_edges(node_ids, successors)
    dag = sorted({(t, s) if (s, t) in back else (s, t) for s, t in links if s != t})
    column = _longest_path_columns(node_ids, dag)

    up: dict[str, list[str]] = {n: [] for n in node_ids}
    down: dict[str, list[str]] = {n: [] for n in node_ids}
    chains: dict[tuple[str, str], list[str]] = {}
    for source, target in dag:
        spanned = range(column[source] + 1, column[target])
        chain = [f"\x00{source}\x00{target}\x00{c}" for c in spanned]
        for dummy, c in zip(chain, spanned, strict=True):
            column[dummy] = c
            up[dummy], down[dummy] = [], []
        chains[(source, target)] = chain
        steps = [source, *chain, target]
        for a, b in zip(steps, steps[1:], strict=False):
            down[a].append(b)
            up[b].append(a)
    for neighbours in (*up.values(), *down.values()):
        neighbours.sort()

    layers: list[list[str]] = [[] for _ in range(max(column.values(), default=-1) + 1)]
    for item in sorted(column):
        layers[column[item]].append(item)
    layers = _order_layers(layers, up, down)
    centre = _place_rows(layers, up, down)
    return _finish_layout(links, back, layers, centre, chains)


def _back_edges(
    ids: Sequence[str],
    successors: Mapping[str, Sequence[str]],
) -> set[tuple[str, str]]:
    """Edges closing a cycle in a depth-first walk from the sorted ids. Lineage is cyclic when a
    table feeds itself (MERGE … USING a view of it); reversing these edges for layering only keeps
    every other edge pointing right."""
    state: dict[str, int] = {}
    back: set[tuple[str, str]] = set()
    for root in ids:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(sorted(successors[root])))]
        while stack:
            node, pending = stack[-1]
            nxt = next(pending, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(sorted(successors[nxt]))))
    return back


def _longest_path_columns(ids: Sequence[str], dag: Sequence[tuple[str, str]]) -> dict[str, int]:
    preds: dict[str, list[str]] = {n: [] for n in ids}
    succs: dict[str, list[str]] = {n: [] for n in ids}
    for source, target in dag:
        preds[target].append(source)
        succs[source].append(target)
    remaining = {n: len(preds[n]) for n in ids}
    ready = sorted(n for n in ids if remaining[n] == 0)
    column: dict[str, int] = {}
    while ready:
        node = ready.pop(0)
        column[node] = max((column[p] + 1 for p in preds[node]), default=0)
        for nxt in succs[node]:
            remaining[nxt] -= 1
            if remaining[nxt] == 0:
                ready.append(nxt)
        ready.sort()
    for node in ids:
        if not preds[node] and succs[node]:
            column[node] = min(column[s] for s in succs[node]) - 1
    return column


def _order_layers(
    layers: list[list[str]],
    up: Mapping[str, list[str]],
    down: Mapping[str, list[str]],
) -> list[list[str]]:
    """Barycentre sweeps, down then up; ties break on id; the best ordering seen wins."""
    current = [list(layer) for layer in layers]
    for i in range(1, len(current)):
        current[i] = _reorder(current[i], current[i - 1], up)
    best, best_crossings = [list(layer) for layer in current], _total_crossings(current, down)
    for sweep in range(SWEEPS):
        if sweep % 2 == 0:
            for i in range(len(current) - 2, -1, -1):
                current[i] = _reorder(current[i], current[i + 1], down)
        else:
            for i in range(1, len(current)):
                current[i] = _reorder(current[i], current[i - 1], up)
        crossings = _total_crossings(current, down)
        if crossings < best_crossings:
            best, best_crossings = [list(layer) for layer in current], crossings
        if best_crossings == 0:
            break
    return best


def _reorder(
    layer: list[str],
    reference: list[str],
    neighbours: Mapping[str, list[str]],
) -> list[str]:
    """Sort the items that have neighbours in ``reference`` by their mean position there; items
    without keep their slot, so one sweep does not scatter the unconnected ones."""
    position = {item: k for k, item in enumerate(reference)}
    movable = [
        (sum(position[m] for m in neighbours[item]) / len(neighbours[item]), item)
        for item in layer
        if neighbours[item]
    ]
    movable.sort()
    moved = iter(item for _, item in movable)
    return [next(moved) if neighbours[item] else item for item in layer]


def _total_crossings(layers: list[list[str]], down: Mapping[str, list[str]]) -> int:
    return sum(_crossings(layers[i], layers[i + 1], down) for i in range(len(layers) - 1))


def _crossings(upper: list[str], lower: list[str], down: Mapping[str, list[str]]) -> int:
    """Edge crossings between two adjacent columns, counted as inversions with a Fenwick tree."""
    position = {item: k for k, item in enumerate(lower)}
    ends = sorted((i, position[m]) for i, item in enumerate(upper) for m in down[item])
    tree = [0] * (len(lower) + 1)
    crossings = 0
    for seen, (_, j) in enumerate(ends):
        k, at_most_j = j + 1, 0
        while k > 0:
            at_most_j += tree[k]
            k -= k & -k
        crossings += seen - at_most_j
        k = j + 1
        while k <= len(lower):
            tree[k] += 1
            k += k & -k
    return crossings


def _is_dummy(item: str) -> bool:
    return item.startswith("\x00")


def _extent(item: str) -> tuple[float, float]:
    """Space above and below an item's edge line (its port): a card has its label above."""
    if _is_dummy(item):
        return DUMMY_H / 2, DUMMY_H / 2
    return LABEL_H + CARD_H / 2, CARD_H / 2


def _place_rows(
    layers: list[list[str]],
    up: Mapping[str, list[str]],
    down: Mapping[str, list[str]],
) -> dict[str, float]:
    """Vertical positions of the edge lines: each column in turn moves towards the mean of its
    neighbours, as far as its order and the spacing allow (a weighted least-squares fit solved by
    pool-adjacent-violators). Long edges weigh more, so their dummies run straight."""
    line: dict[str, float] = {}
    for layer in layers:
        offsets = _offsets(layer)
        middle = (offsets[-1] if offsets else 0) / 2
        for item, offset in zip(layer, offsets, strict=True):
            line[item] = offset - middle

    def both(item: str) -> list[str]:
        return up[item] + down[item]

    order = list(range(len(layers)))
    for _ in range(PLACEMENT_ROUNDS):
        for i in order[1:]:
            _fit_layer(layers[i], up, line)
        for i in reversed(order[:-1]):
            _fit_layer(layers[i], down, line)
    for i in order:
        _fit_layer(layers[i], {item: both(item) for item in layers[i]}, line)
    return line


def _offsets(layer: Sequence[str]) -> list[float]:
    """Minimum distance of each item's line from the first one's."""
    offsets, total = [], 0.0
    for k, item in enumerate(layer):
        if k:
            previous = layer[k - 1]
            gap = DUMMY_GAP if _is_dummy(item) or _is_dummy(previous) else ROW_GAP
            total += _extent(previous)[1] + gap + _extent(item)[0]
        offsets.append(total)
    return offsets


def _fit_layer(
    layer: list[str],
    neighbours: Mapping[str, list[str]],
    line: dict[str, float],
) -> None:
    if not layer:
        return
    offsets = _offsets(layer)
    targets, weights = [], []
    for item, offset in zip(layer, offsets, strict=True):
        near = neighbours[item]
        if near:
            targets.append(sum(line[m] for m in near) / len(near) - offset)
            weights.append(len(near) * (4.0 if _is_dummy(item) else 1.0))
        else:
            targets.append(line[item] - offset)
            weights.append(0.05)
    for item, offset, value in zip(layer, offsets, _isotonic(targets, weights), strict=True):
        line[item] = value + offset


def _isotonic(targets: Sequence[float], weights: Sequence[float]) -> list[float]:
    """The non-decreasing sequence nearest to ``targets`` in weighted least squares (PAV)."""
    blocks: list[list[float]] = []  # [weighted sum, weight, count]
    for target, weight in zip(targets, weights, strict=True):
        blocks.append([target * weight, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, weight_sum, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += weight_sum
            blocks[-1][2] += count
    out: list[float] = []
    for total, weight_sum, count in blocks:
        out.extend([total / weight_sum] * int(count))
    return out


def _finish_layout(
    links: Sequence[tuple[str, str]],
    back: set[tuple[str, str]],
    layers: list[list[str]],
    line: Mapping[str, float],
    chains: Mapping[tuple[str, str], list[str]],
) -> Layout:
    """Integer coordinates and one polyline per (source, target), from the right side of the
    source to the left side of the target (a reversed edge runs right to left)."""
    items = [item for layer in layers for item in layer]
    top = min((line[item] - _extent(item)[0] for item in items), default=0.0)
    shift = MARGIN - top
    row_y = {item: round(line[item] + shift) for item in items}
    cards: dict[str, Card] = {}
    for c, layer in enumerate(layers):
        real = [item for item in layer if not _is_dummy(item)]
        for k, item in enumerate(real):
            cards[item] = Card(item, c, k, _column_x(c), row_y[item] - LABEL_H - CARD_H // 2)
    bottom = max((row_y[item] + _extent(item)[1] for item in items), default=0.0)
    width = _column_x(len(layers)) - COL_GAP + MARGIN if layers else 2 * MARGIN
    routes: dict[tuple[str, str], tuple[Point, ...]] = {}
    for source, target in links:
        if source == target:
            continue
        left, right = (target, source) if (source, target) in back else (source, target)
        points: list[Point] = [(_column_x(cards[left].column) + CARD_W, row_y[left])]
        for dummy in chains[(left, right)]:
            x = _column_x(_dummy_column(dummy))
            points += [(x, row_y[dummy]), (x + CARD_W, row_y[dummy])]
        points.append((_column_x(cards[right].column), row_y[right]))
        routes[(source, target)] = tuple(reversed(points)) if left != source else tuple(points)
    return Layout(cards, routes, int(width), int(round(bottom + MARGIN)))


def _dummy_column(item: str) -> int:
    """The column of a dummy slot, kept in its id as the last field."""
    return int(item.rsplit("\x00", 1)[1])


def _column_x(column: int) -> int:
    return MARGIN + column * (CARD_W + COL_GAP)


def edge_paths(layout: Layout, edges: Sequence[Edge]) -> list[str]:
    """One SVG path per edge, in order. Parallel edges (two types between the same two objects,
    or both directions) are drawn a few pixels apart so each stays visible."""
    groups: dict[frozenset[str], list[int]] = {}
    for k, edge in enumerate(edges):
        groups.setdefault(frozenset((edge.source_id, edge.target_id)), []).append(k)
    paths = [""] * len(edges)
    for members in groups.values():
        for rank, k in enumerate(members):
            edge = edges[k]
            dy = (rank - (len(members) - 1) / 2) * 6
            if edge.source_id == edge.target_id:
                paths[k] = _self_loop(layout, edge.source_id, dy)
            else:
                points = [(x, y + dy) for x, y in layout.routes[(edge.source_id, edge.target_id)]]
                paths[k] = _curve(points)
    return paths


def _curve(points: Sequence[Point]) -> str:
    """Cubic segments with horizontal tangents: Snowsight's smooth fan-out between columns."""
    out = [f"M{_num(points[0][0])},{_num(points[0][1])}"]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if y0 == y1:
            out.append(f"L{_num(x1)},{_num(y1)}")
            continue
        half = (x1 - x0) / 2
        out.append(
            f"C{_num(x0 + half)},{_num(y0)} {_num(x1 - half)},{_num(y1)} {_num(x1)},{_num(y1)}"
        )
    return " ".join(out)


def _self_loop(layout: Layout, node_id: str, dy: float) -> str:
    card = layout.cards[node_id]
    right, port, top = card.x + CARD_W, layout.port_y(node_id) + dy, card.y + LABEL_H
    return (
        f"M{_num(right)},{_num(port - 14)} C{_num(right + 40)},{_num(port - 14)} "
        f"{_num(right - 28)},{_num(top - 40)} {_num(right - 28)},{_num(top)}"
    )


def _num(value: float) -> str:
    value = round(value, 1)
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def layout_subgraph(sub: Subgraph) -> Layout:
    return layered_layout(sub.nodes, [(e.source_id, e.target_id) for e in sub.edges])


# ---------------------------------------------------------------------------------------------
# Text of a card


def domain_label(domain: str) -> str:
    return DOMAIN_LABELS.get(domain, domain.replace("_", " ").capitalize())


def qualifier(node: Node) -> str:
    """``DB.SCHEMA`` as Snowsight prints it under the name (a schema node: its database)."""
    if node.domain == "schema":
        return node.database or ""
    return ".".join(p for p in (node.database, node.schema) if p)


def format_time(stamp: datetime | None) -> str:
    """``Nov 19, 2024, 18:55:17 UTC``: Snowsight's shape, in UTC and locale-free, so that static
    output does not depend on where it was made (the HTML page shows local time instead)."""
    if stamp is None:
        return ""
    return f"{MONTHS[stamp.month - 1]} {stamp.day}, {stamp.year}, {stamp:%H:%M:%S} UTC"


def _iso(stamp: datetime | None) -> str | None:
    return stamp.isoformat() if stamp is not None else None


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 1)] + "…"


# ---------------------------------------------------------------------------------------------
# SVG


def render_svg(sub: Subgraph, layout: Layout | None = None) -> str:
    """A static picture of the same layout: what a README or a slide embeds."""
    layout = layout or layout_subgraph(sub)
    esc = _xml
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.width}" height="{layout.height}" '
        f'viewBox="0 0 {layout.width} {layout.height}" font-family="Inter, -apple-system, '
        f'Segoe UI, Roboto, Helvetica, Arial, sans-serif">\n',
        f"<title>{esc(sub.title)}</title>\n",
        "<style>",
        _SVG_STYLE,
        "</style>\n",
        "<defs>\n",
        _svg_symbols(),
        _svg_markers(),
        "</defs>\n",
        f'<rect width="{layout.width}" height="{layout.height}" fill="#ffffff"/>\n',
        '<g class="links">\n',
    ]
    for edge, path in zip(sub.edges, edge_paths(layout, sub.edges), strict=True):
        kind = _link_type(edge.edge_type)
        parts.append(
            f'<path class="link {kind}" d="{path}" marker-end="url(#arrow-{kind})" '
            f'data-source="{esc(edge.source_id)}" data-target="{esc(edge.target_id)}">'
            f"<title>{esc(edge.edge_type)}: {esc(edge.operation)}</title></path>\n"
        )
    parts.append('</g>\n<g class="cards">\n')
    for card in sorted(layout.cards.values(), key=lambda c: (c.column, c.order)):
        parts.append(_svg_card(sub.nodes[card.id], card, card.id == sub.focus))
    parts.append("</g>\n</svg>\n")
    return "".join(parts)


_SVG_STYLE = (
    ".link{fill:none;stroke-width:1.4}"
    + "".join(
        f".link.{k}{{stroke:{c};{'stroke-dasharray:' + d + ';' if d else ''}}}"
        for k, (c, d) in EDGE_STYLES.items()
    )
    + ".link.dependency{stroke-linecap:round}"
    ".label{font-size:11px;fill:#5f6b7a}.name{font-size:13px;font-weight:500;fill:#1f2937}"
    ".qual{font-size:10px;fill:#4b5563;"
    "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}"
    ".created{font-size:11px;fill:#4b5563}.box{fill:#fbfbfc;stroke:#d5d9e1}"
    ".focus .box{stroke:#8fb3f5;stroke-width:1.5}"
    ".deleted .box{fill:#f1f2f4;stroke-dasharray:4 3}.deleted text{fill:#9aa1ab}"
    ".masked .box{fill:#eef0f3}.masked text{fill:#9aa1ab}"
)


def _svg_symbols() -> str:
    return "".join(
        f'<symbol id="icon-{name}" viewBox="0 0 16 16" fill="none" stroke="currentColor" '
        f'stroke-width="1.3" stroke-linecap="round" stroke-linejoin="round">{body}</symbol>\n'
        for name, body in sorted(ICON_PATHS.items())
    )


def _svg_markers() -> str:
    return "".join(
        f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" '
        f'markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" '
        f'orient="auto-start-reverse">'
        f'<path d="M0,1 L9,5 L0,9 z" fill="{colour}"/></marker>\n'
        for kind, (colour, _) in sorted(EDGE_STYLES.items())
    )


def _svg_card(node: Node, card: Card, focus: bool) -> str:
    esc = _xml
    colour = DOMAIN_COLOURS.get(node.domain, FALLBACK_COLOUR)
    classes = ["node", node.status.lower()] + (["focus"] if focus else [])
    icon = node.domain if node.domain in ICON_PATHS else "table"
    if node.status == "MASKED":
        icon = "masked"
    x, y = card.x, card.y + LABEL_H
    version = f" | {node.version}" if node.version else ""
    qual = _truncate(qualifier(node), 32 - len(version)) + version
    if node.status == "MASKED":
        when = "No access"
    elif node.status == "DELETED":
        when = f"Deleted on: {format_time(node.deleted_at)}"
    else:
        when = f"Created on: {format_time(node.created_at) or 'unknown'}"
    return (
        f'<g class="{" ".join(classes)}" data-node-id="{esc(node.node_id)}" '
        f'data-column="{card.column}">'
        f"<title>{esc(node.node_id)}</title>"
        f'<text class="label" x="{x + 2}" y="{card.y + 13}">{esc(domain_label(node.domain))}</text>'
        f'<rect class="box" x="{x}" y="{y}" width="{CARD_W}" height="{CARD_H}" rx="6"/>'
        f'<rect x="{x}" y="{y + 6}" width="3" height="{CARD_H - 12}" rx="1.5" fill="{colour}"/>'
        f'<use href="#icon-{icon}" x="{x + 12}" y="{y + 11}" width="15" height="15" '
        f'color="{colour}"/>'
        f'<text class="name" x="{x + 33}" y="{y + 23}">{esc(_truncate(node.name, 23))}</text>'
        f'<text class="qual" x="{x + 14}" y="{y + 43}">{esc(qual)}</text>'
        f'<line x1="{x + 14}" y1="{y + 52}" x2="{x + CARD_W - 14}" y2="{y + 52}" stroke="#e5e7eb"/>'
        f'<text class="created" x="{x + 14}" y="{y + 71}">{esc(when)}</text>'
        "</g>\n"
    )


def _xml(text: Any) -> str:
    return html.escape(str(text), quote=True)


# ---------------------------------------------------------------------------------------------
# DOT and Mermaid


def _short_ids(sub: Subgraph) -> dict[str, str]:
    """``n0``, ``n1``, … by node_id: safe in every syntax, stable for equal input."""
    return {node_id: f"n{k}" for k, node_id in enumerate(sub.nodes)}


def render_dot(sub: Subgraph, layout: Layout | None = None) -> str:
    """Graphviz source (``dot -Tsvg``); columns become ``rank=same`` groups so dot keeps ours."""
    layout = layout or layout_subgraph(sub)
    ids = _short_ids(sub)
    lines = [
        "digraph lineage {",
        f'  graph [rankdir=LR, nodesep=0.35, ranksep=0.9, fontname="Helvetica", '
        f"label={_dot_string(sub.title)}, labelloc=t];",
        '  node [shape=box, style="rounded,filled", fillcolor="#fbfbfc", fontname="Helvetica", '
        "fontsize=10, penwidth=1.2];",
        "  edge [arrowsize=0.7, penwidth=1.2];",
    ]
    for node_id, node in sub.nodes.items():
        version = f" | {node.version}" if node.version else ""
        label = [domain_label(node.domain), node.name, qualifier(node) + version]
        attrs = [
            f"label={_dot_string(chr(10).join(label))}",
            f'color="{DOMAIN_COLOURS.get(node.domain, FALLBACK_COLOUR)}"',
            f"tooltip={_dot_string(node_id)}",
        ]
        if node.status == "DELETED":
            attrs += ['fontcolor="#9aa1ab"', 'style="rounded,filled,dashed"', 'fillcolor="#f1f2f4"']
        elif node.status == "MASKED":
            attrs += ['fontcolor="#9aa1ab"', 'fillcolor="#eef0f3"']
        if node_id == sub.focus:
            attrs.append("penwidth=2.4")
        lines.append(f"  {ids[node_id]} [{', '.join(attrs)}];")
    columns: dict[int, list[str]] = {}
    for node_id, card in layout.cards.items():
        columns.setdefault(card.column, []).append(ids[node_id])
    for column in sorted(columns):
        members = sorted(columns[column], key=lambda i: int(i[1:]))
        lines.append(f"  {{ rank=same; {' '.join(m + ';' for m in members)} }}")
    for edge in sub.edges:
        colour, dash = EDGE_STYLES.get(edge.edge_type, EDGE_STYLES["data"])
        style = {"": "solid", "1.5 4": "dotted"}.get(dash, "dashed")
        tooltip = _dot_string(f"{edge.edge_type}: {edge.operation}")
        lines.append(
            f"  {ids[edge.source_id]} -> {ids[edge.target_id]} [style={style}, "
            f'color="{colour}", tooltip={tooltip}];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_string(text: str) -> str:
    """A DOT double-quoted string; a newline becomes dot's centred line break ``\\n``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "")
    return '"' + escaped.replace("\n", "\\n") + '"'


def render_mermaid(sub: Subgraph, layout: Layout | None = None) -> str:
    """``flowchart LR`` for Markdown renderers (GitHub, GitLab, Notion). Ids are ``n0``…, labels
    quoted with Mermaid's entity codes, so no name can break the syntax."""
    layout = layout or layout_subgraph(sub)
    ids = _short_ids(sub)
    ordered = sorted(sub.nodes, key=lambda i: (layout.cards[i].column, layout.cards[i].order))
    lines = ["flowchart LR", f"  %% {_mermaid_comment(sub.title)}"]
    for node_id in ordered:
        node = sub.nodes[node_id]
        qual = qualifier(node) + (f" | {node.version}" if node.version else "")
        texts = (domain_label(node.domain), node.name, qual)
        label = "<br/>".join(_mermaid_text(t) for t in texts if t)
        lines.append(f'  {ids[node_id]}["{label}"]')
    arrows = {"data": "-->", "dependency": "-.->", "clone": "-.->"}
    clone_links: list[int] = []
    for k, edge in enumerate(sub.edges):
        arrow = arrows.get(edge.edge_type, "-->")
        lines.append(f"  {ids[edge.source_id]} {arrow} {ids[edge.target_id]}")
        if edge.edge_type == "clone":
            clone_links.append(k)
    for domain in sorted({n.domain for n in sub.nodes.values()}):
        colour = DOMAIN_COLOURS.get(domain, FALLBACK_COLOUR)
        lines.append(f"  classDef {domain} fill:#fbfbfc,stroke:{colour},color:#1f2937")
    lines.append(
        "  classDef deleted fill:#f1f2f4,stroke:#9aa1ab,color:#9aa1ab,stroke-dasharray:4 3"
    )
    lines.append("  classDef masked fill:#eef0f3,stroke:#9aa1ab,color:#9aa1ab")
    lines.append("  classDef focus stroke-width:3px")
    by_class: dict[str, list[str]] = {}
    for node_id in ordered:
        node = sub.nodes[node_id]
        by_class.setdefault(node.domain, []).append(ids[node_id])
        if node.status in ("DELETED", "MASKED"):
            by_class.setdefault(node.status.lower(), []).append(ids[node_id])
    if sub.focus:
        by_class["focus"] = [ids[sub.focus]]
    for name in sorted(by_class):
        lines.append(f"  class {','.join(by_class[name])} {name}")
    if clone_links:
        colour, _ = EDGE_STYLES["clone"]
        numbers = ",".join(map(str, clone_links))
        lines.append(f"  linkStyle {numbers} stroke:{colour},stroke-dasharray:7 5")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    """Mermaid entity codes (``#60;`` for ``<``), ``#`` first since the codes start with it."""
    out = text.replace("#", "#35;")
    for char, code in (("&", "#38;"), ("<", "#60;"), (">", "#62;"), ('"', "#34;"), ("`", "#96;")):
        out = out.replace(char, code)
    return " ".join(out.split())


def _mermaid_comment(text: str) -> str:
    return " ".join(text.replace("%%", "%").split())


# ---------------------------------------------------------------------------------------------
# HTML


def render_html(sub: Subgraph, collapse_over: int = COLLAPSE_OVER) -> str:
    """One self-contained page: inline CSS, JS and SVG, the graph embedded as JSON, nothing
    fetched, so it opens from a file, offline, and can be mailed. Above ``collapse_over`` cards
    (and with more than one schema) it opens on one card per schema; a click opens the schema."""
    groups = _schema_groups(sub)
    collapsed = len(sub.nodes) > collapse_over and len(groups) > 1
    if collapsed:
        logger.info(
            "%d objects over %d: the page opens on %d schemas",
            len(sub.nodes),
            collapse_over,
            len(groups),
        )
    edge_index = {id(edge): k for k, edge in enumerate(sub.edges)}
    views: dict[str, Any] = {}
    if collapsed:
        views["main"] = _group_view(sub, groups)
        for group_id, members in groups.items():
            member_set = set(members)
            edges = [e for e in sub.edges if e.source_id in member_set or e.target_id in member_set]
            ids = member_set | {e.source_id for e in edges} | {e.target_id for e in edges}
            views[group_id] = _node_view(sorted(ids), edges, edge_index, _group_title(group_id))
    else:
        views["main"] = _node_view(list(sub.nodes), sub.edges, edge_index, sub.title)
    domains = {n.domain for n in sub.nodes.values()}
    data = {
        "title": sub.title,
        "focus": sub.focus,
        "collapsed": collapsed,
        "card": {"width": CARD_W, "height": CARD_H, "label": LABEL_H},
        "labels": {d: domain_label(d) for d in sorted(domains | set(DOMAIN_LABELS))},
        "nodes": {node_id: _node_json(node) for node_id, node in sub.nodes.items()},
        "edges": [_edge_json(edge) for edge in sub.edges],
        "groups": {
            gid: {
                "label": _group_label(gid),
                "members": members,
                "counts": _domain_counts(sub, members),
            }
            for gid, members in groups.items()
        }
        if collapsed
        else {},
        "views": views,
    }
    geometry = f".node{{width:{CARD_W}px}}.dlabel{{height:{LABEL_H}px}}.card{{height:{CARD_H}px}}"
    colours = "".join(f".d-{d}{{--c:{c}}}" for d, c in sorted(DOMAIN_COLOURS.items()))
    edge_css = "".join(
        f".link.{k}{{stroke:{c};{'stroke-dasharray:' + d + ';' if d else ''}}}"
        f".swatch.{k}{{border-top:2px {_border_style(k)} {c}}}"
        for k, (c, d) in sorted(EDGE_STYLES.items())
    )
    values = {
        "TITLE": html.escape(sub.title),
        "DOMAIN_CSS": geometry + colours + edge_css,
        "ICONS": _svg_symbols(),
        "MARKERS": _svg_markers(),
        "DATA": _script_json(data),
    }
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], PAGE_TEMPLATE)


_PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")


def _border_style(edge_type: str) -> str:
    dash = EDGE_STYLES[edge_type][1]
    return "solid" if not dash else ("dotted" if edge_type == "dependency" else "dashed")


def _link_type(edge_type: str) -> str:
    """A CSS class and marker name: an edge type we have no style for draws as data."""
    return edge_type if edge_type in EDGE_STYLES else "data"


def _schema_groups(sub: Subgraph) -> dict[str, list[str]]:
    """Cards grouped by ``DB.SCHEMA`` (a schema node joins its own group, a database node its
    database's; masked nodes share one group, as their schema is not to be shown)."""
    groups: dict[str, list[str]] = {}
    for node_id, node in sub.nodes.items():
        if node.status == "MASKED":
            key = "group:***"
        elif node.domain == "schema":
            key = f"group:{node.database}.{node.name}"
        elif node.domain == "database" or not node.schema:
            key = f"group:{node.database or node.name}"
        else:
            key = f"group:{node.database}.{node.schema}"
        groups.setdefault(key, []).append(node_id)
    return dict(sorted(groups.items()))


def _group_label(group_id: str) -> str:
    return group_id.split(":", 1)[1]


def _group_title(group_id: str) -> str:
    return f"{_group_label(group_id)} and its neighbours"


def _domain_counts(sub: Subgraph, members: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node_id in members:
        domain = sub.nodes[node_id].domain
        counts[domain] = counts.get(domain, 0) + 1
    return dict(sorted(counts.items()))


def _node_view(
    ids: Sequence[str],
    edges: Sequence[Edge],
    edge_index: Mapping[int, int],
    title: str,
) -> dict[str, Any]:
    layout = layered_layout(ids, [(e.source_id, e.target_id) for e in edges])
    cards = sorted(layout.cards.values(), key=lambda c: (c.column, c.order))
    return {
        "title": title,
        "width": layout.width,
        "height": layout.height,
        "cards": [{"id": c.id, "column": c.column, "x": c.x, "y": c.y} for c in cards],
        "links": [
            {"edge": edge_index[id(e)], "type": _link_type(e.edge_type), "d": d}
            for e, d in zip(edges, edge_paths(layout, edges), strict=True)
        ],
    }


def _group_view(sub: Subgraph, groups: Mapping[str, list[str]]) -> dict[str, Any]:
    """One card per schema; an edge per pair of schemas, typed by its most common edge type."""
    group_of = {node_id: gid for gid, members in groups.items() for node_id in members}
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for edge in sub.edges:
        pair = (group_of[edge.source_id], group_of[edge.target_id])
        if pair[0] != pair[1]:
            types = counts.setdefault(pair, {})
            types[edge.edge_type] = types.get(edge.edge_type, 0) + 1
    layout = layered_layout(groups, counts)
    pairs = sorted(counts)
    synthetic = [
        Edge(s, t, _commonest(counts[(s, t)]), "", None, None, sum(counts[(s, t)].values()), "", "")
        for s, t in pairs
    ]
    cards = sorted(layout.cards.values(), key=lambda c: (c.column, c.order))
    return {
        "title": f"{sub.title}: {len(sub.nodes)} objects in {len(groups)} schemas",
        "width": layout.width,
        "height": layout.height,
        "cards": [{"id": c.id, "column": c.column, "x": c.x, "y": c.y} for c in cards],
        "links": [
            {
                "edge": None,
                "type": _link_type(e.edge_type),
                "d": d,
                "source": e.source_id,
                "target": e.target_id,
                "count": e.query_count,
            }
            for e, d in zip(synthetic, edge_paths(layout, synthetic), strict=True)
        ],
    }


def _commonest(types: Mapping[str, int]) -> str:
    """The edge type most edges between two schemas have; ties go to the first name."""
    return min(types, key=lambda k: (-types[k], k))


def _node_json(node: Node) -> dict[str, Any]:
    return {
        "node_id": node.node_id,
        "domain": node.domain,
        "kind": node.kind,
        "status": node.status,
        "database": node.database,
        "schema": node.schema,
        "name": node.name,
        "version": node.version,
        "created_at": _iso(node.created_at),
        "deleted_at": _iso(node.deleted_at),
        "created_by_query_id": node.created_by_query_id,
        "previous_names": list(node.previous_names),
        "properties": node.properties,
    }


def _edge_json(edge: Edge) -> dict[str, Any]:
    return {
        "source_id": edge.source_id,
        "target_id": edge.target_id,
        "edge_type": edge.edge_type,
        "operation": edge.operation,
        "first_seen": _iso(edge.first_seen),
        "last_seen": _iso(edge.last_seen),
        "query_count": edge.query_count,
        "first_query_id": edge.first_query_id,
        "last_query_id": edge.last_query_id,
    }


def _script_json(data: Any) -> str:
    """JSON safe inside ``<script>``: ``<``, ``>`` and ``&`` as ``\\u`` escapes, so no name can
    close the element or open a comment; U+2028/2029 escaped for old parsers."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    for char, code in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, code)
    return text


# ---------------------------------------------------------------------------------------------


def render(sub: Subgraph, fmt: str = "html", collapse_over: int = COLLAPSE_OVER) -> str:
    """The picture of ``sub`` in one of FORMATS."""
    if fmt == "html":
        return render_html(sub, collapse_over)
    renderers: dict[str, Callable[[Subgraph, Layout | None], str]] = {
        "svg": render_svg,
        "dot": render_dot,
        "mermaid": render_mermaid,
    }
    if fmt not in renderers:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return renderers[fmt](sub, None)

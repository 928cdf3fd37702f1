"""GET_LINEAGE over an output folder: the rows Snowflake's ``SNOWFLAKE.CORE.GET_LINEAGE`` returns,
answered offline from ``nodes.parquet`` and ``edges.parquet``.

Rules kept from Snowflake (reference §2, https://docs.snowflake.com/en/sql-reference/functions/get_lineage-snowflake-core):
- one row per edge; a row at distance n has the distance n-1 object on its near side, so rows are
  real edges, not (start, reachable) pairs; each edge is reported once, at its smallest distance;
- distance 1..5, default 5; direction UPSTREAM or DOWNSTREAM (BOTH runs one then the other);
- a start object that does not exist is an error; no lineage is an empty answer.
Visibility (``as_role``) masks nodes the role may not see (``visibility.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from extractor.facts import quote_part
from extractor.visibility import Visibility, VisibilityError, grants_open_at, inherited_roles

DIRECTIONS = ("upstream", "downstream", "both")
MIN_DISTANCE, MAX_DISTANCE = 1, 5

# GET_LINEAGE's domain words and Snowsight's labels, to mlineage domains. TABLE covers every
# table-like object, feature views included (as GET_LINEAGE does).
DOMAIN_ALIASES: dict[str, tuple[str, ...]] = {
    "table": ("table", "view", "feature_view"),
    "view": ("view",),
    "feature_view": ("feature_view",),
    "stage": ("stage",),
    "dataset": ("dataset",),
    "model": ("model",),
    "module": ("model",),
    "service": ("service",),
    "snowservice_instance": ("service",),
    "schema": ("schema",),
    "database": ("database",),
}

COLUMNS = (
    "SOURCE_OBJECT_DOMAIN",
    "SOURCE_OBJECT_DATABASE",
    "SOURCE_OBJECT_SCHEMA",
    "SOURCE_OBJECT_NAME",
    "SOURCE_OBJECT_VERSION",
    "SOURCE_STATUS",
    "TARGET_OBJECT_DOMAIN",
    "TARGET_OBJECT_DATABASE",
    "TARGET_OBJECT_SCHEMA",
    "TARGET_OBJECT_NAME",
    "TARGET_OBJECT_VERSION",
    "TARGET_STATUS",
    "DISTANCE",
    "EDGE_TYPE",
    "OPERATION",
    "PROCESS",
    "FIRST_SEEN",
    "LAST_SEEN",
)


class LineageQueryError(Exception):
    """A question the graph cannot answer as asked (unknown object, bad distance, …)."""


@dataclass(frozen=True)
class Node:
    node_id: str
    domain: str
    kind: str
    database: str | None
    schema: str | None
    name: str
    version: str | None
    status: str
    created_at: datetime | None
    deleted_at: datetime | None
    properties: str = "{}"
    created_by_query_id: str | None = None
    previous_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Edge:
    source_id: str
    target_id: str
    edge_type: str
    operation: str
    first_seen: datetime | None
    last_seen: datetime | None
    query_count: int
    first_query_id: str
    last_query_id: str


@dataclass
class Graph:
    """An output folder loaded for questions: nodes by id, edges by end."""

    nodes: dict[str, Node]
    edges: list[Edge]
    grants: list[dict[str, Any]] = field(default_factory=list)
    out_edges: dict[str, list[Edge]] = field(default_factory=dict)
    in_edges: dict[str, list[Edge]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for edge in self.edges:
            self.out_edges.setdefault(edge.source_id, []).append(edge)
            self.in_edges.setdefault(edge.target_id, []).append(edge)


def load_graph(folder: Path) -> Graph:
    """Read an output folder (or its ``latest`` snapshot)."""
    if not (folder / "nodes.parquet").is_file() and (folder / "latest" / "nodes.parquet").is_file():
        folder = folder / "latest"
    if not (folder / "nodes.parquet").is_file():
        raise LineageQueryError(
            f"{folder}: no lineage graph here (run `mlineage extract … --out {folder}`)"
        )
    nodes = {}
    for row in pq.read_table(folder / "nodes.parquet").to_pylist():
        row["previous_names"] = tuple(row["previous_names"] or ())
        nodes[row["node_id"]] = Node(**row)
    edges = [Edge(**row) for row in pq.read_table(folder / "edges.parquet").to_pylist()]
    grants_path = folder / "grants.parquet"
    grants = pq.read_table(grants_path).to_pylist() if grants_path.is_file() else []
    return Graph(nodes, edges, grants)


def _name_parts(text: str) -> list[str]:
    """Split ``db.s."Mixed$1.0"`` into parts with Snowflake case rules (quoted keeps case)."""
    parts, current, quoted, i = [], "", False, 0
    raw = False
    while i < len(text):
        char = text[i]
        if char == '"':
            if quoted and i + 1 < len(text) and text[i + 1] == '"':
                current += '"'
                i += 1
            else:
                quoted = not quoted
                raw = True
        elif char == "." and not quoted:
            parts.append(current if raw else current.upper())
            current, raw = "", False
        else:
            current += char
        i += 1
    parts.append(current if raw else current.upper())
    return parts


def resolve_object(
    graph: Graph,
    name: str,
    domain: str | None = None,
    version: str | None = None,
    database: str | None = None,
    schema: str | None = None,
) -> Node:
    """The node ``name`` names, as Snowflake resolves it: unqualified parts come from
    ``database``/``schema`` when given (identifiers: quoted keeps case, bare folds to upper);
    otherwise a unique match on the trailing parts."""
    database = _name_parts(database)[-1] if database else None
    schema = _name_parts(schema)[-1] if schema else None
    domains = DOMAIN_ALIASES.get(domain.lower()) if domain else None
    if domain and domains is None:
        raise LineageQueryError(
            f"unknown domain {domain!r}; use one of {', '.join(sorted(DOMAIN_ALIASES))}"
        )
    if "@" in name and version is None:
        name, version = name.rsplit("@", 1)
    parts = _name_parts(name)
    if len(parts) > 3:
        raise LineageQueryError(
            f"{name!r}: a name has at most three parts (database.schema.object)"
        )
    if len(parts) < 3 and database:
        parts = ([database] + ([schema] if len(parts) == 1 and schema else []) + parts)[-3:]
    candidates = [
        n
        for n in graph.nodes.values()
        if [p for p in (n.database, n.schema, n.name) if p][-len(parts) :] == parts
        and (domains is None or n.domain in domains)
        and (version is None or _version_matches(n, version))
    ]
    if version is None:
        # A versioned object named without its version means its versions; take the latest.
        versioned = [n for n in candidates if n.version]
        if versioned and len(versioned) == len(candidates):
            candidates = [
                max(versioned, key=lambda n: (n.created_at is not None, n.created_at, n.version))
            ]
    if not candidates:
        raise LineageQueryError(
            f"object {name!r}{' version ' + version if version else ''} not found in the graph"
        )
    if len(candidates) > 1:
        names = ", ".join(sorted(n.node_id for n in candidates)[:6])
        raise LineageQueryError(f"{name!r} is ambiguous: {names} (qualify it or give --domain)")
    return candidates[0]


def _version_matches(node: Node, version: str) -> bool:
    """Model versions are identifiers (``v1`` is ``V1``); dataset versions are case-sensitive."""
    if node.version is None:
        return False
    if node.domain == "model" and not version.startswith('"'):
        return node.version == version.upper()
    return node.version == version.strip('"')


@dataclass(frozen=True)
class LineageRow:
    source: Node
    target: Node
    distance: int
    edge: Edge
    direction: str

    def as_dict(self, mask: Callable[[Node], bool] = lambda n: False) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for side, node in (("SOURCE", self.source), ("TARGET", self.target)):
            masked = mask(node)
            out[f"{side}_OBJECT_DOMAIN"] = node.domain.upper()
            out[f"{side}_OBJECT_DATABASE"] = "***" if masked else node.database
            out[f"{side}_OBJECT_SCHEMA"] = "***" if masked else node.schema
            out[f"{side}_OBJECT_NAME"] = "***" if masked else node.name
            out[f"{side}_OBJECT_VERSION"] = None if masked else node.version
            out[f"{side}_STATUS"] = "MASKED" if masked else node.status
        out["DISTANCE"] = self.distance
        out["EDGE_TYPE"] = self.edge.edge_type.upper()
        out["OPERATION"] = self.edge.operation
        out["PROCESS"] = json.dumps({"query_id": self.edge.last_query_id})
        out["FIRST_SEEN"] = self.edge.first_seen
        out["LAST_SEEN"] = self.edge.last_seen
        return out


def _edge_exists_at(edge: Edge, at: datetime | None) -> bool:
    return at is None or edge.first_seen is None or edge.first_seen <= at


def node_at(node: Node, at: datetime | None) -> Node:
    """The node as it stood at ``at``: deleted later means still active then."""
    if at is None or node.deleted_at is None or node.deleted_at <= at:
        return node
    return Node(**{**node.__dict__, "status": "ACTIVE", "deleted_at": None})


def trace(
    graph: Graph,
    start: Node,
    direction: str = "downstream",
    distance: int = MAX_DISTANCE,
    at: datetime | None = None,
    can_expand: Callable[[Node], bool] = lambda n: True,
    domains: Iterable[str] | None = None,
) -> list[LineageRow]:
    """Breadth-first, level by level, as GET_LINEAGE does. ``can_expand`` stops the walk at
    nodes a role may not see (a masked node is shown, never walked through), like Snowsight."""
    direction = direction.lower()
    if direction not in DIRECTIONS:
        raise LineageQueryError(
            f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}"
        )
    if not MIN_DISTANCE <= distance <= MAX_DISTANCE:
        raise LineageQueryError(f"Distance must be between {MIN_DISTANCE} and {MAX_DISTANCE}.")
    if direction == "both":
        return trace(graph, start, "upstream", distance, at, can_expand, domains) + trace(
            graph, start, "downstream", distance, at, can_expand, domains
        )
    downstream = direction == "downstream"
    rows: list[LineageRow] = []
    seen_edges: set[tuple[str, str, str]] = set()
    visited = {start.node_id}
    frontier = [start.node_id]
    for level in range(1, distance + 1):
        next_frontier: list[str] = []
        for node_id in sorted(frontier):
            edges = (
                graph.out_edges.get(node_id, []) if downstream else graph.in_edges.get(node_id, [])
            )
            for edge in sorted(edges, key=lambda e: (e.source_id, e.target_id, e.edge_type)):
                key = (edge.source_id, edge.target_id, edge.edge_type)
                if key in seen_edges or not _edge_exists_at(edge, at):
                    continue
                seen_edges.add(key)
                far = edge.target_id if downstream else edge.source_id
                rows.append(
                    LineageRow(
                        node_at(graph.nodes[edge.source_id], at),
                        node_at(graph.nodes[edge.target_id], at),
                        level,
                        edge,
                        direction,
                    )
                )
                if far not in visited:
                    visited.add(far)
                    if can_expand(graph.nodes[far]):
                        next_frontier.append(far)
        frontier = next_frontier
    if domains:
        wanted = set(domains)
        rows = [r for r in rows if (r.target if downstream else r.source).domain in wanted]
    return rows


def lineage(
    graph: Graph,
    start: Node,
    direction: str = "downstream",
    distance: int = MAX_DISTANCE,
    at: datetime | None = None,
    as_role: str | None = None,
    public_view_lineage: bool = True,
) -> list[dict[str, Any]]:
    """GET_LINEAGE rows for ``start``; with ``as_role``, what that role may see (others MASKED,
    not walked through). Raises VisibilityError when the role may not see lineage or the start."""
    if as_role is None:
        return rows_as_dicts(trace(graph, start, direction, distance, at))
    view = Visibility.for_role(as_role, graph.grants, at, public_view_lineage)
    if not view.can_view_lineage():
        raise VisibilityError("Insufficient privileges to view data lineage")
    if not view.can_see(start):
        raise VisibilityError(f"{start.node_id}: object does not exist or not authorized")
    rows = trace(graph, start, direction, distance, at, can_expand=view.can_see)
    return rows_as_dicts(rows, mask=lambda node: not view.can_see(node))


def effective_grants(
    graph: Graph, role: str | None, object_name: str | None, at: datetime | None = None
) -> list[dict[str, Any]]:
    """Privileges in force: held by ``role`` (directly or through inherited roles, named in
    ``via_role``) and/or on ``object_name``."""
    rows = grants_open_at(graph.grants, at)
    roles = inherited_roles(role.upper(), rows) if role else None
    wanted = ".".join(quote_part(p) for p in _name_parts(object_name)) if object_name else None
    found = []
    for row in rows:
        if roles is not None and not (
            row["grantee_type"] in ("ROLE", "DATABASE ROLE", "APPLICATION ROLE")
            and row["grantee"] in roles
        ):
            continue
        if wanted is not None and row["on_name"] != wanted:
            continue
        found.append(
            {
                **row,
                "via_role": row["grantee"] if roles and row["grantee"] != role.upper() else None,
            }
        )
    found.sort(key=lambda r: (r["on_type"], r["on_name"], r["privilege"], r["grantee"]))
    return found


def rows_as_dicts(
    rows: Sequence[LineageRow], mask: Callable[[Node], bool] = lambda n: False
) -> list[dict[str, Any]]:
    return [r.as_dict(mask) for r in rows]

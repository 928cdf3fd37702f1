"""The lineage graph: node identity, the networkx graph, and the name index that fold keeps.

Nodes are keyed by a stable integer (the object), not by its name: a rename or swap changes a
node's name attributes and the index, never the graph's keys, so edges follow objects for free.
``node_id`` (the printable key of DESIGN.md) is computed from the current name when written out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import networkx as nx
import pyarrow as pa
import pyarrow.compute as pc

from extractor import facts as f
from extractor.facts import ObjectName, format_node_id

# Tables, views and feature views share one namespace in a schema (a view cannot be named like a
# table); stages, containers and ML objects each have their own.
TABLE_LIKE = frozenset({f.TABLE, f.VIEW, f.FEATURE_VIEW, f.RELATION})

NameKey = tuple[str, str, str, str, str]


def namespace(domain: str) -> str:
    return f.RELATION if domain in TABLE_LIKE else domain


def name_key(obj: ObjectName) -> NameKey:
    """The key of the name an object occupies. A feature view occupies the name of its physical
    object, ``"NAME$VERSION"`` (reference §5.4), so reads of that table or view find it."""
    if obj.domain == f.FEATURE_VIEW:
        return (f.RELATION, obj.database, obj.schema, f"{obj.name}${obj.version}", "")
    return (namespace(obj.domain), obj.database, obj.schema, obj.name, obj.version)


@dataclass
class ModelVersions:
    """What fold knows of a model's versions, to resolve unversioned references and aliases.
    https://docs.snowflake.com/en/developer-guide/snowflake-ml/model-registry/overview"""

    versions: list[str] = field(default_factory=list)  # in registration order
    default: str = ""
    aliases: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class GrantRow:
    """One row of grants.parquet while fold keeps it: slots, as a long history holds tens of
    thousands (a dict a row would be four times the size)."""

    action: str
    privilege: str
    on_type: str
    on_name: str
    grantee_type: str
    grantee: str
    with_grant_option: bool
    query_id: str
    granted_at: datetime | None
    revoked_at: datetime | None
    role_name: str | None
    user_name: str | None


@dataclass
class LineageGraph:
    """Fold's state: the graph, which node holds each name, and the statements already folded."""

    graph: nx.MultiDiGraph = field(default_factory=nx.MultiDiGraph)
    names: dict[NameKey, int] = field(default_factory=dict)
    seen_query_ids: set[str] = field(default_factory=set)  # folded by fold() in this process
    # query ids folded by earlier runs or checked in bulk by the caller (run.py), kept as Arrow
    # arrays rather than a set: a year of history is millions of ids
    folded_ids: list[pa.Array] = field(default_factory=list)
    models: dict[tuple[str, str, str], ModelVersions] = field(default_factory=dict)
    grants: list[GrantRow] = field(default_factory=list)  # rows of grants.parquet
    grant_index: dict[str, list[GrantRow]] = field(default_factory=dict)  # by on_name
    grants_indexed: int = 0
    future_grants: int = 0  # FUTURE rows ever added: none means new objects need no lookup
    next_node: int = 0

    def folded_before(self, query_ids: pa.Array) -> pa.Array:
        """Which of ``query_ids`` earlier runs (or bulk folds) have folded: a boolean mask."""
        mask = pc.is_in(query_ids, value_set=pa.array(list(self.seen_query_ids), pa.string()))
        for folded in self.folded_ids:
            mask = pc.or_(mask, pc.is_in(query_ids, value_set=folded))
        return mask

    def folded_id_chunks(self) -> list[pa.Array]:
        """The query ids folded before this run's log (earlier runs, metadata records)."""
        return [
            *(a.cast(pa.string()) for a in self.folded_ids),
            pa.array(sorted(self.seen_query_ids), pa.string()),
        ]

    def node(self, key: int) -> dict[str, Any]:
        return self.graph.nodes[key]

    def node_id(self, key: int) -> str:
        attrs = self.graph.nodes[key]
        return format_node_id(
            attrs["domain"], attrs["database"], attrs["schema"], attrs["name"], attrs["version"]
        )

    def find(self, obj: ObjectName) -> int | None:
        return self.names.get(name_key(obj))

    def add_node(self, obj: ObjectName, **attrs: Any) -> int:
        key = self.next_node
        self.next_node += 1
        domain = f.TABLE if obj.domain == f.RELATION else obj.domain
        self.graph.add_node(
            key,
            domain=domain,
            kind=attrs.pop("kind", ""),
            database=obj.database,
            schema=obj.schema,
            name=obj.name,
            version=obj.version,
            status=attrs.pop("status", "ACTIVE"),
            created_at=attrs.pop("created_at", None),
            deleted_at=None,
            created_by_query_id=attrs.pop("created_by_query_id", ""),
            previous_names=[],
            properties=attrs.pop("properties", {}),
            **attrs,
        )
        self.names[name_key(obj)] = key
        return key

    def object_name(self, key: int) -> ObjectName:
        a = self.graph.nodes[key]
        return ObjectName(a["domain"], a["database"], a["schema"], a["name"], a["version"])

    def in_container(self, database: str, schema: str | None = None) -> list[int]:
        """Nodes inside a database (and schema), in creation order: schemas hold tables, views,
        stages and ML objects; databases also hold their schemas."""
        found = []
        for key, a in self.graph.nodes(data=True):
            if a["database"] != database or a["domain"] == f.DATABASE:
                continue
            if a["domain"] == f.SCHEMA:
                if schema is None:
                    found.append(key)
            elif schema is None or a["schema"] == schema:
                found.append(key)
        return sorted(found)

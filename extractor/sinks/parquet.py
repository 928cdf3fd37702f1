"""The Parquet contract of DESIGN.md: nodes, edges, grants, errors, runs.

Rows are sorted and every value is derived from the input only, so the same input gives
byte-identical ``nodes``, ``edges``, ``grants`` and ``errors`` files (``runs`` records wall-clock
times by nature). Every file is written to a temporary name first and renamed into place only when
all of them are complete, so a run that dies leaves the previous output whole.

Beside the contract, ``_state/`` keeps what the next run needs to continue the graph: the
uncollapsed nodes and edges with their internal keys, and the query ids already folded.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import networkx as nx
import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot

from extractor import __version__
from extractor.facts import (
    Derived,
    ErrorRecord,
    ObjectName,
    derived_from_json,
    derived_to_json,
    format_node_id,
)
from extractor.grants import sorted_grants
from extractor.graph import GrantRow, LineageGraph, ModelVersions, name_key
from extractor.redact import redact_secrets

TS = pa.timestamp("us", tz="UTC")
STR = pa.string()

NODES_SCHEMA = pa.schema(
    [
        ("node_id", STR),
        ("domain", STR),
        ("kind", STR),
        ("database", STR),
        ("schema", STR),
        ("name", STR),
        ("version", STR),
        ("status", STR),
        ("created_at", TS),
        ("deleted_at", TS),
        ("created_by_query_id", STR),
        ("previous_names", pa.list_(STR)),
        ("properties", STR),
    ]
)
EDGES_SCHEMA = pa.schema(
    [
        ("source_id", STR),
        ("target_id", STR),
        ("edge_type", STR),
        ("operation", STR),
        ("first_seen", TS),
        ("last_seen", TS),
        ("query_count", pa.int64()),
        ("first_query_id", STR),
        ("last_query_id", STR),
    ]
)
GRANTS_SCHEMA = pa.schema(
    [
        ("action", STR),
        ("privilege", STR),
        ("on_type", STR),
        ("on_name", STR),
        ("grantee_type", STR),
        ("grantee", STR),
        ("with_grant_option", pa.bool_()),
        ("query_id", STR),
        ("granted_at", TS),
        ("revoked_at", TS),
        ("role_name", STR),
        ("user_name", STR),
    ]
)
ERRORS_SCHEMA = pa.schema(
    [
        ("query_id", STR),
        ("start_time", TS),
        ("stage", STR),
        ("error_type", STR),
        ("message", STR),
        ("query_hash", STR),
    ]
)
RUNS_SCHEMA = pa.schema(
    [
        ("run_id", STR),
        ("started_at", TS),
        ("finished_at", TS),
        ("since", TS),
        ("until", TS),
        ("watermark", TS),
        ("sources", STR),
        ("rows_read", pa.int64()),
        ("statements", pa.int64()),
        ("unique_statements", pa.int64()),
        ("skipped_failed", pa.int64()),
        ("skipped_duplicate", pa.int64()),
        ("skipped_window", pa.int64()),
        ("errors", pa.int64()),
        ("nodes", pa.int64()),
        ("edges", pa.int64()),
        ("tool_version", STR),
    ]
)
# _state/: the graph as fold left it (not collapsed), with internal keys, to continue from.
STATE_NODES_SCHEMA = pa.schema([("key", pa.int64()), ("dropped_with", pa.int64()), *NODES_SCHEMA])
STATE_EDGES_SCHEMA = pa.schema(
    [("source_key", pa.int64()), ("target_key", pa.int64()), *EDGES_SCHEMA]
)
SEEN_SCHEMA = pa.schema([("query_id", STR)])
FACTS_SCHEMA = pa.schema([("key", STR), ("derived", STR)])

CONTRACT_FILES = ("nodes", "edges", "grants", "errors", "runs")


def _none_if_empty(value: str) -> str | None:
    return value or None


def _node_rows(state: LineageGraph, graph: nx.MultiDiGraph) -> list[dict[str, Any]]:
    rows = []
    for key, a in graph.nodes(data=True):
        rows.append(
            {
                "key": key,
                "dropped_with": a.get("dropped_with"),
                "node_id": format_node_id(
                    a["domain"], a["database"], a["schema"], a["name"], a["version"]
                ),
                "domain": a["domain"],
                "kind": a["kind"] or a["domain"],
                "database": _none_if_empty(a["database"]),
                "schema": _none_if_empty(a["schema"]),
                "name": a["name"],
                "version": _none_if_empty(a["version"]),
                "status": a["status"],
                "created_at": a["created_at"],
                "deleted_at": a["deleted_at"],
                "created_by_query_id": _none_if_empty(a["created_by_query_id"]),
                "previous_names": list(a["previous_names"]),
                "properties": redact_secrets(json.dumps(a["properties"], sort_keys=True)),
            }
        )
    rows.sort(key=lambda r: r["node_id"])
    return rows


def _edge_rows(graph: nx.MultiDiGraph, ids: Mapping[int, str]) -> list[dict[str, Any]]:
    rows = [
        {
            "source_key": source,
            "target_key": target,
            "source_id": ids[source],
            "target_id": ids[target],
            "edge_type": edge_type,
            "operation": ",".join(sorted(d["operations"])),
            "first_seen": d["first_seen"],
            "last_seen": d["last_seen"],
            "query_count": d["query_count"],
            "first_query_id": d["first_query_id"],
            "last_query_id": d["last_query_id"],
        }
        for source, target, edge_type, d in graph.edges(keys=True, data=True)
    ]
    rows.sort(key=lambda r: (r["source_id"], r["target_id"], r["edge_type"]))
    return rows


def _error_rows(errors: Iterable[ErrorRecord]) -> list[dict[str, Any]]:
    unique = {(e.query_id, e.stage, e.error_type, e.message): e for e in errors}
    rows = [
        {
            "query_id": e.query_id,
            "start_time": e.start_time,
            "stage": e.stage,
            "error_type": e.error_type,
            "message": redact_secrets(e.message),
            "query_hash": e.query_hash,
        }
        for e in unique.values()
    ]
    rows.sort(
        key=lambda r: (
            r["start_time"] is not None,
            r["start_time"] or 0,
            r["query_id"],
            r["stage"],
            r["error_type"],
            r["message"],
        )
    )
    return rows


def _table(rows: Sequence[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=schema)


def _write_tmp(table: pa.Table, path: Path) -> Path:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp, compression="zstd")
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    return tmp


def _write_chunks_tmp(arrays: Iterable[pa.Array], schema: pa.Schema, path: Path) -> Path:
    """A one-column file written a chunk at a time: a year of query ids never sits in memory
    twice."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for array in arrays:
            if len(array):
                writer.write_table(pa.table([array.cast(schema.field(0).type)], schema=schema))
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    return tmp


def _write_text_tmp(text: str, path: Path) -> Path:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    return tmp


def _models_json(state: LineageGraph) -> str:
    """Model version history (order, default, aliases) that later references resolve against."""
    rows = [
        {
            "database": db,
            "schema": schema,
            "name": name,
            "versions": info.versions,
            "default": info.default,
            "aliases": info.aliases,
        }
        for (db, schema, name), info in sorted(state.models.items())
    ]
    return json.dumps(rows, sort_keys=True, indent=1)


def _grants_table(state: LineageGraph) -> pa.Table:
    """Built a column at a time from fold's rows: no dict a row."""
    rows = sorted_grants(state)
    return pa.table(
        {name: [getattr(row, name) for row in rows] for name in GRANTS_SCHEMA.names},
        schema=GRANTS_SCHEMA,
    )


def _facts_table(facts_cache: Mapping[str, Derived]) -> pa.Table:
    keys = sorted(facts_cache)
    return pa.table(
        {"key": keys, "derived": [derived_to_json(facts_cache[k]) for k in keys]},
        schema=FACTS_SCHEMA,
    ).replace_schema_metadata({"version": _cache_version()})


def write_outputs(
    out: Path,
    state: LineageGraph,
    public_graph: nx.MultiDiGraph,
    errors: Iterable[ErrorRecord],
    runs: Sequence[Mapping[str, Any]],
    facts_cache: Mapping[str, Derived] | None = None,
    query_ids: Iterable[pa.Array] = (),
) -> None:
    """Write the contract files and ``_state/`` atomically (temporary names, then renames).
    ``query_ids`` are every id folded so far, streamed into ``_state/query_ids.parquet``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "_state").mkdir(exist_ok=True)
    # the query ids first: their source (the run's occurrences) is let go before the rest
    seen = out / "_state" / "query_ids.parquet"
    staged = [(_write_chunks_tmp(query_ids, SEEN_SCHEMA, seen), seen)]
    state_nodes = _node_rows(state, state.graph)
    state_ids = {r["key"]: r["node_id"] for r in state_nodes}
    state_edges = _edge_rows(state.graph, state_ids)
    if public_graph is state.graph:  # not collapsed: the public graph is fold's own
        public_nodes, public_edges = state_nodes, state_edges
    else:
        public_nodes = _node_rows(state, public_graph)
        public_edges = _edge_rows(public_graph, {r["key"]: r["node_id"] for r in public_nodes})
    # each Arrow table is built, written and let go before the next is built
    tables: dict[Path, Callable[[], pa.Table]] = {
        out / "nodes.parquet": lambda: _table(public_nodes, NODES_SCHEMA),
        out / "edges.parquet": lambda: _table(public_edges, EDGES_SCHEMA),
        out / "grants.parquet": lambda: _grants_table(state),
        out / "errors.parquet": lambda: _table(_error_rows(errors), ERRORS_SCHEMA),
        out / "runs.parquet": lambda: _table(runs, RUNS_SCHEMA),
        out / "_state" / "nodes.parquet": lambda: _table(state_nodes, STATE_NODES_SCHEMA),
        out / "_state" / "edges.parquet": lambda: _table(state_edges, STATE_EDGES_SCHEMA),
    }
    if facts_cache is not None:
        tables[out / "_state" / "facts.parquet"] = lambda: _facts_table(facts_cache)
    staged += [(_write_tmp(build(), path), path) for path, build in tables.items()]
    models = out / "_state" / "models.json"
    staged.append((_write_text_tmp(_models_json(state), models), models))
    for tmp, path in staged:
        os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# Reading a previous run back


def has_graph(out: Path) -> bool:
    return (out / "_state" / "nodes.parquet").is_file()


def read_state(out: Path) -> LineageGraph:
    """The graph a previous run left in ``out``, ready for fold to continue."""
    state = LineageGraph()
    graph = state.graph
    for row in pq.read_table(out / "_state" / "nodes.parquet").to_pylist():
        key = row["key"]
        attrs = {
            "domain": row["domain"],
            "kind": "" if row["kind"] == row["domain"] else row["kind"],
            "database": row["database"] or "",
            "schema": row["schema"] or "",
            "name": row["name"],
            "version": row["version"] or "",
            "status": row["status"],
            "created_at": row["created_at"],
            "deleted_at": row["deleted_at"],
            "created_by_query_id": row["created_by_query_id"] or "",
            "previous_names": list(row["previous_names"] or []),
            "properties": json.loads(row["properties"] or "{}"),
        }
        if row["dropped_with"] is not None:
            attrs["dropped_with"] = row["dropped_with"]
        graph.add_node(key, **attrs)
        state.names[_name_key_of(attrs)] = key
        state.next_node = max(state.next_node, key + 1)
    for row in pq.read_table(out / "_state" / "edges.parquet").to_pylist():
        graph.add_edge(
            row["source_key"],
            row["target_key"],
            key=row["edge_type"],
            operations=set(row["operation"].split(",")) if row["operation"] else set(),
            query_count=row["query_count"],
            first_seen=row["first_seen"],
            first_query_id=row["first_query_id"],
            last_seen=row["last_seen"],
            last_query_id=row["last_query_id"],
        )
    state.grants.extend(GrantRow(**row) for row in read_rows(out / "grants.parquet"))
    state.future_grants = sum(1 for row in state.grants if row.action == "FUTURE")
    models = out / "_state" / "models.json"
    for row in json.loads(models.read_text(encoding="utf-8")) if models.is_file() else []:
        state.models[(row["database"], row["schema"], row["name"])] = ModelVersions(
            list(row["versions"]), row["default"], dict(row["aliases"])
        )
    seen = pq.read_table(out / "_state" / "query_ids.parquet").column("query_id")
    state.folded_ids.append(seen.combine_chunks() if seen.num_chunks else pa.array([], pa.string()))
    return state


def _name_key_of(attrs: Mapping[str, Any]) -> tuple[str, str, str, str, str]:
    return name_key(
        ObjectName(
            attrs["domain"], attrs["database"], attrs["schema"], attrs["name"], attrs["version"]
        )
    )


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a previous contract file (errors, grants, runs), or none if absent."""
    return pq.read_table(path).to_pylist() if path.is_file() else []


def previous_errors(out: Path) -> list[ErrorRecord]:
    return [
        ErrorRecord(
            r["query_id"],
            r["start_time"],
            r["stage"],
            r["error_type"],
            r["message"],
            r["query_hash"],
        )
        for r in read_rows(out / "errors.parquet")
    ]


def _cache_version() -> str:
    """Facts depend on mlineage's and sqlglot's versions: a cache from others is not used."""
    return f"mlineage {__version__}, sqlglot {sqlglot.__version__}"


def read_facts_cache(out: Path) -> dict[str, Derived]:
    """Derived facts of the statements earlier runs saw, if they came from this version."""
    path = out / "_state" / "facts.parquet"
    if not path.is_file():
        return {}
    table = pq.read_table(path)
    metadata = table.schema.metadata or {}
    if metadata.get(b"version", b"").decode() != _cache_version():
        return {}
    return {
        k: derived_from_json(d)
        for k, d in zip(
            table.column("key").to_pylist(), table.column("derived").to_pylist(), strict=True
        )
    }


def latest_watermark(out: Path) -> datetime | None:
    marks = [r["watermark"] for r in read_rows(out / "runs.parquet") if r.get("watermark")]
    return max(marks) if marks else None

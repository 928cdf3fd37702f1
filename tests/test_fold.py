"""Fold: sequences of statements in time order → the graph. Each test is one history rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from extractor.derive import Context, derive_statement
from extractor.fold import Occurrence, collapse_temporary, fold
from extractor.graph import LineageGraph

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def run(*statements: str, ctx: Context = Context("DB", "S")) -> LineageGraph:
    state = LineageGraph()
    for i, sql in enumerate(statements):
        derived = derive_statement(sql, ctx)
        assert derived.error is None, (sql, derived.error)
        fold(state, Occurrence(f"q{i:03}", T0 + timedelta(minutes=i)), derived.facts)
    return state


def edges(state: LineageGraph, graph=None) -> set[str]:
    graph = state.graph if graph is None else graph
    return {f"{state.node_id(s)} -> {state.node_id(t)} ({k})" for s, t, k in graph.edges(keys=True)}


def node(state: LineageGraph, node_id: str) -> dict:
    matches = [state.node(k) for k in state.graph.nodes if state.node_id(k) == node_id]
    assert len(matches) == 1, (node_id, [state.node_id(k) for k in state.graph.nodes])
    return matches[0]


def test_rename_moves_edges_to_the_new_name() -> None:
    state = run(
        "CREATE TABLE a AS SELECT * FROM src",
        "ALTER TABLE a RENAME TO b",
        "INSERT INTO out SELECT * FROM b",
    )
    assert edges(state) == {
        "table:DB.S.SRC -> table:DB.S.B (data)",
        "table:DB.S.B -> table:DB.S.OUT (data)",
    }
    assert node(state, "table:DB.S.B")["previous_names"] == ["table:DB.S.A"]


def test_swap_exchanges_identities() -> None:
    state = run(
        "CREATE TABLE live AS SELECT * FROM old_src",
        "CREATE TABLE staging AS SELECT * FROM new_src",
        "ALTER TABLE staging SWAP WITH live",
    )
    assert edges(state) == {
        "table:DB.S.OLD_SRC -> table:DB.S.STAGING (data)",
        "table:DB.S.NEW_SRC -> table:DB.S.LIVE (data)",
    }


def test_drop_marks_deleted_and_keeps_edges_then_undrop_restores() -> None:
    state = run("CREATE TABLE t AS SELECT * FROM u", "DROP TABLE t")
    assert node(state, "table:DB.S.T")["status"] == "DELETED"
    assert node(state, "table:DB.S.T")["deleted_at"] == T0 + timedelta(minutes=1)
    assert edges(state) == {"table:DB.S.U -> table:DB.S.T (data)"}
    state = run("CREATE TABLE t AS SELECT * FROM u", "DROP TABLE t", "UNDROP TABLE t")
    assert node(state, "table:DB.S.T")["status"] == "ACTIVE"


def test_create_or_replace_keeps_node_and_accumulates_edges() -> None:
    state = run(
        "CREATE OR REPLACE TABLE t AS SELECT * FROM a",
        "CREATE OR REPLACE TABLE t AS SELECT * FROM b",
        "CREATE OR REPLACE TABLE t AS SELECT * FROM a",
    )
    assert edges(state) == {
        "table:DB.S.A -> table:DB.S.T (data)",
        "table:DB.S.B -> table:DB.S.T (data)",
    }
    edge = state.graph.edges[
        state.names[("relation", "DB", "S", "A", "")],
        state.names[("relation", "DB", "S", "T", "")],
        "data",
    ]
    assert (edge["query_count"], edge["first_query_id"], edge["last_query_id"]) == (
        2,
        "q000",
        "q002",
    )
    assert edge["first_seen"] == T0 and edge["last_seen"] == T0 + timedelta(minutes=2)


def test_view_read_resolves_to_the_view_node() -> None:
    state = run("CREATE VIEW v AS SELECT * FROM t", "INSERT INTO x SELECT * FROM v")
    assert edges(state) == {
        "table:DB.S.T -> view:DB.S.V (dependency)",
        "view:DB.S.V -> table:DB.S.X (data)",
    }


def test_schema_clone_expands_to_objects_known_at_that_moment() -> None:
    state = run(
        "CREATE TABLE s1.a AS SELECT 1 AS x",
        "CREATE VIEW s1.v AS SELECT * FROM a",
        "CREATE TABLE s1.gone (x INT)",
        "DROP TABLE s1.gone",
        "CREATE SCHEMA s2 CLONE s1",
        "CREATE TABLE s1.later (x INT)",
    )
    clones = {e for e in edges(state) if e.endswith("(clone)")}
    assert clones == {
        "schema:DB.S1 -> schema:DB.S2 (clone)",
        "table:DB.S1.A -> table:DB.S2.A (clone)",
        "view:DB.S1.V -> view:DB.S2.V (clone)",
    }


def test_database_clone_expands_through_schemas() -> None:
    state = run(
        "CREATE TABLE d1.x.a (i INT)",
        "CREATE VIEW d1.y.v AS SELECT * FROM d1.x.a",
        "CREATE DATABASE d2 CLONE d1",
    )
    clones = {e for e in edges(state) if e.endswith("(clone)")}
    assert clones == {
        "database:D1 -> database:D2 (clone)",
        "schema:D1.X -> schema:D2.X (clone)",
        "schema:D1.Y -> schema:D2.Y (clone)",
        "table:D1.X.A -> table:D2.X.A (clone)",
        "view:D1.Y.V -> view:D2.Y.V (clone)",
    }


def test_schema_rename_moves_its_objects() -> None:
    state = run(
        "CREATE TABLE s1.a AS SELECT * FROM src",
        "ALTER SCHEMA s1 RENAME TO s9",
        "INSERT INTO out SELECT * FROM s9.a",
    )
    assert edges(state) == {
        "table:DB.S.SRC -> table:DB.S9.A (data)",
        "table:DB.S9.A -> table:DB.S.OUT (data)",
    }


def test_schema_swap_exchanges_contents() -> None:
    state = run(
        "CREATE TABLE blue.t AS SELECT * FROM a",
        "CREATE TABLE green.t AS SELECT * FROM b",
        "ALTER SCHEMA green SWAP WITH blue",
    )
    assert edges(state) == {
        "table:DB.S.A -> table:DB.GREEN.T (data)",
        "table:DB.S.B -> table:DB.BLUE.T (data)",
    }


def test_drop_schema_deletes_contents_and_undrop_restores_them() -> None:
    state = run("CREATE TABLE s1.a (x INT)", "DROP TABLE s1.b", "DROP SCHEMA s1")
    assert node(state, "table:DB.S1.A")["status"] == "DELETED"
    state = run(
        "CREATE TABLE s1.a (x INT)",
        "CREATE TABLE s1.b (x INT)",
        "DROP TABLE s1.b",
        "DROP SCHEMA s1",
        "UNDROP SCHEMA s1",
    )
    assert node(state, "table:DB.S1.A")["status"] == "ACTIVE"
    assert node(state, "table:DB.S1.B")["status"] == "DELETED"  # dropped before, on its own


def test_rename_onto_a_dropped_name_merges_the_nodes() -> None:
    state = run(
        "CREATE TABLE b AS SELECT * FROM x",
        "DROP TABLE b",
        "CREATE TABLE a AS SELECT * FROM y",
        "ALTER TABLE a RENAME TO b",
    )
    assert edges(state) == {
        "table:DB.S.X -> table:DB.S.B (data)",
        "table:DB.S.Y -> table:DB.S.B (data)",
    }
    assert node(state, "table:DB.S.B")["status"] == "ACTIVE"


def test_temporary_tables_are_nodes_unless_collapsed() -> None:
    state = run("CREATE TEMPORARY TABLE tmp AS SELECT * FROM a", "INSERT INTO b SELECT * FROM tmp")
    assert edges(state) == {
        "table:DB.S.A -> table:DB.S.TMP (data)",
        "table:DB.S.TMP -> table:DB.S.B (data)",
    }
    assert node(state, "table:DB.S.TMP")["kind"] == "temporary"
    assert edges(state, collapse_temporary(state)) == {"table:DB.S.A -> table:DB.S.B (data)"}


def test_a_query_id_is_folded_once() -> None:
    state = LineageGraph()
    facts = derive_statement("INSERT INTO t SELECT * FROM u", Context("DB", "S")).facts
    assert fold(state, Occurrence("q1", T0), facts) is True
    assert fold(state, Occurrence("q1", T0), facts) is False
    (edge,) = state.graph.edges(data=True)
    assert edge[2]["query_count"] == 1


def test_late_statement_updates_first_seen() -> None:
    state = LineageGraph()
    facts = derive_statement("INSERT INTO t SELECT * FROM u", Context("DB", "S")).facts
    fold(state, Occurrence("q2", T0 + timedelta(hours=1)), facts)
    fold(state, Occurrence("q1", T0), facts)
    (edge,) = state.graph.edges(data=True)
    assert (edge[2]["first_query_id"], edge[2]["last_query_id"]) == ("q1", "q2")

"""Grants folded in time order, and what each role may see of the lineage (reference §7).

The matrix: a role × an object × a grant history → visible or masked.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from test_fixtures import FIXTURES

from extractor.derive import Context, derive_statement
from extractor.fold import Occurrence, fold
from extractor.grants import sorted_grants
from extractor.graph import LineageGraph
from extractor.query import Graph, Node, lineage, load_graph, resolve_object, trace
from extractor.run import ExtractOptions, extract
from extractor.visibility import Visibility, VisibilityError

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def public_rows(state: LineageGraph) -> list[dict]:
    """grants.parquet's rows as dicts, as ``query.load_graph`` reads them back."""
    return [dataclasses.asdict(row) for row in sorted_grants(state)]


BASE = [
    ("SYSADMIN", "CREATE DATABASE d"),
    ("SYSADMIN", "CREATE SCHEMA d.s"),
    ("SYSADMIN", "CREATE TABLE d.s.raw (a INT)"),
    ("SYSADMIN", "CREATE TABLE d.s.mart AS SELECT * FROM d.s.raw"),
    ("SYSADMIN", "CREATE VIEW d.s.v AS SELECT * FROM d.s.mart"),
    ("SECURITYADMIN", "GRANT USAGE ON DATABASE d TO ROLE analyst"),
    ("SECURITYADMIN", "GRANT USAGE ON SCHEMA d.s TO ROLE analyst"),
    ("SECURITYADMIN", "GRANT SELECT ON VIEW d.s.v TO ROLE analyst"),
    ("SECURITYADMIN", "GRANT ROLE analyst TO ROLE lead"),
]


def fold_history(history: list[tuple[str, str]]) -> LineageGraph:
    state = LineageGraph()
    for i, (role, sql) in enumerate(history):
        derived = derive_statement(sql, Context("D", "S"))
        assert derived.error is None, (sql, derived.error)
        fold(state, Occurrence(f"q{i:03}", T0 + timedelta(minutes=i), role, "U"), derived.facts)
    return state


def node(name: str, domain: str = "table") -> Node:
    database, schema, obj = name.split(".")
    return Node(
        f"{domain}:{name}", domain, domain, database, schema, obj, None, "ACTIVE", None, None
    )


MATRIX = [
    # (case, extra history, role, object, visible)
    ("select_on_view", [], "ANALYST", "D.S.V", True),
    ("no_privilege_on_table", [], "ANALYST", "D.S.MART", False),
    ("inherited_through_role_grant", [], "LEAD", "D.S.V", True),
    ("unrelated_role", [], "INTERN", "D.S.V", False),
    ("owner_by_creation", [], "SYSADMIN", "D.S.RAW", True),
    ("accountadmin_inherits_sysadmin", [], "ACCOUNTADMIN", "D.S.MART", True),
    (
        "revoke_ends_the_grant",
        [("SECURITYADMIN", "REVOKE SELECT ON VIEW d.s.v FROM ROLE analyst")],
        "ANALYST",
        "D.S.V",
        False,
    ),
    (
        "revoke_role_ends_inheritance",
        [("SECURITYADMIN", "REVOKE ROLE analyst FROM ROLE lead")],
        "LEAD",
        "D.S.V",
        False,
    ),
    (
        "grant_option_for_keeps_the_privilege",
        [("SECURITYADMIN", "REVOKE GRANT OPTION FOR SELECT ON VIEW d.s.v FROM ROLE analyst")],
        "ANALYST",
        "D.S.V",
        True,
    ),
    (
        "usage_on_schema_is_needed",
        [("SECURITYADMIN", "REVOKE USAGE ON SCHEMA d.s FROM ROLE analyst")],
        "ANALYST",
        "D.S.V",
        False,
    ),
    (
        "all_tables_now",
        [("SECURITYADMIN", "GRANT SELECT ON ALL TABLES IN SCHEMA d.s TO ROLE analyst")],
        "ANALYST",
        "D.S.MART",
        True,
    ),
    (
        "all_tables_not_later_ones",
        [
            ("SECURITYADMIN", "GRANT SELECT ON ALL TABLES IN SCHEMA d.s TO ROLE analyst"),
            ("SYSADMIN", "CREATE TABLE d.s.later (a INT)"),
        ],
        "ANALYST",
        "D.S.LATER",
        False,
    ),
    (
        "future_tables_later_ones",
        [
            ("SECURITYADMIN", "GRANT SELECT ON FUTURE TABLES IN SCHEMA d.s TO ROLE analyst"),
            ("SYSADMIN", "CREATE TABLE d.s.later (a INT)"),
        ],
        "ANALYST",
        "D.S.LATER",
        True,
    ),
    (
        "future_tables_not_existing_ones",
        [("SECURITYADMIN", "GRANT SELECT ON FUTURE TABLES IN SCHEMA d.s TO ROLE analyst")],
        "ANALYST",
        "D.S.MART",
        False,
    ),
    (
        "future_grant_revoked_before_creation",
        [
            ("SECURITYADMIN", "GRANT SELECT ON FUTURE TABLES IN SCHEMA d.s TO ROLE analyst"),
            ("SECURITYADMIN", "REVOKE SELECT ON FUTURE TABLES IN SCHEMA d.s FROM ROLE analyst"),
            ("SYSADMIN", "CREATE TABLE d.s.later (a INT)"),
        ],
        "ANALYST",
        "D.S.LATER",
        False,
    ),
    (
        "schema_future_grant_wins_over_database",
        [
            ("SECURITYADMIN", "GRANT SELECT ON FUTURE TABLES IN DATABASE d TO ROLE analyst"),
            ("SECURITYADMIN", "GRANT INSERT ON FUTURE TABLES IN SCHEMA d.s TO ROLE etl"),
            ("SYSADMIN", "CREATE TABLE d.s.later (a INT)"),
        ],
        "ANALYST",
        "D.S.LATER",
        False,
    ),
    (
        "ownership_transfer_moves_visibility",
        [("SECURITYADMIN", "GRANT OWNERSHIP ON TABLE d.s.mart TO ROLE analyst")],
        "ANALYST",
        "D.S.MART",
        True,
    ),
    (
        "ownership_transfer_leaves_old_owner",
        [("SECURITYADMIN", "GRANT OWNERSHIP ON TABLE d.s.mart TO ROLE analyst")],
        "SYSADMIN",
        "D.S.MART",
        False,
    ),
    (
        "ownership_revoke_current_grants",
        [("SECURITYADMIN", "GRANT OWNERSHIP ON VIEW d.s.v TO ROLE etl REVOKE CURRENT GRANTS")],
        "ANALYST",
        "D.S.V",
        False,
    ),
    (
        "ownership_copy_current_grants",
        [("SECURITYADMIN", "GRANT OWNERSHIP ON VIEW d.s.v TO ROLE etl COPY CURRENT GRANTS")],
        "ANALYST",
        "D.S.V",
        True,
    ),
    (
        "resolve_all_sees_everything",
        [("ACCOUNTADMIN", "GRANT RESOLVE ALL ON ACCOUNT TO ROLE auditor")],
        "AUDITOR",
        "D.S.RAW",
        True,
    ),
    (
        "recreated_by_another_role_changes_owner",
        [("ETL", "CREATE OR REPLACE TABLE d.s.raw (a INT)")],
        "SYSADMIN",
        "D.S.RAW",
        False,
    ),
]


@pytest.mark.parametrize(
    ("extra", "role", "obj", "visible"), [m[1:] for m in MATRIX], ids=[m[0] for m in MATRIX]
)
def test_visibility_matrix(extra, role, obj, visible) -> None:
    state = fold_history(BASE + extra)
    view = Visibility.for_role(role, public_rows(state))
    domain = "view" if obj.endswith(".V") else "table"
    assert view.can_see(node(obj, domain)) is visible


def test_view_lineage_is_needed_when_public_lacks_it() -> None:
    rows = public_rows(fold_history(BASE))
    assert Visibility.for_role("ANALYST", rows).can_view_lineage()
    assert not Visibility.for_role("ANALYST", rows, public_view_lineage=False).can_view_lineage()
    rows = public_rows(
        fold_history(BASE + [("ACCOUNTADMIN", "GRANT VIEW LINEAGE ON ACCOUNT TO ROLE analyst")])
    )
    assert Visibility.for_role("LEAD", rows, public_view_lineage=False).can_view_lineage()


def test_grants_in_force_at_a_time() -> None:
    rows = public_rows(
        fold_history(BASE + [("SECURITYADMIN", "REVOKE SELECT ON VIEW d.s.v FROM ROLE analyst")])
    )
    before = T0 + timedelta(minutes=8, seconds=30)
    assert Visibility.for_role("ANALYST", rows, at=before).can_see(node("D.S.V", "view"))
    assert not Visibility.for_role("ANALYST", rows).can_see(node("D.S.V", "view"))


def test_grant_rows_record_time_and_revocation() -> None:
    rows = public_rows(
        fold_history(BASE + [("SECURITYADMIN", "REVOKE SELECT ON VIEW d.s.v FROM ROLE analyst")])
    )
    (select,) = [r for r in rows if r["privilege"] == "SELECT"]
    assert (select["on_type"], select["on_name"], select["grantee"]) == ("VIEW", "D.S.V", "ANALYST")
    assert select["granted_at"] == T0 + timedelta(minutes=7)
    assert select["revoked_at"] == T0 + timedelta(minutes=9)
    owners = {(r["on_name"], r["grantee"]) for r in rows if r["privilege"] == "OWNERSHIP"}
    assert ("D.S.RAW", "SYSADMIN") in owners and ("D", "SYSADMIN") in owners


# ---------------------------------------------------------------------------------------------
# The quickstart queried in every direction and distance, and as roles


@pytest.fixture(scope="module")
def quickstart_graph(tmp_path_factory) -> Graph:
    out = tmp_path_factory.mktemp("qs")
    extract(ExtractOptions(sources=[str(FIXTURES / "quickstart")], out=out))
    return load_graph(out)


P = "ML_LINEAGE_DATABASE.ML_LINEAGE_SCHEMA."


@pytest.mark.parametrize(
    ("start", "direction", "distance", "expected"),
    [
        (f"{P}WINEDATA", "downstream", 1, 6),
        (f"{P}WINEDATA", "downstream", 2, 13),
        (f"{P}WINEDATA", "downstream", 5, 13),
        (f"{P}FEATURE_STORE_TEMP_STAGE", "downstream", 5, 14),
        (f"{P}MODEL_TRAINED_ON_PANDAS", "upstream", 1, 1),
        (f"{P}MODEL_TRAINED_ON_PANDAS", "upstream", 2, 4),
        (f"{P}MODEL_TRAINED_ON_PANDAS", "upstream", 3, 7),
        (f"{P}MODEL_TRAINED_ON_PANDAS", "upstream", 4, 7),
        (f"{P}WINE_FEATURES", "both", 5, 6),
    ],
)
def test_quickstart_trace(quickstart_graph, start, direction, distance, expected) -> None:
    rows = trace(quickstart_graph, resolve_object(quickstart_graph, start), direction, distance)
    assert len(rows) == expected
    assert max(r.distance for r in rows) <= distance


def test_rows_at_distance_n_start_at_distance_n_minus_1(quickstart_graph) -> None:
    rows = trace(quickstart_graph, resolve_object(quickstart_graph, f"{P}FEATURE_STORE_TEMP_STAGE"))
    reached = {0: {f"stage:{P}FEATURE_STORE_TEMP_STAGE"}}
    for row in sorted(rows, key=lambda r: r.distance):
        assert row.edge.source_id in reached[row.distance - 1]
        reached.setdefault(row.distance, set()).add(row.edge.target_id)


@pytest.mark.parametrize("distance", [0, 6])
def test_distance_out_of_range_is_snowflakes_error(quickstart_graph, distance) -> None:
    start = resolve_object(quickstart_graph, f"{P}WINEDATA")
    with pytest.raises(Exception, match="Distance must be between 1 and 5"):
        trace(quickstart_graph, start, "downstream", distance)


def test_quickstart_as_its_role_sees_everything(quickstart_graph) -> None:
    start = resolve_object(quickstart_graph, f"{P}WINEDATA")
    rows = lineage(quickstart_graph, start, as_role="ML_LINEAGE_ROLE")
    assert {r["TARGET_STATUS"] for r in rows} == {"ACTIVE"}
    assert len(rows) == 13


def test_quickstart_as_a_stranger_is_refused(quickstart_graph) -> None:
    start = resolve_object(quickstart_graph, f"{P}WINEDATA")
    with pytest.raises(VisibilityError, match="not authorized"):
        lineage(quickstart_graph, start, as_role="NOBODY")
    with pytest.raises(VisibilityError, match="Insufficient privileges"):
        lineage(quickstart_graph, start, as_role="NOBODY", public_view_lineage=False)


def test_grants_follow_a_rename_and_a_swap() -> None:
    rows = public_rows(
        fold_history(
            BASE
            + [
                ("SECURITYADMIN", "GRANT SELECT ON TABLE d.s.mart TO ROLE analyst"),
                ("SYSADMIN", "ALTER TABLE d.s.mart RENAME TO d.s.mart_v2"),
                ("SYSADMIN", "CREATE TABLE d.s.next (a INT)"),
                ("SYSADMIN", "ALTER TABLE d.s.next SWAP WITH d.s.mart_v2"),
            ]
        )
    )
    view = Visibility.for_role("ANALYST", rows)
    assert view.can_see(node("D.S.NEXT")) and not view.can_see(node("D.S.MART_V2"))
    owners = {
        r["on_name"] for r in rows if r["privilege"] == "OWNERSHIP" and r["revoked_at"] is None
    }
    assert {"D.S.NEXT", "D.S.MART_V2"} <= owners and "D.S.MART" not in owners


def test_context_names_follow_identifier_rules(quickstart_graph) -> None:
    """--database/--schema fold like any identifier: bare to upper case, quoted kept."""
    found = resolve_object(
        quickstart_graph, "winedata", database="ml_lineage_database", schema="ml_lineage_schema"
    )
    assert found.node_id == f"table:{P}WINEDATA"
    with pytest.raises(Exception, match="not found"):
        resolve_object(
            quickstart_graph,
            "winedata",
            database='"ml_lineage_database"',
            schema="ml_lineage_schema",
        )

"""Derive, one statement kind per case: SQL in the context DB.S → the edges it states.

``rel:`` marks a table-like name whose domain (table, view, …) only the history knows.
"""

from __future__ import annotations

import pytest
from conftest import lineage_strings, short

from extractor import facts as f
from extractor.derive import Context, derive_statement

CTX = Context("DB", "S")

CASES = [
    # --- CTAS: https://docs.snowflake.com/en/sql-reference/sql/create-table
    ("ctas", "CREATE TABLE t AS SELECT * FROM u", {"rel:DB.S.U -> table:DB.S.T (data)"}),
    (
        "ctas_or_replace_transient",
        "CREATE OR REPLACE TRANSIENT TABLE t AS SELECT a FROM x.u",
        {"rel:DB.X.U -> table:DB.S.T (data)"},
    ),
    (
        "ctas_temporary_if_not_exists",
        "CREATE TEMPORARY TABLE IF NOT EXISTS t AS SELECT * FROM u",
        {"rel:DB.S.U -> table:DB.S.T (data)"},
    ),
    (
        "ctas_joins_subquery_exists_union",
        """CREATE TABLE t AS SELECT a.x FROM a JOIN b ON a.id = b.id
        WHERE EXISTS (SELECT 1 FROM c WHERE c.id = a.id) AND a.y IN (SELECT y FROM d)
        UNION ALL SELECT x FROM other_db.s2.e""",
        {
            "rel:DB.S.A -> table:DB.S.T (data)",
            "rel:DB.S.B -> table:DB.S.T (data)",
            "rel:DB.S.C -> table:DB.S.T (data)",
            "rel:DB.S.D -> table:DB.S.T (data)",
            "rel:OTHER_DB.S2.E -> table:DB.S.T (data)",
        },
    ),
    # --- INSERT: https://docs.snowflake.com/en/sql-reference/sql/insert
    ("insert_select", "INSERT INTO t SELECT * FROM u", {"rel:DB.S.U -> rel:DB.S.T (data)"}),
    (
        "insert_overwrite",
        "INSERT OVERWRITE INTO t (a) SELECT a FROM u",
        {"rel:DB.S.U -> rel:DB.S.T (data)"},
    ),
    ("insert_values_has_no_source", "INSERT INTO t VALUES (1), (2)", {"-> rel:DB.S.T (data)"}),
    (
        "insert_all",
        "INSERT ALL INTO t1 INTO t2 (a) VALUES (x) SELECT x FROM src",
        {"rel:DB.S.SRC -> rel:DB.S.T1 (data)", "rel:DB.S.SRC -> rel:DB.S.T2 (data)"},
    ),
    (
        "insert_first_with_conditions",
        "INSERT FIRST WHEN a > 1 THEN INTO t1 WHEN a IN (SELECT a FROM k) THEN INTO t2 ELSE INTO t3 "
        "SELECT a FROM src",
        {
            "rel:DB.S.SRC -> rel:DB.S.T1 (data)",
            "rel:DB.S.SRC -> rel:DB.S.T2 (data)",
            "rel:DB.S.K -> rel:DB.S.T2 (data)",
            "rel:DB.S.SRC -> rel:DB.S.T3 (data)",
        },
    ),
    # --- MERGE / UPDATE
    (
        "merge_using_subquery",
        "MERGE INTO t USING (SELECT * FROM s1 JOIN s2 USING (id)) src ON t.id = src.id "
        "WHEN MATCHED THEN UPDATE SET t.v = src.v WHEN NOT MATCHED THEN INSERT (id) VALUES (src.id)",
        {"rel:DB.S.S1 -> rel:DB.S.T (data)", "rel:DB.S.S2 -> rel:DB.S.T (data)"},
    ),
    (
        "merge_using_table",
        "MERGE INTO db2.x.t USING u ON t.id = u.id WHEN MATCHED THEN DELETE",
        {"rel:DB.S.U -> rel:DB2.X.T (data)"},
    ),
    (
        "update_from",
        "UPDATE t1 SET t1.a = t2.a FROM t2 WHERE t1.id = t2.id",
        {"rel:DB.S.T2 -> rel:DB.S.T1 (data)"},
    ),
    (
        "update_from_documented",
        "UPDATE mydb.schema1.table1 FROM mydb.schema2.table2 SET table1.col1 = table2.col1",
        set(),
    ),  # Snowflake's doc form puts FROM first: sqlglot rejects it (see test_errors)
    # --- COPY: https://docs.snowflake.com/en/sql-reference/sql/copy-into-table
    (
        "copy_from_named_stage",
        "COPY INTO t FROM @raw.landing.st/2026/ FILE_FORMAT = (TYPE = CSV)",
        {"stage:RAW.LANDING.ST -> rel:DB.S.T (data)"},
    ),
    (
        "copy_transform",
        "COPY INTO t (a, b) FROM (SELECT $1, $2 FROM @st/x (FILE_FORMAT => 'ff'))",
        {"stage:DB.S.ST -> rel:DB.S.T (data)"},
    ),
    ("copy_user_stage", "COPY INTO t FROM @~/uploads/", {'stage:"~" -> rel:DB.S.T (data)'}),
    ("copy_table_stage", "COPY INTO t FROM @%t", {'stage:DB.S."%T" -> rel:DB.S.T (data)'}),
    (
        "copy_quoted_stage",
        'COPY INTO t FROM @"My Stage"/p',
        {'stage:DB.S."My Stage" -> rel:DB.S.T (data)'},
    ),
    ("unload_table", "COPY INTO @st/out/ FROM t", {"rel:DB.S.T -> stage:DB.S.ST (data)"}),
    (
        "unload_query",
        "COPY INTO @st/out/ FROM (SELECT * FROM a JOIN b ON a.k = b.k)",
        {"rel:DB.S.A -> stage:DB.S.ST (data)", "rel:DB.S.B -> stage:DB.S.ST (data)"},
    ),
    (
        "copy_from_external_url_is_not_a_node",
        "COPY INTO t FROM 's3://bucket/x'",
        {"-> rel:DB.S.T (data)"},
    ),
    # --- views and dynamic tables resolve names in their own schema
    ("view", "CREATE VIEW v AS SELECT * FROM t", {"rel:DB.S.T -> view:DB.S.V (dependency)"}),
    (
        "view_in_other_schema_resolves_there",
        "CREATE OR REPLACE SECURE VIEW x.v AS SELECT * FROM t",
        {"rel:DB.X.T -> view:DB.X.V (dependency)"},
    ),
    (
        "recursive_view",
        "CREATE RECURSIVE VIEW v (n) AS WITH r AS (SELECT 1 AS n FROM seed UNION ALL SELECT n FROM r) "
        "SELECT n FROM r",
        {"rel:DB.S.SEED -> view:DB.S.V (dependency)"},
    ),
    (
        "materialized_view",
        "CREATE MATERIALIZED VIEW mv AS SELECT a FROM t",
        {"rel:DB.S.T -> view:DB.S.MV (dependency)"},
    ),
    (
        "dynamic_table",
        "CREATE OR REPLACE DYNAMIC TABLE a.b.dt TARGET_LAG = '1 day' WAREHOUSE = wh AS SELECT * FROM t",
        {"rel:A.B.T -> table:A.B.DT (dependency)"},
    ),
    (
        "external_table",
        "CREATE EXTERNAL TABLE et (a INT AS (value:c1::INT)) LOCATION = @st/path FILE_FORMAT = (TYPE = PARQUET)",
        {"stage:DB.S.ST -> table:DB.S.ET (dependency)"},
    ),
    # --- clones: https://docs.snowflake.com/en/sql-reference/sql/create-clone
    (
        "clone_table_time_travel",
        "CREATE TABLE t2 CLONE t1 AT (OFFSET => -60)",
        {"rel:DB.S.T1 -> table:DB.S.T2 (clone)"},
    ),
    (
        "clone_table_before",
        "CREATE OR REPLACE TABLE t2 CLONE x.t1 BEFORE (STATEMENT => '01b2')",
        {"rel:DB.X.T1 -> table:DB.S.T2 (clone)"},
    ),
    (
        "clone_schema",
        "CREATE SCHEMA s2 CLONE s1 AT (TIMESTAMP => '2026-01-01'::TIMESTAMP_LTZ)",
        {"schema:DB.S1 -> schema:DB.S2 (clone)"},
    ),
    ("clone_database", "CREATE DATABASE d2 CLONE d1", {"database:D1 -> database:D2 (clone)"}),
    ("like_is_structure_only", "CREATE TABLE t LIKE u", set()),
    # --- names
    (
        "quoted_keeps_case",
        'INSERT INTO "Mixed"."t" SELECT * FROM "lower"',
        {'rel:DB.S."lower" -> rel:DB.Mixed."t" (data)'.replace("DB.Mixed", 'DB."Mixed"')},
    ),
    (
        "identifier_function",
        "INSERT INTO IDENTIFIER('x.t') SELECT * FROM IDENTIFIER('\"Db\".s.u')",
        {'rel:"Db".S.U -> rel:DB.X.T (data)'},
    ),
    (
        "cte_is_never_a_node",
        "INSERT INTO t WITH c AS (SELECT * FROM u) SELECT * FROM c",
        {"rel:DB.S.U -> rel:DB.S.T (data)"},
    ),
    (
        "cte_shadowing_a_table",
        "INSERT INTO t WITH orders AS (SELECT * FROM orders WHERE ok) SELECT * FROM orders",
        {"rel:DB.S.ORDERS -> rel:DB.S.T (data)"},
    ),
    (
        "qualified_name_is_not_a_cte",
        "INSERT INTO t WITH orders AS (SELECT 1) SELECT * FROM s.orders",
        {"rel:DB.S.ORDERS -> rel:DB.S.T (data)"},
    ),
    (
        "table_functions_are_not_tables",
        "INSERT INTO t SELECT f.value FROM u, LATERAL FLATTEN(input => u.v) f, TABLE(GENERATOR(ROWCOUNT => 3))",
        {"rel:DB.S.U -> rel:DB.S.T (data)"},
    ),
    (
        "time_travel_reads_the_table",
        "INSERT INTO t SELECT * FROM u AT(OFFSET => -60)",
        {"rel:DB.S.U -> rel:DB.S.T (data)"},
    ),
    (
        "target_read_is_not_a_self_edge",
        "INSERT INTO t SELECT * FROM t JOIN u ON t.a = u.a",
        {"rel:DB.S.U -> rel:DB.S.T (data)"},
    ),
    # --- no lineage
    ("select", "SELECT * FROM t JOIN u ON t.a = u.a", set()),
    ("show", "SHOW TABLES IN SCHEMA db.s", set()),
    ("describe", "DESCRIBE TABLE t", set()),
    ("use", "USE SCHEMA db.s", set()),
    ("set", "SET x = (SELECT MAX(a) FROM t)", set()),
    ("explain", "EXPLAIN SELECT * FROM t", set()),
    ("delete", "DELETE FROM t USING u WHERE t.a = u.a", set()),
    ("truncate", "TRUNCATE TABLE t", set()),
    ("warehouse", "ALTER WAREHOUSE wh SUSPEND", set()),
    ("grant", "GRANT SELECT ON TABLE t TO ROLE r", set()),
]


@pytest.mark.parametrize(("sql", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_statement_edges(sql: str, expected: set[str]) -> None:
    derived = derive_statement(sql, CTX)
    if expected:
        assert derived.error is None, derived.error
    assert lineage_strings(derived.facts) == expected


def _events(sql: str, ctx: Context = CTX) -> list[str]:
    derived = derive_statement(sql, ctx)
    assert derived.error is None, derived.error
    names = {
        f.RenameObject: lambda x: f"rename {short(x.old)} {short(x.new)}",
        f.SwapObjects: lambda x: f"swap {short(x.first)} {short(x.second)}",
        f.DropObject: lambda x: f"drop {short(x.obj)}",
        f.UndropObject: lambda x: f"undrop {short(x.obj)}",
        f.CreateObject: lambda x: (
            f"create {short(x.obj)} {x.kind}" + (" replace" if x.replace else "")
        ),
    }
    return [names[type(x)](x) for x in derived.facts if type(x) in names]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("ALTER TABLE a RENAME TO b", ["rename rel:DB.S.A rel:DB.S.B"]),
        ("ALTER TABLE x.a RENAME TO b", ["rename rel:DB.X.A rel:DB.X.B"]),
        ("ALTER TABLE a RENAME TO d2.s2.b", ["rename rel:DB.S.A rel:D2.S2.B"]),
        ("ALTER VIEW v RENAME TO w", ["rename rel:DB.S.V rel:DB.S.W"]),
        ("ALTER DYNAMIC TABLE dt RENAME TO dt2", ["rename rel:DB.S.DT rel:DB.S.DT2"]),
        ("ALTER TABLE a SWAP WITH b", ["swap rel:DB.S.A rel:DB.S.B"]),
        ("ALTER SCHEMA s1 RENAME TO s2", ["rename schema:DB.S1 schema:DB.S2"]),
        ("ALTER SCHEMA d.s1 SWAP WITH d.s2", ["swap schema:D.S1 schema:D.S2"]),
        ("ALTER DATABASE d1 RENAME TO d2", ["rename database:D1 database:D2"]),
        ("DROP TABLE IF EXISTS a, x.b", ["drop rel:DB.S.A", "drop rel:DB.X.B"]),
        ("DROP VIEW v", ["drop rel:DB.S.V"]),
        ("DROP MATERIALIZED VIEW v", ["drop rel:DB.S.V"]),
        ("DROP SCHEMA s", ["drop schema:DB.S"]),
        ("DROP DATABASE d", ["drop database:D"]),
        ("UNDROP TABLE t", ["undrop rel:DB.S.T"]),
        ("UNDROP SCHEMA x", ["undrop schema:DB.X"]),
        ("CREATE OR REPLACE TEMPORARY TABLE t (a INT)", ["create table:DB.S.T temporary replace"]),
        ("CREATE TRANSIENT TABLE t (a INT)", ["create table:DB.S.T transient"]),
        ("CREATE STAGE st URL = 's3://b/p'", ["create stage:DB.S.ST external_stage"]),
        ("CREATE OR REPLACE SCHEMA x", ["create schema:DB.X schema replace"]),
    ],
)
def test_object_events(sql: str, expected: list[str]) -> None:
    assert _events(sql) == expected


def test_unqualified_name_without_context_stays_partial() -> None:
    derived = derive_statement("INSERT INTO t SELECT * FROM u", Context())
    assert lineage_strings(derived.facts) == {"rel:U -> rel:T (data)"}


def test_tags_and_comment_become_properties() -> None:
    derived = derive_statement(
        "CREATE TABLE t (a INT) WITH TAG (gov.tags.pii = 'yes') COMMENT = 'orders'", CTX
    )
    create = next(x for x in derived.facts if isinstance(x, f.CreateObject))
    assert create.properties == (("comment", "orders"), ("tag:GOV.TAGS.PII", "yes"))


@pytest.mark.parametrize(
    ("sql", "stage", "error_type"),
    [
        ("SELEC * FRO t", "derive", "unsupported"),
        ("INSERT INTO t SELECT * FROM (SELECT a FROM u", "parse", "ParseError"),
        ("EXECUTE IMMEDIATE $$ BEGIN INSERT INTO t SELECT 1; END; $$", "derive", "unsupported"),
        ("INSERT INTO IDENTIFIER($tbl) SELECT 1", "derive", "unsupported"),
    ],
)
def test_errors(sql: str, stage: str, error_type: str) -> None:
    derived = derive_statement(sql, CTX)
    assert derived.facts == ()
    assert (derived.error.stage, derived.error.error_type) == (stage, error_type)


def test_deeply_nested_statement_is_an_error_not_a_crash() -> None:
    sql = "SELECT " + "(" * 5000 + "1" + ")" * 5000
    derived = derive_statement(sql, CTX)
    assert derived.error is not None and derived.error.stage == "parse"


def test_derive_is_pure() -> None:
    sql = "MERGE INTO t USING u ON t.a = u.a WHEN MATCHED THEN UPDATE SET t.b = u.b"
    assert derive_statement(sql, CTX) == derive_statement(sql, CTX)


# Which literals can change a statement's facts (derive/__init__.py cache_flags): when none can,
# every statement sharing its fingerprint shares its facts; when one can, each text is derived.
LITERAL_CASES = [
    ("SELECT 1 FROM DB.S.A WHERE d = '2026-03-01' LIMIT 10", True),
    ("INSERT INTO DB.S.T SELECT * FROM DB.S.A WHERE d > '2026-03-01'", True),
    (
        "INSERT ALL WHEN amount > 1000 THEN INTO DB.S.BIG ELSE INTO DB.S.SMALL "
        "SELECT * FROM DB.S.A",
        True,
    ),
    (
        "COPY INTO DB.S.T FROM @DB.S.LANDING/x/ FILE_FORMAT = (FORMAT_NAME = 'DB.S.CSV') "
        "PATTERN = '.*[.]csv' SIZE_LIMIT = 1000",
        True,
    ),
    (
        "CREATE OR REPLACE DYNAMIC TABLE DB.S.D TARGET_LAG = '20 minutes' WAREHOUSE = W "
        "AS SELECT * FROM DB.S.A",
        True,
    ),
    ("CREATE TABLE DB.S.T (x INT DEFAULT 5 COMMENT 'the x')", True),
    ('ALTER SESSION SET QUERY_TAG = \'{"run": "20260301"}\'', True),
    ("CREATE STAGE DB.S.EXT URL = 's3://bucket/path/'", False),
    ("CREATE TABLE DB.S.T (x INT) COMMENT = 'owned by finance'", False),
    ("CREATE TABLE DB.S.T (x INT) WITH TAG (DB.S.PII = 'email')", False),
    ("INSERT INTO IDENTIFIER('DB.S.T') SELECT * FROM DB.S.A", False),
    # a tag named like a knob is still a tag: its value is part of the facts
    ("CREATE VIEW DB.S.V WITH TAG (warehouse = 'wh_a') AS SELECT 1 FROM DB.S.X", False),
    ("CREATE TABLE DB.S.T (c INT) WITH TAG (DB.S.TYPE = 'pii')", False),
    ("ALTER TABLE DB.S.T SET TAG DB.S.TYPE = 'pii'", False),
]


@pytest.mark.parametrize(("sql", "literal_free"), LITERAL_CASES)
def test_literals_that_can_change_facts_are_found(sql: str, literal_free: bool) -> None:
    derived = derive_statement(sql, CTX)
    assert derived.error is None
    assert derived.literal_free is literal_free


@pytest.mark.parametrize(
    ("sql", "context_free"),
    [
        ("INSERT INTO DB.S.T SELECT * FROM DB.S.A", True),
        ("INSERT INTO T SELECT * FROM DB.S.A", False),
        ("INSERT INTO DB.S.T WITH c AS (SELECT * FROM DB.S.A) SELECT * FROM c", True),
        ("INSERT INTO DB.S.T WITH c AS (SELECT * FROM DB.S.A) SELECT * FROM d", False),
        ("COPY INTO DB.S.T FROM @LANDING/x/", False),
        ("COPY INTO DB.S.T FROM @~/x/", True),
        ("CREATE TABLE DB.S.T (c INT) WITH TAG (PII = 'email')", False),
        ("CREATE TABLE DB.S.T (c INT) WITH TAG (DB.S.PII = 'email')", True),
        ("ALTER TABLE DB.S.T SET TAG PII = 'email'", False),
        ("ALTER TABLE DB.S.T SET TAG DB.S.PII = 'email'", True),
    ],
)
def test_names_that_need_the_session_context_are_found(sql: str, context_free: bool) -> None:
    assert derive_statement(sql, CTX).context_free is context_free

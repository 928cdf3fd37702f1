"""Parse-stage helpers: fingerprints (literals replaced) and the read-only shortcut."""

from __future__ import annotations

import pytest

from extractor.parse import fingerprint, is_read_only


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "INSERT INTO t SELECT * FROM u WHERE d = '2026-01-01' LIMIT 10",
            "INSERT INTO t SELECT * FROM u WHERE d = '2026-02-17' LIMIT 500",
        ),
        (
            "MERGE INTO t USING u ON t.id = u.id AND u.x > 1.5e3 WHEN MATCHED THEN DELETE",
            "MERGE INTO t USING u ON t.id = u.id AND u.x > 7 WHEN MATCHED THEN DELETE",
        ),
        ("INSERT INTO t SELECT 'it''s' FROM u", "INSERT INTO t SELECT 'x' FROM u"),
        # dbt and BI tools stamp each run in a comment
        (
            '/* {"app": "dbt", "invocation_id": "4f1c"} */ INSERT INTO t SELECT * FROM u',
            '/* {"app": "dbt", "invocation_id": "9ab2"} */ INSERT INTO t SELECT * FROM u',
        ),
        (
            "INSERT INTO t SELECT * FROM u -- Looker Query Context '{\"user_id\": 181}'",
            "INSERT INTO t SELECT * FROM u -- Looker Query Context '{\"user_id\": 7}'",
        ),
    ],
)
def test_statements_differing_in_literals_share_a_fingerprint(a: str, b: str) -> None:
    assert fingerprint(a) == fingerprint(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("INSERT INTO t1 SELECT * FROM u", "INSERT INTO t2 SELECT * FROM u"),
        ('INSERT INTO "t1" SELECT 1', 'INSERT INTO "t2" SELECT 1'),
        ("INSERT INTO t SELECT * FROM v1", "INSERT INTO t SELECT * FROM v2"),
        # a quote inside a comment or a quoted name must not swallow the code after it
        (
            "-- don't\nINSERT INTO a SELECT * FROM b WHERE x = 'y'",
            "-- don't\nINSERT INTO c SELECT * FROM d WHERE x = 'y'",
        ),
        (
            "INSERT INTO \"it's\" SELECT * FROM b WHERE x = 'y'",
            "INSERT INTO \"it's\" SELECT * FROM c WHERE x = 'y'",
        ),
        (
            "ALTER DATASET d ADD VERSION $$v1$$ FROM (SELECT 1)",
            "ALTER DATASET d ADD VERSION $$v2$$ FROM (SELECT 1)",
        ),
    ],
)
def test_statements_differing_in_names_do_not(a: str, b: str) -> None:
    assert fingerprint(a) != fingerprint(b)


@pytest.mark.parametrize(
    ("text", "read_only"),
    [
        ("SELECT * FROM t", True),
        ("  -- report\n/* daily */ (SELECT 1)", True),
        ("WITH a AS (SELECT 1) SELECT * FROM a", True),
        ("with a as (select 'insert into x') select * from a", True),
        ("SHOW TABLES", True),
        ("describe table t", True),
        ("WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a", False),
        ("INSERT INTO t SELECT 1", False),
        ("CREATE TABLE t AS SELECT 1", False),
        ("SET x = (SELECT 1)", False),  # parsed: SET may hold anything
        ("CALL SYSTEM$DEPLOY_MODEL('…')", False),
    ],
)
def test_read_only_statements_skip_parsing(text: str, read_only: bool) -> None:
    assert is_read_only(text) is read_only

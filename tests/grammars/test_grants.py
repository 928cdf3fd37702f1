"""Tests for GRANT and REVOKE in ``MlSnowflake`` (grammars/grants.py): round trips and node types,
what ``grant_parts`` reads from each form, and the shapes that stay Commands.

https://docs.snowflake.com/en/sql-reference/sql/grant-privilege
https://docs.snowflake.com/en/sql-reference/sql/grant-ownership
https://docs.snowflake.com/en/sql-reference/sql/grant-role
https://docs.snowflake.com/en/sql-reference/sql/revoke-privilege
"""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from grammar_validator import parse, validate_identity
from sqlglot import exp

from grammars import MlSnowflake
from grammars.grants import (
    GrantParts,
    GrantPrivileges,
    GrantRole,
    RevokePrivileges,
    RevokeRole,
    RoutineSignature,
    grant_parts,
    plural_kind,
    singular_kind,
)

# --------------------------------------------------------------------------------------------------
# Round trips and node types
# --------------------------------------------------------------------------------------------------

# (sql, canonical sql or None when it is the input, node class)
ROUND_TRIPS: list[tuple[str, str | None, type[exp.Expr]]] = [
    # privileges on one object, every kind the brief lists
    ("GRANT SELECT ON TABLE t TO ROLE r", None, GrantPrivileges),
    ("GRANT SELECT, INSERT ON TABLE db.s.t TO ROLE r WITH GRANT OPTION", None, GrantPrivileges),
    ("GRANT REFERENCES ON VIEW db.s.v TO ROLE r", None, GrantPrivileges),
    ("GRANT SELECT ON DYNAMIC TABLE db.s.dt TO ROLE r", None, GrantPrivileges),
    ("GRANT SELECT ON EXTERNAL TABLE s.e TO ROLE r", None, GrantPrivileges),
    ("GRANT SELECT ON MATERIALIZED VIEW mv TO ROLE r", None, GrantPrivileges),
    ("GRANT SELECT ON ICEBERG TABLE it TO ROLE r", None, GrantPrivileges),
    ("GRANT READ, WRITE ON STAGE db.s.st TO ROLE r", None, GrantPrivileges),
    ("GRANT USAGE ON DATASET db.s.d TO ROLE r", None, GrantPrivileges),
    ("GRANT USAGE ON MODEL db.s.m TO ROLE r", None, GrantPrivileges),
    ("GRANT READ ON MODEL m TO ROLE r", None, GrantPrivileges),
    ("GRANT USAGE ON SERVICE svc TO ROLE r", None, GrantPrivileges),
    ("GRANT USAGE ON SCHEMA ANALYTICS.REPORTING TO ROLE BI_READER", None, GrantPrivileges),
    ("GRANT USAGE ON DATABASE ANALYTICS_DEV TO ROLE DEVELOPER", None, GrantPrivileges),
    ("GRANT ALL ON WAREHOUSE ML_LINEAGE_WH TO ROLE ML_LINEAGE_ROLE", None, GrantPrivileges),
    ("GRANT USAGE ON INTEGRATION my_int TO ROLE r", None, GrantPrivileges),
    ("GRANT USAGE ON FILE FORMAT db.s.ff TO ROLE r", None, GrantPrivileges),
    ("GRANT USAGE ON FUNCTION db.s.f(INT, VARCHAR) TO ROLE r", None, GrantPrivileges),
    ("GRANT USAGE ON PROCEDURE p() TO ROLE r", None, GrantPrivileges),
    ("GRANT MONITOR, OPERATE ON TASK t TO ROLE r", None, GrantPrivileges),
    ("GRANT SELECT ON STREAM st TO ROLE r", None, GrantPrivileges),
    ("GRANT USAGE ON SEQUENCE seq TO ROLE r", None, GrantPrivileges),
    ("GRANT APPLY ON TAG db.s.tg TO ROLE r", None, GrantPrivileges),
    ("GRANT USAGE, MONITOR ON COMPUTE POOL pool TO ROLE r", None, GrantPrivileges),
    ("GRANT READ ON IMAGE REPOSITORY db.s.repo TO ROLE r", None, GrantPrivileges),
    ("GRANT USAGE ON NOTEBOOK nb TO ROLE r", None, GrantPrivileges),
    ("GRANT USAGE ON STREAMLIT app TO ROLE r", None, GrantPrivileges),
    ("GRANT IMPORTED PRIVILEGES ON DATABASE SNOWFLAKE TO ROLE r", None, GrantPrivileges),
    # multi-word privileges
    ("GRANT CREATE TABLE, CREATE VIEW ON SCHEMA s TO ROLE r", None, GrantPrivileges),
    ("GRANT CREATE DATASET, CREATE MODEL ON SCHEMA db.s TO ROLE r", None, GrantPrivileges),
    ("GRANT CREATE SERVICE ON SCHEMA s TO ROLE r", None, GrantPrivileges),
    ("GRANT CREATE FILE FORMAT, CREATE STAGE ON SCHEMA s TO ROLE r", None, GrantPrivileges),
    # ON ACCOUNT
    ("GRANT VIEW LINEAGE ON ACCOUNT TO ROLE ML_LINEAGE_ROLE", None, GrantPrivileges),
    ("GRANT RESOLVE ALL ON ACCOUNT TO ROLE r", None, GrantPrivileges),
    ("GRANT APPLY MASKING POLICY ON ACCOUNT TO ROLE r", None, GrantPrivileges),
    ("GRANT EXECUTE TASK ON ACCOUNT TO ROLE r WITH GRANT OPTION", None, GrantPrivileges),
    ("GRANT ALL PRIVILEGES ON ACCOUNT TO r", None, GrantPrivileges),
    # ALL / FUTURE
    ("GRANT SELECT ON ALL TABLES IN SCHEMA ANALYTICS.MARTS TO ROLE ANALYST", None, GrantPrivileges),
    (
        "GRANT SELECT ON FUTURE TABLES IN SCHEMA ANALYTICS.MARTS TO ROLE ANALYST",
        None,
        GrantPrivileges,
    ),
    (
        "GRANT SELECT ON ALL VIEWS IN DATABASE ANALYTICS_DEV TO ROLE DEVELOPER",
        None,
        GrantPrivileges,
    ),
    ("GRANT ALL PRIVILEGES ON ALL SCHEMAS IN DATABASE d TO ROLE r", None, GrantPrivileges),
    ("GRANT SELECT ON FUTURE DYNAMIC TABLES IN SCHEMA s TO ROLE r", None, GrantPrivileges),
    ("GRANT SELECT ON ALL EXTERNAL TABLES IN SCHEMA s TO ROLE r", None, GrantPrivileges),
    ("GRANT SELECT ON FUTURE MATERIALIZED VIEWS IN DATABASE d TO ROLE r", None, GrantPrivileges),
    ("GRANT READ ON ALL STAGES IN SCHEMA s TO ROLE r", None, GrantPrivileges),
    ("GRANT USAGE ON FUTURE DATASETS IN SCHEMA s TO ROLE r", None, GrantPrivileges),
    ("GRANT USAGE ON ALL MODELS IN SCHEMA s TO ROLE r", None, GrantPrivileges),
    ("GRANT USAGE ON FUTURE SERVICES IN SCHEMA s TO ROLE r", None, GrantPrivileges),
    ("GRANT USAGE ON ALL FUNCTIONS IN SCHEMA s TO ROLE r", None, GrantPrivileges),
    ("GRANT USAGE ON FUTURE PROCEDURES IN DATABASE d TO ROLE r", None, GrantPrivileges),
    ("GRANT READ ON ALL IMAGE REPOSITORIES IN SCHEMA s TO ROLE r", None, GrantPrivileges),
    ("GRANT APPLY ON FUTURE MASKING POLICIES IN SCHEMA s TO ROLE r", None, GrantPrivileges),
    ("GRANT USAGE ON ALL FILE FORMATS IN SCHEMA s TO ROLE r", None, GrantPrivileges),
    # ownership
    ("GRANT OWNERSHIP ON TABLE t TO ROLE r", None, GrantPrivileges),
    (
        "GRANT OWNERSHIP ON DATABASE ML_LINEAGE_DATABASE TO ROLE ML_LINEAGE_ROLE "
        "COPY CURRENT GRANTS",
        None,
        GrantPrivileges,
    ),
    (
        "GRANT OWNERSHIP ON ALL SCHEMAS IN DATABASE d TO ROLE r REVOKE CURRENT GRANTS",
        None,
        GrantPrivileges,
    ),
    ("GRANT OWNERSHIP ON FUTURE TABLES IN SCHEMA s TO DATABASE ROLE d.r", None, GrantPrivileges),
    ("GRANT OWNERSHIP ON DATABASE ROLE d.dr TO ROLE r", None, GrantPrivileges),
    # grantees
    ("GRANT SELECT ON VIEW v TO DATABASE ROLE d.r", None, GrantPrivileges),
    ("GRANT USAGE ON SCHEMA s TO APPLICATION ROLE app.r", None, GrantPrivileges),
    ("GRANT USAGE ON DATABASE d TO SHARE sh", None, GrantPrivileges),
    ("GRANT SELECT ON TABLE t TO APPLICATION app", None, GrantPrivileges),
    ('GRANT USAGE ON DATABASE d TO ROLE "My Role"', None, GrantPrivileges),
    # revoke
    ("REVOKE SELECT ON TABLE t FROM ROLE r", None, RevokePrivileges),
    ("REVOKE VIEW LINEAGE ON ACCOUNT FROM ROLE PUBLIC", None, RevokePrivileges),
    ("REVOKE ALL PRIVILEGES ON SCHEMA s FROM r CASCADE", None, RevokePrivileges),
    ("REVOKE GRANT OPTION FOR SELECT ON VIEW v FROM ROLE r RESTRICT", None, RevokePrivileges),
    ("REVOKE SELECT ON ALL TABLES IN SCHEMA s FROM ROLE r", None, RevokePrivileges),
    ("REVOKE SELECT ON FUTURE TABLES IN DATABASE d FROM DATABASE ROLE d.r", None, RevokePrivileges),
    ("REVOKE USAGE ON FUNCTION f(VARCHAR) FROM ROLE r", None, RevokePrivileges),
    # roles
    ("GRANT ROLE a TO ROLE b", None, GrantRole),
    (
        "GRANT ROLE ML_LINEAGE_ROLE to USER JDOE",
        "GRANT ROLE ML_LINEAGE_ROLE TO USER JDOE",
        GrantRole,
    ),
    ("GRANT DATABASE ROLE d.r TO ROLE p", None, GrantRole),
    ("GRANT DATABASE ROLE d.r TO DATABASE ROLE d.p", None, GrantRole),
    ("GRANT DATABASE ROLE SNOWFLAKE.OBJECT_VIEWER TO SHARE sh", None, GrantRole),
    ("GRANT APPLICATION ROLE app.r TO ROLE p", None, GrantRole),
    ("GRANT APPLICATION ROLE app.r TO APPLICATION app2", None, GrantRole),
    ("REVOKE ROLE a FROM ROLE b", None, RevokeRole),
    ("REVOKE ROLE a FROM USER u", None, RevokeRole),
    ("REVOKE DATABASE ROLE d.r FROM SHARE sh", None, RevokeRole),
    ("REVOKE APPLICATION ROLE app.r FROM APPLICATION app2", None, RevokeRole),
    # spelling: case, quotes, IDENTIFIER(), types, comments
    (
        "grant select on all tables in schema db.s to role analyst",
        "GRANT SELECT ON ALL TABLES IN SCHEMA db.s TO ROLE analyst",
        GrantPrivileges,
    ),
    (
        'Grant Ownership On Table "Db"."S"."My T" To Role "My Role" Copy Current Grants',
        'GRANT OWNERSHIP ON TABLE "Db"."S"."My T" TO ROLE "My Role" COPY CURRENT GRANTS',
        GrantPrivileges,
    ),
    ("revoke role a from user b", "REVOKE ROLE a FROM USER b", RevokeRole),
    ('GRANT SELECT ON TABLE "TO" TO ROLE "ROLE"', None, GrantPrivileges),
    ("GRANT SELECT ON TABLE IDENTIFIER('db.s.t') TO ROLE IDENTIFIER($r)", None, GrantPrivileges),
    (
        "GRANT USAGE ON FUNCTION f(NUMBER, FLOAT) TO ROLE r",
        "GRANT USAGE ON FUNCTION f(DECIMAL(38, 0), DOUBLE) TO ROLE r",
        GrantPrivileges,
    ),
    ("/* setup */ GRANT SELECT ON TABLE t TO ROLE r", None, GrantPrivileges),
]


@pytest.mark.parametrize(("sql", "write_sql", "node"), ROUND_TRIPS, ids=[c[0] for c in ROUND_TRIPS])
def test_grant_round_trip(sql: str, write_sql: str | None, node: type[exp.Expr]) -> None:
    """Every form parses to its class, without a warning, and writes back as Snowflake SQL."""
    validate_identity(sql, write_sql).assert_is(node)


@pytest.mark.parametrize(
    ("node", "upstream"),
    [
        (GrantPrivileges, exp.Grant),
        (GrantRole, exp.Grant),
        (RevokePrivileges, exp.Revoke),
        (RevokeRole, exp.Revoke),
    ],
)
def test_grant_classes_extend_upstream(node: type[exp.Expr], upstream: type[exp.Expr]) -> None:
    """A handler keyed on upstream's exp.Grant / exp.Revoke still matches our trees."""
    assert issubclass(node, upstream)


def test_grant_tree_shape() -> None:
    """Upstream's GrantPrivilege / GrantPrincipal nodes, names as exp.Table, the signature as a
    RoutineSignature of exp.DataType."""
    tree = parse("GRANT USAGE, CREATE TABLE ON FUNCTION db.s.f(INT) TO DATABASE ROLE d.r")
    privileges = tree.args["privileges"]
    assert [p.assert_is(exp.GrantPrivilege).this.assert_is(exp.Var).name for p in privileges] == [
        "USAGE",
        "CREATE TABLE",
    ]
    assert tree.args["kind"] == "FUNCTION"
    tree.args["securable"].assert_is(exp.Table)
    signature = tree.args["signature"].assert_is(RoutineSignature)
    assert [t.assert_is(exp.DataType).sql() for t in signature.expressions] == ["INT"]
    principal = tree.args["principals"][0].assert_is(exp.GrantPrincipal)
    assert principal.args["kind"] == "DATABASE ROLE"
    assert principal.this.assert_is(exp.Table).sql() == "d.r"


def test_grant_pickle_round_trip() -> None:
    """Trees with the grant classes pickle, an empty signature included."""
    for sql in (
        "GRANT USAGE ON PROCEDURE p() TO ROLE r",
        "GRANT OWNERSHIP ON FUTURE TABLES IN SCHEMA s TO ROLE r COPY CURRENT GRANTS",
        "REVOKE DATABASE ROLE d.r FROM SHARE sh",
    ):
        tree = parse(sql)
        assert pickle.loads(pickle.dumps(tree)) == tree


# --------------------------------------------------------------------------------------------------
# grant_parts: one reading for every form
# --------------------------------------------------------------------------------------------------

# What grant_parts gives when a case does not say otherwise (names written as SQL).
DEFAULT_PARTS: dict[str, object] = {
    "action": "GRANT",
    "on_name": None,
    "on_arguments": None,
    "bulk": None,
    "container_type": None,
    "container_name": None,
    "grantee_type": "ROLE",
    "with_grant_option": False,
    "grant_option_for": False,
    "cascade": None,
    "current_grants": None,
}


def written(parts: GrantParts) -> dict[str, object]:
    """``parts`` with every sqlglot node (names, argument types) written as MlSnowflake SQL."""

    def sql(value: object) -> object:
        if isinstance(value, exp.Expr):
            return value.sql(dialect=MlSnowflake)
        if isinstance(value, tuple):
            return tuple(sql(v) for v in value)
        return value

    return {f.name: sql(getattr(parts, f.name)) for f in dataclasses.fields(parts)}


# (sql, the parts that differ from DEFAULT_PARTS)
PARTS_CASES: list[tuple[str, dict[str, object]]] = [
    (
        "GRANT SELECT, INSERT ON TABLE db.s.t TO ROLE r WITH GRANT OPTION",
        {
            "privileges": ("SELECT", "INSERT"),
            "on_type": "TABLE",
            "on_name": "db.s.t",
            "grantee_name": "r",
            "with_grant_option": True,
        },
    ),
    (
        "GRANT VIEW LINEAGE ON ACCOUNT TO ROLE ML_LINEAGE_ROLE",
        {"privileges": ("VIEW LINEAGE",), "on_type": "ACCOUNT", "grantee_name": "ML_LINEAGE_ROLE"},
    ),
    (
        "GRANT ALL PRIVILEGES ON ALL SCHEMAS IN DATABASE ANALYTICS_DEV TO ROLE DEVELOPER",
        {
            "privileges": ("ALL",),
            "on_type": "SCHEMA",
            "bulk": "ALL",
            "container_type": "DATABASE",
            "container_name": "ANALYTICS_DEV",
            "grantee_name": "DEVELOPER",
        },
    ),
    (
        "GRANT ALL ON WAREHOUSE wh TO r",
        {"privileges": ("ALL",), "on_type": "WAREHOUSE", "on_name": "wh", "grantee_name": "r"},
    ),
    (
        "grant select on future dynamic tables in schema db.s to database role db.reader",
        {
            "privileges": ("SELECT",),
            "on_type": "DYNAMIC TABLE",
            "bulk": "FUTURE",
            "container_type": "SCHEMA",
            "container_name": "db.s",
            "grantee_type": "DATABASE ROLE",
            "grantee_name": "db.reader",
        },
    ),
    (
        "GRANT OWNERSHIP ON DATABASE ML_LINEAGE_DATABASE TO ROLE ML_LINEAGE_ROLE "
        "COPY CURRENT GRANTS",
        {
            "privileges": ("OWNERSHIP",),
            "on_type": "DATABASE",
            "on_name": "ML_LINEAGE_DATABASE",
            "grantee_name": "ML_LINEAGE_ROLE",
            "current_grants": "COPY",
        },
    ),
    (
        "GRANT OWNERSHIP ON ALL TABLES IN SCHEMA s TO DATABASE ROLE d.r REVOKE CURRENT GRANTS",
        {
            "privileges": ("OWNERSHIP",),
            "on_type": "TABLE",
            "bulk": "ALL",
            "container_type": "SCHEMA",
            "container_name": "s",
            "grantee_type": "DATABASE ROLE",
            "grantee_name": "d.r",
            "current_grants": "REVOKE",
        },
    ),
    (
        "GRANT USAGE ON FUNCTION db.s.f(INT, VARCHAR) TO APPLICATION ROLE app.r",
        {
            "privileges": ("USAGE",),
            "on_type": "FUNCTION",
            "on_name": "db.s.f",
            "on_arguments": ("INT", "VARCHAR"),
            "grantee_type": "APPLICATION ROLE",
            "grantee_name": "app.r",
        },
    ),
    (
        "GRANT USAGE ON PROCEDURE p() TO ROLE r",
        {
            "privileges": ("USAGE",),
            "on_type": "PROCEDURE",
            "on_name": "p",
            "on_arguments": (),
            "grantee_name": "r",
        },
    ),
    (
        'GRANT USAGE ON DATABASE d TO SHARE "Partner Share"',
        {
            "privileges": ("USAGE",),
            "on_type": "DATABASE",
            "on_name": "d",
            "grantee_type": "SHARE",
            "grantee_name": '"Partner Share"',
        },
    ),
    (
        "GRANT USAGE ON MODEL db.s.m TO APPLICATION app",
        {
            "privileges": ("USAGE",),
            "on_type": "MODEL",
            "on_name": "db.s.m",
            "grantee_type": "APPLICATION",
            "grantee_name": "app",
        },
    ),
    (
        "REVOKE GRANT OPTION FOR SELECT ON VIEW v FROM ROLE r CASCADE",
        {
            "action": "REVOKE",
            "privileges": ("SELECT",),
            "on_type": "VIEW",
            "on_name": "v",
            "grantee_name": "r",
            "grant_option_for": True,
            "cascade": "CASCADE",
        },
    ),
    (
        "REVOKE ALL ON FUTURE TABLES IN DATABASE d FROM r RESTRICT",
        {
            "action": "REVOKE",
            "privileges": ("ALL",),
            "on_type": "TABLE",
            "bulk": "FUTURE",
            "container_type": "DATABASE",
            "container_name": "d",
            "grantee_name": "r",
            "cascade": "RESTRICT",
        },
    ),
    (
        "GRANT ROLE ML_LINEAGE_ROLE TO USER JDOE",
        {
            "privileges": ("USAGE",),
            "on_type": "ROLE",
            "on_name": "ML_LINEAGE_ROLE",
            "grantee_type": "USER",
            "grantee_name": "JDOE",
        },
    ),
    (
        "GRANT DATABASE ROLE SNOWFLAKE.OBJECT_VIEWER TO ROLE r",
        {
            "privileges": ("USAGE",),
            "on_type": "DATABASE ROLE",
            "on_name": "SNOWFLAKE.OBJECT_VIEWER",
            "grantee_name": "r",
        },
    ),
    (
        "REVOKE APPLICATION ROLE app.r FROM APPLICATION app2",
        {
            "action": "REVOKE",
            "privileges": ("USAGE",),
            "on_type": "APPLICATION ROLE",
            "on_name": "app.r",
            "grantee_type": "APPLICATION",
            "grantee_name": "app2",
        },
    ),
]


@pytest.mark.parametrize(("sql", "expected"), PARTS_CASES, ids=[c[0] for c in PARTS_CASES])
def test_grant_parts(sql: str, expected: dict[str, object]) -> None:
    """grant_parts reads every form the same way: action, privileges, on, grantee, options."""
    assert written(grant_parts(parse(sql))) == {**DEFAULT_PARTS, **expected}


def test_grant_parts_names_are_the_tree_nodes() -> None:
    """Names are the statement's own exp.Table nodes, quotes kept, not resolved."""
    tree = parse('GRANT SELECT ON TABLE s."My T" TO ROLE "Analyst"')
    parts = grant_parts(tree)
    assert parts.on_name is tree.args["securable"]
    assert parts.grantee_name is tree.args["principals"][0].this
    assert parts.on_name.this.quoted and parts.on_name.name == "My T"
    assert parts.on_name.db == "s"
    assert parts.grantee_name.this.quoted and parts.grantee_name.name == "Analyst"


def test_grant_parts_hash_and_compare() -> None:
    """GrantParts is frozen: equal statements give equal, hashable parts."""
    sql = "GRANT SELECT ON ALL TABLES IN SCHEMA s TO ROLE r"
    first, second = grant_parts(parse(sql)), grant_parts(parse(sql))
    assert first == second
    assert len({first, second}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.action = "REVOKE"  # type: ignore[misc]


@pytest.mark.parametrize(
    "sql", ["SELECT 1", "GRANT ROLE ML_LINEAGE_ROLE to USER <YOUR_USER>"], ids=["select", "command"]
)
def test_grant_parts_rejects_other_trees(sql: str) -> None:
    """Only the four grant classes have parts; a Command fallback has none."""
    with pytest.raises(TypeError):
        grant_parts(parse(sql))


@pytest.mark.parametrize(
    ("plural", "singular"),
    [
        ("TABLES", "TABLE"),
        ("DYNAMIC TABLES", "DYNAMIC TABLE"),
        ("STAGES", "STAGE"),
        ("SERVICES", "SERVICE"),
        ("FILE FORMATS", "FILE FORMAT"),
        ("MASKING POLICIES", "MASKING POLICY"),
        ("IMAGE REPOSITORIES", "IMAGE REPOSITORY"),
        ("TABLE", None),
    ],
)
def test_plural_kinds(plural: str, singular: str | None) -> None:
    """``ON ALL <kinds>`` is read as the singular kind and written back as the plural."""
    assert singular_kind(plural) == singular
    if singular is not None:
        assert plural_kind(singular) == plural


# --------------------------------------------------------------------------------------------------
# Shapes that stay Commands
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        # the quickstart's placeholder, run unedited (it failed in Snowflake too)
        "GRANT ROLE ML_LINEAGE_ROLE to USER <YOUR_USER>",
        "GRANT SELECT ON t TO ROLE r",
        "GRANT SELECT (a) ON TABLE t TO ROLE r",
        "GRANT USAGE ON DATABASE d TO ROLE r, ROLE q",
        "GRANT SELECT ON ALL TABLE IN SCHEMA s TO ROLE r",
        "GRANT SELECT ON FUTURE TABLES IN s TO ROLE r",
        "GRANT SELECT ON TABLE a.b.c.d TO ROLE r",
        "GRANT USAGE ON FUNCTION f(a INT) TO ROLE r",
        "GRANT SELECT ON TABLE t TO ROLE r COPY",
        "GRANT ALL ON ALL TABLES IN SCHEMA s TO ROLE",
        "REVOKE SELECT ON TABLE t TO ROLE r",
        "GRANT CALLER SELECT ON TABLE t TO ROLE r",
        "GRANT SERVICE ROLE svc!r TO ROLE p",
        "GRANT ROLE",
        "GRANT SELECT ON",
    ],
)
def test_unknown_grant_shapes_fall_back_to_command(sql: str) -> None:
    """Shapes outside the grammar stay Commands, with sqlglot's warning, and never raise."""
    validate_identity(sql, check_command_warning=True)


@pytest.mark.parametrize("sql", ["GRANT", "REVOKE"])
def test_bare_grant_keyword_is_a_command(sql: str) -> None:
    """The keyword alone is a Command (sqlglot logs no warning for a one-token statement)."""
    parse(sql).assert_is(exp.Command)

"""Tests for ``MlSnowflake`` (grammars/): round trips, node types, and what a consumer reads.

Modelled on sqlglot's ``tests/dialects/test_snowflake.py``: ``validate_identity`` (from
``grammar_validator.py``) parses with our dialect and checks the generated SQL equals the input (or
``write_sql``, the canonical form), ``check_command_warning`` pins a fallback to ``exp.Command``
and its logged warning, and ``assert_is`` pins node types.
"""

from __future__ import annotations

import pickle

import pytest
import sqlglot
from grammar_validator import parse, sqlglot_warnings, validate_identity
from sqlglot import exp
from sqlglot.lineage import lineage
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import traverse_scope

from grammars import MlSnowflake
from grammars.ml import (
    AddDatasetVersion,
    AddModelVersion,
    Call,
    CommitModelVersion,
    CreateModel,
    CreateService,
    DeployModel,
    DropVersion,
    ModelRef,
    ModelVersionAlias,
    ModifyModelVersion,
    SetDefaultVersion,
    model_refs,
    resolve_model,
    staged_file_location,
    tag_assignments,
)
from grammars.snowflake import RecursiveViewProperty

# --------------------------------------------------------------------------------------------------
# Existing additions: ALTER <kind> RENAME / SWAP, CREATE RECURSIVE VIEW
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "kind", "action"),
    [
        ("ALTER SCHEMA a RENAME TO b", "SCHEMA", exp.AlterRename),
        ("ALTER SCHEMA IF EXISTS db.a RENAME TO db.b", "SCHEMA", exp.AlterRename),
        ("ALTER SCHEMA a SWAP WITH b", "SCHEMA", exp.SwapTable),
        ("ALTER DATABASE a RENAME TO b", "DATABASE", exp.AlterRename),
        ("ALTER DATABASE a SWAP WITH b", "DATABASE", exp.SwapTable),
        ("ALTER DYNAMIC TABLE db.s.a RENAME TO db.s.b", "DYNAMIC TABLE", exp.AlterRename),
        ("ALTER DYNAMIC TABLE a SWAP WITH b", "DYNAMIC TABLE", exp.SwapTable),
        ("ALTER MATERIALIZED VIEW a RENAME TO b", "MATERIALIZED VIEW", exp.AlterRename),
        ("ALTER EXTERNAL TABLE a RENAME TO b", "EXTERNAL TABLE", exp.AlterRename),
        ("ALTER ICEBERG TABLE a RENAME TO b", "ICEBERG TABLE", exp.AlterRename),
        ("ALTER ICEBERG TABLE a SWAP WITH b", "ICEBERG TABLE", exp.SwapTable),
        ("ALTER MODEL a RENAME TO b", "MODEL", exp.AlterRename),
    ],
)
def test_alter_rename_swap(sql: str, kind: str, action: type[exp.Expr]) -> None:
    """ALTER <kind> … RENAME TO / SWAP WITH is exp.Alter(kind) with one action.
    https://docs.snowflake.com/en/sql-reference/sql/alter-schema"""
    alter = validate_identity(sql).assert_is(exp.Alter)
    assert alter.args["kind"] == kind
    assert len(alter.actions) == 1
    alter.actions[0].assert_is(action).this.assert_is(exp.Table)


def test_alter_rename_names() -> None:
    """The old and new names are the Alter's ``this`` and the action's ``this``."""
    alter = validate_identity("ALTER SCHEMA IF EXISTS db.a RENAME TO db.b")
    assert alter.args["exists"]
    assert alter.this.sql() == "db.a"
    assert alter.actions[0].this.sql() == "db.b"


def test_alter_iceberg_table_other_actions_stay_upstream() -> None:
    """Only RENAME/SWAP of ICEBERG TABLE is ours; other actions parse as upstream does."""
    alter = validate_identity(
        "ALTER ICEBERG TABLE t ADD COLUMN c INT", "ALTER ICEBERG TABLE t ADD c INT"
    )
    assert alter.args["kind"] == "TABLE" and alter.args["iceberg"]


@pytest.mark.parametrize(
    "sql",
    ["CREATE RECURSIVE VIEW v AS SELECT 1", "CREATE OR REPLACE RECURSIVE VIEW v AS SELECT 1"],
)
def test_recursive_view(sql: str) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/create-view"""
    create = validate_identity(sql).assert_is(exp.Create)
    assert create.kind == "VIEW"
    assert create.find(RecursiveViewProperty) is not None


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("DROP DYNAMIC TABLE x", "DYNAMIC TABLE"),
        ("DROP DYNAMIC TABLE IF EXISTS db.s.x", "DYNAMIC TABLE"),
        ("DROP EXTERNAL TABLE x", "EXTERNAL TABLE"),
        ("DROP ICEBERG TABLE x", "ICEBERG TABLE"),
    ],
)
def test_drop_table_kinds(sql: str, kind: str) -> None:
    """DROP DYNAMIC|EXTERNAL|ICEBERG TABLE, which upstream keeps as a Command.
    https://docs.snowflake.com/en/sql-reference/sql/drop-dynamic-table"""
    drop = validate_identity(sql).assert_is(exp.Drop)
    assert drop.kind == kind
    drop.args["tables"][0].assert_is(exp.Table)


@pytest.mark.parametrize(
    "sql",
    [
        "COPY INTO db.s.t (a, b) FROM @db.s.st FILE_FORMAT = db.s.ff PATTERN = '.*'",
        "COPY INTO t FROM @st FILES = ('a.csv', 'b.csv') FILE_FORMAT = (TYPE=CSV SKIP_HEADER=1)",
        "COPY INTO @st/x FROM t FILE_FORMAT = (FORMAT_NAME='f') HEADER = TRUE",
    ],
)
def test_copy_file_format_by_name(sql: str) -> None:
    """``FILE_FORMAT = db.s.ff`` names a format without parentheses; the other options parse
    as upstream does. https://docs.snowflake.com/en/sql-reference/sql/copy-into-table"""
    copy = validate_identity(sql).assert_is(exp.Copy)
    file_format = next(p for p in copy.args["params"] if p.name.upper() == "FILE_FORMAT")
    assert file_format.expression is not None or file_format.expressions


def test_external_table_column_without_parentheses() -> None:
    """``name type AS expr`` needs no parentheses in an external table.
    https://docs.snowflake.com/en/sql-reference/sql/create-external-table"""
    create = validate_identity(
        "CREATE EXTERNAL TABLE e (d DATE AS TO_DATE(value:c1::STRING)) LOCATION=@s/p",
        "CREATE EXTERNAL TABLE e (d DATE AS TO_DATE(CAST(GET_PATH(value, 'c1') AS VARCHAR))) "
        "LOCATION=@s/p",
    ).assert_is(exp.Create)
    assert create.find(exp.ComputedColumnConstraint) is not None


# --------------------------------------------------------------------------------------------------
# Datasets  https://docs.snowflake.com/en/sql-reference/sql/create-dataset
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "replace", "exists"),
    [
        ("CREATE DATASET d", False, False),
        ("CREATE DATASET IF NOT EXISTS DB.SCH.MY_DATASET", False, True),
        ("CREATE OR REPLACE DATASET d", True, False),
        ("CREATE OR REPLACE DATASET IF NOT EXISTS d", True, True),
    ],
)
def test_create_dataset(sql: str, replace: bool, exists: bool) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/create-dataset"""
    create = validate_identity(sql).assert_is(exp.Create)
    assert create.kind == "DATASET"
    create.this.assert_is(exp.Table)
    assert bool(create.args.get("replace")) is replace
    assert bool(create.args.get("exists")) is exists


DATASET_METADATA = (
    '{"source_query": "{\\"queries\\": [\\"SELECT \'x\'\\"]}", "owner": "ME", '
    '"exclude_cols": [], "$proptype$": "FeatureStoreMetadata"}'
)


@pytest.mark.parametrize(
    ("sql", "write_sql"),
    [
        # as the ML library writes it (Dataset.create_version)
        (
            "ALTER DATASET DB.SCH.MY_DATASET ADD VERSION '1.0' FROM (SELECT a, b FROM t) "
            f"METADATA=$${DATASET_METADATA}$$",
            None,
        ),
        (
            "ALTER DATASET IF EXISTS d ADD VERSION 'v' FROM (SELECT a FROM t) PARTITION BY a "
            "COMMENT='c' METADATA=$${}$$",
            None,
        ),
        # the documentation's example; spacing and function case are normalised
        (
            "ALTER DATASET abc ADD VERSION 'v1' FROM (SELECT seq4() as ID, uniform(1, 10, "
            "random(721)) as PART FROM TABLE(GENERATOR(ROWCOUNT => 100000)) v) PARTITION BY PART "
            "COMMENT = 'Initial version' METADATA = '{\"source\":\"some_table\"}'",
            "ALTER DATASET abc ADD VERSION 'v1' FROM (SELECT SEQ4() AS ID, UNIFORM(1, 10, "
            "RANDOM(721)) AS PART FROM TABLE(GENERATOR(ROWCOUNT => 100000)) AS v) "
            "PARTITION BY PART COMMENT='Initial version' METADATA='{\"source\":\"some_table\"}'",
        ),
        ("ALTER DATASET d ADD VERSION 'v' FROM WITH a AS (SELECT 1 AS x) SELECT x FROM a", None),
        (
            "ALTER DATASET d ADD VERSION 'v' FROM ((SELECT 1) UNION ALL (SELECT 2)) "
            "PARTITION BY CONCAT(a, b)",
            None,
        ),
    ],
)
def test_alter_dataset_add_version(sql: str, write_sql: str | None) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/alter-dataset"""
    alter = validate_identity(sql, write_sql).assert_is(exp.Alter)
    assert alter.args["kind"] == "DATASET"
    action = alter.actions[0].assert_is(AddDatasetVersion)
    assert action.this.is_string
    assert isinstance(action.query, exp.Query)


def test_dataset_version_as_read() -> None:
    """Name, version, query, partition, comment and metadata as a consumer reads them."""
    alter = parse(
        "ALTER DATASET DB.SCH.D ADD VERSION '1.0' FROM (SELECT a FROM DB.SCH.T) PARTITION BY a "
        f"COMMENT='it''s' METADATA=$${DATASET_METADATA}$$"
    )
    assert alter.this.sql() == "DB.SCH.D"
    action = alter.actions[0]
    assert action.this.name == "1.0"
    query = action.query.assert_is(exp.Select)
    assert [t.sql() for t in query.find_all(exp.Table)] == ["DB.SCH.T"]
    assert action.args["partition_by"].sql() == "a"
    assert action.args["comment"].name == "it's"
    # a $$…$$ body is kept exactly as written, backslashes included
    action.args["metadata"].assert_is(exp.RawString)
    assert action.metadata_text == DATASET_METADATA
    # a quoted string's value is its unescaped text
    quoted = parse("ALTER DATASET d ADD VERSION 'v' FROM (SELECT 1) METADATA='{\"a\": \"it''s\"}'")
    assert quoted.actions[0].metadata_text == '{"a": "it\'s"}'


def test_alter_dataset_drop_version() -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/alter-dataset"""
    alter = validate_identity("ALTER DATASET d DROP VERSION 'v'")
    assert alter.args["kind"] == "DATASET"
    assert alter.actions[0].assert_is(DropVersion).this.name == "v"


@pytest.mark.parametrize("kind", ["DATASET", "MODEL", "SERVICE"])
@pytest.mark.parametrize("exists", ["", " IF EXISTS"])
def test_drop_ml_object(kind: str, exists: str) -> None:
    """DROP DATASET / MODEL / SERVICE: upstream's exp.Drop with that kind."""
    drop = validate_identity(f"DROP {kind}{exists} db.s.x").assert_is(exp.Drop)
    assert drop.kind == kind
    assert bool(drop.args.get("exists")) is bool(exists)
    assert [t.sql() for t in drop.args["tables"]] == ["db.s.x"]


# --------------------------------------------------------------------------------------------------
# Models  https://docs.snowflake.com/en/sql-reference/sql/create-model
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "version", "live", "source"),
    [
        (
            "CREATE MODEL DB.SCH.M WITH VERSION V1 FROM @DB.SCH.SNOWPARK_TEMP_STAGE_AB/model",
            "V1",
            False,
            "@DB.SCH.SNOWPARK_TEMP_STAGE_AB/model",
        ),
        (
            'CREATE MODEL m WITH VERSION "v1" FROM @"DB"."S"."STAGE"/model',
            "v1",
            False,
            '@"DB"."S"."STAGE"/model',
        ),
        (
            "CREATE OR REPLACE MODEL IF NOT EXISTS m WITH LIVE VERSION v1 FROM @~/p",
            "v1",
            True,
            "@~/p",
        ),
        ("CREATE MODEL m FROM @%t/p", None, False, "@%t/p"),
        ("CREATE MODEL m FROM @stage", None, False, "@stage"),
        ("CREATE MODEL m WITH LIVE VERSION V1", "V1", True, None),
    ],
)
def test_create_model_from_stage(
    sql: str, version: str | None, live: bool, source: str | None
) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/create-model (internalStage forms)"""
    create = validate_identity(sql).assert_is(CreateModel)
    assert isinstance(create, exp.Create) and create.kind == "MODEL"
    create.this.assert_is(exp.Table)
    assert (create.args["version"].name if create.args.get("version") else None) == version
    assert bool(create.args.get("live")) is live
    if source is None:
        assert create.args.get("source") is None
    else:
        assert create.args["source"].assert_is(exp.Var).name == source


@pytest.mark.parametrize(
    ("sql", "source_name", "source_version"),
    [
        ("CREATE MODEL db.s.m WITH VERSION v2 FROM MODEL db.s.m2 VERSION v1", "db.s.m2", "v1"),
        ("CREATE MODEL m FROM MODEL m2", "m2", None),
        (
            "CREATE MODEL m WITH VERSION V1 FROM MODEL other.m2 VERSION DEFAULT",
            "other.m2",
            "DEFAULT",
        ),
    ],
)
def test_create_model_from_model(sql: str, source_name: str, source_version: str | None) -> None:
    """CREATE MODEL … FROM MODEL m2 [VERSION v]: the source is a ModelRef, not an exp.Table."""
    create = validate_identity(sql).assert_is(CreateModel)
    source = create.args["source"].assert_is(ModelRef)
    assert ".".join(p.name for p in source.parts) == source_name
    assert (source.version.name if source.version else None) == source_version
    # the target is a table-like name, the source model is not an exp.Table
    assert [t.sql() for t in create.find_all(exp.Table)] == [create.this.sql()]


@pytest.mark.parametrize(
    ("sql", "action_type"),
    [
        (
            "ALTER MODEL DB.SCH.M ADD VERSION V2 FROM @DB.SCH.SNOWPARK_TEMP_STAGE_AB/model",
            AddModelVersion,
        ),
        ("ALTER MODEL IF EXISTS m ADD VERSION V2 FROM @~/model", AddModelVersion),
        ("ALTER MODEL m ADD LIVE VERSION V2", AddModelVersion),
        ("ALTER MODEL m ADD LIVE VERSION V2 FROM @%t/p", AddModelVersion),
        ("ALTER MODEL m ADD VERSION V2 FROM MODEL db.s.m2 VERSION LAST", AddModelVersion),
        ("ALTER MODEL m ADD VERSION V2 FROM MODEL m2", AddModelVersion),
        ("ALTER MODEL m SET DEFAULT_VERSION = V1", SetDefaultVersion),
        ("ALTER MODEL m DROP VERSION v", DropVersion),
        ("ALTER MODEL m VERSION v SET ALIAS = a", ModelVersionAlias),
        ("ALTER MODEL m VERSION v UNSET ALIAS", ModelVersionAlias),
        ("ALTER MODEL m COMMIT VERSION v", CommitModelVersion),
        ("ALTER MODEL m MODIFY VERSION V1 SET COMMENT=$$a model$$", ModifyModelVersion),
        (
            'ALTER MODEL m MODIFY VERSION V1 SET METADATA=$${"metrics": {"f1": 0.9}}$$',
            ModifyModelVersion,
        ),
        ("ALTER MODEL m RENAME TO db.s.m2", exp.AlterRename),
        ("ALTER MODEL m SET TAG db.s.t = 'x'", exp.AlterSet),
    ],
)
def test_alter_model(sql: str, action_type: type[exp.Expr]) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/alter-model"""
    alter = validate_identity(sql).assert_is(exp.Alter)
    assert alter.args["kind"] == "MODEL"
    alter.this.assert_is(exp.Table)
    alter.actions[0].assert_is(action_type)


def test_alter_model_as_read() -> None:
    """Versions and aliases stay exp.Identifier nodes, so quoting decides case folding."""
    add = parse('ALTER MODEL IF EXISTS db.s.m ADD LIVE VERSION v2 FROM MODEL m1 VERSION "v1"')
    assert add.args["exists"] and add.this.sql() == "db.s.m"
    action = add.actions[0]
    assert action.this.assert_is(exp.Identifier).name == "v2" and not action.this.quoted
    assert action.args["live"]
    source = action.args["source"].assert_is(ModelRef)
    assert source.name == "m1" and source.version.quoted

    default = parse("ALTER MODEL m SET DEFAULT_VERSION = v1").actions[0]
    assert default.this.assert_is(exp.Identifier).name == "v1"
    alias = parse("ALTER MODEL m VERSION v1 SET ALIAS = champion").actions[0]
    assert (alias.this.name, alias.args["alias"].name) == ("v1", "champion")
    assert parse("ALTER MODEL m VERSION champion UNSET ALIAS").actions[0].args.get("alias") is None
    modify = parse("ALTER MODEL m MODIFY VERSION v1 SET COMMENT=$$c$$").actions[0]
    assert [(p.name, p.args["value"].name) for p in modify.expressions] == [("COMMENT", "c")]


def test_alter_model_normalised_forms() -> None:
    """Forms the generator writes in its canonical spacing."""
    validate_identity("ALTER MODEL m SET COMMENT = 'x'", "ALTER MODEL m SET COMMENT='x'")
    validate_identity(
        "ALTER MODEL m VERSION v SET ALIAS=a", "ALTER MODEL m VERSION v SET ALIAS = a"
    )


# --------------------------------------------------------------------------------------------------
# Services and CALL
# --------------------------------------------------------------------------------------------------


def test_call_deploy_model() -> None:
    """CALL SYSTEM$DEPLOY_MODEL('<yaml>'), as ModelVersion.create_service runs it."""
    call = validate_identity("CALL SYSTEM$DEPLOY_MODEL('models: [{name: DB.S.M, version: V1}]')")
    call.assert_is(Call)
    deploy = call.this.assert_is(DeployModel)
    assert call.function is deploy
    assert deploy.spec == "models: [{name: DB.S.M, version: V1}]"
    assert call.procedure_name == "SYSTEM$DEPLOY_MODEL"


def test_call_deploy_model_yaml_spec() -> None:
    """The spec literal's value is the YAML text; a stage path or a bound expression too."""
    # the library puts the YAML (with real line breaks, quotes escaped) in one literal
    sql = (
        "CALL SYSTEM$DEPLOY_MODEL("
        "'models:\n- name: DB.S.M\n  version: V1\nservice:\n  name: \\'S\\'\n')"
    )
    call = validate_identity(
        sql,
        "CALL SYSTEM$DEPLOY_MODEL('models:\\n- name: DB.S.M\\n  version: V1\\nservice:\\n"
        "  name: \\'S\\'\\n')",
    )
    assert call.function.spec == "models:\n- name: DB.S.M\n  version: V1\nservice:\n  name: 'S'\n"
    stage = parse("CALL SYSTEM$DEPLOY_MODEL('@DB.S.STAGE/spec.yaml')")
    assert stage.function.spec == "@DB.S.STAGE/spec.yaml"
    bound = validate_identity(
        "CALL SYSTEM$DEPLOY_MODEL('a: '|| ? ||'')", "CALL SYSTEM$DEPLOY_MODEL('a: ' || ? || '')"
    )
    assert bound.function.assert_is(DeployModel).spec is None


@pytest.mark.parametrize(
    ("sql", "write_sql", "name"),
    [
        ("CALL proc(1, 'a', PARSE_JSON('[1]'))", "CALL PROC(1, 'a', PARSE_JSON('[1]'))", "proc"),
        ("CALL db.s.proc(a => 1)", None, "db.s.proc"),
        ('CALL "DB"."S"."MyProc"()', None, '"DB"."S"."MyProc"'),
        ("CALL SNOWPARK_TEMP_PROCEDURE_AB(PARSE_JSON('[]'))", None, "SNOWPARK_TEMP_PROCEDURE_AB"),
        ("/* c */ CALL p(1)", "/* c */ CALL P(1)", "p"),
    ],
)
def test_call(sql: str, write_sql: str | None, name: str) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/call"""
    call = validate_identity(sql, write_sql).assert_is(Call)
    call.function.assert_is(exp.Func)
    assert call.procedure_name == name


def test_call_arguments_are_parsed() -> None:
    """CALL's arguments are parsed expressions, not text."""
    call = parse("CALL p(1, 'a', PARSE_JSON('[1]'))")
    args = call.function.expressions
    assert [type(a) for a in args] == [exp.Literal, exp.Literal, exp.ParseJSON]


@pytest.mark.parametrize(
    ("sql", "write_sql"),
    [
        (
            "CREATE SERVICE IF NOT EXISTS db.s.svc IN COMPUTE POOL p FROM @stage "
            "SPECIFICATION_FILE = 'spec.yaml'",
            None,
        ),
        (
            "CREATE SERVICE svc IN COMPUTE POOL p FROM SPECIFICATION $$spec:\n  containers: []$$",
            None,
        ),
        ("CREATE SERVICE svc IN COMPUTE POOL p FROM SPECIFICATION 'spec: {}'", None),
        (
            "CREATE SERVICE svc IN COMPUTE POOL p FROM @st SPECIFICATION_TEMPLATE_FILE = 't.yaml' "
            "USING (a => 1, b => 'x')",
            None,
        ),
        (
            "CREATE SERVICE svc IN COMPUTE POOL p FROM SPECIFICATION $$spec: {}$$ "
            "MIN_INSTANCES = 1 MAX_INSTANCES = 2 EXTERNAL_ACCESS_INTEGRATIONS = (a, b) "
            "AUTO_RESUME = TRUE LOG_LEVEL = 'INFO' QUERY_WAREHOUSE = wh WITH TAG (db.s.t = 'x') "
            "COMMENT = 'c'",
            "CREATE SERVICE svc IN COMPUTE POOL p FROM SPECIFICATION $$spec: {}$$ "
            "MIN_INSTANCES=1 MAX_INSTANCES=2 EXTERNAL_ACCESS_INTEGRATIONS=(a, b) "
            "AUTO_RESUME=TRUE LOG_LEVEL='INFO' QUERY_WAREHOUSE=wh TAG (db.s.t='x') COMMENT='c'",
        ),
    ],
)
def test_create_service(sql: str, write_sql: str | None) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/create-service"""
    create = validate_identity(sql, write_sql).assert_is(CreateService)
    assert isinstance(create, exp.Create) and create.kind == "SERVICE"
    create.this.assert_is(exp.Table)
    create.args["compute_pool"].assert_is(exp.Identifier)


def test_create_service_as_read() -> None:
    """Service name, pool, stage and specification as a consumer reads them."""
    create = parse(
        "CREATE SERVICE IF NOT EXISTS db.s.svc IN COMPUTE POOL pool1 FROM @db.s.st "
        "SPECIFICATION_FILE = 'spec.yaml' COMMENT = 'c'"
    )
    assert create.this.sql() == "db.s.svc" and create.args["exists"]
    assert create.args["compute_pool"].name == "pool1"
    assert create.args["stage"].name == "@db.s.st"
    assert create.args["specification_file"].name == "spec.yaml"
    inline = parse("CREATE SERVICE svc IN COMPUTE POOL p FROM SPECIFICATION $$a: 'b'$$")
    assert inline.args["specification"].name == "a: 'b'"


# --------------------------------------------------------------------------------------------------
# Model inference inside queries
# https://docs.snowflake.com/en/developer-guide/snowflake-ml/model-registry/warehouse
# --------------------------------------------------------------------------------------------------

# As ModelVersionSQLClient.invoke_method writes it: no space after the comma between CTEs.
INFERENCE_SQL = (
    'WITH SNOWPARK_ML_MODEL_INFERENCE_INPUT AS (SELECT "A", "B" FROM DB.S.T),'
    "MODEL_VERSION_ALIAS AS MODEL DB.S.M VERSION V1"
    """
                SELECT *,
                    MODEL_VERSION_ALIAS!PREDICT(A, B) AS TMP_RESULT
                FROM SNOWPARK_ML_MODEL_INFERENCE_INPUT"""
)

INFERENCE_SQL_NORMALISED = (
    'WITH SNOWPARK_ML_MODEL_INFERENCE_INPUT AS (SELECT "A", "B" FROM DB.S.T), '
    "MODEL_VERSION_ALIAS AS MODEL DB.S.M VERSION V1 "
    "SELECT *, MODEL_VERSION_ALIAS!PREDICT(A, B) AS TMP_RESULT "
    "FROM SNOWPARK_ML_MODEL_INFERENCE_INPUT"
)


@pytest.mark.parametrize(
    ("sql", "write_sql", "model", "version"),
    [
        (INFERENCE_SQL, INFERENCE_SQL_NORMALISED, "DB.S.M", "V1"),
        (
            "WITH I AS (SELECT A FROM DB.S.T), MV AS MODEL DB.S.M VERSION V1 SELECT * FROM I, "
            "TABLE(MV!PREDICT(A) OVER (PARTITION BY 1))",
            None,
            "DB.S.M",
            "V1",
        ),
        ("SELECT m!PREDICT(a) FROM t", None, "m", None),
        ("SELECT db.s.m!PREDICT(a) FROM t", None, "db.s.m", None),
        ("SELECT MODEL(db.s.m, V1)!PREDICT(a) FROM t", None, "db.s.m", "V1"),
        ("SELECT MODEL(m, LAST)!PREDICT_PROBA(a) FROM t", None, "m", "LAST"),
        ("SELECT MODEL(m)!PREDICT(a) FROM t", None, "m", None),
        (
            "SELECT MODEL(m, V1)!PREDICT(a):output AS p FROM t",
            "SELECT GET_PATH(MODEL(m, V1)!PREDICT(a), 'output') AS p FROM t",
            "m",
            "V1",
        ),
        (
            "INSERT INTO out WITH mv AS MODEL m VERSION v SELECT mv!PREDICT(x) AS p FROM t",
            None,
            "m",
            "v",
        ),
        ("INSERT INTO out SELECT MODEL(db.s.m, V1)!PREDICT(x) AS p FROM t", None, "db.s.m", "V1"),
        (
            "CREATE TABLE out AS WITH mv AS MODEL m VERSION v SELECT mv!PREDICT(a) AS p FROM t",
            None,
            "m",
            "v",
        ),
        (
            "MERGE INTO tgt USING (WITH mv AS MODEL m SELECT t.id, mv!PREDICT(a) AS p FROM t) AS s "
            "ON tgt.id = s.id WHEN MATCHED THEN UPDATE SET tgt.p = s.p",
            None,
            "m",
            None,
        ),
        (
            "CREATE VIEW v AS WITH mv AS MODEL m VERSION V1 SELECT mv!PREDICT(a) AS p FROM t",
            None,
            "m",
            "V1",
        ),
    ],
)
def test_model_inference(sql: str, write_sql: str | None, model: str, version: str | None) -> None:
    """Model method calls in queries and DML/DDL around them; the model is found, never a table.
    https://docs.snowflake.com/en/developer-guide/snowflake-ml/model-registry/warehouse"""
    tree = validate_identity(sql, write_sql)
    attributes = list(tree.find_all(exp.ModelAttribute))
    assert len(attributes) == 1
    ref = resolve_model(attributes[0])
    assert ref is not None
    assert ".".join(p.name for p in ref.parts) == model
    assert (ref.version.name if ref.version else None) == version
    assert [".".join(p.name for p in r.parts) for r in model_refs(tree)] == [model]
    # the model is never a table read
    assert model not in {t.sql() for t in tree.find_all(exp.Table)}


def test_model_ref_shapes() -> None:
    """The ModelRef of the WITH form and of the MODEL(…) form."""
    cte_ref = parse(INFERENCE_SQL).find(ModelRef)
    assert (cte_ref.catalog, cte_ref.db, cte_ref.name) == ("DB", "S", "M")
    assert cte_ref.version.assert_is(exp.Identifier).name == "V1"
    assert not cte_ref.args.get("call")
    assert cte_ref.to_table().sql() == "DB.S.M" and cte_ref.to_table().parent is None
    assert isinstance(cte_ref.parent, exp.CTE)

    call_ref = parse("SELECT MODEL(m, v1)!PREDICT(a) FROM t").find(ModelRef)
    assert call_ref.args["call"] and call_ref.parts[0].name == "m"
    assert isinstance(call_ref.parent, exp.ModelAttribute)
    assert call_ref.parent.expression.name == "PREDICT"


def test_model_call_without_method_stays_anonymous() -> None:
    """MODEL(…) not followed by ``!`` keeps upstream's exp.Anonymous."""
    tree = validate_identity("SELECT MODEL(a, b), MODEL(1 + 2) FROM t")
    assert tree.find(ModelRef) is None
    assert [f.name for f in tree.find_all(exp.Anonymous)] == ["MODEL", "MODEL"]


def test_resolve_model_alias_of_other_cte() -> None:
    """A ``!`` on a non-model CTE resolves to no model."""
    tree = parse("WITH x AS (SELECT 1 AS a) SELECT x!PREDICT(a) FROM x")
    assert resolve_model(tree.find(exp.ModelAttribute)) is None


def test_model_cte_and_scope() -> None:
    """A ModelRef CTE leaves scope traversal, qualify and lineage working and silent."""
    with sqlglot_warnings() as warnings:
        tree = parse(INFERENCE_SQL)
        scopes = traverse_scope(tree)
        schema = {"DB": {"S": {"T": {"A": "int", "B": "int"}}}}
        qualified = qualify(tree.copy(), dialect=MlSnowflake, schema=schema)
        node = lineage("TMP_RESULT", tree, schema, dialect=MlSnowflake)
    assert not warnings, warnings
    # the model CTE builds no scope and is no source; the inference input is
    assert [sorted(s.sources) for s in scopes] == [["T"], ["SNOWPARK_ML_MODEL_INFERENCE_INPUT"]]
    assert qualified.find(ModelRef) is not None
    assert {n.name for n in node.walk()} >= {'T."A"', 'T."B"'}


def test_pickle_round_trip() -> None:
    """Trees with our classes pickle (sqlglot's serde finds them by module path)."""
    for sql in (INFERENCE_SQL, "CREATE MODEL m WITH VERSION v FROM MODEL m2 VERSION v1"):
        tree = parse(sql)
        assert pickle.loads(pickle.dumps(tree)) == tree


# --------------------------------------------------------------------------------------------------
# What Snowpark writes around these calls
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "write_sql", "location"),
    [
        (
            'SELECT $1:"COL"::NUMBER(38, 0) AS "COL" FROM \'snow://dataset/DB.S.D/versions/1.0/\' '
            "(FILE_FORMAT => 'DB.S.FF', PATTERN => '.*')",
            "SELECT CAST(GET_PATH($1, 'COL') AS DECIMAL(38, 0)) AS \"COL\" FROM "
            "'snow://dataset/DB.S.D/versions/1.0/' (FILE_FORMAT => 'DB.S.FF', PATTERN => '.*')",
            "snow://dataset/DB.S.D/versions/1.0/",
        ),
        (
            'SELECT * FROM (SELECT $1:"COL" AS "COL" FROM \'snow://dataset/DB.S.D/versions/v1/\''
            "( FILE_FORMAT => '\"DB\".\"S\".SNOWPARK_TEMP_FILE_FORMAT_AB', PATTERN => '.*'))",
            "SELECT * FROM (SELECT GET_PATH($1, 'COL') AS \"COL\" FROM "
            "'snow://dataset/DB.S.D/versions/v1/' (FILE_FORMAT => "
            "'\"DB\".\"S\".SNOWPARK_TEMP_FILE_FORMAT_AB', PATTERN => '.*'))",
            "snow://dataset/DB.S.D/versions/v1/",
        ),
        ("SELECT $1 FROM @db.s.st/path/ (PATTERN => '.*')", None, "@db.s.st/path/"),
    ],
)
def test_staged_file_reads(sql: str, write_sql: str | None, location: str) -> None:
    """Snowpark reads of dataset files: upstream's exp.Table over a string location.
    https://docs.snowflake.com/en/user-guide/querying-stage"""
    tree = validate_identity(sql, write_sql)
    tables = list(tree.find_all(exp.Table))
    assert len(tables) == 1
    assert staged_file_location(tables[0]) == location
    assert staged_file_location(parse("SELECT * FROM db.s.t").find(exp.Table)) is None


@pytest.mark.parametrize(
    ("sql", "write_sql", "kind"),
    [
        (
            'CREATE SCOPED TEMPORARY TABLE "DB"."S"."SNOWPARK_TEMP_TABLE_AB"(a NUMBER)',
            'CREATE SCOPED TEMPORARY TABLE "DB"."S"."SNOWPARK_TEMP_TABLE_AB" (a DECIMAL(38, 0))',
            "TABLE",
        ),
        (
            "create SCOPED TEMPORARY stage if not exists x",
            "CREATE SCOPED TEMPORARY STAGE IF NOT EXISTS x",
            "STAGE",
        ),
        (
            "CREATE SCOPED TEMPORARY FILE FORMAT x TYPE = PARQUET",
            "CREATE SCOPED TEMPORARY FILE FORMAT x TYPE=PARQUET",
            "FILE FORMAT",
        ),
    ],
)
def test_snowpark_scoped_temporary(sql: str, write_sql: str, kind: str) -> None:
    """CREATE SCOPED TEMPORARY … as Snowpark writes it."""
    create = validate_identity(sql, write_sql).assert_is(exp.Create)
    assert create.kind == kind
    assert create.find(exp.TemporaryProperty).args.get("scoped")


# --------------------------------------------------------------------------------------------------
# Feature views and tags  https://docs.snowflake.com/en/user-guide/object-tagging/work
# --------------------------------------------------------------------------------------------------

FV_TAGS = (
    'db.s.SNOWML_FEATURE_STORE_OBJECT=\'{"type": "MANAGED_FEATURE_VIEW", "pkg_version": '
    '"1.7.1"}\', db.s.SNOWML_FEATURE_VIEW_METADATA=\'{"entities": ["WINE"], '
    '"timestamp_col": "NULL"}\''
)


def test_create_dynamic_table_feature_view() -> None:
    """A managed feature view as snowflake-ml writes it; tags readable.
    https://docs.snowflake.com/en/sql-reference/sql/create-dynamic-table"""
    sql = (
        "CREATE OR REPLACE DYNAMIC TABLE db.s.\"WINE_FEATURES$1.0\" (c1 COMMENT 'x', c2) "
        f"TARGET_LAG = '1d' COMMENT = 'c' TAG ({FV_TAGS.replace('=', ' = ', 2)}) "
        "WAREHOUSE = wh REFRESH_MODE = AUTO INITIALIZE = ON_CREATE AS SELECT a FROM t"
    )
    create = validate_identity(
        sql,
        "CREATE OR REPLACE DYNAMIC TABLE db.s.\"WINE_FEATURES$1.0\" (c1 COMMENT 'x', c2) "
        f"COMMENT='c' TARGET_LAG='1d' TAG ({FV_TAGS}) WAREHOUSE=wh REFRESH_MODE=AUTO "
        "INITIALIZE=ON_CREATE AS SELECT a FROM t",
    ).assert_is(exp.Create)
    assert create.kind == "TABLE" and create.find(exp.DynamicProperty) is not None
    assert create.this.this.name == "WINE_FEATURES$1.0"
    tags = tag_assignments(create)
    assert [([p.name for p in name], value.name) for name, value in tags] == [
        (
            ["db", "s", "SNOWML_FEATURE_STORE_OBJECT"],
            '{"type": "MANAGED_FEATURE_VIEW", "pkg_version": "1.7.1"}',
        ),
        (
            ["db", "s", "SNOWML_FEATURE_VIEW_METADATA"],
            '{"entities": ["WINE"], "timestamp_col": "NULL"}',
        ),
    ]


def test_create_view_feature_view() -> None:
    """A static feature view (a VIEW with TAG)."""
    create = validate_identity(
        "CREATE OR REPLACE VIEW db.s.\"X$1.0\" (c) COMMENT = 'c' TAG "
        '(db.s.SNOWML_FEATURE_STORE_OBJECT = \'{"type": "EXTERNAL_FEATURE_VIEW"}\') '
        "AS SELECT a FROM t",
        "CREATE OR REPLACE VIEW db.s.\"X$1.0\" (c) COMMENT='c' TAG "
        '(db.s.SNOWML_FEATURE_STORE_OBJECT=\'{"type": "EXTERNAL_FEATURE_VIEW"}\') '
        "AS SELECT a FROM t",
    )
    [(name, value)] = tag_assignments(create)
    assert name[-1].name == "SNOWML_FEATURE_STORE_OBJECT"
    assert value.name == '{"type": "EXTERNAL_FEATURE_VIEW"}'


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        (
            "ALTER TABLE t SET TAG db.s.SNOWML_FEATURE_STORE_OBJECT = "
            '\'{"type": "TRAINING_DATA"}\'',
            "TABLE",
        ),
        (
            'ALTER DYNAMIC TABLE t SET TAG db.s.SNOWML_FEATURE_STORE_OBJECT = \'{"type": "x"}\'',
            "DYNAMIC TABLE",
        ),
        ("ALTER VIEW db.s.\"X$1.0\" SET TAG db.s.SNOWML_FEATURE_STORE_OBJECT = '{}'", "VIEW"),
        (
            "ALTER MATERIALIZED VIEW v SET TAG db.s.SNOWML_FEATURE_STORE_OBJECT = '{}'",
            "MATERIALIZED VIEW",
        ),
    ],
)
def test_alter_set_tag(sql: str, kind: str) -> None:
    """ALTER … SET TAG on tables, dynamic tables and views.
    https://docs.snowflake.com/en/sql-reference/sql/alter-table"""
    alter = validate_identity(sql).assert_is(exp.Alter)
    assert alter.args["kind"] == kind
    alter.actions[0].assert_is(exp.AlterSet)
    [(name, value)] = tag_assignments(alter)
    assert [p.name for p in name] == ["db", "s", "SNOWML_FEATURE_STORE_OBJECT"]
    value.assert_is(exp.Literal)


@pytest.mark.parametrize(
    ("sql", "write_sql"),
    [
        ("ALTER TABLE t UNSET TAG db.s.x, y", None),
        ("ALTER DYNAMIC TABLE t UNSET TAG db.s.x", None),
        (
            "ALTER DYNAMIC TABLE t SET TARGET_LAG = '1 hour'",
            "ALTER DYNAMIC TABLE t SET TARGET_LAG='1 hour'",
        ),
        (
            "ALTER SCHEMA s SET DATA_RETENTION_TIME_IN_DAYS = 1",
            "ALTER SCHEMA s SET DATA_RETENTION_TIME_IN_DAYS=1",
        ),
    ],
)
def test_alter_set_unset(sql: str, write_sql: str | None) -> None:
    """SET / UNSET on the extra ALTER kinds, and UNSET TAG with qualified names."""
    validate_identity(sql, write_sql).assert_is(exp.Alter)


def test_create_tag_keeps_qualified_name() -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/create-tag"""
    create = validate_identity(
        "CREATE TAG IF NOT EXISTS db.fs.SNOWML_FEATURE_STORE_ENTITY_WINE ALLOWED_VALUES 'WINE_ID' "
        "COMMENT = 'desc'",
        "CREATE TAG IF NOT EXISTS db.fs.SNOWML_FEATURE_STORE_ENTITY_WINE ALLOWED_VALUES 'WINE_ID' "
        "COMMENT='desc'",
    )
    assert create.kind == "TAG"
    assert create.this.assert_is(exp.Table).sql() == "db.fs.SNOWML_FEATURE_STORE_ENTITY_WINE"
    validate_identity("CREATE WAREHOUSE wh").this.assert_is(exp.Identifier)


# --------------------------------------------------------------------------------------------------
# Commands before, trees now; fallbacks
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE DATASET IF NOT EXISTS DB.SCH.D",
        "ALTER DATASET d ADD VERSION 'v' FROM (SELECT 1) METADATA=$${}$$",
        "ALTER DATASET d DROP VERSION 'v'",
        "DROP DATASET d",
        "CREATE MODEL m WITH VERSION V1 FROM @st/model",
        "CREATE MODEL m FROM MODEL m2 VERSION V1",
        "ALTER MODEL m ADD VERSION V2 FROM @st/model",
        "ALTER MODEL m SET DEFAULT_VERSION = V2",
        "ALTER MODEL m DROP VERSION V1",
        "ALTER MODEL m VERSION V1 SET ALIAS = A",
        "ALTER MODEL m VERSION V1 UNSET ALIAS",
        "ALTER MODEL m COMMIT VERSION V1",
        "ALTER MODEL m RENAME TO m2",
        "DROP MODEL m",
        "CALL SYSTEM$DEPLOY_MODEL('spec')",
        "CALL P(1)",
        "CREATE SERVICE s IN COMPUTE POOL p FROM @st SPECIFICATION_FILE = 'f.yaml'",
        "DROP SERVICE s",
        "ALTER SCHEMA a RENAME TO b",
        "ALTER DYNAMIC TABLE t SET TAG db.s.x = 'y'",
        "ALTER TABLE t UNSET TAG db.s.x",
    ],
)
def test_no_longer_command(sql: str) -> None:
    """Each of these is an exp.Command upstream and a tree here."""
    with sqlglot_warnings():
        upstream = sqlglot.parse_one(sql, read="snowflake")
    assert isinstance(upstream, exp.Command)
    assert not isinstance(validate_identity(sql), exp.Command)


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER MODEL m FROB",
        "ALTER MODEL m ADD VERSION v",
        "ALTER MODEL m MODIFY VERSION v UNSET COMMENT",
        "CREATE MODEL MONITOR mm WITH WAREHOUSE = wh",
        "DROP MODEL MONITOR mm",
        "ALTER DATASET d ADD VERSION 'v'",
        "CALL p(1) INTO :x",
        "EXECUTE IMMEDIATE $$ SELECT 1 $$",
        "EXECUTE TASK t",
        "CREATE SERVICE s IN COMPUTE POOL p FROM @st",
        "CREATE OR REPLACE SERVICE s IN COMPUTE POOL p FROM @st SPECIFICATION_FILE = 'f'",
        "ALTER SERVICE s SUSPEND",
        "ALTER DYNAMIC TABLE t REFRESH",
        "ALTER SCHEMA s ENABLE MANAGED ACCESS",
        "SHOW VERSIONS LIKE 'V1' IN MODEL m",
        "SHOW FUNCTIONS IN MODEL m VERSION V1",
    ],
)
def test_unsupported_tails_fall_back_to_command(sql: str) -> None:
    """Shapes we do not know stay Commands, with sqlglot's warning logged."""
    validate_identity(sql, check_command_warning=True)


def test_call_keyword_is_still_a_name() -> None:
    """CALL, MODEL, DATASET, SERVICE remain usable as names."""
    validate_identity("SELECT call FROM t")
    validate_identity("SELECT model, dataset, service FROM t")
    validate_identity("WITH model AS (SELECT 1 AS x) SELECT x FROM model")

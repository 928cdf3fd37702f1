"""ML artifacts: derive cases per statement, and fold histories of versions, defaults and aliases."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import lineage_strings

from extractor.derive import Context, derive_metadata, derive_statement
from extractor.fold import Occurrence, fold
from extractor.graph import LineageGraph
from extractor.metadata import LineageSource, ModelVersionMetadata, TagMetadata, read_metadata

CTX = Context("DB", "S")
T0 = datetime(2026, 5, 1, tzinfo=UTC)

FS_META = (
    '{"source_query": "x", "properties": {"spine_query": "SELECT 1", "compact_feature_views": '
    '["{\\"db\\": \\"DB\\", \\"sch\\": \\"FS\\", \\"name\\": \\"WINE_FEATURES\\", \\"version\\": \\"1.0\\", '
    '\\"feature_indices\\": [0]}"]}, "schema_version": "1", "$proptype$": "FeatureStoreMetadata"}'
)

CASES = [
    (
        "dataset_version_from_query",
        "ALTER DATASET d ADD VERSION '1.0' FROM (SELECT * FROM t JOIN u ON t.a = u.a)",
        {"rel:DB.S.T -> dataset:DB.S.D@1.0 (data)", "rel:DB.S.U -> dataset:DB.S.D@1.0 (data)"},
    ),
    (
        "dataset_version_keeps_case",
        "ALTER DATASET x.d ADD VERSION 'v1' FROM (SELECT * FROM t)",
        {"rel:DB.S.T -> dataset:DB.X.D@v1 (data)"},
    ),
    (
        "dataset_metadata_lists_feature_views",
        f"ALTER DATASET d ADD VERSION '2' FROM (SELECT * FROM spine) METADATA = $${FS_META}$$",
        {
            "rel:DB.S.SPINE -> dataset:DB.S.D@2 (data)",
            'rel:DB.FS."WINE_FEATURES$1.0" -> dataset:DB.S.D@2 (data)',
        },
    ),
    ("create_dataset_is_no_node", "CREATE DATASET IF NOT EXISTS d", set()),
    ("model_from_stage_has_no_source", "CREATE MODEL m WITH VERSION v1 FROM @st/model", set()),
    (
        "model_from_model",
        "CREATE MODEL m WITH VERSION v2 FROM MODEL x.src VERSION v1",
        {"model:DB.X.SRC@V1 -> model:DB.S.M@V2 (clone)"},
    ),
    (
        "model_version_from_model_default",
        "ALTER MODEL m ADD VERSION v3 FROM MODEL src",
        {"model:DB.S.SRC -> model:DB.S.M@V3 (clone)"},
    ),
    (
        "prediction_insert_as_library_writes",
        "INSERT INTO out SELECT * FROM (WITH SNOWPARK_ML_MODEL_INFERENCE_INPUT AS (SELECT a FROM t), "
        "MODEL_VERSION_ALIAS AS MODEL db.s.m VERSION V1 SELECT *, MODEL_VERSION_ALIAS!PREDICT(a) AS TMP_RESULT "
        "FROM SNOWPARK_ML_MODEL_INFERENCE_INPUT)",
        {"rel:DB.S.T -> rel:DB.S.OUT (data)", "model:DB.S.M@V1 -> rel:DB.S.OUT (data)"},
    ),
    (
        "prediction_bare_method",
        "CREATE TABLE p AS SELECT m!PREDICT(a) AS r FROM t",
        {"rel:DB.S.T -> table:DB.S.P (data)", "model:DB.S.M -> table:DB.S.P (data)"},
    ),
    (
        "prediction_model_call_alias",
        "CREATE VIEW v AS SELECT MODEL(x.m, last)!PREDICT_PROBA(a) FROM t",
        {"rel:DB.S.T -> view:DB.S.V (dependency)", "model:DB.X.M@LAST -> view:DB.S.V (dependency)"},
    ),
    (
        "deploy_model_inline_spec",
        "CALL SYSTEM$DEPLOY_MODEL('models:\n- name: DB.S.M\n  version: v1\nservice:\n  name: DB.SRV.SVC\n  compute_pool: P\n')",
        {"model:DB.S.M@V1 -> service:DB.SRV.SVC (data)"},
    ),
    ("deploy_model_spec_on_stage", "CALL SYSTEM$DEPLOY_MODEL('@st/spec.yaml')", set()),
    ("other_call", "CALL my_proc(1)", set()),
    (
        "dataset_read_by_url_is_no_edge",
        "INSERT INTO tmp SELECT $1:\"A\"::NUMBER AS A FROM 'snow://dataset/DB.S.D/versions/1.0/' (FILE_FORMAT => 'ff')",
        {"-> rel:DB.S.TMP (data)"},
    ),
]


@pytest.mark.parametrize(("sql", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_ml_statement_edges(sql: str, expected: set[str]) -> None:
    derived = derive_statement(sql, CTX)
    assert derived.error is None, derived.error
    assert lineage_strings(derived.facts) == expected


def run(*statements: str) -> LineageGraph:
    state = LineageGraph()
    for i, sql in enumerate(statements):
        derived = derive_statement(sql, CTX)
        assert derived.error is None, (sql, derived.error)
        fold(state, Occurrence(f"q{i:03}", T0 + timedelta(minutes=i)), derived.facts)
    return state


def edges(state: LineageGraph) -> set[str]:
    return {
        f"{state.node_id(s)} -> {state.node_id(t)} ({k})"
        for s, t, k in state.graph.edges(keys=True)
    }


def statuses(state: LineageGraph) -> dict[str, str]:
    return {state.node_id(k): state.node(k)["status"] for k in state.graph.nodes}


REGISTER = ("CREATE MODEL m WITH VERSION v1 FROM @st/a", "ALTER MODEL m ADD VERSION v2 FROM @st/b")


@pytest.mark.parametrize(
    ("history", "prediction", "expected_source"),
    [
        ((), "SELECT m!PREDICT(a) FROM t", "model:DB.S.M@V1"),  # default = first registered
        (
            ("ALTER MODEL m SET DEFAULT_VERSION = v2",),
            "SELECT m!PREDICT(a) FROM t",
            "model:DB.S.M@V2",
        ),
        ((), "SELECT MODEL(m, LAST)!PREDICT(a) FROM t", "model:DB.S.M@V2"),
        ((), "SELECT MODEL(m, FIRST)!PREDICT(a) FROM t", "model:DB.S.M@V1"),
        (
            ("ALTER MODEL m SET DEFAULT_VERSION = v2",),
            "SELECT MODEL(m, DEFAULT)!PREDICT(a) FROM t",
            "model:DB.S.M@V2",
        ),
        (
            ("ALTER MODEL m VERSION v1 SET ALIAS = champion",),
            "SELECT MODEL(m, champion)!PREDICT(a) FROM t",
            "model:DB.S.M@V1",
        ),
        (
            (
                "ALTER MODEL m VERSION v1 SET ALIAS = champion",
                "ALTER MODEL m VERSION v1 UNSET ALIAS",
                "ALTER MODEL m VERSION v2 SET ALIAS = champion",
            ),
            "SELECT MODEL(m, champion)!PREDICT(a) FROM t",
            "model:DB.S.M@V2",
        ),
        (
            ("ALTER MODEL m ADD VERSION v3 FROM @st/c",),
            "SELECT MODEL(m, LAST)!PREDICT(a) FROM t",
            "model:DB.S.M@V3",
        ),
        (("ALTER MODEL m DROP VERSION v1",), "SELECT m!PREDICT(a) FROM t", "model:DB.S.M@V2"),
    ],
)
def test_unversioned_and_aliased_models_resolve_at_that_moment(
    history, prediction, expected_source
) -> None:
    state = run(*REGISTER, *history, f"CREATE TABLE p AS {prediction}")
    sources = {e.split(" -> ")[0] for e in edges(state) if " -> table:DB.S.P " in e}
    assert sources == {"table:DB.S.T", expected_source}


def test_later_default_change_does_not_move_earlier_edges() -> None:
    state = run(
        *REGISTER,
        "CREATE TABLE p1 AS SELECT m!PREDICT(a) FROM t",
        "ALTER MODEL m SET DEFAULT_VERSION = v2",
        "CREATE TABLE p2 AS SELECT m!PREDICT(a) FROM t",
    )
    assert {
        "model:DB.S.M@V1 -> table:DB.S.P1 (data)",
        "model:DB.S.M@V2 -> table:DB.S.P2 (data)",
    } <= edges(state)


def test_from_model_without_version_copies_the_default() -> None:
    state = run(
        *REGISTER,
        "ALTER MODEL m SET DEFAULT_VERSION = v2",
        "CREATE MODEL prod WITH VERSION v1 FROM MODEL m",
    )
    assert "model:DB.S.M@V2 -> model:DB.S.PROD@V1 (clone)" in edges(state)


def test_drop_model_deletes_every_version_and_drop_version_one() -> None:
    state = run(*REGISTER, "ALTER MODEL m DROP VERSION v1")
    assert statuses(state) == {"model:DB.S.M@V1": "DELETED", "model:DB.S.M@V2": "ACTIVE"}
    state = run(*REGISTER, "DROP MODEL m")
    assert set(statuses(state).values()) == {"DELETED"}


def test_dataset_drop_version_keeps_edges() -> None:
    state = run(
        "ALTER DATASET d ADD VERSION 'v1' FROM (SELECT * FROM t)",
        "ALTER DATASET d ADD VERSION 'v2' FROM (SELECT * FROM t)",
        "ALTER DATASET d DROP VERSION 'v1'",
    )
    assert statuses(state)["dataset:DB.S.D@v1"] == "DELETED"
    assert statuses(state)["dataset:DB.S.D@v2"] == "ACTIVE"
    assert "table:DB.S.T -> dataset:DB.S.D@v1 (data)" in edges(state)


FV_DDL = (
    "CREATE OR REPLACE DYNAMIC TABLE fs.\"WINE_FEATURES$1.0\" (a) TARGET_LAG = '1d' "
    'TAG (fs.SNOWML_FEATURE_VIEW_METADATA = \'{"entities": ["WINE"]}\') WAREHOUSE = wh '
    "AS SELECT a FROM winedata"
)


def test_tagged_dollar_object_is_a_feature_view_and_reads_resolve_to_it() -> None:
    state = run(
        FV_DDL, "ALTER DATASET d ADD VERSION '1' FROM (SELECT * FROM fs.\"WINE_FEATURES$1.0\")"
    )
    assert edges(state) == {
        "table:DB.FS.WINEDATA -> feature_view:DB.FS.WINE_FEATURES@1.0 (dependency)",
        "feature_view:DB.FS.WINE_FEATURES@1.0 -> dataset:DB.S.D@1 (data)",
    }


def test_feature_view_tag_set_later_converts_the_node() -> None:
    state = run(
        'CREATE VIEW fs."X$v2" AS SELECT * FROM t',
        "ALTER VIEW fs.\"X$v2\" SET TAG fs.SNOWML_FEATURE_VIEW_METADATA = '{}'",
    )
    assert "feature_view:DB.FS.X@v2" in statuses(state)


def test_training_data_tag_becomes_the_kind() -> None:
    state = run(
        "CREATE TABLE td AS SELECT * FROM t",
        'ALTER TABLE td SET TAG fs.SNOWML_FEATURE_STORE_OBJECT = \'{"type": "TRAINING_DATA"}\'',
    )
    key = state.names[("relation", "DB", "S", "TD", "")]
    assert state.node(key)["kind"] == "training_data"


def test_untagged_dollar_table_stays_a_table() -> None:
    state = run('CREATE TABLE "A$1" AS SELECT * FROM t')
    assert statuses(state) == {"table:DB.S.A$1": "ACTIVE", "table:DB.S.T": "ACTIVE"}


def test_manifest_sources_become_model_edges() -> None:
    record = ModelVersionMetadata(
        "DB.S.my_model",
        "v1",
        (
            LineageSource("DATASET", "DB.S.my_dataset", "1.0"),
            LineageSource(
                "QUERY", 'SELECT "A" FROM "DB"."S"."SNOWPARK_TEMP_TABLE_X" JOIN other o ON 1=1'
            ),
            LineageSource("EXPERIMENT", "DB.S.EXP", "run_1"),
        ),
        "models/DB.S.my_model/versions/v1/MANIFEST.yml",
    )
    derived = derive_metadata(record)
    assert lineage_strings(derived.facts) == {
        "dataset:DB.S.MY_DATASET@1.0 -> model:DB.S.MY_MODEL@V1 (data)",
        "rel:DB.S.SNOWPARK_TEMP_TABLE_X -> model:DB.S.MY_MODEL@V1 (data)",
        "rel:DB.S.OTHER -> model:DB.S.MY_MODEL@V1 (data)",
    }


def test_tag_reference_row_sets_feature_view() -> None:
    state = run('CREATE VIEW fs."F$1" AS SELECT * FROM t')
    derived = derive_metadata(
        TagMetadata(
            '"DB"."FS"."F$1"', "VIEW", '"DB"."FS"."SNOWML_FEATURE_VIEW_METADATA"', "{}", "x"
        )
    )
    fold(state, Occurrence("tag:1", None), derived.facts)
    assert "feature_view:DB.FS.F@1" in statuses(state)


def test_bad_metadata_files_are_errors_not_failures(tmp_path: Path) -> None:
    good = tmp_path / "models" / "DB.S.M" / "versions" / "V1" / "MANIFEST.yml"
    good.parent.mkdir(parents=True)
    good.write_text(
        textwrap.dedent("""\
        manifest_version: '1.0'
        lineage_sources:
        - type: DATASET
          entity: DB.S.D
          version: '2'
        - {type: QUERY}
        """)
    )
    misplaced = tmp_path / "MANIFEST.yml"
    misplaced.write_text("lineage_sources: []\n")
    broken = tmp_path / "models" / "DB.S.N" / "versions" / "V1" / "MANIFEST.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text("lineage_sources: [\n")
    records_file = tmp_path / "tags.ml.jsonl"
    records_file.write_text(
        '{"OBJECT_DATABASE": "DB", "OBJECT_SCHEMA": "S", "OBJECT_NAME": "T", '
        '"DOMAIN": "TABLE", "TAG_DATABASE": "DB", "TAG_SCHEMA": "S", '
        '"TAG_NAME": "PII", "TAG_VALUE": "yes"}\nnot json\n'
    )
    errors = []
    records = list(read_metadata(sorted([good, misplaced, broken, records_file]), errors.append))
    assert [type(r).__name__ for r in records] == ["ModelVersionMetadata", "TagMetadata"]
    assert records[0].sources == (LineageSource("DATASET", "DB.S.D", "2"),)
    assert sorted(e.error_type for e in errors) == [
        "bad_json",
        "bad_layout",
        "bad_manifest",
        "bad_yaml",
    ]

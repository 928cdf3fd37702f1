"""Golden tests: each shipped fixture gives exactly the lineage written down beside it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from extractor.run import ExtractOptions, extract

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


def read_edges_tsv(path: Path) -> set[tuple[str, str, str]]:
    edges = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("source_id"):
            continue
        source, target, edge_type = line.split("\t")
        edges.add((source, target, edge_type))
    return edges


def edge_set(out: Path) -> set[tuple[str, str, str]]:
    table = pq.read_table(out / "edges.parquet")
    return set(
        zip(
            *(table.column(c).to_pylist() for c in ("source_id", "target_id", "edge_type")),
            strict=True,
        )
    )


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("quickstart")
    extract(ExtractOptions(sources=[str(FIXTURES / "quickstart")], out=out))
    return out


def test_quickstart_reproduces_the_snowsight_dag(quickstart: Path, contract_check) -> None:
    """The picture of shared/docs/quickstart-dag.png: 11 connected objects, 14 edges, no more."""
    expected = read_edges_tsv(FIXTURES / "quickstart" / "expected_edges.tsv")
    assert len(expected) == 14
    assert edge_set(quickstart) == expected
    connected = {end for edge in expected for end in edge[:2]}
    assert len(connected) == 11
    assert contract_check(quickstart) == []


def test_quickstart_nodes_have_the_pictures_kinds(quickstart: Path) -> None:
    nodes = {r["node_id"]: r for r in pq.read_table(quickstart / "nodes.parquet").to_pylist()}
    prefix = "ML_LINEAGE_DATABASE.ML_LINEAGE_SCHEMA."
    assert nodes[f"feature_view:{prefix}WINE_FEATURES@1.0"]["kind"] == "dynamic_table"
    assert nodes[f"feature_view:{prefix}EXTRA_WINE_FEATURES@1.0"]["kind"] == "view"
    assert nodes[f"table:{prefix}MY_TABLE_DATASET_1"]["kind"] == "training_data"
    assert nodes[f"dataset:{prefix}MY_DATASET_FROM_TABLE@v1"]["version"] == "v1"
    model = nodes[f"model:{prefix}MODEL_TRAINED_ON_DATASET@V1"]
    assert (model["domain"], model["version"], model["status"]) == ("model", "V1", "ACTIVE")
    assert str(model["created_at"]) == "2024-11-19 18:55:58.046000+00:00"


def test_warehouse_log_gives_its_oracle(tmp_path: Path, contract_check) -> None:
    summary = extract(ExtractOptions(sources=[str(FIXTURES / "warehouse")], out=tmp_path))
    expected = read_edges_tsv(ROOT / "tests" / "expected" / "warehouse_edges.tsv")
    assert edge_set(tmp_path) == expected
    facts = json.loads((ROOT / "tests" / "expected" / "warehouse_summary.json").read_text())
    assert summary.rows_read == facts["rows"]
    assert summary.skipped_failed == facts["failed"]
    errors = pq.read_table(tmp_path / "errors.parquet").to_pylist()
    # the truncated 100K statement, and EXECUTE IMMEDIATE whose body is not read
    assert {e["error_type"] for e in errors} == {"ParseError", "unsupported"}
    assert len(errors) == facts["unparseable_success_rows"] + 1
    assert contract_check(tmp_path) == []


def test_warehouse_secrets_never_reach_the_output(tmp_path: Path) -> None:
    extract(ExtractOptions(sources=[str(FIXTURES / "warehouse")], out=tmp_path))
    blob = b"".join(p.read_bytes() for p in tmp_path.rglob("*.parquet"))
    assert b"AKIAQX7MLINEAGEFAKE" not in blob and b"mlineage/FAKE" not in blob


def test_ml_platform_fixture_gives_its_oracle(tmp_path: Path, contract_check) -> None:
    """Feature store, two model versions, a default and an alias moved, a model copy, a service,
    predictions, a dropped dataset version (fixtures/ml_platform/README.md)."""
    extract(ExtractOptions(sources=[str(FIXTURES / "ml_platform")], out=tmp_path))
    folder = FIXTURES / "ml_platform"
    assert edge_set(tmp_path) == read_edges_tsv(folder / "expected_edges.tsv")
    statuses = {}
    for line in (folder / "expected_status.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        node_id, status = line.split("\t")
        statuses[node_id] = status
    nodes = {
        r["node_id"]: r["status"] for r in pq.read_table(tmp_path / "nodes.parquet").to_pylist()
    }
    assert {n: nodes.get(n) for n in statuses} == statuses
    assert contract_check(tmp_path) == []


def test_deduplication_changes_no_byte(tmp_path: Path) -> None:
    """Facts derived once per fingerprint fold exactly as if every row were derived on its own."""
    from extractor.derive import cache

    sources = [str(FIXTURES / name) for name in ("warehouse", "quickstart", "ml_platform")]
    extract(ExtractOptions(sources=sources, out=tmp_path / "dedup"))
    original = cache.fingerprint
    try:
        counter = iter(range(10**9))
        cache.fingerprint = lambda text: f"unique-{next(counter)}"  # every row its own statement
        extract(ExtractOptions(sources=sources, out=tmp_path / "each"))
    finally:
        cache.fingerprint = original
    for name in ("nodes", "edges", "grants", "errors"):
        assert (tmp_path / "dedup" / f"{name}.parquet").read_bytes() == (
            tmp_path / "each" / f"{name}.parquet"
        ).read_bytes(), name


def test_workers_give_the_same_bytes(tmp_path: Path) -> None:
    sources = [str(FIXTURES / "warehouse")]
    extract(ExtractOptions(sources=sources, out=tmp_path / "one", workers=1))
    extract(ExtractOptions(sources=sources, out=tmp_path / "two", workers=2))
    for name in ("nodes", "edges", "errors"):
        assert (tmp_path / "one" / f"{name}.parquet").read_bytes() == (
            tmp_path / "two" / f"{name}.parquet"
        ).read_bytes(), name


def test_nightly_run_reuses_the_facts_cache(tmp_path: Path) -> None:
    first = extract(ExtractOptions(sources=[str(FIXTURES / "warehouse")], out=tmp_path))
    again = extract(ExtractOptions(sources=[str(FIXTURES / "warehouse")], out=tmp_path))
    assert first.derived > 0 and again.derived == 0
    assert again.statements == 0 and again.skipped_duplicate == first.statements + first.errors


def test_large_batches_in_pieces_give_the_same_bytes(tmp_path: Path) -> None:
    """A Parquet log read in batches of 65,536 rows is cut in pieces for the pool; small
    batches or large, one process or two: the same output."""
    rows = 9000
    texts = [
        f"INSERT INTO DB.S.T{i % 7} SELECT * FROM DB.S.SRC{i % 11} WHERE d > {i}"
        if i % 3
        else f"CREATE OR REPLACE TABLE DB.S.C{i % 5} AS SELECT {i} AS x FROM DB.S.T{i % 7}"
        for i in range(rows)
    ]
    start = datetime(2026, 3, 1, tzinfo=UTC)
    log = tmp_path / "log.parquet"
    pq.write_table(
        pa.table(
            {
                "QUERY_ID": [f"q{(i * 7919) % rows:05}" for i in range(rows)],
                "QUERY_TEXT": texts,
                "START_TIME": [start + timedelta(seconds=i // 4) for i in range(rows)],
                "ROLE_NAME": ["ETL"] * rows,
            }
        ),
        log,
    )
    for name, workers, batch_rows in (("one", 1, 1000), ("two", 2, 65536), ("big", 1, 65536)):
        extract(
            ExtractOptions(
                sources=[str(log)], out=tmp_path / name, workers=workers, batch_rows=batch_rows
            )
        )
    for name in ("nodes", "edges", "grants"):
        one = (tmp_path / "one" / f"{name}.parquet").read_bytes()
        assert (tmp_path / "two" / f"{name}.parquet").read_bytes() == one, name
        assert (tmp_path / "big" / f"{name}.parquet").read_bytes() == one, name

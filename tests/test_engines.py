"""The Dask engine gives exactly the local engine's output (a LocalCluster in the test)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_fixtures import FIXTURES

from extractor.collect import collect_partition
from extractor.run import ExtractOptions, extract
from extractor.sources import read_sources

distributed = pytest.importorskip("distributed")


@pytest.fixture
def partitioned_log(tmp_path: Path) -> Path:
    """The warehouse log as three Parquet partitions, as an export to a data lake lays it out."""
    batches = list(read_sources([str(FIXTURES / "warehouse")], lambda error: None, batch_rows=100))
    table = pa.Table.from_batches(batches)
    folder = tmp_path / "log"
    folder.mkdir()
    for i, start in enumerate(range(0, table.num_rows, 110)):
        pq.write_table(table.slice(start, 110), folder / f"part-{i:03}.parquet")
    return folder


def test_dask_engine_matches_local(partitioned_log: Path, tmp_path: Path) -> None:
    local = extract(ExtractOptions(sources=[str(partitioned_log)], out=tmp_path / "local"))
    dask = extract(
        ExtractOptions(sources=[str(partitioned_log)], out=tmp_path / "dask", engine="dask")
    )
    assert (dask.rows_read, dask.statements, dask.errors) == (
        local.rows_read,
        local.statements,
        local.errors,
    )
    for name in ("nodes", "edges", "grants", "errors"):
        assert (tmp_path / "local" / f"{name}.parquet").read_bytes() == (
            tmp_path / "dask" / f"{name}.parquet"
        ).read_bytes(), name


def test_a_partition_sends_back_no_text(partitioned_log: Path) -> None:
    result = collect_partition(str(partitioned_log / "part-000.parquet"), None, None, 1000)
    assert result.counts.rows_read == 110
    names = {field.name for batch in result.occurrences for field in batch.schema}
    assert "query_text" not in names
    assert all(len(key) < 100 for key, _, _ in result.statements)

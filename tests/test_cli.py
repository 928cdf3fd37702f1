"""``mlineage extract`` end to end: contract, determinism, runs that continue, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.sinks import parquet as sink

HEADER = '"QUERY_ID","QUERY_TEXT","DATABASE_NAME","SCHEMA_NAME","EXECUTION_STATUS","START_TIME","ROLE_NAME"\n'


def row(qid: str, text: str, start: str, status: str = "SUCCESS") -> str:
    text = text.replace('"', '""')
    return f'"{qid}","{text}","RAW","PUBLIC","{status}","{start}","SYSADMIN"\n'


DAY1 = [
    row(
        "q01",
        "CREATE STAGE st URL='s3://b/' CREDENTIALS=(AWS_KEY_ID='AKIAFAKE' AWS_SECRET_KEY='s3cr3t')",
        "2026-03-01 01:00:00.000 -0800",
    ),
    row("q02", "COPY INTO orders FROM @st/orders/", "2026-03-01 01:01:00.000 -0800"),
    row(
        "q03",
        "CREATE OR REPLACE TABLE analytics.marts.daily AS\nSELECT d, COUNT(*) FROM orders GROUP BY d",
        "2026-03-01 01:02:00.000 -0800",
    ),
    row(
        "q04",
        "INSERT INTO analytics.marts.daily SELECT * FROM missing",
        "2026-03-01 01:03:00.000 -0800",
        "FAIL",
    ),
    row("q05", "SELEC broken PASSWORD='hunter2'", "2026-03-01 01:04:00.000 -0800"),
]
DAY2 = [
    row(
        "q06",
        "CREATE VIEW analytics.marts.v AS SELECT * FROM daily",
        "2026-03-02 01:00:00.000 -0800",
    ),
    row(
        "q07",
        "ALTER TABLE analytics.marts.daily RENAME TO daily_v2",
        "2026-03-02 01:01:00.000 -0800",
    ),
]


def write_log(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def extract(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["extract", *args])
    return result.exit_code, result.output


def edge_set(out: Path) -> set[tuple[str, str, str]]:
    table = pq.read_table(out / "edges.parquet")
    return set(
        zip(
            *(table.column(c).to_pylist() for c in ("source_id", "target_id", "edge_type")),
            strict=True,
        )
    )


def contract_bytes(out: Path) -> dict[str, bytes]:
    return {
        name: (out / f"{name}.parquet").read_bytes()
        for name in ("nodes", "edges", "grants", "errors")
    }


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return write_log(tmp_path / "query_history.csv", DAY1 + DAY2)


def test_extract_writes_the_contract(log: Path, tmp_path: Path, contract_check) -> None:
    code, output = extract(str(log), "--out", str(tmp_path / "out"))
    assert code == 0, output
    assert contract_check(tmp_path / "out") == []
    assert edge_set(tmp_path / "out") == {
        ("stage:RAW.PUBLIC.ST", "table:RAW.PUBLIC.ORDERS", "data"),
        ("table:RAW.PUBLIC.ORDERS", "table:ANALYTICS.MARTS.DAILY_V2", "data"),
        ("table:ANALYTICS.MARTS.DAILY_V2", "view:ANALYTICS.MARTS.V", "dependency"),
    }
    assert "rows read" in output and "skipped, failed      1" in output


def test_output_reads_in_duckdb(log: Path, tmp_path: Path) -> None:
    extract(str(log), "--out", str(tmp_path / "out"))
    out = tmp_path / "out"
    rows = duckdb.sql(
        f"SELECT e.source_id, n.kind FROM '{out}/edges.parquet' e "
        f"JOIN '{out}/nodes.parquet' n ON n.node_id = e.target_id WHERE e.edge_type = 'dependency'"
    ).fetchall()
    assert rows == [("table:ANALYTICS.MARTS.DAILY_V2", "view")]
    assert duckdb.sql(f"SELECT count(*) FROM '{out}/errors.parquet'").fetchall() == [(1,)]


def test_same_input_gives_identical_bytes(log: Path, tmp_path: Path) -> None:
    extract(str(log), "--out", str(tmp_path / "a"))
    extract(str(log), "--out", str(tmp_path / "b"))
    assert contract_bytes(tmp_path / "a") == contract_bytes(tmp_path / "b")


def test_secrets_are_never_written(log: Path, tmp_path: Path) -> None:
    extract(str(log), "--out", str(tmp_path / "out"))
    blob = b"".join(p.read_bytes() for p in (tmp_path / "out").rglob("*.parquet"))
    for secret in (b"AKIAFAKE", b"s3cr3t", b"hunter2"):
        assert secret not in blob


def test_second_run_continues_and_overlap_is_not_counted_twice(tmp_path: Path) -> None:
    out = tmp_path / "out"
    extract(str(write_log(tmp_path / "d1.csv", DAY1)), "--out", str(out))
    code, output = extract(str(write_log(tmp_path / "d2.csv", DAY1[2:] + DAY2)), "--out", str(out))
    assert code == 0, output
    assert "skipped, seen before 2" in output  # q03 folded, q05 recorded as an error, both before
    continued = edge_set(out)
    extract(str(write_log(tmp_path / "all.csv", DAY1 + DAY2)), "--out", str(tmp_path / "full"))
    assert continued == edge_set(tmp_path / "full")
    counts = pq.read_table(out / "edges.parquet").column("query_count").to_pylist()
    assert counts == [1, 1, 1]
    assert pq.read_table(out / "runs.parquet").num_rows == 2


def test_rerun_of_the_same_window_changes_nothing(log: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    extract(str(log), "--out", str(out))
    before = contract_bytes(out)
    extract(str(log), "--out", str(out))
    assert contract_bytes(out) == before


def test_since_and_since_last(tmp_path: Path) -> None:
    out = tmp_path / "out"
    log = write_log(tmp_path / "all.csv", DAY1 + DAY2)
    code, output = extract(str(log), "--out", str(out), "--until", "2026-03-02T00:00:00Z", "--json")
    assert code == 0
    first = json.loads(output)
    assert first["skipped_window"] == 2 and first["watermark"] == "2026-03-01T09:02:00+00:00"
    code, output = extract(str(log), "--out", str(out), "--since", "last", "--json")
    second = json.loads(output)
    assert second["since"] == first["watermark"]
    assert second["statements"] == 2  # q06, q07; q03 (at the watermark) was seen before
    assert (second["skipped_window"], second["skipped_duplicate"]) == (2, 2)  # q01, q02; q03, q05
    assert ("table:ANALYTICS.MARTS.DAILY_V2", "view:ANALYTICS.MARTS.V", "dependency") in edge_set(
        out
    )


def test_snapshot_keeps_the_last_n(log: Path, tmp_path: Path) -> None:
    out = tmp_path / "nightly"
    for _ in range(3):
        code, output = extract(str(log), "--out", str(out), "--snapshot", "--keep", "2")
        assert code == 0, output
    snapshots = sorted((out / "snapshots").iterdir())
    assert len(snapshots) == 2
    assert (out / "latest").resolve() == snapshots[-1].resolve()
    assert pq.read_table(out / "latest" / "runs.parquet").num_rows == 3


def test_killed_write_leaves_previous_output_whole(log: Path, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out"
    extract(str(log), "--out", str(out))
    before = contract_bytes(out)
    calls = {"n": 0}
    real = sink.pq.write_table

    def dying_write(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the process is stopped mid-write
        return real(*args, **kwargs)

    monkeypatch.setattr(sink.pq, "write_table", dying_write)
    with pytest.raises(KeyboardInterrupt):
        from extractor.run import ExtractOptions
        from extractor.run import extract as run_extract

        run_extract(ExtractOptions(sources=[str(log)], out=out))
    assert contract_bytes(out) == before
    assert pq.read_table(out / "nodes.parquet").num_rows > 0


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--out", "x"], 2, "Missing argument"),
        (["nope.csv", "--out", "x"], 1, "nope.csv"),
        (["{log}", "--out", "x", "--since", "yesterday"], 2, "not a timestamp"),
        (["{log}", "--out", "x", "--keep", "2"], 2, "--keep needs --snapshot"),
    ],
)
def test_cli_mistakes_are_one_line_and_nonzero(
    args, code, message, log: Path, tmp_path: Path
) -> None:
    args = [
        a.replace("{log}", str(log)).replace("x", str(tmp_path / "o")) if a in ("{log}", "x") else a
        for a in args
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "extractor", "extract", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_missing_required_column_names_column_and_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text('"QUERY_ID","START_TIME"\n"q1","2026-01-01 00:00:00"\n', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "extractor", "extract", str(bad), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0
    assert "QUERY_TEXT" in proc.stderr and "bad.csv" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_compiled_sqlglot_is_refused_in_one_line(log: Path, tmp_path: Path, monkeypatch) -> None:
    """sqlglotc's compiled parser refuses our subclass (TypeError at instantiation): one clear
    line instead of an error row for every statement."""
    from grammars import MlSnowflake

    def compiled_parser(self, **opts):
        raise TypeError("interpreted classes cannot inherit from compiled")

    monkeypatch.setattr(MlSnowflake, "parser", compiled_parser)
    code, output = extract(str(log), "--out", str(tmp_path / "out"))
    assert code == 1
    assert "pip uninstall sqlglotc" in output
    assert not (tmp_path / "out").exists()


def test_a_statement_of_several_megabytes_costs_a_row_not_the_run(tmp_path: Path) -> None:
    union = " UNION ALL ".join(
        f"SELECT {i} AS id, 'x' AS v FROM src_{i % 7}" for i in range(60_000)
    )
    big = f"INSERT INTO big_target {union}"
    assert len(big) > 2_000_000
    log = write_log(
        tmp_path / "big.csv",
        [
            row("q1", big, "2026-03-01 01:00:00"),
            row("q2", "INSERT INTO t SELECT * FROM u", "2026-03-01 01:01:00"),
        ],
    )
    code, output = extract(str(log), "--out", str(tmp_path / "out"), "--json")
    assert code == 0, output
    summary = json.loads(output)
    assert summary["rows_read"] == 2 and summary["statements"] + summary["errors"] == 2
    assert ("table:RAW.PUBLIC.U", "table:RAW.PUBLIC.T", "data") in edge_set(tmp_path / "out")


@pytest.fixture
def graph_dir(log: Path, tmp_path: Path) -> Path:
    extract(str(log), "--out", str(tmp_path / "graph"))
    return tmp_path / "graph"


def test_lineage_command_answers_in_get_lineage_columns(graph_dir: Path) -> None:
    result = CliRunner().invoke(
        cli, ["lineage", "RAW.PUBLIC.ORDERS", "--graph", str(graph_dir), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["DISTANCE"], r["TARGET_OBJECT_NAME"], r["EDGE_TYPE"]) for r in rows] == [
        (1, "DAILY_V2", "DATA"),
        (2, "V", "DEPENDENCY"),
    ]
    assert rows[0]["SOURCE_OBJECT_DOMAIN"] == "TABLE" and rows[0]["TARGET_STATUS"] == "ACTIVE"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["RAW.PUBLIC.ORDERS", "--distance", "6"], "Distance must be between 1 and 5"),
        (["RAW.PUBLIC.ORDERS", "--distance", "0"], "Distance must be between 1 and 5"),
        (["NOPE"], "not found"),
        (
            ["RAW.PUBLIC.ORDERS", "--as-role", "NOBODY", "--no-public-view-lineage"],
            "Insufficient privileges to view data lineage",
        ),
    ],
)
def test_lineage_command_errors(graph_dir: Path, args: list[str], message: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "extractor", "lineage", *args, "--graph", str(graph_dir)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert proc.returncode == 1
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_grants_command_lists_ownership_by_creation(graph_dir: Path) -> None:
    result = CliRunner().invoke(
        cli, ["grants", "--graph", str(graph_dir), "--role", "SYSADMIN", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("privilege,on_type,on_name,grantee_type,grantee")
    assert any(
        line.startswith("OWNERSHIP,TABLE,ANALYTICS.MARTS.DAILY_V2,ROLE,SYSADMIN") for line in lines
    )

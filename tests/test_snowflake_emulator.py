"""``mlineage extract snowflake://…`` against the fakesnow emulator, run as an HTTP server from its
own virtualenv (``make test`` creates ``.venv-fakesnow``; fakesnow pins an older sqlglot than
ours). The connector logs in over HTTP on a loopback port and reads a QUERY_HISTORY table loaded
with the quickstart's rows, so the whole path — login, windows, ``fetch_arrow_batches``,
canonicalisation, retries — runs for real; only the account is emulated.

What fakesnow cannot do (``SHOW MODELS``, ``GET 'snow://model/…'``) is tested with a fake
connection in test_snowflake_source.py.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from extractor import snowflake_source as live
from extractor.cli import cli
from extractor.sources import CANONICAL_SCHEMA, read_query_log

connector = pytest.importorskip(
    "snowflake.connector", reason="snowflake-connector-python (the snowflake extra)"
)

ROOT = Path(__file__).resolve().parents[1]
FAKESNOW = ROOT / ".venv-fakesnow" / "bin" / "fakesnow"
QUICKSTART_CSV = ROOT / "fixtures" / "quickstart" / "query_history.csv"
SECRET = "pw-Sentinel-e9c1"

pytestmark = pytest.mark.skipif(
    not FAKESNOW.exists(),
    reason="the fakesnow emulator is not installed (.venv-fakesnow); `make test` creates it",
)

HISTORY_DDL = """CREATE OR REPLACE TABLE SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY (
  QUERY_ID VARCHAR, QUERY_TEXT VARCHAR, DATABASE_NAME VARCHAR, SCHEMA_NAME VARCHAR,
  QUERY_TYPE VARCHAR, SESSION_ID NUMBER, USER_NAME VARCHAR, ROLE_NAME VARCHAR,
  WAREHOUSE_NAME VARCHAR, EXECUTION_STATUS VARCHAR, ERROR_CODE VARCHAR,
  START_TIME TIMESTAMP_LTZ, END_TIME TIMESTAMP_LTZ)"""


@dataclass
class Emulator:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def connect(self) -> Any:
        """A loader's connection. Values are bound server-side (qmark): fakesnow would read a
        ``$NAME`` inside a client-side string literal as a session variable."""
        return connector.connect(
            account="emulator",
            user="LOADER",
            password="loader",
            host="127.0.0.1",
            port=self.port,
            protocol="http",
            paramstyle="qmark",
            login_timeout=20,
            network_timeout=60,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_emulator(folder: Path) -> Emulator:
    """``fakesnow -s`` on a free loopback port, once it accepts connections."""
    port = _free_port()
    log = folder / f"fakesnow-{port}.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [str(FAKESNOW), "-s", "-p", str(port), "--host", "127.0.0.1"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=folder,
        )
    emulator = Emulator(port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"fakesnow exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return emulator
        except OSError:
            time.sleep(0.2)
    emulator.stop()
    raise RuntimeError(f"fakesnow did not listen on {port} within 60 s")


def quickstart_rows() -> list[tuple[Any, ...]]:
    """The quickstart CSV read by our own CSV reader, as QUERY_HISTORY rows."""
    table = pa.Table.from_batches(
        list(read_query_log(QUICKSTART_CSV, lambda e: None)), schema=CANONICAL_SCHEMA
    )
    rows = []
    for r in table.to_pylist():
        rows.append(
            (
                r["query_id"],
                r["query_text"],
                r["database_name"],
                r["schema_name"],
                r["query_type"],
                int(r["session_id"]) if r["session_id"] else None,
                r["user_name"],
                r["role_name"],
                "COMPUTE_WH",
                r["execution_status"],
                None,
                r["start_time"],
                r["end_time"] or r["start_time"],
            )
        )
    return rows


def load_history(emulator: Emulator) -> None:
    with emulator.connect() as conn:
        cursor = conn.cursor()
        cursor.execute("CREATE DATABASE IF NOT EXISTS SNOWFLAKE")
        cursor.execute("CREATE SCHEMA IF NOT EXISTS SNOWFLAKE.ACCOUNT_USAGE")
        cursor.execute(HISTORY_DDL)
        rows = quickstart_rows()
        for offset in range(0, len(rows), 100):
            cursor.executemany(
                "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows[offset : offset + 100],
            )
        count = cursor.execute(
            "SELECT COUNT(*) FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY"
        ).fetchone()
        assert count[0] == len(rows)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory) -> Iterator[Emulator]:
    folder = tmp_path_factory.mktemp("fakesnow")
    server = start_emulator(folder)
    try:
        load_history(server)
        yield server
    finally:
        server.stop()


@pytest.fixture
def account_env(monkeypatch) -> None:
    """Credentials from the environment, as a scheduled job would have them."""
    for key in [k for k in os.environ if k.startswith("SNOWFLAKE_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("SNOWFLAKE_ACCOUNT", "emulator")
    monkeypatch.setenv("SNOWFLAKE_USER", "LINEAGE")
    monkeypatch.setenv("SNOWFLAKE_PASSWORD", SECRET)


def config_for(path: Path, port: int, **extra: Any) -> Path:
    values = {
        "host": "127.0.0.1",
        "port": port,
        "protocol": "http",
        "window_hours": 0.05,
        "timeout_seconds": 10,
        "retries": 2,
        "backoff_seconds": 0.01,
        "ml_metadata": False,
        **extra,
    }
    lines = ["[sources.snowflake]", *(f"{k} = {json.dumps(v)}" for k, v in values.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["extract", *args])


def graph_bytes(out: Path) -> dict[str, bytes]:
    return {name: (out / f"{name}.parquet").read_bytes() for name in ("nodes", "edges", "grants")}


def every_file(out: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


FIRST_NIGHT = ("--since", "2024-11-19T18:00Z", "--until", "2024-11-19T18:58Z")


def test_two_overlapping_nights_give_the_file_sources_graph(
    emulator: Emulator,
    account_env: None,
    tmp_path: Path,
    contract_check,
) -> None:
    """Night one reads a window, night two continues with --since last (a 45-minute lag back,
    in 3-minute windows): the same nodes and edges, byte for byte, as the CSV in one run."""
    files = run(str(QUICKSTART_CSV), "--out", str(tmp_path / "files"))
    assert files.exit_code == 0, files.output
    config = config_for(tmp_path / "m.toml", emulator.port)
    out = tmp_path / "live"
    night1 = run("snowflake://emulator", "--config", str(config), "--out", str(out), *FIRST_NIGHT)
    assert night1.exit_code == 0, night1.output
    night2 = run(
        "snowflake://emulator",
        "--config",
        str(config),
        "--out",
        str(out),
        "--since",
        "last",
        "--json",
    )
    assert night2.exit_code == 0, night2.output
    assert graph_bytes(out) == graph_bytes(tmp_path / "files")
    assert contract_check(out) == []
    runs = pq.read_table(out / "runs.parquet").to_pylist()
    assert runs[1]["since"] == runs[0]["watermark"] - timedelta(minutes=45)
    assert json.loads(night2.output)["skipped_duplicate"] > 0  # the overlap, not counted twice
    file_run = pq.read_table(tmp_path / "files" / "runs.parquet").to_pylist()[0]
    assert runs[0]["statements"] + runs[1]["statements"] == file_run["statements"]


class FlakyConnection:
    """A real connection whose ``fetch_arrow_batches`` fails on chosen calls (counted across
    reconnections), as a connection lost mid-window would."""

    calls = 0

    def __init__(self, real: Any, failing: set[int]) -> None:
        self.real, self.failing = real, failing

    def cursor(self) -> Any:
        real_cursor = self.real.cursor()
        connection = self

        class Cursor:
            def __getattr__(self, name: str) -> Any:
                return getattr(real_cursor, name)

            def fetch_arrow_batches(self) -> Iterator[pa.Table]:
                FlakyConnection.calls += 1
                if FlakyConnection.calls in connection.failing:
                    raise connector.errors.OperationalError(
                        msg="Failed to execute request: connection aborted", errno=250003
                    )
                yield from real_cursor.fetch_arrow_batches()

        return Cursor()

    def close(self) -> None:
        self.real.close()


def flaky(monkeypatch, failing: set[int]) -> list[dict[str, Any]]:
    logins: list[dict[str, Any]] = []
    FlakyConnection.calls = 0

    def connect(params: dict[str, Any]) -> FlakyConnection:
        logins.append(params)
        return FlakyConnection(connector.connect(**params), failing)

    monkeypatch.setattr(live, "connect", connect)
    return logins


def test_a_window_lost_once_is_retried_and_nothing_is_counted_twice(
    emulator: Emulator,
    account_env: None,
    tmp_path: Path,
    monkeypatch,
    caplog,
) -> None:
    files = run(str(QUICKSTART_CSV), "--out", str(tmp_path / "files"))
    logins = flaky(monkeypatch, failing={2, 4})
    config = config_for(tmp_path / "m.toml", emulator.port)
    with caplog.at_level(logging.WARNING, logger="extractor.snowflake_source"):
        result = run(
            "snowflake://emulator",
            "--config",
            str(config),
            "--out",
            str(tmp_path / "live"),
            "--since",
            "2024-11-19T18:00Z",
            "--until",
            "2024-11-19T20:00Z",
            "--json",
        )
    assert files.exit_code == 0 and result.exit_code == 0, result.output
    assert sum("retrying" in r.getMessage() for r in caplog.records) == 2
    assert len(logins) == 3  # a new login after each lost window
    assert graph_bytes(tmp_path / "live") == graph_bytes(tmp_path / "files")
    file_run = pq.read_table(tmp_path / "files" / "runs.parquet").to_pylist()[0]
    summary = json.loads(result.output)
    assert (summary["rows_read"], summary["skipped_duplicate"]) == (file_run["rows_read"], 0)


def test_a_window_that_keeps_failing_names_the_rerun_and_keeps_the_output(
    emulator: Emulator,
    account_env: None,
    tmp_path: Path,
    monkeypatch,
    caplog,
) -> None:
    config = config_for(tmp_path / "m.toml", emulator.port)
    out = tmp_path / "live"
    assert (
        run(
            "snowflake://emulator", "--config", str(config), "--out", str(out), *FIRST_NIGHT
        ).exit_code
        == 0
    )
    before = every_file(out)
    flaky(monkeypatch, failing=set(range(2, 100)))  # the second window on: never again
    with caplog.at_level(logging.WARNING, logger="extractor.snowflake_source"):
        result = run(
            "snowflake://emulator", "--config", str(config), "--out", str(out), "--since", "last"
        )
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "QUERY_HISTORY window 2024-11-19T" in lines[0] and "failed after 3 attempts" in lines[0]
    assert "OperationalError 250003: Failed to execute request: connection aborted" in lines[0]
    runs = pq.read_table(out / "runs.parquet").to_pylist()
    rerun_since = live.iso(runs[0]["watermark"] - timedelta(minutes=45))
    assert f"rerun with --since {rerun_since} --until " in lines[0]
    assert sum("retrying" in r.getMessage() for r in caplog.records) == 2
    assert every_file(out) == before


# The connector's query-cancel timer thread fails too when the server is gone; the CLI's
# entry point logs that in one line (cli.main), the in-process runner here does not.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_server_that_goes_away_mid_run_fails_the_run_cleanly(
    account_env: None,
    tmp_path: Path,
    monkeypatch,
    caplog,
) -> None:
    """The emulator itself is stopped while a window is being read: the window is retried
    (logins are refused), then the run stops with one line and the previous output whole."""
    server = start_emulator(tmp_path)
    try:
        load_history(server)
        config = config_for(tmp_path / "m.toml", server.port, timeout_seconds=3)
        out = tmp_path / "live"
        assert (
            run(
                "snowflake://emulator", "--config", str(config), "--out", str(out), *FIRST_NIGHT
            ).exit_code
            == 0
        )
        before = every_file(out)
        real_connect = live.connect

        def connect_then_stop(params: dict[str, Any]) -> Any:
            connection = real_connect(params)
            server.stop()  # gone right after the login, before the first window's query
            return connection

        monkeypatch.setattr(live, "connect", connect_then_stop)
        with caplog.at_level(logging.WARNING, logger="extractor.snowflake_source"):
            result = run(
                "snowflake://emulator",
                "--config",
                str(config),
                "--out",
                str(out),
                "--since",
                "last",
            )
    finally:
        server.stop()
        for thread in threading.enumerate():  # the connector's cancel timers, failing too
            if isinstance(thread, threading.Timer):
                thread.join(timeout=60)
    assert result.exit_code == 1
    line = result.stderr.strip().splitlines()[-1]
    assert "QUERY_HISTORY window 2024-11-19T" in line and "failed after 3 attempts" in line
    assert "rerun with --since" in line
    assert sum("retrying" in r.getMessage() for r in caplog.records) == 2
    assert every_file(out) == before


def test_connections_toml_and_the_default_connection(emulator: Emulator, tmp_path: Path) -> None:
    """As Snowflake's own tools: a named connection of $SNOWFLAKE_HOME/connections.toml, then
    the default one; the password in it appears in no output, log line or file."""
    home = tmp_path / "snowflake-home"
    home.mkdir()
    toml = home / "connections.toml"
    toml.write_text(
        f'[emu]\naccount = "emulator"\nuser = "LINEAGE"\npassword = "{SECRET}"\n'
        f'host = "127.0.0.1"\nport = {emulator.port}\nprotocol = "http"\n',
        encoding="utf-8",
    )
    toml.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNOWFLAKE_")}
    env.update(SNOWFLAKE_HOME=str(home), PYTHONPATH=str(ROOT))
    config = tmp_path / "m.toml"
    config.write_text("[sources.snowflake]\nwindow_hours = 0.05\n", encoding="utf-8")
    out = tmp_path / "out"

    def mlineage(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "extractor", "-v", "extract", *args],
            capture_output=True,
            text=True,
            env={**env, **extra_env},
            timeout=300,
        )

    named = mlineage(
        "snowflake://?connection=emu", "--config", str(config), "--out", str(out), *FIRST_NIGHT
    )
    assert named.returncode == 0, named.stderr[-3000:]
    assert "connecting (account emulator, user LINEAGE (password) at 127.0.0.1)" in named.stderr
    default = mlineage(
        "snowflake://",
        "--config",
        str(config),
        "--out",
        str(out),
        "--since",
        "last",
        SNOWFLAKE_DEFAULT_CONNECTION_NAME="emu",
    )
    assert default.returncode == 0, default.stderr[-3000:]
    # SHOW MODELS is beyond the emulator: an error row, not a failed run
    errors = pq.read_table(out / "errors.parquet").to_pylist()
    assert any(r["query_id"].endswith(":models") and r["stage"] == "metadata" for r in errors)
    texts = [named.stdout, named.stderr, default.stdout, default.stderr]
    texts += [b.decode("utf-8", "replace") for b in every_file(out).values()]
    texts += [json.dumps(pq.read_table(p).to_pylist(), default=str) for p in out.rglob("*.parquet")]
    assert all(SECRET not in text for text in texts)


def test_password_from_the_environment_stays_out_of_a_failed_run(
    emulator: Emulator,
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNOWFLAKE_")}
    env.update(
        PYTHONPATH=str(ROOT),
        SNOWFLAKE_ACCOUNT="emulator",
        SNOWFLAKE_USER="LINEAGE",
        SNOWFLAKE_PASSWORD=SECRET,
    )
    closed = config_for(tmp_path / "m.toml", _free_port(), timeout_seconds=2)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "extractor",
            "-v",
            "extract",
            "snowflake://emulator",
            "--config",
            str(closed),
            "--out",
            str(tmp_path / "out"),
            *FIRST_NIGHT,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("Error: snowflake://emulator: QUERY_HISTORY window")
    )
    assert SECRET not in result.stdout + result.stderr
    assert not (tmp_path / "out").exists()


def test_feature_store_tags_are_read_from_tag_references(
    emulator: Emulator,
    account_env: None,
    tmp_path: Path,
) -> None:
    with emulator.connect() as conn:
        cursor = conn.cursor()
        cursor.execute(
            "CREATE OR REPLACE TABLE SNOWFLAKE.ACCOUNT_USAGE.TAG_REFERENCES ("
            "OBJECT_DATABASE VARCHAR, OBJECT_SCHEMA VARCHAR, OBJECT_NAME VARCHAR, "
            "DOMAIN VARCHAR, TAG_DATABASE VARCHAR, TAG_SCHEMA VARCHAR, TAG_NAME VARCHAR, "
            "TAG_VALUE VARCHAR, COLUMN_NAME VARCHAR)"
        )
        cursor.execute(
            "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.TAG_REFERENCES VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                "ML_LINEAGE_DATABASE",
                "ML_LINEAGE_SCHEMA",
                "WINEDATA",
                "TABLE",
                "ML_LINEAGE_DATABASE",
                "ML_LINEAGE_SCHEMA",
                "SNOWML_FEATURE_STORE_OBJECT",
                '{"type": "TRAINING_DATA", "pkg_version": "1.7.1"}',
                None,
            ),
        )
    config = config_for(tmp_path / "m.toml", emulator.port, ml_metadata=True, window_hours=6)
    out = tmp_path / "out"
    result = run(
        "snowflake://emulator",
        "--config",
        str(config),
        "--out",
        str(out),
        "--since",
        "2024-11-19T00:00Z",
        "--until",
        "2024-11-20T00:00Z",
    )
    assert result.exit_code == 0, result.output
    tags = (out / "_cache" / "tags" / "emulator.ml.jsonl").read_text(encoding="utf-8")
    assert json.loads(tags)["OBJECT_NAME"] == "WINEDATA"
    nodes = {r["node_id"]: r for r in pq.read_table(out / "nodes.parquet").to_pylist()}
    winedata = nodes["table:ML_LINEAGE_DATABASE.ML_LINEAGE_SCHEMA.WINEDATA"]
    assert winedata["kind"] == "training_data"
    assert "SNOWML_FEATURE_STORE_OBJECT" in winedata["properties"]


def test_the_export_query_runs_on_the_emulator(emulator: Emulator) -> None:
    since, until = (
        datetime(2024, 11, 19, 19, 40, tzinfo=UTC),
        datetime(2024, 11, 19, 19, 1, tzinfo=UTC),
    )
    sql = live.export_query(since - timedelta(hours=1), until, timedelta(minutes=45))
    with emulator.connect() as conn:
        rows = conn.cursor().execute(sql.strip().rstrip(";")).fetchall()
    start = since - timedelta(hours=1, minutes=45)  # 17:55
    expected = [r for r in quickstart_rows() if start <= r[11] < until]
    assert [r[0] for r in rows] == [r[0] for r in sorted(expected, key=lambda r: (r[11], r[0]))]
    assert len(rows[0]) == len(CANONICAL_SCHEMA)

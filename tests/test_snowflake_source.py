"""The live source without an account: settings, connection parameters, the SQL, windows and
retries, ML metadata (tags, manifests fetched once into the cache) and the export query.

The account is a fake connection over DuckDB: QUERY_HISTORY and TAG_REFERENCES are DuckDB tables,
so the SQL the source sends is really executed; ``SHOW MODELS`` and ``GET`` (which the fakesnow
emulator cannot do either) are answered by the fake. tests/test_snowflake_emulator.py runs the
same source against the emulator.
"""

from __future__ import annotations

import json
import logging
import py_compile
import re
import shutil
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from extractor import snowflake_source as live
from extractor.cli import cli
from extractor.snowflake_source import SnowflakeSettings, Window
from extractor.sources import CANONICAL_SCHEMA, SourceError, canonicalize, read_query_log

errors_module = pytest.importorskip(
    "snowflake.connector.errors", reason="snowflake-connector-python (the snowflake extra)"
)

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "fixtures" / "quickstart"
MODELS = QUICKSTART / "models"
UTC0 = datetime(2024, 11, 19, tzinfo=UTC)
ENV = {
    "SNOWFLAKE_ACCOUNT": "fake-acct",
    "SNOWFLAKE_USER": "LINEAGE",
    "SNOWFLAKE_PASSWORD": "pw-Sentinel-7f3a",
}


def quickstart_history() -> pa.Table:
    """The quickstart CSV as ACCOUNT_USAGE would serve it: upper-case columns, SESSION_ID a
    number, an extra column we must not need."""
    batches = list(read_query_log(QUICKSTART / "query_history.csv", lambda e: None))
    table = pa.Table.from_batches(batches, schema=CANONICAL_SCHEMA)
    table = table.rename_columns([name.upper() for name in table.schema.names])
    session = pa.array(
        [int(s) if s else None for s in table.column("SESSION_ID").to_pylist()], pa.int64()
    )
    table = table.set_column(table.schema.get_field_index("SESSION_ID"), "SESSION_ID", session)
    return table.append_column("WAREHOUSE_NAME", pa.array(["COMPUTE_WH"] * table.num_rows))


class FakeCursor:
    def __init__(self, account: FakeAccount) -> None:
        self.account = account
        self.description: list[tuple[str, ...]] = []
        self._result: Any = None
        self._rows: list[tuple[Any, ...]] = []

    def execute(self, sql: str) -> FakeCursor:
        self.account.queries.append(sql)
        self.account.trouble("execute", sql)
        if sql.startswith("SHOW MODELS"):
            self._answer(
                ["name", "database_name", "schema_name", "versions"],
                [
                    (
                        name.split(".")[2],
                        *name.split(".")[:2],
                        json.dumps(list(versions)) if self.account.versions_column else None,
                    )
                    for name, versions in sorted(self.account.models.items())
                ],
            )
        elif sql.startswith("SHOW VERSIONS IN MODEL"):
            model = sql.rsplit(" ", 1)[1]
            self._answer(["name", "model_name"], [(v, model) for v in self.account.models[model]])
        elif sql.startswith("GET "):
            source, target = re.findall(r"'([^']*)'", sql)
            model, version = re.fullmatch(
                r"snow://model/(.+)/versions/(.+)/MANIFEST.yml", source
            ).groups()
            self.account.gets.append((model, version))
            manifest = self.account.models[model][version]
            folder = Path(target.removeprefix("file://"))
            shutil.copy(manifest, folder / "MANIFEST.yml")
            self._answer(
                ["file", "size", "status", "message"],
                [("MANIFEST.yml", manifest.stat().st_size, "DOWNLOADED", "")],
            )
        else:
            sql = sql.replace("SNOWFLAKE.ACCOUNT_USAGE.", "")
            result = self.account.db.execute(sql)
            self.description = [(d[0],) for d in result.description]
            self._result = result
        return self

    def _answer(self, names: list[str], rows: list[tuple[Any, ...]]) -> None:
        self.description = [(n,) for n in names]
        self._rows = rows
        self._result = None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._result.fetchall() if self._result is not None else self._rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._result.fetchone()

    def arrow_reader(self, rows: int) -> pa.RecordBatchReader:
        """DuckDB 2 calls it to_arrow_reader, 1.x fetch_record_batch."""
        read = getattr(self._result, "to_arrow_reader", None) or self._result.fetch_record_batch
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # DuckDB's note about a copy
            return read(rows)

    def fetch_arrow_batches(self):
        for batch in self.arrow_reader(self.account.batch_rows):
            self.account.trouble("batch", "")
            yield pa.Table.from_batches([batch])


class FakeConnection:
    def __init__(self, account: FakeAccount) -> None:
        self.account = account

    def cursor(self) -> FakeCursor:
        return FakeCursor(self.account)

    def close(self) -> None:
        self.account.closed += 1


class FakeAccount:
    """QUERY_HISTORY and TAG_REFERENCES in DuckDB; models as {DB.S.M: {version: manifest}}.
    ``fail(event, count)`` may return an exception to raise at the count-th connect, execute or
    batch."""

    def __init__(
        self,
        history: pa.Table,
        models: dict[str, dict[str, Path]] | None = None,
        tags: list[dict[str, str]] | None = None,
        batch_rows: int = 40,
    ) -> None:
        self.db = duckdb.connect()
        self.db.execute("CREATE MACRO TO_TIMESTAMP_TZ(s) AS CAST(s AS TIMESTAMPTZ)")
        self.db.execute("SET TimeZone = 'UTC'")
        self.db.register("history_arrow", history)
        self.db.execute("CREATE TABLE QUERY_HISTORY AS SELECT * FROM history_arrow")
        self.db.execute(
            "CREATE TABLE TAG_REFERENCES (OBJECT_DATABASE VARCHAR, OBJECT_SCHEMA VARCHAR,"
            " OBJECT_NAME VARCHAR, DOMAIN VARCHAR, TAG_DATABASE VARCHAR, TAG_SCHEMA VARCHAR,"
            " TAG_NAME VARCHAR, TAG_VALUE VARCHAR, COLUMN_NAME VARCHAR)"
        )
        for tag in tags or []:
            self.db.execute(
                "INSERT INTO TAG_REFERENCES VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [tag.get(c) for c in (*live.TAG_COLUMNS, "COLUMN_NAME")],
            )
        self.models = models or {}
        self.versions_column = True
        self.batch_rows = batch_rows
        self.queries: list[str] = []
        self.gets: list[tuple[str, str]] = []
        self.params: list[dict[str, Any]] = []
        self.closed = 0
        self.counts: dict[str, int] = {}
        self.fail: Callable[[str, int], Exception | None] = lambda event, count: None

    def trouble(self, event: str, detail: str) -> None:
        self.counts[event] = self.counts.get(event, 0) + 1
        problem = self.fail(event, self.counts[event])
        if problem is not None:
            raise problem

    def connect(self, params: dict[str, Any]) -> FakeConnection:
        self.params.append(dict(params))
        self.trouble("connect", "")
        return FakeConnection(self)


def lost(message: str = "connection reset by peer") -> Exception:
    return errors_module.OperationalError(msg=message, errno=250003)


@pytest.fixture
def account(monkeypatch) -> FakeAccount:
    fake = FakeAccount(
        quickstart_history(),
        models={
            f"ML_LINEAGE_DATABASE.ML_LINEAGE_SCHEMA.{name}": {
                "V1": MODELS
                / f"ML_LINEAGE_DATABASE.ML_LINEAGE_SCHEMA.{name}"
                / "versions"
                / "V1"
                / "MANIFEST.yml"
            }
            for name in (
                "MODEL_TRAINED_ON_TABLE",
                "MODEL_TRAINED_ON_PANDAS",
                "MODEL_TRAINED_ON_DATASET",
            )
        },
    )
    monkeypatch.setattr(live, "connect", fake.connect)
    monkeypatch.setattr(live.time, "sleep", lambda seconds: None)
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    return fake


def write_config(path: Path, **values: Any) -> Path:
    lines = ["[sources.snowflake]"]
    for key, value in values.items():
        lines.append(f"{key} = {json.dumps(value)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["extract", *args])


def contract_bytes(out: Path) -> dict[str, bytes]:
    return {name: (out / f"{name}.parquet").read_bytes() for name in ("nodes", "edges", "grants")}


# --------------------------------------------------------------------------------------------
# Settings and connection parameters


def test_url_values_override_the_config() -> None:
    base = SnowflakeSettings(account="from-config", role="R1", lag_minutes=10)
    spec = base.for_spec("snowflake://myorg-acct?connection=prod&role=LINEAGE&warehouse=WH")
    assert (spec.account, spec.connection_name, spec.role, spec.warehouse, spec.lag_minutes) == (
        "myorg-acct",
        "prod",
        "LINEAGE",
        "WH",
        10,
    )
    assert SnowflakeSettings().for_spec("snowflake://") == SnowflakeSettings()


@pytest.mark.parametrize(
    "spec",
    ["snowflake://me:hunter2@acct", "snowflake://me@acct", "snowflake://acct?password=hunter2"],
)
def test_no_credentials_on_the_command_line(spec: str) -> None:
    with pytest.raises(SourceError) as caught:
        SnowflakeSettings().for_spec(spec)
    assert "hunter2" not in str(caught.value) and "me@" not in str(caught.value)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("password", "x", "must not hold 'password'"),
        ("colour", "x", "unknown key 'colour'"),
        ("window_hours", 0, "window_hours must be a number > 0"),
        ("retries", 1.5, "retries must be an integer >= 0"),
        ("ml_metadata", "yes", "ml_metadata must be true or false"),
    ],
)
def test_config_mistakes_name_the_key(key: str, value: Any, message: str) -> None:
    with pytest.raises(SourceError, match=re.escape(message)):
        SnowflakeSettings.from_config({key: value}, "m.toml")


def test_environment_credentials_prefer_the_key_pair() -> None:
    env = {
        "SNOWFLAKE_USER": "LINEAGE",
        "SNOWFLAKE_PASSWORD": "pw",
        "SNOWFLAKE_PRIVATE_KEY_FILE": "/k.p8",
        "SNOWFLAKE_PRIVATE_KEY_FILE_PWD": "kpw",
    }
    params = live.connection_parameters(
        SnowflakeSettings(account="acct", role="R"), env, {}, "default"
    )
    assert params["account"] == "acct" and params["user"] == "LINEAGE" and params["role"] == "R"
    assert params["private_key_file"] == "/k.p8" and params["private_key_file_pwd"] == "kpw"
    assert "password" not in params
    assert params["session_parameters"] == {"TIMEZONE": "UTC", "QUERY_TAG": "mlineage"}
    assert live.describe_connection(params) == "account acct, user LINEAGE (key pair)"


def test_named_connection_wins_over_the_environment() -> None:
    connections = {
        "prod": {"account": "prod-acct", "user": "SVC", "password": "tomlpw"},
        "default": {"account": "other"},
    }
    env = {"SNOWFLAKE_USER": "ENVUSER", "SNOWFLAKE_WAREHOUSE": "ENV_WH"}
    params = live.connection_parameters(
        SnowflakeSettings(connection_name="prod"), env, connections, "default"
    )
    assert (params["account"], params["user"], params["password"], params["warehouse"]) == (
        "prod-acct",
        "SVC",
        "tomlpw",
        "ENV_WH",
    )


def test_default_connection_when_nothing_is_named() -> None:
    connections = {"dev": {"account": "dev-acct", "user": "ME", "authenticator": "externalbrowser"}}
    params = live.connection_parameters(SnowflakeSettings(), {}, connections, "dev")
    assert params["account"] == "dev-acct"
    assert live.describe_connection(params).endswith("(externalbrowser)")
    over = live.connection_parameters(SnowflakeSettings(account="x"), {}, connections, "dev")
    assert over["account"] == "x" and over["user"] == "ME"


@pytest.mark.parametrize(
    ("settings", "env", "message"),
    [
        (SnowflakeSettings(), {}, "no connection settings"),
        (SnowflakeSettings(connection_name="nope"), {}, "no connection named 'nope'"),
        (SnowflakeSettings(), {"SNOWFLAKE_USER": "U", "SNOWFLAKE_PASSWORD": "p"}, "no account"),
    ],
)
def test_missing_settings_say_what_to_set(settings, env, message) -> None:
    with pytest.raises(SourceError, match=message):
        live.connection_parameters(settings, env, {}, "default")


# --------------------------------------------------------------------------------------------
# SQL


def test_window_sql_selects_the_canonical_columns_in_order_and_resumes_after_a_row() -> None:
    sql = live.history_sql(
        Window(UTC0, UTC0 + timedelta(hours=6)), after=(UTC0 + timedelta(minutes=1), "01b8'x")
    )
    assert sql.startswith(
        "SELECT QUERY_ID, QUERY_TEXT, START_TIME, END_TIME, DATABASE_NAME, "
        "SCHEMA_NAME, USER_NAME, ROLE_NAME, EXECUTION_STATUS, QUERY_TYPE, "
        "SESSION_ID\nFROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY\n"
    )
    assert "START_TIME >= TO_TIMESTAMP_TZ('2024-11-19T00:00:00.000000+00:00')" in sql
    assert "START_TIME < TO_TIMESTAMP_TZ('2024-11-19T06:00:00.000000+00:00')" in sql
    assert "QUERY_ID > '01b8''x'" in sql
    assert sql.endswith("ORDER BY START_TIME, QUERY_ID")


def test_export_query_subtracts_the_lag(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["export-query", "-", "--since", "2024-11-19T01:00Z", "--until", "2024-11-20T00:00Z"]
    )
    assert result.exit_code == 0, result.output
    assert "START_TIME >= TO_TIMESTAMP_TZ('2024-11-19T00:15:00.000000+00:00')" in result.output
    assert "START_TIME < TO_TIMESTAMP_TZ('2024-11-20T00:00:00.000000+00:00')" in result.output
    config = write_config(tmp_path / "m.toml", lag_minutes=120)
    target = tmp_path / "export.sql"
    result = CliRunner().invoke(
        cli, ["export-query", str(target), "--since", "2024-11-19T01:00Z", "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert "2024-11-18T23:00:00.000000+00:00" in text and "START_TIME <" not in text
    assert text.rstrip().endswith("ORDER BY START_TIME, QUERY_ID;")


def test_exported_query_runs_and_its_csv_is_a_source(account: FakeAccount, tmp_path: Path) -> None:
    """The printed SQL, run by the user (here: on the fake account) and saved as CSV, is read by
    the file source like any QUERY_HISTORY download."""
    sql = live.export_query(datetime(2024, 11, 19, 19, 0, tzinfo=UTC), None, timedelta(minutes=45))
    cursor = FakeCursor(account).execute(sql.rstrip().rstrip(";"))
    table = cursor.arrow_reader(1000).read_all()
    start = pa.compute.min(table.column("START_TIME")).as_py()
    assert start >= datetime(2024, 11, 19, 18, 15, tzinfo=UTC) and table.num_rows > 0
    import pyarrow.csv as pa_csv

    pa_csv.write_csv(table, tmp_path / "qh.csv")
    batches = list(read_query_log(tmp_path / "qh.csv", lambda e: None))
    assert sum(b.num_rows for b in batches) == table.num_rows


def test_canonicalize_reads_arrow_from_the_connector() -> None:
    table = pa.table(
        {
            "QUERY_ID": ["q1"],
            "query_text": ["select 1"],
            "START_TIME": pa.array(
                [datetime(2024, 1, 1, 12, tzinfo=UTC)], pa.timestamp("ns", tz="America/Los_Angeles")
            ),
            "SESSION_ID": pa.array([17592186066122], pa.int64()),
            "DATABASE_NAME": [""],
            "EXTRA": [1],
        }
    )
    batch = canonicalize(table, "snowflake://x", lambda e: None)
    assert batch.schema == CANONICAL_SCHEMA
    row = batch.to_pylist()[0]
    assert row["session_id"] == "17592186066122" and row["database_name"] is None
    assert row["start_time"] == datetime(2024, 1, 1, 12, tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# Reading QUERY_HISTORY


def read_all(
    settings: SnowflakeSettings, since: datetime | None, until: datetime | None
) -> pa.Table:
    batches = list(
        live.read_query_history("snowflake://fake-acct", settings, since, until, lambda e: None, 25)
    )
    return pa.Table.from_batches(batches, schema=CANONICAL_SCHEMA)


def test_windows_page_through_the_history_and_skip_quiet_stretches(account: FakeAccount) -> None:
    settings = SnowflakeSettings(window_hours=0.05)  # 3-minute windows
    table = read_all(settings, UTC0, None)  # until: now, two years of nothing after the rows
    expected = read_all(SnowflakeSettings(window_hours=24 * 800), UTC0, None)
    assert table.column("query_id").to_pylist() == expected.column("query_id").to_pylist()
    assert table.num_rows == account.db.execute("SELECT COUNT(*) FROM QUERY_HISTORY").fetchone()[0]
    windows = [q for q in account.queries if q.startswith("SELECT QUERY_ID")]
    probes = [q for q in account.queries if q.startswith("SELECT MIN(START_TIME)")]
    # 18:52..19:04 in 3-minute windows, plus the first (empty) window and the skip after it
    assert 5 <= len(windows) <= 7 and 1 <= len(probes) <= 3
    assert account.closed >= 1  # the connection is closed at the end


def test_a_lost_connection_mid_window_resumes_after_the_last_row(
    account: FakeAccount, caplog
) -> None:
    account.fail = lambda event, n: lost() if event == "batch" and n in (3, 7) else None
    with caplog.at_level(logging.WARNING, logger="extractor.snowflake_source"):
        table = read_all(SnowflakeSettings(retries=2, backoff_seconds=0.5), UTC0, None)
    expected = account.db.execute(
        "SELECT QUERY_ID FROM QUERY_HISTORY ORDER BY START_TIME, QUERY_ID"
    ).fetchall()
    assert table.column("query_id").to_pylist() == [r[0] for r in expected]  # none twice, none lost
    retried = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retried) == 2 and "attempt 1 of 3" in retried[0]
    assert len(account.params) == 3  # reconnected after each failure
    resumed = [q for q in account.queries if "QUERY_ID >" in q]
    assert len(resumed) == 2


def test_backoff_doubles_and_is_capped(account: FakeAccount, monkeypatch) -> None:
    pauses: list[float] = []
    monkeypatch.setattr(live.time, "sleep", pauses.append)
    account.fail = lambda event, n: lost() if event == "execute" else None
    with pytest.raises(SourceError) as caught:
        read_all(SnowflakeSettings(retries=4, backoff_seconds=100), UTC0, UTC0 + timedelta(days=1))
    assert pauses == [100, 200, 300, 300]
    message = str(caught.value)
    assert "window 2024-11-19T00:00:00Z..2024-11-19T06:00:00Z failed after 5 attempts" in message
    assert "OperationalError 250003: connection reset by peer" in message
    assert message.endswith("rerun with --since 2024-11-19T00:00:00Z --until 2024-11-20T00:00:00Z")


def test_sql_errors_are_not_retried(account: FakeAccount) -> None:
    account.fail = lambda event, n: (
        errors_module.ProgrammingError(
            msg="SQL access control error: Insufficient privileges", errno=3001
        )
        if event == "execute"
        else None
    )
    with pytest.raises(SourceError, match="failed after 1 attempt \\(ProgrammingError 3001"):
        read_all(SnowflakeSettings(retries=4), UTC0, UTC0 + timedelta(days=1))
    assert account.counts["execute"] == 1


def test_a_failed_run_leaves_the_output_whole_and_names_the_window(
    account: FakeAccount,
    tmp_path: Path,
    caplog,
) -> None:
    out = tmp_path / "out"
    config = write_config(tmp_path / "m.toml", window_hours=0.05, retries=2, backoff_seconds=0.01)
    first = run(
        "snowflake://fake-acct",
        "--config",
        str(config),
        "--out",
        str(out),
        "--since",
        "2024-11-19T18:00Z",
        "--until",
        "2024-11-19T18:57Z",
    )
    assert first.exit_code == 0, first.output
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    account.fail = lambda event, n: lost() if event == "batch" else None
    with caplog.at_level(logging.WARNING, logger="extractor.snowflake_source"):
        second = run(
            "snowflake://fake-acct", "--config", str(config), "--out", str(out), "--since", "last"
        )
    assert second.exit_code == 1
    assert len(second.stderr.strip().splitlines()) == 1
    assert re.search(
        r"window 2024-11-19T18:\d\d:\d\d(\.\d+)?Z\.\.2024-11-19T\S+Z failed after 3 "
        r"attempts .*rerun with --since 2024-11-19T18:\S+Z --until \S+Z$",
        second.stderr.strip(),
    ), second.stderr
    assert sum("retrying" in r.getMessage() for r in caplog.records) == 2
    after = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert after == before


def test_since_last_starts_a_lag_before_the_watermark(account: FakeAccount, tmp_path: Path) -> None:
    out = tmp_path / "out"
    config = write_config(tmp_path / "m.toml", lag_minutes=30, ml_metadata=False)
    assert (
        run(
            "snowflake://",
            "--config",
            str(config),
            "--out",
            str(out),
            "--since",
            "2024-11-19T18:00Z",
            "--until",
            "2024-11-19T18:57Z",
        ).exit_code
        == 0
    )
    second = run(
        "snowflake://", "--config", str(config), "--out", str(out), "--since", "last", "--json"
    )
    assert second.exit_code == 0, second.output
    runs = pq.read_table(out / "runs.parquet").to_pylist()
    assert runs[1]["since"] == runs[0]["watermark"] - timedelta(minutes=30)
    summary = json.loads(second.output)
    assert summary["skipped_duplicate"] > 0  # the overlap was read again, and not counted again
    assert "fake-acct" in runs[1]["sources"] or runs[1]["sources"] == "snowflake://"


# --------------------------------------------------------------------------------------------
# ML metadata and the whole quickstart from a (fake) account


def test_quickstart_from_the_account_equals_the_exported_files(
    account: FakeAccount, tmp_path: Path
) -> None:
    """History, model manifests (SHOW MODELS + GET) and all: the same graph as the Snowsight
    CSV plus the manifests a user fetched by hand."""
    files = run(str(QUICKSTART), "--out", str(tmp_path / "files"))
    assert files.exit_code == 0, files.output
    config = write_config(tmp_path / "m.toml", window_hours=0.05)
    out = tmp_path / "live"
    result = run(
        "snowflake://fake-acct",
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
    assert contract_bytes(out) == contract_bytes(tmp_path / "files")
    cached = sorted(
        p.relative_to(out).as_posix() for p in (out / "_cache" / "models").rglob("MANIFEST.yml")
    )
    assert cached == [
        f"_cache/models/ML_LINEAGE_DATABASE.ML_LINEAGE_SCHEMA.{m}/versions/V1/MANIFEST.yml"
        for m in ("MODEL_TRAINED_ON_DATASET", "MODEL_TRAINED_ON_PANDAS", "MODEL_TRAINED_ON_TABLE")
    ]
    assert len(account.gets) == 3

    again = run(
        "snowflake://fake-acct", "--config", str(config), "--out", str(out), "--since", "last"
    )
    assert again.exit_code == 0, again.output
    assert len(account.gets) == 3  # each model version is fetched once
    assert contract_bytes(out) == contract_bytes(tmp_path / "files")


def test_versions_listed_by_show_versions_when_show_models_has_none(
    account: FakeAccount, tmp_path: Path
) -> None:
    account.versions_column = False
    found = live.fetch_ml_metadata(
        ["snowflake://fake-acct"], SnowflakeSettings(), tmp_path, lambda e: None
    )
    assert sum(q.startswith("SHOW VERSIONS IN MODEL") for q in account.queries) == 3
    assert len([p for p in found if p.name == "MANIFEST.yml"]) == 3


def test_feature_store_tags_come_from_tag_references(monkeypatch, tmp_path: Path) -> None:
    history = pa.Table.from_pylist(
        [
            {
                "QUERY_ID": "q1",
                "QUERY_TEXT": "CREATE TABLE ML.FS.TRAIN_SET AS SELECT * FROM ML.RAW.T",
                "START_TIME": datetime(2024, 1, 1, 1, tzinfo=UTC),
                "EXECUTION_STATUS": "SUCCESS",
            },
        ],
        schema=pa.schema([(f.name.upper(), f.type) for f in CANONICAL_SCHEMA]),
    )
    tags = [
        {
            "OBJECT_DATABASE": "ML",
            "OBJECT_SCHEMA": "FS",
            "OBJECT_NAME": "TRAIN_SET",
            "DOMAIN": "TABLE",
            "TAG_DATABASE": "ML",
            "TAG_SCHEMA": "FS",
            "TAG_NAME": "SNOWML_FEATURE_STORE_OBJECT",
            "TAG_VALUE": '{"type": "TRAINING_DATA", "pkg_version": "1.7.1"}',
        },
        {
            "OBJECT_DATABASE": "ML",
            "OBJECT_SCHEMA": "FS",
            "OBJECT_NAME": "TRAIN_SET",
            "DOMAIN": "COLUMN",
            "TAG_DATABASE": "ML",
            "TAG_SCHEMA": "FS",
            "TAG_NAME": "SNOWML_FEATURE_STORE_OBJECT",
            "TAG_VALUE": "{}",
            "COLUMN_NAME": "ID",
        },
        {
            "OBJECT_DATABASE": "ML",
            "OBJECT_SCHEMA": "FS",
            "OBJECT_NAME": "TRAIN_SET",
            "DOMAIN": "TABLE",
            "TAG_DATABASE": "GOV",
            "TAG_SCHEMA": "T",
            "TAG_NAME": "PII",
            "TAG_VALUE": "yes",
        },
    ]
    fake = FakeAccount(history, tags=tags)
    monkeypatch.setattr(live, "connect", fake.connect)
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "out"
    result = run(
        "snowflake://fake-acct",
        "--out",
        str(out),
        "--since",
        "2024-01-01T00:00Z",
        "--until",
        "2024-01-02T00:00Z",
    )
    assert result.exit_code == 0, result.output
    lines = (
        (out / "_cache" / "tags" / "fake-acct.ml.jsonl").read_text(encoding="utf-8").splitlines()
    )
    assert len(lines) == 1 and json.loads(lines[0])["TAG_NAME"] == "SNOWML_FEATURE_STORE_OBJECT"
    nodes = {r["node_id"]: r for r in pq.read_table(out / "nodes.parquet").to_pylist()}
    assert nodes["table:ML.FS.TRAIN_SET"]["kind"] == "training_data"


def test_metadata_that_cannot_be_fetched_is_an_error_row_not_a_failure(
    account: FakeAccount,
    tmp_path: Path,
) -> None:
    def trouble(event: str, n: int) -> Exception | None:
        sql = account.queries[-1] if account.queries else ""
        if event == "execute" and (sql.startswith("SHOW MODELS") or "TAG_REFERENCES" in sql):
            return errors_module.ProgrammingError(
                msg="Insufficient privileges to operate on account", errno=3001
            )
        return None

    account.fail = trouble
    out = tmp_path / "out"
    result = run(
        "snowflake://fake-acct",
        "--out",
        str(out),
        "--since",
        "2024-11-19T00:00Z",
        "--until",
        "2024-11-20T00:00Z",
    )
    assert result.exit_code == 0, result.output
    errors = [
        r for r in pq.read_table(out / "errors.parquet").to_pylist() if r["stage"] == "metadata"
    ]
    assert sorted(r["query_id"] for r in errors) == [
        "metadata:snowflake://fake-acct:models",
        "metadata:snowflake://fake-acct:tags",
    ]
    assert all("Insufficient privileges" in r["message"] for r in errors)


def test_mixed_case_model_names_are_quoted(
    account: FakeAccount, tmp_path: Path, monkeypatch
) -> None:
    manifest = (
        MODELS
        / "ML_LINEAGE_DATABASE.ML_LINEAGE_SCHEMA.MODEL_TRAINED_ON_TABLE"
        / "versions"
        / "V1"
        / "MANIFEST.yml"
    )
    account.models = {"ML.PROD.MyModel": {"v2": manifest}}
    original = FakeCursor.execute

    def execute(self: FakeCursor, sql: str) -> FakeCursor:
        """The fake's GET looks names up as stored: undo the quoting it was sent."""
        result = original(self, sql.replace('"MyModel"', "MyModel").replace('"v2"', "v2"))
        self.account.queries[-1] = sql
        return result

    monkeypatch.setattr(FakeCursor, "execute", execute)
    found = live.fetch_ml_metadata(["snowflake://a"], SnowflakeSettings(), tmp_path, lambda e: None)
    get = [q for q in account.queries if q.startswith("GET")][0]
    assert get.startswith(
        """GET 'snow://model/ML.PROD."MyModel"/versions/"v2"/MANIFEST.yml' 'file://"""
    )
    assert [p.relative_to(tmp_path).as_posix() for p in found if p.name == "MANIFEST.yml"] == [
        '_cache/models/ML.PROD."MyModel"/versions/"v2"/MANIFEST.yml'
    ]


# --------------------------------------------------------------------------------------------
# Secrets, the config file, the schedule


def test_password_never_reaches_output_logs_or_files(
    account: FakeAccount, tmp_path: Path, caplog
) -> None:
    secret = ENV["SNOWFLAKE_PASSWORD"]
    out = tmp_path / "out"
    with caplog.at_level(logging.DEBUG):
        ok = run(
            "snowflake://fake-acct",
            "--out",
            str(out),
            "--since",
            "2024-11-19T00:00Z",
            "--until",
            "2024-11-20T00:00Z",
        )
        account.fail = lambda event, n: lost(f"login failed for password {secret}")
        failed = run(
            "snowflake://fake-acct",
            "--out",
            str(out),
            "--since",
            "2024-11-18T00:00Z",
            "--until",
            "2024-11-20T00:00Z",
            "--config",
            str(write_config(tmp_path / "m.toml", retries=1, backoff_seconds=0)),
        )
    assert ok.exit_code == 0, ok.output
    assert failed.exit_code == 1 and "***" in failed.output  # the connector's message, masked
    assert any(secret == p.get("password") for p in account.params)  # it was used, only there
    texts = [ok.output, failed.output, caplog.text]
    for path in out.rglob("*"):
        if path.is_file():
            texts.append(path.read_bytes().decode("utf-8", "replace"))
            if path.suffix == ".parquet":
                texts.append(json.dumps(pq.read_table(path).to_pylist(), default=str))
    assert all(secret not in text for text in texts)


def test_config_file_alone_names_the_source_and_the_output(
    account: FakeAccount, tmp_path: Path
) -> None:
    config = tmp_path / "mlineage.toml"
    config.write_text(
        f'out = "{tmp_path / "lineage"}"\n[sources.snowflake]\naccount = "fake-acct"\n'
        'role = "LINEAGE_READER"\nml_metadata = false\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli,
        [
            "extract",
            "--config",
            str(config),
            "--since",
            "2024-11-19T00:00Z",
            "--until",
            "2024-11-20T00:00Z",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        account.params[0]["role"] == "LINEAGE_READER"
        and account.params[0]["account"] == "fake-acct"
    )
    runs = pq.read_table(tmp_path / "lineage" / "runs.parquet").to_pylist()
    assert runs[0]["sources"] == "snowflake://fake-acct"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[sources.snowflake]\npassword = "x"\n', "must not hold 'password'"),
        ('[sources.files]\npath = "x"\n', "unknown key 'sources.files'"),
        ("out = 3\n", "out must be a folder name"),
    ],
)
def test_config_mistakes_are_usage_errors(text: str, message: str, tmp_path: Path) -> None:
    config = tmp_path / "m.toml"
    config.write_text(text, encoding="utf-8")
    result = run("snowflake://", "--config", str(config), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and message in result.output


def test_a_live_account_cannot_be_partitioned_for_dask() -> None:
    from extractor.sources import expand_sources

    with pytest.raises(SourceError, match="read it with the local engine"):
        expand_sources(["snowflake://acct"])


def test_airflow_example_compiles() -> None:
    py_compile.compile(str(ROOT / "examples" / "airflow" / "mlineage_nightly.py"), doraise=True)

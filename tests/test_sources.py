"""Sources: every supported export lands in CANONICAL_SCHEMA, and bad rows become error records."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from extractor.facts import ErrorRecord
from extractor.sources import (
    CANONICAL_SCHEMA,
    SourceError,
    expand_sources,
    read_query_log,
    read_sources,
    read_sql_script,
    split_statements,
    text_hash,
)

# What Snowsight writes for ACCOUNT_USAGE.QUERY_HISTORY: UPPER headers, every field quoted,
# doubled quotes, newlines inside the text, columns we ignore, numbers for ids.
SNOWSIGHT_CSV = (
    '"QUERY_ID","QUERY_TEXT","DATABASE_ID","DATABASE_NAME","SCHEMA_NAME","QUERY_TYPE",'
    '"SESSION_ID","USER_NAME","ROLE_NAME","WAREHOUSE_NAME","EXECUTION_STATUS","ERROR_CODE",'
    '"START_TIME","END_TIME","TOTAL_ELAPSED_TIME"\n'
    '"01b8a1-0001","CREATE TABLE orders_copy AS\nSELECT \'a;b\' AS ""Note""\nFROM orders;","12",'
    '"ANALYTICS","PUBLIC","CREATE_TABLE_AS_SELECT","1234567890123","ALICE","SYSADMIN","WH_XS",'
    '"SUCCESS","","2024-11-19 10:55:17.123 -0800","2024-11-19 10:55:18.500 -0800","1377"\n'
    '"01b8a1-0002","select 1","","","","SELECT","1234567890123","BOB","","WH_XS","FAIL","1003",'
    '"2024-11-19 11:00:00.000 -0800","","5"\n'
)

PST = timezone(timedelta(hours=-8))


def collect(
    specs: list[str], batch_rows: int = 65536
) -> tuple[list[pa.RecordBatch], list[ErrorRecord]]:
    errors: list[ErrorRecord] = []
    batches = list(read_sources(specs, errors.append, batch_rows=batch_rows))
    return batches, errors


def rows_of(specs: list[str], batch_rows: int = 65536) -> tuple[list[dict], list[ErrorRecord]]:
    batches, errors = collect(specs, batch_rows)
    for batch in batches:
        assert batch.schema == CANONICAL_SCHEMA
    return pa.Table.from_batches(batches, CANONICAL_SCHEMA).to_pylist(), errors


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else data
    if path.name.endswith(".gz"):
        raw = gzip.compress(raw)
    path.write_bytes(raw)
    return path


def log_row(**overrides: object) -> dict:
    row = {
        "QUERY_ID": "q1",
        "QUERY_TEXT": "select 1",
        "START_TIME": "2024-11-19T10:55:17Z",
        "DATABASE_NAME": "DB",
        "SCHEMA_NAME": "SCH",
    }
    row.update(overrides)
    return row


def jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def write_parquet(path: Path, table: pa.Table) -> Path:
    if path.name.endswith(".gz"):
        plain = path.with_name(path.name[:-3])
        pq.write_table(table, plain)
        write(path, plain.read_bytes())
        plain.unlink()
    else:
        pq.write_table(table, path)
    return path


# --- query history logs ------------------------------------------------------------------------


def test_snowsight_csv_gives_canonical_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "query_history.csv", SNOWSIGHT_CSV)
    rows, errors = rows_of([str(path)])
    assert errors == []
    assert rows == [
        {
            "query_id": "01b8a1-0001",
            "query_text": "CREATE TABLE orders_copy AS\nSELECT 'a;b' AS \"Note\"\nFROM orders;",
            "start_time": datetime(2024, 11, 19, 18, 55, 17, 123000, tzinfo=UTC),
            "end_time": datetime(2024, 11, 19, 18, 55, 18, 500000, tzinfo=UTC),
            "database_name": "ANALYTICS",
            "schema_name": "PUBLIC",
            "user_name": "ALICE",
            "role_name": "SYSADMIN",
            "execution_status": "SUCCESS",
            "query_type": "CREATE_TABLE_AS_SELECT",
            "session_id": "1234567890123",
        },
        {
            "query_id": "01b8a1-0002",
            "query_text": "select 1",
            "start_time": datetime(2024, 11, 19, 11, 0, tzinfo=PST).astimezone(UTC),
            "end_time": None,
            "database_name": None,
            "schema_name": None,
            "user_name": "BOB",
            "role_name": None,
            "execution_status": "FAIL",
            "query_type": "SELECT",
            "session_id": "1234567890123",
        },
    ]


def test_csv_headers_match_case_insensitively_in_any_order(tmp_path: Path) -> None:
    path = write(
        tmp_path / "info_schema.csv",
        "start_time,Query_Text,extra,query_id,Database_Name\n"
        '2024-11-19 10:55:17,"select ""x""",zzz,q9,Db\n',
    )
    rows, errors = rows_of([str(path)])
    assert errors == []
    assert [
        (r["query_id"], r["query_text"], r["database_name"], r["start_time"]) for r in rows
    ] == [("q9", 'select "x"', "Db", datetime(2024, 11, 19, 10, 55, 17, tzinfo=UTC))]
    assert rows[0]["schema_name"] is None and rows[0]["session_id"] is None


def test_csv_text_literally_null_stays_text(tmp_path: Path) -> None:
    path = write(
        tmp_path / "h.csv",
        "QUERY_ID,QUERY_TEXT,START_TIME,ROLE_NAME\nq1,NULL,2024-11-19 10:55:17,NULL\n",
    )
    rows, _ = rows_of([str(path)])
    assert (rows[0]["query_text"], rows[0]["role_name"]) == ("NULL", "NULL")


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson", ".json"])
def test_json_lines_with_numbers_and_omitted_keys(tmp_path: Path, suffix: str) -> None:
    records = [
        {
            "query_id": "a",
            "query_text": "select 1",
            "start_time": "2024-11-19T10:55:17Z",
            "session_id": 42,
            "bytes_scanned": 10,
            "nested": {"x": [1]},
        },
        {
            "query_id": "b",
            "query_text": "select\n2",
            "start_time": "2024-11-19T10:55:18Z",
            "session_id": 43,
            "database_name": "DB",
            "schema_name": "",
        },
    ]
    path = write(tmp_path / f"history{suffix}", jsonl(records) + "\n")
    rows, errors = rows_of([str(path)])
    assert errors == []
    assert [
        (r["query_id"], r["query_text"], r["session_id"], r["database_name"], r["schema_name"])
        for r in rows
    ] == [("a", "select 1", "42", None, None), ("b", "select\n2", "43", "DB", None)]
    assert rows[1]["start_time"] == datetime(2024, 11, 19, 10, 55, 18, tzinfo=UTC)


def test_json_lines_with_mixed_types_fall_back_line_by_line(tmp_path: Path) -> None:
    records = [
        log_row(QUERY_ID="a", SESSION_ID=1),
        log_row(QUERY_ID="b", SESSION_ID="s-2"),
        log_row(QUERY_ID="c", SESSION_ID=None),
    ]
    path = write(tmp_path / "h.jsonl", jsonl(records))
    rows, errors = rows_of([str(path)])
    assert errors == []
    assert [(r["query_id"], r["session_id"]) for r in rows] == [
        ("a", "1"),
        ("b", "s-2"),
        ("c", None),
    ]


def test_malformed_json_line_is_recorded_and_neighbours_kept(tmp_path: Path) -> None:
    text = (
        jsonl([log_row(QUERY_ID="a")]) + "{not json\n" + "[1, 2]\n" + jsonl([log_row(QUERY_ID="c")])
    )
    path = write(tmp_path / "h.jsonl", text)
    rows, errors = rows_of([str(path)])
    assert [r["query_id"] for r in rows] == ["a", "c"]
    assert [(e.error_type, e.stage) for e in errors] == [("malformed_row", "source")] * 2
    assert "h.jsonl: line 2: invalid JSON" in errors[0].message
    assert errors[0].query_hash == text_hash("{not json\n")
    assert "h.jsonl: line 3: not a JSON object" in errors[1].message


def test_parquet_native_timestamps_and_numbers(tmp_path: Path) -> None:
    table = pa.table(
        {
            "QUERY_ID": ["p1", "p2"],
            "Query_Text": ["select 1", "select 2"],
            "START_TIME": pa.array(
                [datetime(2024, 11, 19, 10, 55, 17, 123456), datetime(2024, 11, 19, 11, 0)],
                pa.timestamp("ns", tz="America/Los_Angeles"),
            ),
            "END_TIME": pa.array([datetime(2024, 11, 19, 19, 0), None], pa.timestamp("ms")),
            "SESSION_ID": pa.array([7, None], pa.int64()),
            "ROLE_NAME": pa.array(["R", "R"]).dictionary_encode(),
            "ROWS_PRODUCED": [1, 2],
        }
    )
    path = write_parquet(tmp_path / "h.parquet", table)
    rows, errors = rows_of([str(path)])
    assert errors == []
    assert [(r["query_id"], r["query_text"], r["session_id"], r["role_name"]) for r in rows] == [
        ("p1", "select 1", "7", "R"),
        ("p2", "select 2", None, "R"),
    ]
    # Arrow stores zoned timestamps as UTC instants: the wall time written is taken as UTC here.
    assert rows[0]["start_time"] == datetime(2024, 11, 19, 10, 55, 17, 123456, tzinfo=UTC)
    assert rows[0]["end_time"] == datetime(2024, 11, 19, 19, 0, tzinfo=UTC)
    assert rows[1]["end_time"] is None


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-11-19 10:55:17.123 -0800", datetime(2024, 11, 19, 18, 55, 17, 123000, tzinfo=UTC)),
        (
            "2024-11-19 10:55:17.123000000 +0000",
            datetime(2024, 11, 19, 10, 55, 17, 123000, tzinfo=UTC),
        ),
        (
            "2024-11-19 10:55:17.123456789 +0000",
            datetime(2024, 11, 19, 10, 55, 17, 123456, tzinfo=UTC),
        ),
        ("2024-11-19T10:55:17Z", datetime(2024, 11, 19, 10, 55, 17, tzinfo=UTC)),
        ("2024-11-19T10:55:17.123456+01:00", datetime(2024, 11, 19, 9, 55, 17, 123456, tzinfo=UTC)),
        ("2024-11-19 10:55:17", datetime(2024, 11, 19, 10, 55, 17, tzinfo=UTC)),
        ("2024-11-19 10:55:17 +05:30", datetime(2024, 11, 19, 5, 25, 17, tzinfo=UTC)),
        (" 2024-11-19 23:30:00.5 -01 ", datetime(2024, 11, 20, 0, 30, 0, 500000, tzinfo=UTC)),
    ],
)
@pytest.mark.parametrize("with_bad_neighbour", [False, True], ids=["vectorised", "fallback"])
def test_timestamp_forms_become_utc(
    tmp_path: Path, value: str, expected: datetime, with_bad_neighbour: bool
) -> None:
    records = [log_row(QUERY_ID="t", START_TIME=value, END_TIME=value)]
    if with_bad_neighbour:  # one unreadable value sends the whole batch down the per-value path
        records.append(log_row(QUERY_ID="bad", START_TIME="yesterday"))
    path = write(tmp_path / "t.jsonl", jsonl(records))
    rows, errors = rows_of([str(path)])
    assert [(r["query_id"], r["start_time"], r["end_time"]) for r in rows] == [
        ("t", expected, expected)
    ]
    assert [e.error_type for e in errors] == (["bad_timestamp"] if with_bad_neighbour else [])


def test_unreadable_start_time_drops_the_row_with_a_record(tmp_path: Path) -> None:
    path = write(
        tmp_path / "h.csv",
        "QUERY_ID,QUERY_TEXT,START_TIME,END_TIME\n"
        "q1,select 1,2024-11-19 10:55:17,not a time\n"
        "q2,select 2,,\n"
        "q3,select 3,19/11/2024,\n",
    )
    rows, errors = rows_of([str(path)])
    assert [(r["query_id"], r["end_time"]) for r in rows] == [("q1", None)]
    assert [(e.query_id, e.error_type, e.stage) for e in errors] == [
        ("q2", "bad_timestamp", "source"),
        ("q3", "bad_timestamp", "source"),
    ]
    assert "h.csv: row 2: START_TIME empty" in errors[0].message
    assert "'19/11/2024' is not a timestamp" in errors[1].message
    assert errors[1].query_hash == text_hash("select 3")


def test_malformed_csv_row_is_recorded_and_neighbours_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path / "h.csv",
        '"QUERY_ID","QUERY_TEXT","START_TIME"\n'
        '"q1","select\n1","2024-11-19 10:55:17"\n'
        '"q2","select 2","2024-11-19 10:55:18","surplus"\n'
        '"q3","select 3","2024-11-19 10:55:19"\n',
    )
    rows, errors = rows_of([str(path)])
    assert [r["query_id"] for r in rows] == ["q1", "q3"]
    assert len(errors) == 1
    error = errors[0]
    assert (error.query_id, error.stage, error.error_type) == ("q2", "source", "malformed_row")
    assert error.message.startswith("h.csv: malformed CSV row")
    assert "expected 3 fields, found 4" in error.message
    assert error.query_hash == text_hash('"q2","select 2","2024-11-19 10:55:18","surplus"')


def test_non_utf8_csv_row_is_kept_with_replacement_and_recorded(tmp_path: Path) -> None:
    data = (
        b"QUERY_ID,QUERY_TEXT,START_TIME,USER_NAME\n"
        b"q1,select 'ok',2024-11-19 10:55:17,A\n"
        b"q2,select 'caf\xe9',2024-11-19 10:55:18,B\n"
    )
    path = write(tmp_path / "latin1.csv", data)
    rows, errors = rows_of([str(path)])
    assert [(r["query_id"], r["query_text"], r["user_name"]) for r in rows] == [
        ("q1", "select 'ok'", "A"),
        ("q2", "select 'caf\ufffd'", "B"),
    ]
    assert [(e.query_id, e.error_type, e.start_time) for e in errors] == [
        ("q2", "encoding", datetime(2024, 11, 19, 10, 55, 18, tzinfo=UTC))
    ]
    assert "latin1.csv: row 2: invalid UTF-8 in QUERY_TEXT" in errors[0].message
    assert errors[0].query_hash == text_hash("select 'caf\ufffd'")


def test_non_utf8_json_line_is_kept_with_replacement_and_recorded(tmp_path: Path) -> None:
    good = jsonl([log_row(QUERY_ID="a")]).encode()
    bad = (
        b'{"QUERY_ID": "b", "QUERY_TEXT": "select \'\xff\'", '
        b'"START_TIME": "2024-11-19T10:55:17Z"}\n'
    )
    path = write(tmp_path / "h.jsonl", good + bad)
    rows, errors = rows_of([str(path)])
    assert [(r["query_id"], r["query_text"]) for r in rows] == [
        ("a", "select 1"),
        ("b", "select '\ufffd'"),
    ]
    assert [(e.query_id, e.error_type) for e in errors] == [("b", "encoding")]
    assert "h.jsonl: line 2" in errors[0].message


@pytest.mark.parametrize(
    "file_name, data",
    [
        ("h.csv", "QUERY_ID,START_TIME,DATABASE_NAME\nq1,2024-11-19 10:55:17,DB\n"),
        ("h.csv.gz", "query_id,start_time\n"),
        ("h.jsonl", jsonl([{"QUERY_ID": "q1", "START_TIME": "2024-11-19T10:55:17Z"}])),
        ("h.parquet", None),
    ],
)
def test_missing_required_column_is_fatal_and_named(
    tmp_path: Path, file_name: str, data: str | None
) -> None:
    path = tmp_path / "logs" / file_name
    if data is None:
        path.parent.mkdir()
        pq.write_table(pa.table({"QUERY_ID": ["q1"], "START_TIME": ["2024-11-19T10:55:17Z"]}), path)
    else:
        write(path, data)
    with pytest.raises(SourceError, match=rf"^{file_name}: missing required column QUERY_TEXT$"):
        collect([str(tmp_path / "logs")])


def test_missing_columns_are_listed_together(tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", "QUERY_TEXT,X\nselect 1,2\n")
    with pytest.raises(
        SourceError, match=r"^h.csv: missing required columns QUERY_ID, START_TIME$"
    ):
        collect([str(path)])


@pytest.mark.parametrize(
    "file_name, data",
    [
        ("zero.csv", b""),
        ("header_only.csv", b'"QUERY_ID","QUERY_TEXT","START_TIME"\n'),
        ("zero.csv.gz", b""),
        ("blank.jsonl", b"\n\n"),
        ("zero.parquet", b""),
        ("zero.sql", b""),
        ("comments.sql", b"-- nothing here;\n/* nor ; here */\n;;\n"),
    ],
)
def test_empty_file_is_recorded_not_fatal(tmp_path: Path, file_name: str, data: bytes) -> None:
    write(tmp_path / file_name, data)
    batches, errors = collect([str(tmp_path / file_name)])
    assert batches == []
    assert [(e.query_id, e.stage, e.error_type) for e in errors] == [("", "source", "empty_file")]
    assert errors[0].message.startswith(f"{file_name}: ")


def test_parquet_without_rows_is_empty(tmp_path: Path) -> None:
    schema = pa.schema(
        [("QUERY_ID", pa.string()), ("QUERY_TEXT", pa.string()), ("START_TIME", pa.string())]
    )
    pq.write_table(schema.empty_table(), tmp_path / "none.parquet")
    batches, errors = collect([str(tmp_path / "none.parquet")])
    assert (batches, [e.error_type for e in errors]) == ([], ["empty_file"])


def test_gzip_gives_the_same_rows_for_every_format(tmp_path: Path) -> None:
    records = [log_row(QUERY_ID=f"q{i}", QUERY_TEXT=f"select {i}") for i in range(3)]
    table = pa.Table.from_pylist(records)
    csv_text = "QUERY_ID,QUERY_TEXT,START_TIME,DATABASE_NAME,SCHEMA_NAME\n" + "".join(
        f'{r["QUERY_ID"]},"{r["QUERY_TEXT"]}",{r["START_TIME"]},DB,SCH\n' for r in records
    )
    for suffix in ("", ".gz"):
        folder = tmp_path / f"plain{suffix or '_'}"
        write(folder / f"a.csv{suffix}", csv_text)
        write(folder / f"b.jsonl{suffix}", jsonl(records))
        write_parquet(folder / f"c.parquet{suffix}", table)
        write(folder / f"d.sql{suffix}", "select 0; select 1;")
    plain, plain_errors = rows_of([str(tmp_path / "plain_")])
    zipped, zipped_errors = rows_of([str(tmp_path / "plain.gz")])
    assert plain_errors == zipped_errors == []
    assert len(plain) == 3 * 3 + 2
    strip = {"d.sql:000001": "d.sql.gz:000001", "d.sql:000002": "d.sql.gz:000002"}
    assert [dict(r, query_id=strip.get(r["query_id"], r["query_id"])) for r in plain] == zipped


def test_large_csv_streams_in_several_batches(tmp_path: Path) -> None:
    lines = ["QUERY_ID,QUERY_TEXT,START_TIME,SESSION_ID"]
    lines += [
        f'q{i:05d},"insert into t\nselect {i}",2024-11-19 10:{i // 3600 % 60:02d}:{i % 60:02d},{i}'
        for i in range(5000)
    ]
    path = write(tmp_path / "big.csv", "\n".join(lines) + "\n")
    batches, errors = collect([str(path)], batch_rows=300)
    assert errors == []
    assert len(batches) == 17
    assert max(b.num_rows for b in batches) == 300
    ids = [qid for b in batches for qid in b.column("query_id").to_pylist()]
    assert ids == [f"q{i:05d}" for i in range(5000)]


def test_truncated_gzip_keeps_rows_before_the_break(tmp_path: Path) -> None:
    records = [log_row(QUERY_ID=f"q{i}", QUERY_TEXT=f"select {i} from t") for i in range(50000)]
    whole = gzip.compress(jsonl(records).encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    rows, errors = rows_of([str(path)], batch_rows=1000)
    ids = [r["query_id"] for r in rows]
    assert 1000 <= len(ids) < 50000
    assert ids == [f"q{i}" for i in range(len(ids))]
    assert [(e.stage, e.error_type) for e in errors] == [("source", "read_error")]
    assert errors[0].message.startswith(f"cut.jsonl.gz: unreadable after row {len(ids)}: ")


def test_json_array_file_is_not_json_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "export.json", "[\n" + json.dumps(log_row()) + "\n]\n")
    with pytest.raises(SourceError, match=r"^export.json: "):
        collect([str(path)])


def test_read_query_log_names_file_by_basename(tmp_path: Path) -> None:
    path = write(tmp_path / "deep" / "h.csv", "QUERY_ID,START_TIME\n")
    with pytest.raises(SourceError, match=r"^h.csv: missing required column QUERY_TEXT$"):
        list(read_query_log(path, lambda e: None, 10))


def test_text_hash_is_sha1_of_utf8() -> None:
    assert text_hash("select 'é'") == hashlib.sha1("select 'é'".encode()).hexdigest()
    assert text_hash("\ud800") == hashlib.sha1(b"?").hexdigest()


# --- finding files ----------------------------------------------------------------------------


def make_tree(root: Path) -> None:
    for name in [
        "b/2.csv",
        "b/1.sql.gz",
        "a.jsonl",
        "c/d/e.parquet",
        "README.md",
        "c/MANIFEST.yml",
        ".hidden/x.csv",
        "c/.x.csv",
        "z.ndjson",
    ]:
        write(root / name, b"")


def test_folder_is_searched_recursively_sorted_and_unknown_files_skipped(tmp_path: Path) -> None:
    make_tree(tmp_path)
    assert expand_sources([str(tmp_path)]) == [
        tmp_path / "a.jsonl",
        tmp_path / "b/1.sql.gz",
        tmp_path / "b/2.csv",
        tmp_path / "c/d/e.parquet",
        tmp_path / "z.ndjson",
    ]


@pytest.mark.parametrize(
    "pattern, expected",
    [
        ("*.jsonl", ["a.jsonl"]),
        ("b/*", ["b/1.sql.gz", "b/2.csv"]),
        ("**/*.csv", ["b/2.csv"]),
        ("*", ["a.jsonl", "b/1.sql.gz", "b/2.csv", "c/d/e.parquet", "z.ndjson"]),
        ("[az]*", ["a.jsonl", "z.ndjson"]),
    ],
)
def test_glob_expansion(tmp_path: Path, pattern: str, expected: list[str]) -> None:
    make_tree(tmp_path)
    assert expand_sources([f"{tmp_path}/{pattern}"]) == [tmp_path / e for e in expected]


def test_several_specs_are_merged_sorted_and_deduplicated(tmp_path: Path) -> None:
    make_tree(tmp_path)
    specs = [
        str(tmp_path / "z.ndjson"),
        f"{tmp_path}/b/*.csv",
        str(tmp_path / "b"),
        str(tmp_path / "a.jsonl"),
    ]
    assert expand_sources(specs) == [
        tmp_path / "a.jsonl",
        tmp_path / "b/1.sql.gz",
        tmp_path / "b/2.csv",
        tmp_path / "z.ndjson",
    ]


@pytest.mark.parametrize(
    "spec, message",
    [
        ("missing.csv", r"missing.csv: no such file or folder"),
        ("nothing/*.csv", r"nothing/\*.csv: matches no query log"),
        ("only_manifests", r"only_manifests: matches no query log"),
        ("notes.txt", r"^notes.txt: unknown file type"),
    ],
)
def test_spec_that_matches_nothing_is_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str, message: str
) -> None:
    write(tmp_path / "only_manifests" / "MANIFEST.yml", "x: 1")
    write(tmp_path / "notes.txt", "hello")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SourceError, match=message):
        read_sources([spec], lambda e: None)


def test_several_sources_are_read_in_path_order(tmp_path: Path) -> None:
    write(
        tmp_path / "2024-11-20" / "h.csv",
        "QUERY_ID,QUERY_TEXT,START_TIME\nc1,select 3,2024-11-20 00:00:00\n",
    )
    write(tmp_path / "2024-11-19" / "h.jsonl", jsonl([log_row(QUERY_ID="j1")]))
    write(tmp_path / "scripts" / "setup.sql", "create table t (a int);")
    rows, errors = rows_of([str(tmp_path / "scripts"), f"{tmp_path}/2024-*"])
    assert errors == []
    assert [r["query_id"] for r in rows] == ["j1", "c1", "setup.sql:000001"]


# --- .sql scripts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("select 1; select 2;", ["select 1", "select 2"]),
        ("select 1;\nselect 2", ["select 1", "select 2"]),
        ("select 'a;b'; select 2", ["select 'a;b'", "select 2"]),
        ("select 'it''s;'; select 2", ["select 'it''s;'", "select 2"]),
        ("select 'it\\'s;'; select 2", ["select 'it\\'s;'", "select 2"]),
        ("select 'c:\\\\'; select 2", ["select 'c:\\\\'", "select 2"]),
        ('select 1 as "a;""b"; select 2', ['select 1 as "a;""b"', "select 2"]),
        (
            "create function f() returns int as $$ select 1; $$; select 2",
            ["create function f() returns int as $$ select 1; $$", "select 2"],
        ),
        ("select 1 -- it's; a comment\n; select 2", ["select 1 -- it's; a comment", "select 2"]),
        (
            "select 1 // don't; split\nfrom t; select 2",
            ["select 1 // don't; split\nfrom t", "select 2"],
        ),
        ("select /* ; ' \" */ 1; select 2", ["select /* ; ' \" */ 1", "select 2"]),
        ("-- header; comment\n/* block; */\n;\n  ;select 1", ["select 1"]),
        ("-- lead\nselect 1;\n-- trailing only\n", ["-- lead\nselect 1"]),
        ("select 'unterminated; select 2", ["select 'unterminated; select 2"]),
        ("select $1, v$$x from t; select 2", ["select $1, v$$x from t; select 2"]),
        ("select 'https://x'; select 2", ["select 'https://x'", "select 2"]),
        ("", []),
        (" ;\n ; ", []),
    ],
)
def test_split_statements(text: str, expected: list[str]) -> None:
    assert split_statements(text) == expected


SCRIPT = """\
-- quickstart setup
USE ROLE ml_admin;
USE DATABASE analytics;
create table orders (a int);
USE SCHEMA staging;
select 1;
USE SCHEMA "Db".sch;
select 2;
USE raw;
select 3;
USE other.Public;
USE WAREHOUSE wh;
USE SECONDARY ROLES ALL;
USE DATABASE IDENTIFIER('"Quoted"');
select 4;
"""


def test_script_rows_follow_use_context(tmp_path: Path) -> None:
    path = write(tmp_path / "setup.sql", SCRIPT)
    errors: list[ErrorRecord] = []
    rows = pa.Table.from_batches(read_sql_script(path, errors.append, 5)).to_pylist()
    assert errors == []
    assert [
        (
            r["query_id"],
            r["query_text"].splitlines()[-1],
            r["database_name"],
            r["schema_name"],
            r["role_name"],
        )
        for r in rows
    ] == [
        ("setup.sql:000001", "USE ROLE ml_admin", None, None, None),
        ("setup.sql:000002", "USE DATABASE analytics", None, None, "ML_ADMIN"),
        ("setup.sql:000003", "create table orders (a int)", "ANALYTICS", None, "ML_ADMIN"),
        ("setup.sql:000004", "USE SCHEMA staging", "ANALYTICS", None, "ML_ADMIN"),
        ("setup.sql:000005", "select 1", "ANALYTICS", "STAGING", "ML_ADMIN"),
        ("setup.sql:000006", 'USE SCHEMA "Db".sch', "ANALYTICS", "STAGING", "ML_ADMIN"),
        ("setup.sql:000007", "select 2", "Db", "SCH", "ML_ADMIN"),
        ("setup.sql:000008", "USE raw", "Db", "SCH", "ML_ADMIN"),
        ("setup.sql:000009", "select 3", "RAW", None, "ML_ADMIN"),
        ("setup.sql:000010", "USE other.Public", "RAW", None, "ML_ADMIN"),
        ("setup.sql:000011", "USE WAREHOUSE wh", "OTHER", "PUBLIC", "ML_ADMIN"),
        ("setup.sql:000012", "USE SECONDARY ROLES ALL", "OTHER", "PUBLIC", "ML_ADMIN"),
        (
            "setup.sql:000013",
            "USE DATABASE IDENTIFIER('\"Quoted\"')",
            "OTHER",
            "PUBLIC",
            "ML_ADMIN",
        ),
        ("setup.sql:000014", "select 4", "Quoted", None, "ML_ADMIN"),
    ]
    assert rows[0]["query_text"] == "-- quickstart setup\nUSE ROLE ml_admin"
    assert {
        (r["start_time"], r["end_time"], r["execution_status"], r["query_type"], r["user_name"])
        for r in rows
    } == {(None, None, "SUCCESS", None, None)}


def test_script_batches_respect_batch_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "many.sql", "select 1;\n" * 25)
    batches = list(read_sql_script(path, lambda e: None, 10))
    assert [b.num_rows for b in batches] == [10, 10, 5]
    assert all(b.schema == CANONICAL_SCHEMA for b in batches)


def test_script_query_ids_are_relative_and_stable(tmp_path: Path) -> None:
    for root in ("machine_a/repo", "machine_b/elsewhere/repo"):
        write(tmp_path / root / "sql" / "01_setup.sql", "select 1; select 2;")
        write(tmp_path / root / "sql" / "ml" / "train.sql", "select 3;")
    ids = []
    for root in ("machine_a/repo", "machine_b/elsewhere/repo"):
        rows, _ = rows_of([str(tmp_path / root / "sql")])
        ids.append([r["query_id"] for r in rows])
    assert ids[0] == ids[1] == ["01_setup.sql:000001", "01_setup.sql:000002", "ml/train.sql:000001"]
    single, _ = rows_of([str(tmp_path / "machine_a/repo/sql/ml/train.sql")])
    globbed, _ = rows_of([f"{tmp_path}/machine_a/repo/sql/**/*.sql"])
    assert [r["query_id"] for r in single] == ["train.sql:000001"]
    assert [r["query_id"] for r in globbed] == [
        "01_setup.sql:000001",
        "01_setup.sql:000002",
        "ml/train.sql:000001",
    ]


def test_script_with_bad_utf8_is_recorded_and_read(tmp_path: Path) -> None:
    path = write(tmp_path / "old.sql", b"select 'caf\xe9'; select 2;")
    errors: list[ErrorRecord] = []
    rows = pa.Table.from_batches(read_sql_script(path, errors.append)).to_pylist()
    assert [r["query_text"] for r in rows] == ["select 'caf\ufffd'", "select 2"]
    assert [(e.error_type, e.stage) for e in errors] == [("encoding", "source")]
    assert errors[0].message.startswith("old.sql: invalid UTF-8")


def test_copied_file_gives_identical_batches(tmp_path: Path) -> None:
    first = write(tmp_path / "a" / "query_history.csv", SNOWSIGHT_CSV)
    second = tmp_path / "b" / "query_history.csv"
    second.parent.mkdir()
    shutil.copy(first, second)
    assert collect([str(first)])[0][0].equals(collect([str(second)])[0][0])


def test_csv_row_larger_than_a_block_is_read_with_its_neighbours(tmp_path: Path) -> None:
    """A row of several MB (bigger than the reader's first block size) does not stop the file:
    the rest is read on with larger blocks, nothing twice."""
    big = "SELECT " + ", ".join(f"'{i:08}'" for i in range(250_000))  # ~3 MB
    lines = ['"QUERY_ID","QUERY_TEXT","START_TIME"']
    filler = "x" * 60_000  # 30 rows of 60 KB: the first block is delivered before the big row
    lines += [f'"q{i}","SELECT \'{filler}\'","2026-01-01 00:00:{i:02}"' for i in range(30)]
    lines.append(f'"big","{big}","2026-01-01 00:01:00"')
    lines += [f'"r{i}","SELECT {i}","2026-01-01 00:02:{i:02}"' for i in range(30)]
    path = write(tmp_path / "big.csv", "\n".join(lines) + "\n")
    rows, errors = rows_of([str(path)], batch_rows=7)
    assert errors == []
    assert [r["query_id"] for r in rows] == [f"q{i}" for i in range(30)] + ["big"] + [
        f"r{i}" for i in range(30)
    ]
    assert len(rows[30]["query_text"]) == len(big)

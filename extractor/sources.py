"""Sources: query history exports and ``.sql`` scripts → Arrow batches in one canonical schema.

Everything after this stage sees one shape (DESIGN.md "The pipeline", step 1), whatever the user
downloaded: a Snowsight/SnowSQL CSV of ``QUERY_HISTORY``, JSON Lines, Parquet (each optionally
gzip'd), or a plain script. Logs are streamed in bounded batches so memory does not grow with the
file. A row that cannot be read is an :class:`~extractor.facts.ErrorRecord` handed to ``on_error``
and the rest of the file still counts; only problems that make a whole input unusable (a spec that
matches nothing, a required column missing) raise :class:`SourceError`.
"""

from __future__ import annotations

import csv
import glob
import gzip
import hashlib
import io
import json
import logging
import os
import re
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from types import MappingProxyType
from typing import IO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from extractor.facts import ErrorRecord

logger = logging.getLogger(__name__)

ErrorSink = Callable[[ErrorRecord], None]

UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")

CANONICAL_SCHEMA = pa.schema(
    [
        ("query_id", pa.string()),
        ("query_text", pa.string()),
        ("start_time", UTC_TIMESTAMP),
        ("end_time", UTC_TIMESTAMP),
        ("database_name", pa.string()),
        ("schema_name", pa.string()),
        ("user_name", pa.string()),
        ("role_name", pa.string()),
        ("execution_status", pa.string()),
        ("query_type", pa.string()),
        ("session_id", pa.string()),
    ]
)

# QUERY_HISTORY columns we read; a log must have these (DESIGN.md: query_id, query_text and
# start_time are required for logs, the context columns are used when present).
REQUIRED_LOG_COLUMNS = ("query_id", "query_text", "start_time")
_TEXT_COLUMNS = tuple(f.name for f in CANONICAL_SCHEMA if pa.types.is_string(f.type))
_TIME_COLUMNS = ("start_time", "end_time")
# Identity columns stay non-null strings ("string columns stay strings even when empty");
# context columns turn "" into null so that "no default schema" has one spelling.
_NEVER_NULL = frozenset({"query_id", "query_text"})

_FORMATS = MappingProxyType(
    {
        ".csv": "csv",
        ".jsonl": "jsonl",
        ".ndjson": "jsonl",
        ".json": "jsonl",
        ".parquet": "parquet",
        ".sql": "sql",
    }
)
_KNOWN_EXTENSIONS = ".csv, .jsonl, .ndjson, .json, .parquet or .sql, optionally .gz"

# Arrow's CSV reader reads about 32 blocks ahead of the consumer whatever ``use_threads`` says,
# so memory is ~32 blocks: keep them small. A CSV row must fit in one block: QUERY_HISTORY cuts
# texts at 100K characters (at most 400 KB of UTF-8), so 1 MiB is enough for its exports; a
# file with a larger row is read on past it with larger blocks.
_CSV_BLOCKS = (1 << 20, 16 << 20, 256 << 20)
# JSON Lines batches are also cut by size, so a file of huge lines stays bounded.
_MAX_JSON_BATCH_BYTES = 16 << 20

_GLOB_MAGIC = re.compile(r"[*?[]")
# Per-value timestamp fallback: date, time, fraction, zone (Z, ±HH, ±HHMM, ±HH:MM).
_TIMESTAMP = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?\s*"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)


class SourceError(Exception):
    """An input that cannot be used at all; the message is one line and names the file."""


def text_hash(text: str) -> str:
    """Hex SHA-1 of a statement's text: lets errors.parquet point at a statement without
    writing the (possibly sensitive) text out."""
    return hashlib.sha1(text.encode("utf-8", errors="replace")).hexdigest()


# --------------------------------------------------------------------------------------------
# Finding the files


@dataclass(frozen=True, slots=True)
class _Source:
    """A matched file and the name it goes by in messages and script query ids: relative to
    the spec's folder (or the basename of a file spec), so ids are stable across machines."""

    path: Path
    name: str


def _format_of(path: Path) -> tuple[str, bool] | None:
    """(format, gzipped) from the file name, or None for a file that is not ours."""
    name = path.name.lower()
    gzipped = name.endswith(".gz")
    if gzipped:
        name = name[:-3]
    if name.endswith((".ml.jsonl", ".ml.json")):
        return None  # ML metadata records, read by extractor.metadata
    fmt = _FORMATS.get(os.path.splitext(name)[1])
    return (fmt, gzipped) if fmt else None


def _is_hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _walk(folder: Path, base: Path) -> list[_Source]:
    """Known files under ``folder``; others (README, MANIFEST.yml, dot files) are left to
    other readers and skipped without a word."""
    found = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if _is_hidden(relative) or not path.is_file() or _format_of(path) is None:
            continue
        found.append(_Source(path, Path(os.path.relpath(path, base)).as_posix()))
    return found


def _expand_glob(spec: str) -> list[_Source]:
    """Files a glob matches (folders it matches are searched), named relative to the part of
    the pattern before its first wildcard: ``logs/**/*.sql`` names ``logs/a/b.sql`` ``a/b.sql``."""
    fixed = list(_takewhile_plain(Path(spec).parts))
    base = Path(*fixed) if fixed else Path(".")
    found: list[_Source] = []
    for match in sorted(glob.glob(spec, recursive=True)):
        path = Path(match)
        if path.is_dir():
            found.extend(_walk(path, base))
        elif path.is_file() and _format_of(path) is not None:
            found.append(_Source(path, Path(os.path.relpath(path, base)).as_posix()))
    return found


def _takewhile_plain(parts: Sequence[str]) -> Iterator[str]:
    for part in parts:
        if _GLOB_MAGIC.search(part):
            return
        yield part


def _expand_spec(spec: str) -> list[_Source]:
    path = Path(spec)
    if path.is_dir():
        found = _walk(path, path)
    elif path.is_file():
        if _format_of(path) is None:
            raise SourceError(f"{path.name}: unknown file type (expected {_KNOWN_EXTENSIONS})")
        found = [_Source(path, path.name)]
    elif _GLOB_MAGIC.search(spec):
        found = _expand_glob(spec)
    else:
        raise SourceError(f"{spec}: no such file or folder")
    if not found:
        raise SourceError(f"{spec}: matches no query log or .sql script ({_KNOWN_EXTENSIONS})")
    return found


def _expand(specs: Sequence[str]) -> list[_Source]:
    """All files of all specs, each once, in path order so that a run is reproducible
    whatever the order of the arguments."""
    by_file: dict[Path, _Source] = {}
    for spec in specs:
        for source in _expand_spec(str(spec)):
            by_file.setdefault(source.path.resolve(), source)
    return sorted(by_file.values(), key=lambda s: (s.path, s.name))


def expand_sources(specs: Sequence[str]) -> list[Path]:
    """The files that ``specs`` (files, folders searched recursively, or globs) name, sorted.

    Raises SourceError for a spec that matches nothing or an explicit file of unknown type, and
    for a live account (``snowflake://``), which names no files.
    """
    for spec in specs:
        if is_live_spec(spec):
            raise SourceError(
                f"{LIVE_SCHEME}: a live account has no files to partition; "
                "read it with the local engine"
            )
    return [source.path for source in _expand(specs)]


LIVE_SCHEME = "snowflake://"

LiveReader = Callable[[str, ErrorSink, int], Iterator[pa.RecordBatch]]
"""Opens a live spec (``snowflake://…``): checks it at once, then yields canonical batches."""


def is_live_spec(spec: str) -> bool:
    """A spec naming a live account rather than files (``snowflake://ACCOUNT``)."""
    return str(spec).lower().startswith(LIVE_SCHEME)


def read_sources(
    specs: Sequence[str],
    on_error: ErrorSink,
    batch_rows: int = 65536,
    *,
    live: LiveReader | None = None,
) -> Iterator[pa.RecordBatch]:
    """Batches in CANONICAL_SCHEMA from every file the specs match, file by file in path order,
    then from each live account (``snowflake://…``) through ``live``.

    The specs are expanded (and live specs checked) now, so a spec that matches nothing fails
    before anything is read.
    """
    if batch_rows < 1:
        raise ValueError("batch_rows must be positive")
    file_specs = [spec for spec in specs if not is_live_spec(spec)]
    live_specs = [spec for spec in specs if is_live_spec(spec)]
    if live_specs and live is None:
        raise SourceError(f"{LIVE_SCHEME}: a live account is read by `mlineage extract` only")
    files = _expand(file_specs) if file_specs else []
    opened = [live(spec, on_error, batch_rows) for spec in live_specs] if live else []
    return _read_all(files, on_error, batch_rows, opened)


def _read_all(
    sources: Sequence[_Source],
    on_error: ErrorSink,
    batch_rows: int,
    live: Sequence[Iterator[pa.RecordBatch]] = (),
) -> Iterator[pa.RecordBatch]:
    for batches in live:
        yield from batches
    for source in sources:
        fmt = _format_of(source.path)
        logger.debug("reading %s", source.name)
        if fmt is not None and fmt[0] == "sql":
            yield from read_sql_script(source.path, on_error, batch_rows, name=source.name)
        else:
            yield from read_query_log(source.path, on_error, batch_rows, name=source.name)


# --------------------------------------------------------------------------------------------
# Query history logs


@dataclass(frozen=True, slots=True)
class _RawChunk:
    """Columns of one batch as the file gave them (any Arrow type), keyed by canonical name.

    ``labels`` names each row in messages (``line 12``, ``row 40``); ``bad_text`` lists rows
    already known to hold invalid UTF-8 (decoded with U+FFFD by the per-line JSON reader).
    """

    columns: Mapping[str, pa.Array]
    num_rows: int
    labels: Callable[[int], str]
    bad_text: frozenset[int] = frozenset()


def read_query_log(
    path: Path, on_error: ErrorSink, batch_rows: int = 65536, *, name: str | None = None
) -> Iterator[pa.RecordBatch]:
    """Batches in CANONICAL_SCHEMA from one CSV, JSON Lines or Parquet query history file.

    ``name`` is what messages call the file (default: its basename).
    """
    path = Path(path)
    name = name or path.name
    fmt = _format_of(path)
    if fmt is None or fmt[0] == "sql":
        raise SourceError(
            f"{name}: not a query log (expected .csv, .jsonl, .ndjson, .json, .parquet)"
        )
    kind, gzipped = fmt
    recorded = 0

    def counting_sink(record: ErrorRecord) -> None:
        nonlocal recorded
        recorded += 1
        on_error(record)

    rows = 0
    readers = {"csv": _csv_chunks, "jsonl": _jsonl_chunks, "parquet": _parquet_chunks}
    try:
        if path.stat().st_size > 0:
            # Readers turn failures after the file is open into read_error records; what
            # reaches here failed to open.
            for chunk in readers[kind](path, name, gzipped, counting_sink, batch_rows):
                rows += chunk.num_rows
                batch = _canonical_batch(chunk, name, counting_sink)
                if batch.num_rows:
                    yield batch
    except OSError as error:
        raise _cannot_read(name, error) from error
    if rows == 0 and recorded == 0:
        on_error(_empty_file(name))


def _cannot_read(name: str, error: BaseException) -> SourceError:
    """A file that vanished or cannot be opened is a fatal input problem, not a row problem."""
    reason = getattr(error, "strerror", None) or str(error).splitlines()[0]
    return SourceError(f"{name}: cannot read ({reason})")


def _empty_file(name: str) -> ErrorRecord:
    return ErrorRecord(
        "", None, "source", "empty_file", f"{name}: empty file, no rows", text_hash("")
    )


def _match_columns(names: Iterable[str], file_name: str) -> dict[str, str]:
    """Canonical column → the file's own column name, matched case-insensitively (Snowsight
    writes UPPER case, other exports lower). Extra columns are ignored."""
    wanted = {field.name.upper(): field.name for field in CANONICAL_SCHEMA}
    found: dict[str, str] = {}
    for actual in names:
        canonical = wanted.get(actual.strip().upper())
        if canonical is not None:
            found.setdefault(canonical, actual)
    missing = [c.upper() for c in REQUIRED_LOG_COLUMNS if c not in found]
    if missing:
        noun = "column" if len(missing) == 1 else "columns"
        raise SourceError(f"{file_name}: missing required {noun} {', '.join(missing)}")
    return found


def _open_stream(path: Path, gzipped: bool) -> pa.NativeFile:
    return pa.input_stream(str(path), compression="gzip" if gzipped else None)


def _slices(batch: pa.RecordBatch, batch_rows: int) -> Iterator[pa.RecordBatch]:
    for offset in range(0, batch.num_rows, batch_rows):
        yield batch.slice(offset, batch_rows)


def _read_csv_header(path: Path, gzipped: bool) -> list[str] | None:
    """The header fields, read separately so that only the wanted columns are parsed."""
    with _open_stream(path, gzipped) as stream:
        head = b""
        while b"\n" not in head:
            block = stream.read(1 << 16)
            if not block:
                break
            head += block
    line = head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip("\r")
    if not line.strip():
        return None
    return next(csv.reader([line]))


def _csv_chunks(
    path: Path, name: str, gzipped: bool, on_error: ErrorSink, batch_rows: int
) -> Iterator[_RawChunk]:
    """Stream a QUERY_HISTORY CSV: wanted columns only, read as binary (so that invalid UTF-8
    does not stop the file), quoted newlines allowed, bad rows recorded and skipped."""
    header = _read_csv_header(path, gzipped)
    if header is None:
        return
    columns = _match_columns(header, name)
    query_id_pos = header.index(columns["query_id"])

    def skip_invalid_row(row: pa_csv.InvalidRow) -> str:
        query_id = ""
        try:
            fields = next(csv.reader([row.text]), [])
            query_id = fields[query_id_pos] if query_id_pos < len(fields) else ""
        except csv.Error:
            logger.debug("%s: cannot split malformed row", name)
        where = f" at row {row.number}" if row.number is not None else ""
        on_error(
            ErrorRecord(
                query_id,
                None,
                "source",
                "malformed_row",
                f"{name}: malformed CSV row{where}: expected {row.expected_columns} fields, "
                f"found {row.actual_columns}",
                text_hash(row.text),
            )
        )
        return "skip"

    wanted = list(dict.fromkeys(columns.values()))
    rename = {actual: canonical for canonical, actual in columns.items()}
    numbering = _Numbering()
    for block_size in _CSV_BLOCKS:
        delivered = numbering.delivered
        with _open_stream(path, gzipped) as stream:
            try:
                reader = pa_csv.open_csv(
                    stream,
                    read_options=pa_csv.ReadOptions(block_size=block_size),
                    parse_options=pa_csv.ParseOptions(
                        newlines_in_values=True, invalid_row_handler=skip_invalid_row
                    ),
                    convert_options=pa_csv.ConvertOptions(
                        include_columns=wanted,
                        column_types={c: pa.binary() for c in wanted},
                        strings_can_be_null=False,
                    ),
                )
                batches = (batch for block in reader for batch in _slices(block, batch_rows))
                yield from numbering.chunks(_skip_rows(batches, delivered), rename)
                return
            except (pa.ArrowInvalid, OSError) as error:
                if "straddl" in str(error) and block_size != _CSV_BLOCKS[-1]:
                    logger.info(
                        "%s: a row larger than %d bytes; reading on with larger blocks",
                        name,
                        block_size,
                    )
                    continue
                on_error(_read_error(name, error, numbering.delivered))
                return


def _skip_rows(batches: Iterable[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """The batches without their first ``rows`` rows (delivered before a re-read)."""
    for batch in batches:
        if rows >= batch.num_rows:
            rows -= batch.num_rows
            continue
        yield batch.slice(rows) if rows else batch
        rows = 0


class _Numbering:
    """Labels chunks with their row numbers in the file, and counts what was delivered before a
    failure (for the error record)."""

    def __init__(self) -> None:
        self.delivered = 0

    def chunks(
        self, batches: Iterable[pa.RecordBatch], rename: Mapping[str, str]
    ) -> Iterator[_RawChunk]:
        for batch in batches:
            base = self.delivered
            self.delivered += batch.num_rows
            yield _RawChunk(
                {rename[n]: batch.column(n) for n in batch.schema.names},
                batch.num_rows,
                lambda i, base=base: f"row {base + i + 1}",
            )


def _read_error(name: str, error: Exception, delivered: int) -> ErrorRecord:
    """A file that breaks mid-way (truncated download, unterminated quote): what came before
    is kept, the rest cannot be recovered."""
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    logger.warning("%s: stopped reading after %d rows: %s", name, delivered, reason)
    return ErrorRecord(
        "",
        None,
        "source",
        "read_error",
        f"{name}: unreadable after row {delivered}: {reason}",
        text_hash(""),
    )


def _jsonl_chunks(
    path: Path, name: str, gzipped: bool, on_error: ErrorSink, batch_rows: int
) -> Iterator[_RawChunk]:
    """JSON Lines in bounded line batches. Each batch is parsed by Arrow in one go; a batch it
    rejects (a malformed line, mixed types, bad UTF-8) is re-read line by line so that only the
    bad lines are lost. ``pyarrow.json.open_json`` is not used: one bad line ends its stream."""
    opener: Callable[..., IO[bytes]] = gzip.open if gzipped else open
    schema: pa.Schema | None = None
    rename: dict[str, str] = {}
    line_no = 0
    delivered = 0
    with opener(path, "rb") as handle:
        while True:
            try:
                lines = _take_lines(handle, batch_rows)
            except (EOFError, OSError, zlib.error) as error:
                on_error(_read_error(name, error, delivered))
                return
            if not lines:
                return
            if line_no == 0 and lines[0].startswith(b"\xef\xbb\xbf"):
                lines[0] = lines[0][3:]  # a UTF-8 byte order mark, as Windows tools write
            first = line_no + 1
            line_no += len(lines)
            numbers = [first + k for k, line in enumerate(lines) if line.strip()]
            if not numbers:
                continue
            if schema is None:
                schema, rename = _json_plan(lines, name)
            table: pa.Table | None = None
            try:
                table = _parse_json_lines(lines, schema)
            except pa.ArrowInvalid as error:
                logger.debug("%s: lines %d-%d re-read one by one: %s", name, first, line_no, error)
            if table is None or table.num_rows != len(numbers):
                chunk = _json_lines_one_by_one(lines, first, name, on_error)
                if chunk is not None:
                    delivered += chunk.num_rows
                    yield chunk
                continue
            delivered += table.num_rows
            yield _RawChunk(
                {rename[n]: table.column(n).combine_chunks() for n in table.schema.names},
                table.num_rows,
                lambda i, numbers=numbers: f"line {numbers[i]}",
            )


def _take_lines(handle: IO[bytes], batch_rows: int) -> list[bytes]:
    lines: list[bytes] = []
    size = 0
    for line in islice(handle, batch_rows):
        lines.append(line)
        size += len(line)
        if size >= _MAX_JSON_BATCH_BYTES:
            break
    return lines


_JSON_TYPES = MappingProxyType(
    {str: pa.string(), bool: pa.bool_(), int: pa.int64(), float: pa.float64()}
)


def _json_plan(lines: Sequence[bytes], name: str) -> tuple[pa.Schema, dict[str, str]]:
    """The explicit Arrow schema for the fast path, from the keys and value types of the first
    object: keys match case-insensitively, so the file's own spelling is used."""
    content = [line for line in lines if line.strip()]
    if content and content[0].lstrip().startswith(b"["):
        raise SourceError(f"{name}: a JSON array, expected JSON Lines (one object per line)")
    for line in content:
        try:
            first = json.loads(line.decode("utf-8", errors="replace"))
        except json.JSONDecodeError:
            continue
        if not isinstance(first, dict):
            continue
        columns = _match_columns(first.keys(), name)
        # Writers that drop null keys leave optional columns out of the first object: expect
        # them in the spelling the file uses for QUERY_ID, as strings.
        upper = columns["query_id"].isupper()
        for field in CANONICAL_SCHEMA:
            columns.setdefault(field.name, field.name.upper() if upper else field.name)
        fields = [
            (key, _JSON_TYPES.get(type(first.get(key)), pa.string())) for key in columns.values()
        ]
        return pa.schema(fields), {key: canonical for canonical, key in columns.items()}
    raise SourceError(f"{name}: no JSON object in the first {len(lines)} lines")


def _parse_json_lines(lines: Sequence[bytes], schema: pa.Schema) -> pa.Table:
    data = b"".join(lines)
    if not data.endswith(b"\n"):
        data += b"\n"
    # Blocks are parsed in parallel; each must hold whole lines.
    block_size = max(1 << 20, 2 * max(map(len, lines)))
    return pa_json.read_json(
        io.BytesIO(data),
        read_options=pa_json.ReadOptions(use_threads=True, block_size=block_size),
        parse_options=pa_json.ParseOptions(
            explicit_schema=schema, unexpected_field_behavior="ignore"
        ),
    )


def _json_lines_one_by_one(
    lines: Sequence[bytes], first: int, name: str, on_error: ErrorSink
) -> _RawChunk | None:
    """The slow path for a batch Arrow rejected: each line on its own, bad ones recorded."""
    values: dict[str, list[str | None]] = {f.name: [] for f in CANONICAL_SCHEMA}
    numbers: list[int] = []
    bad_text: set[int] = set()
    for offset, raw in enumerate(lines):
        if not raw.strip():
            continue
        number = first + offset
        try:
            text, valid = raw.decode("utf-8"), True
        except UnicodeDecodeError:
            text, valid = raw.decode("utf-8", errors="replace"), False
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as error:
            obj, reason = None, f"invalid JSON ({error.msg})"
        else:
            reason = "not a JSON object"
        if not isinstance(obj, dict):
            on_error(
                ErrorRecord(
                    "",
                    None,
                    "source",
                    "malformed_row",
                    f"{name}: line {number}: {reason}",
                    text_hash(text),
                )
            )
            continue
        upper = {str(k).strip().upper(): v for k, v in obj.items()}
        for column, column_values in values.items():
            value = upper.get(column.upper())
            column_values.append(
                value if value is None or isinstance(value, str) else json.dumps(value)
            )
        if not valid:
            bad_text.add(len(numbers))
        numbers.append(number)
    if not numbers:
        return None
    return _RawChunk(
        {c: pa.array(v, pa.string()) for c, v in values.items()},
        len(numbers),
        lambda i: f"line {numbers[i]}",
        frozenset(bad_text),
    )


def _parquet_chunks(
    path: Path, name: str, gzipped: bool, on_error: ErrorSink, batch_rows: int
) -> Iterator[_RawChunk]:
    """Parquet row batches, wanted columns only. A gzip'd Parquet file is unpacked to a temporary
    file first, because Parquet needs random access to read its footer."""
    with tempfile.TemporaryFile() if gzipped else open(path, "rb") as handle:
        if gzipped:
            try:
                with _open_stream(path, gzipped) as stream:
                    shutil.copyfileobj(stream, handle)
            except OSError as error:
                on_error(_read_error(name, error, 0))
                return
            if handle.tell() == 0:
                return
            handle.seek(0)
        try:
            parquet = pq.ParquetFile(handle)
        except pa.ArrowInvalid as error:
            raise SourceError(
                f"{name}: not a Parquet file ({str(error).splitlines()[0]})"
            ) from error
        columns = _match_columns(parquet.schema_arrow.names, name)
        rename = {actual: canonical for canonical, actual in columns.items()}
        numbering = _Numbering()
        try:
            batches = parquet.iter_batches(batch_size=batch_rows, columns=list(rename))
            yield from numbering.chunks(batches, rename)
        except (pa.ArrowInvalid, OSError) as error:
            on_error(_read_error(name, error, numbering.delivered))


# --------------------------------------------------------------------------------------------
# Normalising one batch


def canonicalize(
    batch: pa.RecordBatch | pa.Table, name: str, on_error: ErrorSink, *, first_row: int = 0
) -> pa.RecordBatch:
    """Any Arrow batch with QUERY_HISTORY columns → CANONICAL_SCHEMA, by the rules of the file
    sources: names match case-insensitively, extra columns are ignored, text is decoded, numbers
    (SESSION_ID) become strings, timestamps UTC, rows without START_TIME are recorded and
    dropped. For sources that already hold Arrow (a live account's ``fetch_arrow_batches``), so
    that there is one canonicalisation. ``first_row`` numbers rows in messages (``row N``).
    Raises SourceError when a required column is missing."""
    columns = _match_columns(batch.schema.names, name)
    arrays = {}
    for canonical, actual in columns.items():
        column = batch.column(actual)
        arrays[canonical] = (
            column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        )
    chunk = _RawChunk(arrays, batch.num_rows, lambda i: f"row {first_row + i + 1}")
    return _canonical_batch(chunk, name, on_error)


def _canonical_batch(chunk: _RawChunk, name: str, on_error: ErrorSink) -> pa.RecordBatch:
    """One raw chunk → CANONICAL_SCHEMA: text decoded (bad UTF-8 replaced and recorded),
    timestamps in UTC, and rows without a usable START_TIME recorded and dropped."""
    n = chunk.num_rows
    arrays: dict[str, pa.Array] = {}
    bad_text: dict[int, list[str]] = {i: [] for i in chunk.bad_text}
    for column in _TEXT_COLUMNS:
        raw = chunk.columns.get(column)
        if raw is None:
            arrays[column] = pa.nulls(n, pa.string())
            continue
        text, bad_rows = _to_text(raw)
        for i in bad_rows:
            bad_text.setdefault(i, []).append(column.upper())
        arrays[column] = text.fill_null("") if column in _NEVER_NULL else _empty_to_null(text)
    for column in _TIME_COLUMNS:
        raw = chunk.columns.get(column)
        arrays[column] = pa.nulls(n, UTC_TIMESTAMP) if raw is None else _to_timestamp(raw)
    batch = pa.RecordBatch.from_arrays(
        [arrays[f.name] for f in CANONICAL_SCHEMA], schema=CANONICAL_SCHEMA
    )

    ids, texts, starts = (
        batch.column("query_id"),
        batch.column("query_text"),
        batch.column("start_time"),
    )
    for i in sorted(bad_text):
        where = f" in {', '.join(bad_text[i])}" if bad_text[i] else ""
        on_error(
            ErrorRecord(
                ids[i].as_py(),
                starts[i].as_py(),
                "source",
                "encoding",
                f"{name}: {chunk.labels(i)}: invalid UTF-8{where}, "
                "decoded with replacement characters",
                text_hash(texts[i].as_py()),
            )
        )
    missing_start = pc.is_null(starts)
    if not pc.any(missing_start).as_py():
        return batch
    raw_start = chunk.columns["start_time"]
    for i in pc.indices_nonzero(missing_start).to_pylist():
        value = raw_start[i].as_py()
        shown = "empty" if value in (None, "", b"") else f"{_shown(value)!r} is not a timestamp"
        on_error(
            ErrorRecord(
                ids[i].as_py(),
                None,
                "source",
                "bad_timestamp",
                f"{name}: {chunk.labels(i)}: START_TIME {shown}; row dropped",
                text_hash(texts[i].as_py()),
            )
        )
    return batch.filter(pc.invert(missing_start))


def _shown(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")[:64]
    return str(value)[:64]


def _to_text(array: pa.Array) -> tuple[pa.Array, list[int]]:
    """Any Arrow column → a valid UTF-8 string array, and the rows that needed replacement.

    Strings and binaries are checked in one vectorised cast; only a batch that fails that check
    is decoded value by value (Arrow's CSV and JSON readers do not promise valid UTF-8)."""
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_null(array.type):
        return pa.nulls(len(array), pa.string()), []
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        array = array.view(
            pa.large_binary() if pa.types.is_large_string(array.type) else pa.binary()
        )
    if pa.types.is_binary(array.type) or pa.types.is_large_binary(array.type):
        try:
            return pc.cast(array, pa.string()), []
        except pa.ArrowInvalid:
            return _decode_one_by_one(array)
    try:
        return pc.cast(array, pa.string()), []
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        values = [None if v is None else json.dumps(v, default=str) for v in array.to_pylist()]
        return pa.array(values, pa.string()), []


def _decode_one_by_one(array: pa.Array) -> tuple[pa.Array, list[int]]:
    values: list[str | None] = []
    bad: list[int] = []
    for i, raw in enumerate(array.to_pylist()):
        if raw is None:
            values.append(None)
            continue
        try:
            values.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            values.append(raw.decode("utf-8", errors="replace"))
            bad.append(i)
    return pa.array(values, pa.string()), bad


def _empty_to_null(array: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)


def _to_timestamp(array: pa.Array) -> pa.Array:
    """Any timestamp column → timestamp[us, tz=UTC], null where a value cannot be read.

    Native timestamps are converted (naive ones are taken as UTC). Strings in the forms that
    Snowsight, SnowSQL and ISO 8601 writers use are normalised and cast in one vectorised step;
    a batch holding a value that step rejects is parsed value by value."""
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_null(array.type):
        return pa.nulls(len(array), UTC_TIMESTAMP)
    if pa.types.is_timestamp(array.type) or pa.types.is_date(array.type):
        return pc.cast(array, UTC_TIMESTAMP, safe=False)
    text, _ = _to_text(array)
    text = _empty_to_null(pc.utf8_trim_whitespace(text))
    try:
        return _cast_timestamps(text)
    except pa.ArrowInvalid:
        return pa.array([_parse_timestamp(v) for v in text.to_pylist()], UTC_TIMESTAMP)


def _cast_timestamps(text: pa.Array) -> pa.Array:
    # Arrow reads ISO 8601 with 'T' or ' ' and zones Z, ±HH, ±HHMM, ±HH:MM, but not a space
    # before the zone (Snowsight's "10:55:17.123 -0800"), nanosecond fractions into
    # microseconds, or a zoneless value into a zoned type: fix those three first.
    text = pc.replace_substring_regex(text, pattern=r"(\.\d{6})\d+", replacement=r"\1")
    text = pc.replace_substring_regex(
        text, pattern=r"\s+(Z|z|[+-]\d{2}(?::?\d{2})?)$", replacement=r"\1"
    )
    zoned = pc.match_substring_regex(
        text, pattern=r"\d:\d{2}(?:\.\d+)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)$"
    )
    text = pc.if_else(zoned, text, pc.binary_join_element_wise(text, "Z", ""))
    return pc.cast(text, UTC_TIMESTAMP)


def _parse_timestamp(value: str | None) -> datetime | None:
    """One timestamp string → aware UTC datetime, or None when it is not one."""
    if value is None:
        return None
    match = _TIMESTAMP.fullmatch(value.strip())
    if match is None:
        return None
    day, clock, fraction, zone = match.groups()
    if clock.count(":") == 1:
        clock += ":00"
    micros = ((fraction or "") + "000000")[:6]
    if zone is None or zone.upper() == "Z":
        offset = "+00:00"
    else:
        digits = zone[1:].replace(":", "")
        offset = f"{zone[0]}{digits[:2]}:{(digits[2:] or '00')}"
    try:
        parsed = datetime.fromisoformat(f"{day}T{clock}.{micros}{offset}")
    except ValueError:
        return None
    return parsed.astimezone(UTC)


# --------------------------------------------------------------------------------------------
# .sql scripts


def _statement_spans(text: str) -> list[tuple[int, int, int]]:
    """(start, first code character, end) of each statement: a scanner, because ``;`` also
    appears inside strings, quoted identifiers, ``$$`` bodies and comments, where it ends
    nothing. Spans with no code (empty or only comments) are left out."""
    spans: list[tuple[int, int, int]] = []
    n = len(text)
    start = 0
    code_start = -1
    i = 0
    while i < n:
        char = text[i]
        pair = text[i : i + 2]
        if pair in ("--", "//"):
            end = text.find("\n", i + 2)
            i = n if end < 0 else end + 1
            continue
        if pair == "/*":
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if char == ";":
            if code_start >= 0:
                spans.append((start, code_start, i))
            start, code_start = i + 1, -1
            i += 1
            continue
        if char.isspace():
            i += 1
            continue
        if code_start < 0:
            code_start = i
        if char == "'":
            i = _end_of_string(text, i + 1)
        elif char == '"':
            i = _end_of_quoted(text, i + 1, '"')
        elif pair == "$$":
            end = text.find("$$", i + 2)
            i = n if end < 0 else end + 2
        else:
            i += 1
    if code_start >= 0:
        spans.append((start, code_start, n))
    return spans


def _end_of_string(text: str, i: int) -> int:
    """Index after a single-quoted string whose body starts at ``i``: ``''`` and backslash
    escape a quote (Snowflake accepts both)."""
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\\":
            i += 2
        elif char == "'":
            if text.startswith("'", i + 1):
                i += 2
            else:
                return i + 1
        else:
            i += 1
    return n


def _end_of_quoted(text: str, i: int, quote: str) -> int:
    """Index after a quoted identifier; a doubled quote stands for itself."""
    n = len(text)
    while True:
        end = text.find(quote, i)
        if end < 0:
            return n
        if not text.startswith(quote, end + 1):
            return end + 1
        i = end + 2


def split_statements(text: str) -> list[str]:
    """The statements of a script, stripped, without empty or comment-only chunks; comments
    inside a statement are kept. A last statement without ``;`` counts."""
    return [text[start:end].strip() for start, _, end in _statement_spans(text)]


@dataclass(frozen=True, slots=True)
class _Context:
    """Session context a script sets with USE, as Snowflake records it in QUERY_HISTORY."""

    database_name: str | None = None
    schema_name: str | None = None
    role_name: str | None = None


def _identifier(node: exp.Expression | None) -> str | None:
    """Snowflake's rule: unquoted identifiers fold to upper case, quoted ones keep theirs."""
    if not isinstance(node, exp.Identifier):
        return None
    return node.name if node.quoted else node.name.upper()


def _apply_use(statement: str, context: _Context) -> _Context:
    """The context after a USE statement (https://docs.snowflake.com/en/sql-reference/sql/use):
    ``USE [DATABASE] d`` sets the database and clears the schema, ``USE [SCHEMA] [d.]s`` sets the
    schema (and database), ``USE ROLE r`` the role; warehouses and secondary roles do not matter
    to lineage. A USE we cannot read leaves the context as it was."""
    try:
        tree = sqlglot.parse_one(statement, read="snowflake")
    except SqlglotError as error:
        logger.debug("unreadable USE statement kept without context change: %s", error)
        return context
    if not isinstance(tree, exp.Use) or not isinstance(tree.this, exp.Table):
        return context
    kind_node = tree.args.get("kind")
    kind = (
        kind_node.name if isinstance(kind_node, exp.Expression) else str(kind_node or "")
    ).upper()
    target = tree.this
    if isinstance(target.this, exp.DynamicIdentifier):
        literal = target.this.this
        if isinstance(literal, exp.Literal) and literal.is_string and literal.this:
            return _apply_use(f"USE {kind} {literal.this}", context)
        return context
    raw_parts = [target.args.get("catalog"), target.args.get("db"), target.this]
    parts = [_identifier(p) for p in raw_parts if p is not None]
    if not parts or None in parts:
        return context
    names = [p for p in parts if p is not None]
    if kind == "ROLE":
        return replace(context, role_name=names[-1])
    if kind == "DATABASE" or (kind == "" and len(names) == 1):
        return replace(context, database_name=names[-1], schema_name=None)
    if kind in ("SCHEMA", "") and len(names) <= 2:
        database = names[0] if len(names) == 2 else context.database_name
        return replace(context, database_name=database, schema_name=names[-1])
    return context


def _is_use(code: str) -> bool:
    head = code[:16].split(None, 1)
    return bool(head) and head[0].upper() == "USE"


def read_sql_script(
    path: Path, on_error: ErrorSink, batch_rows: int = 65536, *, name: str | None = None
) -> Iterator[pa.RecordBatch]:
    """One ``.sql`` script as statements in CANONICAL_SCHEMA.

    ``query_id`` is ``<name>:<statement number, 6 digits>``, so ids stay the same wherever the
    script lives; ``start_time`` is null (a script has no clock: the pipeline orders by
    (start_time, query_id), nulls first, hence by file and position). Context follows USE
    statements; each row carries the context it runs in (a USE row, the one before it).
    """
    path = Path(path)
    name = name or path.name
    fmt = _format_of(path)
    gzipped = fmt is not None and fmt[1]
    try:
        with gzip.open(path, "rb") if gzipped else open(path, "rb") as handle:
            raw = handle.read()
    except (EOFError, OSError, zlib.error) as error:
        raise _cannot_read(name, error) from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        text = raw.decode("utf-8-sig", errors="replace")
        on_error(
            ErrorRecord(
                "",
                None,
                "source",
                "encoding",
                f"{name}: invalid UTF-8 at byte {error.start}, decoded with replacement characters",
                text_hash(text),
            )
        )
    spans = _statement_spans(text)
    if not spans:
        on_error(_empty_file(name))
        return
    context = _Context()
    rows: dict[str, list[object]] = {f.name: [] for f in CANONICAL_SCHEMA}
    for number, (start, code_start, end) in enumerate(spans, start=1):
        statement = text[start:end].strip()
        values = {
            "query_id": f"{name}:{number:06d}",
            "query_text": statement,
            "database_name": context.database_name,
            "schema_name": context.schema_name,
            "role_name": context.role_name,
            "execution_status": "SUCCESS",
        }
        for column, column_values in rows.items():
            column_values.append(values.get(column))
        if _is_use(text[code_start:end]):
            context = _apply_use(statement, context)
        if len(rows["query_id"]) == batch_rows:
            yield pa.RecordBatch.from_pydict(rows, schema=CANONICAL_SCHEMA)
            rows = {f.name: [] for f in CANONICAL_SCHEMA}
    if rows["query_id"]:
        yield pa.RecordBatch.from_pydict(rows, schema=CANONICAL_SCHEMA)

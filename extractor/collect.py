"""Rows → occurrences: the part of a run that reads every row, kept small and columnar.

Each source batch is filtered (failed statements, the --since/--until window) and reduced to what
fold needs per row: time, query id, statement id (into the StatementCache), role and user. The
same reduction runs in this process or, per partition, on Dask workers (``dask_engine.py``).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from extractor.derive.cache import Pending, StatementCache
from extractor.facts import Derived, ErrorRecord
from extractor.sources import LiveReader, read_sources

TS = pa.timestamp("us", tz="UTC")
# With a pool, a source batch is cut in pieces, and up to READ_AHEAD pieces are read and keyed
# while the workers derive the statements of earlier ones (their texts held meanwhile).
READ_AHEAD = 4
PIECE_ROWS = 4096
CHUNK_ROWS = 16384  # occurrences folded (and their query ids written) a chunk at a time
WIDE = 8  # a chunk whose rows span more than WIDE chunks of the table: the log is not in order
OCCURRENCES = pa.schema(
    [
        ("start_time", TS),
        # Snowflake's query ids (01b87a03-0002-6a41-0000-00026b1eba5d) as their 16 bytes; any
        # other id as it is (and a null beside it). Half the memory of the text; sorted as the
        # text among ids of one kind, Snowflake's before the others at the same time.
        ("query_uuid", pa.binary(16)),
        ("query_other", pa.string()),
        ("statement", pa.int32()),
        # a log has few roles and users: 4 bytes a row instead of their names
        ("role_name", pa.dictionary(pa.int32(), pa.string())),
        ("user_name", pa.dictionary(pa.int32(), pa.string())),
    ]
)
# What fold reads, a chunk at a time: the query id as text again.
FOLD_ORDER = ["start_time", "query_id", "statement", "role_name", "user_name"]
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def encode_query_ids(ids: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(query_uuid, query_other) of a column of query ids (a null id is the empty string)."""
    values = ids.to_pylist()
    uuids = [
        bytes.fromhex(v.replace("-", "")) if v and _UUID.fullmatch(v) else None for v in values
    ]
    others = [None if u is not None else (v or "") for u, v in zip(uuids, values, strict=True)]
    return pa.array(uuids, pa.binary(16)), pa.array(others, pa.string())


def decode_query_ids(uuids: pa.Array, others: pa.Array) -> pa.Array:
    """The query ids as text, from encode_query_ids' two columns."""
    texts = []
    for raw, other in zip(uuids.to_pylist(), others.to_pylist(), strict=True):
        if raw is None:
            texts.append(other)
        else:
            h = raw.hex()
            texts.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return pa.array(texts, pa.string())


def occurrence_batch(
    start_time: pa.Array, query_id: pa.Array, statement: pa.Array, role: pa.Array, user: pa.Array
) -> pa.RecordBatch:
    return pa.record_batch(
        [
            start_time,
            *encode_query_ids(query_id),
            statement,
            pc.dictionary_encode(role),
            pc.dictionary_encode(user),
        ],
        schema=OCCURRENCES,
    )


@dataclass
class Counts:
    rows_read: int = 0
    skipped_failed: int = 0
    skipped_window: int = 0

    def add(self, other: Counts) -> None:
        self.rows_read += other.rows_read
        self.skipped_failed += other.skipped_failed
        self.skipped_window += other.skipped_window


def _success_mask(batch: pa.RecordBatch) -> pa.Array:
    """EXECUTION_STATUS compared case-insensitively; no status (scripts) is success."""
    status = batch.column("execution_status")
    return pc.fill_null(
        pc.or_kleene(pc.is_null(status), pc.equal(pc.utf8_upper(status), "SUCCESS")), True
    )


def _window_mask(batch: pa.RecordBatch, since: datetime | None, until: datetime | None) -> pa.Array:
    start = batch.column("start_time")
    mask = pa.array([True] * batch.num_rows)
    if since is not None:
        mask = pc.and_(
            mask, pc.or_kleene(pc.is_null(start), pc.greater_equal(start, pa.scalar(since, TS)))
        )
    if until is not None:
        mask = pc.and_(mask, pc.or_kleene(pc.is_null(start), pc.less(start, pa.scalar(until, TS))))
    return pc.fill_null(mask, True)


@dataclass
class _InFlight:
    """A batch filtered to the rows that count, waiting for the facts of its statements."""

    rows: pa.RecordBatch
    pending: Pending


def _begin_batch(
    batch: pa.RecordBatch,
    since: datetime | None,
    until: datetime | None,
    cache: StatementCache,
    counts: Counts,
) -> _InFlight | None:
    counts.rows_read += batch.num_rows
    success = _success_mask(batch)
    kept = batch.filter(success)
    counts.skipped_failed += batch.num_rows - kept.num_rows
    in_window = kept.filter(_window_mask(kept, since, until))
    counts.skipped_window += kept.num_rows - in_window.num_rows
    if not in_window.num_rows:
        return None
    pending = cache.submit(
        in_window.column("query_text").to_pylist(),
        pc.fill_null(in_window.column("database_name"), "").to_pylist(),
        pc.fill_null(in_window.column("schema_name"), "").to_pylist(),
    )
    return _InFlight(in_window, pending)


def _end_batch(flight: _InFlight, cache: StatementCache) -> pa.RecordBatch:
    rows = flight.rows
    return occurrence_batch(
        rows.column("start_time"),
        rows.column("query_id"),
        pa.array(cache.finish(flight.pending), pa.int32()),
        rows.column("role_name"),
        rows.column("user_name"),
    )


def collect(
    specs: Sequence[str],
    since: datetime | None,
    until: datetime | None,
    batch_rows: int,
    cache: StatementCache,
    counts: Counts,
    on_error: Callable[[ErrorRecord], None],
    progress: Callable[[int], None] = lambda rows: None,
    live: LiveReader | None = None,
) -> list[pa.RecordBatch]:
    """Stream the sources in this process (``live`` reads ``snowflake://`` specs).

    Source batches are taken in pieces of at most PIECE_ROWS rows; with a pool, up to
    READ_AHEAD pieces are read and fingerprinted while the workers derive the statements of
    earlier ones. Pieces are finished in the order they were read, so the result does not
    depend on the pool."""
    kept: list[pa.RecordBatch] = []
    in_flight: deque[_InFlight] = deque()
    for whole in read_sources(specs, on_error, batch_rows, live=live):
        progress(whole.num_rows)
        for offset in range(0, whole.num_rows, PIECE_ROWS):
            flight = _begin_batch(whole.slice(offset, PIECE_ROWS), since, until, cache, counts)
            if flight is None:
                continue
            in_flight.append(flight)
            while in_flight and (len(in_flight) > READ_AHEAD or in_flight[0].pending.done()):
                kept.append(_end_batch(in_flight.popleft(), cache))
    kept.extend(_end_batch(flight, cache) for flight in in_flight)
    return kept


@dataclass
class PartitionResult:
    """What a worker sends back for one partition: occurrences (statement ids local to it),
    the facts of its distinct statements, its errors and counts. Never the texts."""

    occurrences: list[pa.RecordBatch]
    statements: list[tuple[str, Derived, str]]  # (key, facts, text hash of an error)
    errors: list[ErrorRecord] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)


def collect_partition(
    spec: str, since: datetime | None, until: datetime | None, batch_rows: int
) -> PartitionResult:
    """Worker task: one partition of a log, reduced as ``collect`` does."""
    errors: list[ErrorRecord] = []
    counts = Counts()
    with StatementCache() as cache:
        occurrences = collect([spec], since, until, batch_rows, cache, counts, errors.append)
        statements = [
            (key, cache.by_id[i], cache.error_hashes.get(i, ""))
            for key, i in sorted(cache.ids.items(), key=lambda item: item[1])
        ]
    return PartitionResult(occurrences, statements, errors, counts)


def adopt_partition(result: PartitionResult, cache: StatementCache) -> list[pa.RecordBatch]:
    """Map a partition's local statement ids to this run's."""
    mapping = pa.array(
        [cache.adopt(key, derived, error_hash) for key, derived, error_hash in result.statements],
        pa.int32(),
    )
    return [
        batch.set_column(
            OCCURRENCES.get_field_index("statement"),
            "statement",
            pc.take(mapping, batch.column("statement")),
        )
        for batch in result.occurrences
    ]


@dataclass
class SortedOccurrences:
    """Occurrences (as collected, one chunk a source batch) and the order to fold them in, read
    out a chunk at a time so that the sorted copy never exists whole."""

    table: pa.Table
    order: pa.Array
    fresh: list[pa.Array] = field(default_factory=list)  # per chunk: folded now, not before

    def chunks(self, rows: int = CHUNK_ROWS) -> Iterator[pa.Table]:
        """Taking rows from a table of many chunks first concatenates them. A log comes (about)
        in time order, so the rows of one chunk of the order lie in a narrow slice of the table:
        only that slice is concatenated, never the whole log."""
        for offset in range(0, len(self.order), rows):
            indices = self.order.slice(offset, rows)
            bounds = pc.min_max(indices)
            low, high = bounds["min"].as_py(), bounds["max"].as_py()
            if high - low >= WIDE * rows and self.table.column(0).num_chunks > 1:
                # sources that overlap in time: concatenate once rather than at every chunk
                self.table = self.table.combine_chunks()
            part = self.table.slice(low, high - low + 1)
            chunk = part.take(pc.subtract(indices, pa.scalar(low, indices.type)))
            ids = decode_query_ids(
                chunk.column("query_uuid").combine_chunks(),
                chunk.column("query_other").combine_chunks(),
            )
            yield chunk.append_column("query_id", ids).select(FOLD_ORDER)

    def fresh_query_ids(self) -> Iterator[pa.Array]:
        """The query ids folded by this run, chunk by chunk, in fold order. The last use of the
        occurrences: once read out, they are let go (and their memory handed back)."""
        for chunk, fresh in zip(self.chunks(), self.fresh, strict=True):
            yield pc.filter(chunk.column("query_id").combine_chunks(), fresh)
        self.table, self.order, self.fresh = pa.table({}), pa.array([], pa.uint64()), []
        pa.default_memory_pool().release_unused()


def sort_occurrences(batches: list[pa.RecordBatch]) -> SortedOccurrences:
    """(start_time, query_id) order; statements without a time (scripts) come first. The
    batches stay as they are (the list is emptied: the table is their only holder)."""
    table = pa.Table.from_batches(batches, schema=OCCURRENCES)
    batches.clear()
    start = table.column("start_time")
    keys = pa.table(
        {
            "time": pc.fill_null(start, pa.scalar(0, TS)) if start.null_count else start,
            "uuid": table.column("query_uuid"),
            "other": table.column("query_other"),
        }
    )
    order = pc.sort_indices(
        keys, sort_keys=[("time", "ascending"), ("uuid", "ascending"), ("other", "ascending")]
    )
    del keys
    pa.default_memory_pool().release_unused()  # the sort's scratch space, for fold to use
    return SortedOccurrences(table, order)

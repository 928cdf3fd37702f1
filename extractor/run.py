"""One extract run, as a library call: sources → derive (once per distinct statement) → fold in
(start_time, query_id) order → Parquet. ``cli.py`` wraps this in options and a summary.

Memory: texts are never kept. Each row is reduced, while its batch streams by, to a small
occurrence (Arrow columns: time, query id, statement id, role, user) pointing at the facts of its
distinct statement (derive/cache.py), so the log itself is never held.
"""

from __future__ import annotations

import itertools
import logging
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from extractor import __version__
from extractor.collect import Counts, SortedOccurrences, collect, sort_occurrences
from extractor.derive import derive_metadata
from extractor.derive.cache import StatementCache, text_hash
from extractor.facts import ErrorRecord
from extractor.fold import Occurrence, collapse_temporary, fold, fold_metadata
from extractor.graph import LineageGraph
from extractor.metadata import expand_metadata_option, find_metadata, read_metadata
from extractor.parse import check_grammar
from extractor.sinks import parquet as sink
from extractor.snowflake_source import (
    SnowflakeSettings,
    fetch_ml_metadata,
    history_reader,
    overlap_start,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractOptions:
    sources: Sequence[str]
    out: Path
    since: datetime | None = None
    since_last: bool = False
    until: datetime | None = None
    collapse_temporary: bool = False
    snapshot: bool = False
    keep: int | None = None
    ml_metadata: Sequence[str] = ()
    workers: int = 1
    engine: str = "local"
    scheduler: str | None = None
    batch_rows: int = 65536
    snowflake: SnowflakeSettings = SnowflakeSettings()  # [sources.snowflake] of mlineage.toml


@dataclass
class RunSummary:
    run_id: str
    out: Path
    rows_read: int = 0
    statements: int = 0
    unique_statements: int = 0
    derived: int = 0
    skipped_failed: int = 0
    skipped_duplicate: int = 0
    skipped_window: int = 0
    metadata_records: int = 0
    errors: int = 0
    nodes: int = 0
    edges: int = 0
    seconds: float = 0.0
    since: datetime | None = None
    until: datetime | None = None
    watermark: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "out": str(self.out),
            "rows_read": self.rows_read,
            "statements": self.statements,
            "unique_statements": self.unique_statements,
            "derived": self.derived,
            "skipped_failed": self.skipped_failed,
            "skipped_duplicate": self.skipped_duplicate,
            "skipped_window": self.skipped_window,
            "metadata_records": self.metadata_records,
            "errors": self.errors,
            "nodes": self.nodes,
            "edges": self.edges,
            "seconds": round(self.seconds, 3),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "watermark": self.watermark.isoformat() if self.watermark else None,
        }


def _window_start(options: ExtractOptions, base: Path | None) -> datetime | None:
    if options.since_last:
        watermark = sink.latest_watermark(base) if base else None
        return overlap_start(options.sources, watermark, options.snowflake)
    return options.since


def _base_dir(options: ExtractOptions) -> Path | None:
    """Where the previous graph lives: the out folder, or its ``latest`` snapshot."""
    if options.snapshot:
        latest = options.out / "latest"
        return latest.resolve() if latest.exists() else None
    return options.out if sink.has_graph(options.out) else None


def extract(
    options: ExtractOptions, progress: Callable[[int], None] = lambda rows: None
) -> RunSummary:
    """Run one extract and write its output. Raises sources.SourceError for unusable input,
    parse.GrammarUnavailable when sqlglot's compiled build is installed."""
    check_grammar()
    started = datetime.now(UTC)
    clock = time.perf_counter()
    summary = RunSummary(run_id=uuid.uuid4().hex, out=options.out)
    base = _base_dir(options)
    state = sink.read_state(base) if base and sink.has_graph(base) else LineageGraph()
    since = _window_start(options, base)
    summary.since, summary.until = since, options.until

    errors: list[ErrorRecord] = []
    with StatementCache(sink.read_facts_cache(base) if base else {}, options.workers) as cache:
        occurrences = _collect(options, since, cache, summary, errors, progress)
    summary.watermark = _fold_log(
        state, occurrences, cache, summary, errors, sink.latest_watermark(base) if base else None
    )
    _fold_ml_metadata(state, options, summary, errors)
    summary.errors = len(errors)

    public = collapse_temporary(state) if options.collapse_temporary else state.graph
    summary.nodes = public.number_of_nodes()
    summary.edges = public.number_of_edges()
    summary.seconds = time.perf_counter() - clock
    target = _snapshot_dir(options, started) if options.snapshot else options.out
    previous_errors = sink.previous_errors(base) if base else []
    previous_runs = sink.read_rows(base / "runs.parquet") if base else []
    query_ids = itertools.chain(state.folded_id_chunks(), occurrences.fresh_query_ids())
    del occurrences  # written first, then freed: the rest is written without them
    sink.write_outputs(
        target,
        state,
        public,
        previous_errors + errors,
        [*previous_runs, _run_row(options, summary, started)],
        cache.entries,
        query_ids,
    )
    if options.snapshot:
        _publish_snapshot(options, target)
    summary.out = target
    log.info(
        "run %s: %d rows, %d statements folded (%d derived), %d errors, written to %s",
        summary.run_id,
        summary.rows_read,
        summary.statements,
        summary.derived,
        summary.errors,
        target,
    )
    return summary


def _collect(
    options: ExtractOptions,
    since: datetime | None,
    cache: StatementCache,
    summary: RunSummary,
    errors: list[ErrorRecord],
    progress: Callable[[int], None],
) -> SortedOccurrences:
    """Every row reduced to an occurrence, here or on a Dask cluster, in fold order."""
    counts = Counts()
    if options.engine == "dask":
        from extractor.dask_engine import collect_with_dask

        batches = collect_with_dask(
            options.sources,
            since,
            options.until,
            options.batch_rows,
            cache,
            counts,
            errors.append,
            options.scheduler,
        )
    else:
        batches = collect(
            options.sources,
            since,
            options.until,
            options.batch_rows,
            cache,
            counts,
            errors.append,
            progress,
            live=history_reader(options.snowflake, since, options.until),
        )
    summary.rows_read = counts.rows_read
    summary.skipped_failed = counts.skipped_failed
    summary.skipped_window = counts.skipped_window
    summary.unique_statements = cache.used
    summary.derived = cache.derived_now
    return sort_occurrences(batches)


def _fold_log(
    state: LineageGraph,
    occurrences: SortedOccurrences,
    cache: StatementCache,
    summary: RunSummary,
    errors: list[ErrorRecord],
    watermark: datetime | None,
) -> datetime | None:
    """Fold every occurrence in time order, a chunk at a time; a statement without facts becomes
    an error row (once per query id). Returns the new watermark: the latest start folded. Which
    occurrences were folded now is kept on ``occurrences`` as a bit a row (``fresh``), so their
    query ids are written from the occurrences, never copied."""
    previous_id = None
    for chunk in occurrences.chunks():
        ids = chunk.column("query_id").combine_chunks()
        # a query id folded by an earlier run, or twice in this log (adjacent once sorted)
        shifted = pa.concat_arrays(
            [pa.array([previous_id], pa.string()), ids.slice(0, len(ids) - 1)]
        )
        duplicate = pc.fill_null(
            pc.or_kleene(state.folded_before(ids), pc.equal(ids, shifted)), False
        )
        previous_id = ids[-1].as_py()
        rows = zip(
            *(chunk.column(i).to_pylist() for i in range(chunk.num_columns)),
            duplicate.to_pylist(),
            strict=False,
        )
        for start, query_id, statement, role, user, seen in rows:
            if seen:
                summary.skipped_duplicate += 1
                continue
            derived = cache.by_id[statement]
            if derived.error is not None:
                e = derived.error
                errors.append(
                    ErrorRecord(
                        query_id,
                        start,
                        e.stage,
                        e.error_type,
                        e.message,
                        cache.error_hashes[statement],
                    )
                )
                continue
            fold(
                state,
                Occurrence(query_id, start, role or "", user or ""),
                derived.facts,
                deduplicated=True,
            )
            summary.statements += 1
            if start is not None and (watermark is None or start > watermark):
                watermark = start
        occurrences.fresh.append(pc.invert(duplicate))
    return watermark


def _fold_ml_metadata(
    state: LineageGraph, options: ExtractOptions, summary: RunSummary, errors: list[ErrorRecord]
) -> None:
    """Manifests and tag exports, after the log: they refer to objects it created."""
    paths = sorted(
        set(find_metadata(options.sources))
        | set(expand_metadata_option(options.ml_metadata))
        | set(fetch_ml_metadata(options.sources, options.snowflake, options.out, errors.append))
    )
    records = list(read_metadata(paths, errors.append))
    # a record folded by an earlier run (its id is in _state) is not folded again
    before = state.folded_before(pa.array([r.record_id for r in records], pa.string()))
    for record, folded in zip(records, before.to_pylist(), strict=True):
        if folded:
            continue
        derived = derive_metadata(record)
        if derived.error is not None:
            e = derived.error
            errors.append(
                ErrorRecord(
                    record.record_id,
                    None,
                    e.stage,
                    e.error_type,
                    e.message,
                    text_hash(record.origin),
                )
            )
        elif fold_metadata(state, record.record_id, derived.facts):
            summary.metadata_records += 1


def _run_row(options: ExtractOptions, summary: RunSummary, started: datetime) -> dict[str, Any]:
    """This run's row of runs.parquet."""
    return {
        "run_id": summary.run_id,
        "started_at": started,
        "finished_at": datetime.now(UTC),
        "since": summary.since,
        "until": options.until,
        "watermark": summary.watermark,
        "sources": "\n".join(options.sources),
        "rows_read": summary.rows_read,
        "statements": summary.statements,
        "unique_statements": summary.unique_statements,
        "skipped_failed": summary.skipped_failed,
        "skipped_duplicate": summary.skipped_duplicate,
        "skipped_window": summary.skipped_window,
        "errors": summary.errors,
        "nodes": summary.nodes,
        "edges": summary.edges,
        "tool_version": __version__,
    }


def _snapshot_dir(options: ExtractOptions, started: datetime) -> Path:
    """``OUT/snapshots/2026-11-28T031500Z``: one dated folder per nightly run."""
    return options.out / "snapshots" / started.strftime("%Y-%m-%dT%H%M%S%fZ")


def _publish_snapshot(options: ExtractOptions, target: Path) -> None:
    """Point ``OUT/latest`` at the new snapshot atomically, then prune to the last ``keep``."""
    link = options.out / "latest"
    tmp = options.out / f".latest.tmp-{uuid.uuid4().hex}"
    tmp.symlink_to(target.relative_to(options.out), target_is_directory=True)
    tmp.replace(link)
    if options.keep:
        snapshots = sorted(p for p in (options.out / "snapshots").iterdir() if p.is_dir())
        for old in snapshots[: -options.keep]:
            shutil.rmtree(old)

"""One extract run, as a library call: sources → derive (once per distinct statement) → fold in
(start_time, query_id) order → Parquet. ``cli.py`` wraps this in options and a summary.

Memory: texts are never kept. Each row is reduced, while its batch streams by, to a small
occurrence record pointing at the facts of its distinct statement (keyed by a hash of text and
context), so the log itself is never held.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from extractor import __version__
from extractor.derive import Context, derive_metadata, derive_statement
from extractor.facts import Derived, ErrorRecord
from extractor.fold import Occurrence, collapse_temporary, fold
from extractor.graph import LineageGraph
from extractor.sinks import parquet as sink
from extractor.metadata import expand_metadata_option, find_metadata, read_metadata
from extractor.sources import read_sources

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
    batch_rows: int = 65536


@dataclass
class RunSummary:
    run_id: str
    out: Path
    rows_read: int = 0
    statements: int = 0
    unique_statements: int = 0
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
            "run_id": self.run_id, "out": str(self.out), "rows_read": self.rows_read,
            "statements": self.statements, "unique_statements": self.unique_statements,
            "skipped_failed": self.skipped_failed, "skipped_duplicate": self.skipped_duplicate,
            "skipped_window": self.skipped_window, "metadata_records": self.metadata_records,
            "errors": self.errors, "nodes": self.nodes,
            "edges": self.edges, "seconds": round(self.seconds, 3),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "watermark": self.watermark.isoformat() if self.watermark else None,
        }


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()


@dataclass
class _Occurrences:
    """Rows reduced to what fold needs, plus the distinct statements' facts."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    derived: dict[str, Derived] = field(default_factory=dict)
    text_hashes: dict[str, str] = field(default_factory=dict)  # of statements with an error


def _is_success(status: str | None) -> bool:
    return status is None or status.upper() == "SUCCESS"


def _collect(
    options: ExtractOptions, since: datetime | None, summary: RunSummary,
    errors: list[ErrorRecord], progress: Callable[[int], None],
) -> _Occurrences:
    collected = _Occurrences()
    for batch in read_sources(options.sources, errors.append, options.batch_rows):
        columns = {name: batch.column(name).to_pylist() for name in batch.schema.names}
        progress(batch.num_rows)
        for i in range(batch.num_rows):
            summary.rows_read += 1
            start = columns["start_time"][i]
            if not _is_success(columns["execution_status"][i]):
                summary.skipped_failed += 1
                continue
            if (since and start is not None and start < since) or (
                options.until and start is not None and start >= options.until
            ):
                summary.skipped_window += 1
                continue
            text = columns["query_text"][i] or ""
            ctx = Context(columns["database_name"][i] or "", columns["schema_name"][i] or "")
            key = text_hash(f"{ctx.database}\x00{ctx.schema}\x00{text}")
            if key not in collected.derived:
                derived = collected.derived[key] = derive_statement(text, ctx)
                if derived.error is not None:
                    collected.text_hashes[key] = text_hash(text)
            collected.rows.append((
                start is not None, start, columns["query_id"][i] or "", key,
                columns["role_name"][i] or "", columns["user_name"][i] or "",
            ))
    return collected


def _window_start(options: ExtractOptions, base: Path | None) -> datetime | None:
    if options.since_last:
        return sink.latest_watermark(base) if base else None
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
    """Run one extract and write its output. Raises sources.SourceError for unusable input."""
    started = datetime.now(UTC)
    clock = time.perf_counter()
    run_id = uuid.uuid4().hex
    summary = RunSummary(run_id=run_id, out=options.out)
    base = _base_dir(options)
    state = sink.read_state(base) if base and sink.has_graph(base) else LineageGraph()
    previous_errors = sink.previous_errors(base) if base else []
    previous_runs = sink.read_rows(base / "runs.parquet") if base else []
    since = _window_start(options, base)
    summary.since, summary.until = since, options.until

    errors: list[ErrorRecord] = []
    collected = _collect(options, since, summary, errors, progress)
    summary.unique_statements = len(collected.derived)
    collected.rows.sort(key=lambda r: (r[0], r[1] or 0, r[2]))
    watermark = sink.latest_watermark(base) if base else None
    for _, start, query_id, key, role, user in collected.rows:
        derived = collected.derived[key]
        occurrence = Occurrence(query_id, start, role, user)
        if derived.error is not None:
            if query_id in state.seen_query_ids:
                summary.skipped_duplicate += 1
                continue
            state.seen_query_ids.add(query_id)
            e = derived.error
            errors.append(ErrorRecord(query_id, start, e.stage, e.error_type, e.message,
                                      collected.text_hashes[key]))
            continue
        if fold(state, occurrence, derived.facts):
            summary.statements += 1
            if start is not None and (watermark is None or start > watermark):
                watermark = start
        else:
            summary.skipped_duplicate += 1
    metadata_paths = sorted(set(find_metadata(options.sources))
                            | set(expand_metadata_option(options.ml_metadata)))
    for record in read_metadata(metadata_paths, errors.append):
        derived = derive_metadata(record)
        if derived.error is not None:
            e = derived.error
            errors.append(ErrorRecord(record.record_id, None, e.stage, e.error_type, e.message,
                                      text_hash(record.origin)))
        elif fold(state, Occurrence(record.record_id, None), derived.facts):
            summary.metadata_records += 1
    summary.errors = len(errors)
    summary.watermark = watermark

    public = collapse_temporary(state) if options.collapse_temporary else state.graph
    summary.nodes = public.number_of_nodes()
    summary.edges = public.number_of_edges()
    summary.seconds = time.perf_counter() - clock
    run_row = {
        "run_id": run_id, "started_at": started, "finished_at": datetime.now(UTC),
        "since": since, "until": options.until, "watermark": watermark,
        "sources": "\n".join(options.sources), "rows_read": summary.rows_read,
        "statements": summary.statements, "unique_statements": summary.unique_statements,
        "skipped_failed": summary.skipped_failed, "skipped_duplicate": summary.skipped_duplicate,
        "skipped_window": summary.skipped_window, "errors": summary.errors,
        "nodes": summary.nodes, "edges": summary.edges, "tool_version": __version__,
    }
    target = _snapshot_dir(options, started) if options.snapshot else options.out
    sink.write_outputs(target, state, public, previous_errors + errors, [*previous_runs, run_row])
    if options.snapshot:
        _publish_snapshot(options, target)
    summary.out = target
    return summary


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


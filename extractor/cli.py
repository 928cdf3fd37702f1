"""The ``mlineage`` command: options, wiring, the summary. Library errors become one line on
stderr and an exit code (0 ok, 1 no output could be written, 2 usage); never a traceback."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import sys
import threading
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from extractor import __version__
from extractor.parse import GrammarUnavailable
from extractor.query import (
    COLUMNS,
    DIRECTIONS,
    MAX_DISTANCE,
    LineageQueryError,
    effective_grants,
    lineage,
    load_graph,
    resolve_object,
)
from extractor.run import ExtractOptions, RunSummary, extract
from extractor.sinks import render as render_sink
from extractor.snowflake_source import SnowflakeSettings, export_query
from extractor.sources import SourceError
from extractor.visibility import VisibilityError


def parse_timestamp(value: str) -> datetime:
    """ISO 8601 with or without an offset; naive times are UTC (as QUERY_HISTORY exports are)."""
    try:
        stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as err:
        raise click.BadParameter(
            f"not a timestamp: {value!r} (use ISO 8601, e.g. 2026-11-27T00:00Z)"
        ) from err
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


class Timestamp(click.ParamType):
    name = "TIMESTAMP"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_timestamp(value)
        except click.BadParameter as err:
            self.fail(err.message, param, ctx)


@click.group()
@click.version_option(__version__, prog_name="mlineage")
@click.option("-v", "--verbose", is_flag=True, help="Log what each stage does.")
def cli(verbose: bool) -> None:
    """Lineage from Snowflake query history, offline, as Parquet."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not verbose:  # the connector's own retry chatter; our one warning per retry says it
        logging.getLogger("snowflake.connector").setLevel(logging.ERROR)


@cli.command("extract")
@click.argument("sources", nargs=-1)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder; a graph already there is continued.",
)
@click.option(
    "--config",
    "config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="mlineage.toml: `out = DIR` and a [sources.snowflake] section (then SOURCES "
    "may be left out).",
)
@click.option(
    "--since",
    "since",
    metavar="TIMESTAMP|last",
    help="Only statements that started at or after this; 'last' = the previous run's watermark.",
)
@click.option(
    "--until", "until", type=Timestamp(), help="Only statements that started before this."
)
@click.option(
    "--collapse-temporary",
    is_flag=True,
    help="Bridge temporary tables (a → tmp → b becomes a → b) instead of keeping them.",
)
@click.option(
    "--snapshot",
    is_flag=True,
    help="Write a dated snapshot under OUT/snapshots/ and point OUT/latest at it.",
)
@click.option(
    "--keep", type=click.IntRange(min=1), help="With --snapshot: keep the last N snapshots."
)
@click.option(
    "--ml-metadata",
    "ml_metadata",
    multiple=True,
    metavar="PATH",
    help="Model manifests (MANIFEST.yml in <DB.S.MODEL>/versions/<V>/) or *.ml.jsonl "
    "records; manifests inside SOURCES folders are read too. Repeatable.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes deriving lineage [default: the cores available].",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Where lineage is derived: this machine, or a Dask cluster (one task per file).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="With --engine dask: a running scheduler (tcp://host:8786); default: a local cluster.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--batch-rows", type=click.IntRange(min=1), default=65536, hidden=True)
def extract_command(
    sources: tuple[str, ...],
    out: Path,
    since: str | None,
    until: datetime | None,
    collapse_temporary: bool,
    snapshot: bool,
    keep: int | None,
    ml_metadata: tuple[str, ...],
    workers: int | None,
    engine: str,
    scheduler: str | None,
    as_json: bool,
    batch_rows: int,
    config: Path | None,
) -> None:
    """Build (or continue) the lineage graph from query-history exports and .sql scripts,
    or straight from an account.

    SOURCES are files, folders or globs: Snowsight CSV downloads of QUERY_HISTORY, JSON Lines,
    Parquet (each optionally .gz) and .sql scripts; or snowflake://ACCOUNT (snowflake:// alone:
    the default connection; snowflake://?connection=NAME: one of ~/.snowflake/connections.toml),
    read from SNOWFLAKE.ACCOUNT_USAGE (needs pip install 'mlineage[snowflake]').

    Example:

        mlineage extract exports/query_history_*.csv.gz --out lineage/ --since last

        mlineage extract 'snowflake://?connection=prod' --out lineage/ --since last
    """
    configured_out, settings = read_config(config) if config else (None, None)
    if not sources and settings is not None:
        sources = (settings.spec(),)
    if not sources:
        raise click.UsageError("Missing argument 'SOURCES...'.")
    out = out or configured_out
    if out is None:
        raise click.UsageError("Missing option '--out' (or `out = DIR` in --config).")
    if keep and not snapshot:
        raise click.UsageError("--keep needs --snapshot")
    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler needs --engine dask")
    options = ExtractOptions(
        sources=sources,
        out=out,
        since=None if since in (None, "last") else _since(since),
        since_last=since == "last",
        until=until,
        collapse_temporary=collapse_temporary,
        snapshot=snapshot,
        keep=keep,
        ml_metadata=ml_metadata,
        batch_rows=batch_rows,
        workers=workers or _available_cores(),
        engine=engine,
        scheduler=scheduler,
        snowflake=settings or SnowflakeSettings(),
    )
    progress = _Progress(enabled=sys.stderr.isatty() and not as_json)
    try:
        summary = extract(options, progress=progress.update)
    except (SourceError, GrammarUnavailable) as err:
        raise click.ClickException(str(err)) from err
    except OSError as err:
        raise click.ClickException(f"cannot write {out}: {err.strerror or err}") from err
    finally:
        progress.close()
    click.echo(json.dumps(summary.as_dict(), sort_keys=True) if as_json else _summary_text(summary))


def read_config(path: Path) -> tuple[Path | None, SnowflakeSettings | None]:
    """mlineage.toml: ``out = "DIR"`` and ``[sources.snowflake]`` (see SnowflakeSettings). A
    mistake in it is a usage error naming the file and the key."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise click.UsageError(f"{path}: not a readable TOML file ({err})") from err
    unknown = sorted(set(document) - {"out", "sources"})
    sections = document.get("sources", {})
    if not isinstance(sections, dict):
        unknown.append("sources")
    else:
        unknown += [f"sources.{name}" for name in sorted(set(sections) - {"snowflake"})]
    if unknown:
        raise click.UsageError(
            f"{path}: unknown key {unknown[0]!r} (known: out, [sources.snowflake])"
        )
    out = document.get("out")
    if out is not None and (not isinstance(out, str) or not out):
        raise click.UsageError(f"{path}: out must be a folder name")
    table = sections.get("snowflake")
    if table is not None and not isinstance(table, dict):
        raise click.UsageError(f"{path}: [sources.snowflake] must be a table")
    try:
        settings = None if table is None else SnowflakeSettings.from_config(table, str(path))
    except SourceError as err:
        raise click.UsageError(str(err)) from err
    return (Path(out) if out else None), settings


@cli.command("export-query")
@click.argument("file", type=click.File("w", encoding="utf-8", lazy=True))
@click.option(
    "--since",
    "since",
    type=Timestamp(),
    required=True,
    help="Start of the window (the lag is subtracted from it).",
)
@click.option("--until", "until", type=Timestamp(), help="End of the window (default: open).")
@click.option(
    "--lag-minutes",
    type=click.FloatRange(min=0),
    default=None,
    help="How late ACCOUNT_USAGE rows may arrive [default: 45, or lag_minutes of --config].",
)
@click.option(
    "--config",
    "config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="mlineage.toml, for lag_minutes of [sources.snowflake].",
)
def export_query_command(
    file: Any,
    since: datetime,
    until: datetime | None,
    lag_minutes: float | None,
    config: Path | None,
) -> None:
    """Write the QUERY_HISTORY query to run where mlineage may not connect (FILE, or - for
    stdout); feed its CSV result to `mlineage extract`.

    Example:

        mlineage export-query export.sql --since 2026-11-27T00:00Z --until 2026-11-28T00:00Z
    """
    if until is not None and until <= since:
        raise click.UsageError("--until must be after --since")
    settings = (read_config(config)[1] if config else None) or SnowflakeSettings()
    lag = settings.lag if lag_minutes is None else SnowflakeSettings(lag_minutes=lag_minutes).lag
    file.write(export_query(since, until, lag))


def _compose(*decorators: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Several click options as one decorator, in the order written."""

    def apply(function: Any) -> Any:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


graph_option = click.option(
    "--graph",
    "graph_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="An output folder of `mlineage extract`.",
)
role_options = _compose(
    click.option(
        "--as-role", "as_role", help="Mask what this role may not see (default: see all)."
    ),
    click.option(
        "--public-view-lineage/--no-public-view-lineage",
        default=True,
        show_default=True,
        help="Whether PUBLIC holds VIEW LINEAGE on the account (Snowflake's default since 2025).",
    ),
)
table_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)


def selection_options(direction: str, prefix: str) -> Callable[[Any], Any]:
    """How one object and its neighbourhood are picked: the rules of `mlineage lineage`."""
    return _compose(
        click.option(
            "--domain", help=f"{prefix}table, view, feature_view, stage, dataset, model, service."
        ),
        click.option("--version", help=f"{prefix}dataset or model version (default: the latest)."),
        click.option(
            "--direction",
            type=click.Choice(DIRECTIONS, case_sensitive=False),
            default=direction,
            show_default=True,
        ),
        click.option(
            "--distance", type=int, default=MAX_DISTANCE, show_default=True, help="1 to 5."
        ),
        click.option("--database", help="Current database for unqualified names."),
        click.option("--schema", help="Current schema for unqualified names."),
    )


@cli.command("lineage")
@click.argument("object_name", metavar="OBJECT")
@graph_option
@selection_options(direction="downstream", prefix="")
@click.option("--at", "at", type=Timestamp(), help="Answer as the graph stood at this time.")
@role_options
@table_format_option
def lineage_command(
    object_name: str,
    graph_dir: Path,
    domain: str | None,
    version: str | None,
    direction: str,
    distance: int,
    database: str | None,
    schema: str | None,
    at: datetime | None,
    as_role: str | None,
    public_view_lineage: bool,
    fmt: str,
) -> None:
    """Lineage of one object, with the columns of Snowflake's GET_LINEAGE.

    Example:

        mlineage lineage ML.FS.MY_DATASET --version 1.0 --domain dataset --graph lineage/
    """
    try:
        graph = load_graph(graph_dir)
        start = resolve_object(graph, object_name, domain, version, database, schema)
        rows = lineage(graph, start, direction, distance, at, as_role, public_view_lineage)
    except (LineageQueryError, VisibilityError) as err:
        raise click.ClickException(str(err)) from err
    click.echo(format_rows(rows, list(COLUMNS), fmt), nl=False)


@cli.command("grants")
@graph_option
@click.option("--role", help="Privileges this role holds, itself or through the roles it inherits.")
@click.option("--object", "object_name", help="Privileges on this object (a dotted name).")
@click.option("--at", "at", type=Timestamp(), help="Grants in force at this time (default: now).")
@table_format_option
def grants_command(
    graph_dir: Path, role: str | None, object_name: str | None, at: datetime | None, fmt: str
) -> None:
    """Effective privileges, from the GRANTs, REVOKEs and object creations in the history.

    Example:

        mlineage grants --graph lineage/ --role ANALYST
    """
    try:
        rows = effective_grants(load_graph(graph_dir), role, object_name, at)
    except LineageQueryError as err:
        raise click.ClickException(str(err)) from err
    columns = [
        "privilege",
        "on_type",
        "on_name",
        "grantee_type",
        "grantee",
        "via_role",
        "with_grant_option",
        "granted_at",
        "query_id",
    ]
    click.echo(format_rows(rows, columns, fmt), nl=False)


@cli.command("render")
@click.argument("object_name", metavar="[OBJECT]", required=False)
@graph_option
@selection_options(direction="both", prefix="With OBJECT: ")
@click.option("--at", "at", type=Timestamp(), help="Draw the graph as it stood at this time.")
@role_options
@click.option("--all-nodes", is_flag=True, help="Whole graph: also objects without any edge.")
@click.option(
    "--format", "fmt", type=click.Choice(render_sink.FORMATS), default="html", show_default=True
)
@click.option(
    "--collapse-over",
    type=click.IntRange(min=1),
    default=render_sink.COLLAPSE_OVER,
    show_default=True,
    help="HTML: above this many objects, open on one card per schema.",
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here (default: standard output).",
)
def render_command(
    object_name: str | None,
    graph_dir: Path,
    domain: str | None,
    version: str | None,
    direction: str,
    distance: int,
    database: str | None,
    schema: str | None,
    at: datetime | None,
    as_role: str | None,
    public_view_lineage: bool,
    all_nodes: bool,
    fmt: str,
    collapse_over: int,
    output: Path | None,
) -> None:
    """Draw the lineage DAG: the whole graph, or OBJECT's neighbourhood (both directions by
    default, as Snowsight opens it), as a self-contained HTML page, SVG, DOT or Mermaid.

    Examples:

    \b
        mlineage render --graph lineage/ -o lineage.html
        mlineage render ML.FS.MY_DATASET --version 1.0 --graph lineage/ --format mermaid
    """
    try:
        graph = load_graph(graph_dir)
        start = None
        if object_name is not None:
            start = resolve_object(graph, object_name, domain, version, database, schema)
        sub = render_sink.select_subgraph(
            graph, start, direction, distance, at, as_role, public_view_lineage, all_nodes
        )
        text = render_sink.render(sub, fmt, collapse_over)
    except (LineageQueryError, VisibilityError) as err:
        raise click.ClickException(str(err)) from err
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_bytes(text.encode("utf-8"))
    except OSError as err:
        raise click.ClickException(f"cannot write {output}: {err.strerror or err}") from err
    click.echo(f"{output}: {len(sub.nodes)} objects, {len(sub.edges)} edges")


def format_rows(rows: list[dict[str, Any]], columns: list[str], fmt: str) -> str:
    """Rows as an aligned text table, JSON Lines or CSV."""
    if fmt == "json":
        return "".join(json.dumps(r, default=str, sort_keys=False) + "\n" for r in rows)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: "" if r[c] is None else r[c] for c in columns} for r in rows)
        return buffer.getvalue()
    if not rows:
        return "(no lineage)\n"
    shown = [c for c in columns if any(r[c] is not None for r in rows)]
    cells = [[_cell(r[c]) for c in shown] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(shown)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(shown, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def _available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _since(value: str) -> datetime:
    try:
        return parse_timestamp(value)
    except click.BadParameter as err:
        raise click.BadParameter(err.message, param_hint="'--since'") from err


class _Progress:
    """A running row count on a terminal; nothing in a pipe."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.rows = 0

    def update(self, rows: int) -> None:
        self.rows += rows
        if self.enabled:
            click.echo(f"\rreading… {self.rows:,} rows", err=True, nl=False)

    def close(self) -> None:
        if self.enabled and self.rows:
            click.echo("\r\033[K", err=True, nl=False)


def _summary_text(s: RunSummary) -> str:
    lines = [
        f"mlineage extract: {s.rows_read} rows read in {s.seconds:.2f} s",
        f"  statements folded    {s.statements}",
        f"  distinct statements  {s.unique_statements} ({s.derived} derived, the rest cached)",
        f"  skipped, failed      {s.skipped_failed}",
        f"  skipped, seen before {s.skipped_duplicate}",
        f"  skipped, window      {s.skipped_window}",
        f"  ML metadata records  {s.metadata_records}",
        f"  errors               {s.errors}"
        + (f"  (see {s.out / 'errors.parquet'})" if s.errors else ""),
        f"  nodes                {s.nodes}",
        f"  edges                {s.edges}",
        f"  watermark            {s.watermark.isoformat() if s.watermark else '-'}",
        f"  output               {s.out}",
    ]
    return "\n".join(lines)


def main() -> None:
    """Console entry point: click's own errors exit 2 (usage) or 1; anything unexpected is one
    line on stderr and exit 1."""
    threading.excepthook = _log_thread_failure
    try:
        cli.main(standalone_mode=False, prog_name="mlineage")
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.UsageError as err:
        command = err.ctx.command_path if err.ctx else "mlineage"
        click.echo(f"Error: {err.format_message()} (see '{command} --help')", err=True)
        sys.exit(err.exit_code)
    except click.ClickException as err:
        click.echo(f"Error: {err.format_message()}", err=True)
        sys.exit(err.exit_code)
    except Exception as err:  # noqa: BLE001 — the one place that turns a failure into an exit code
        click.echo(f"Error: {type(err).__name__}: {err}".splitlines()[0], err=True)
        sys.exit(1)


def _log_thread_failure(args: threading.ExceptHookArgs) -> None:
    """A library's background thread that fails (the Snowflake connector's query-cancel timer,
    when the network is gone) is logged in one line, not dumped as a traceback: the failure
    that matters reaches the main thread and its one-line error."""
    logging.getLogger("mlineage").debug(
        "background thread %s failed: %s",
        args.thread.name if args.thread else "?",
        f"{args.exc_type.__name__}: {args.exc_value}".splitlines()[0],
    )

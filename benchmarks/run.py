#!/usr/bin/env python3
"""Benchmark mlineage against bare sqlglot and two open-source peers on one generated log.

Why: the performance issue asks how fast ``mlineage extract`` is end to end, how its memory
grows with the log, and how it compares with what a user could use instead. All tools get the
same rows of one seeded log (``generate_log.py``), each runs in a fresh process pinned to one
CPU, and each is timed from process start to exit with its peak RSS (``measure.py``).

Tools:
- ``mlineage``: ``python -m extractor extract LOG --out DIR --json`` (read, parse, derive, fold,
  Parquet written).
- ``sqlglot``: bare ``sqlglot.parse_one(text, read="snowflake")`` per row — parsing only.
- ``openlineage``: ``openlineage_sql.parse([text], dialect="snowflake")`` per row (Rust).
- ``datahub``: DataHub's ``create_lineage_sql_parsed_result(...)`` per row (tables and columns).
Peers run with ``--peer-python`` (a venv holding ``openlineage-sql`` and ``acryl-datahub``);
a peer that does not import there is reported as not installed.

Usage::

    python benchmarks/run.py [--rows 100000] [--seed 1] [--workdir /tmp/mlbench] [--skip-peers]
                             [--peer-python PATH] [--peer-rows 5000] [--distinct-ratio R]
    python benchmarks/run.py --scale [--rows 100000]     # mlineage at N and 10N rows
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from logrows import iter_rows  # noqa: E402

PEER_MODULES = {"openlineage": "openlineage_sql", "datahub": "datahub.sql_parsing.sqlglot_lineage"}


@dataclass
class Result:
    """One tool's measurement. ``rows`` is how many log rows it read; ``distinct`` how many
    different query texts those rows hold."""

    tool: str
    rows: int
    distinct: int
    seconds: float
    max_rss_kib: int
    capped: bool = False
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def distinct_per_second(self) -> float:
        return self.distinct / self.seconds if self.seconds else 0.0


def generator_command(
    out: Path,
    rows: int,
    seed: int,
    days: int,
    distinct_ratio: float | None = None,
    start: str | None = None,
) -> list[str]:
    """The command line of generate_log.py for one CSV log (shared by run.py and targets.py)."""
    command = [
        sys.executable,
        str(HERE / "generate_log.py"),
        "--rows",
        str(rows),
        "--seed",
        str(seed),
        "--days",
        str(days),
        "--format",
        "csv",
        "--out",
        str(out),
    ]
    if start is not None:
        command += ["--start", start]
    if distinct_ratio is not None:
        command += ["--distinct-ratio", str(distinct_ratio)]
    return command


def generate(rows: int, seed: int, workdir: Path, days: int, distinct_ratio: float | None) -> Path:
    """Write the CSV log once; every tool reads this file."""
    suffix = f"-r{distinct_ratio}" if distinct_ratio is not None else ""
    log = workdir / f"query_history-{rows}-s{seed}{suffix}.csv"
    command = generator_command(log, rows, seed, days, distinct_ratio)
    clock = time.perf_counter()
    subprocess.run(command, check=True)
    print(f"generated {log} in {time.perf_counter() - clock:.1f} s", flush=True)
    return log


@dataclass(frozen=True)
class TextCounts:
    """How many rows the log has, and how many distinct query texts in all of it and in its
    first ``cap`` rows for each cap asked for."""

    rows: int
    distinct: int
    distinct_in_first: dict[int, int]

    def first(self, limit: int | None) -> tuple[int, int]:
        """(rows, distinct texts) that a tool reading at most ``limit`` rows sees."""
        if limit is None or limit >= self.rows:
            return self.rows, self.distinct
        return limit, self.distinct_in_first[limit]


def count_texts(log: Path, caps: Sequence[int]) -> TextCounts:
    """Texts are hashed so that a million rows need only a set of small digests."""
    wanted = sorted(set(caps))
    seen: set[bytes] = set()
    in_first: dict[int, int] = {}
    rows = 0
    for row in iter_rows(str(log)):
        seen.add(hashlib.blake2b(row.text.encode("utf-8", "replace"), digest_size=12).digest())
        rows += 1
        while wanted and rows == wanted[0]:
            in_first[wanted.pop(0)] = len(seen)
    return TextCounts(rows, len(seen), in_first)


def measure(
    command: Sequence[str],
    workdir: Path,
    name: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> tuple[dict[str, Any], str]:
    """Run ``command`` under measure.py; returns its measurement and the command's stdout."""
    stdout = workdir / f"{name}.stdout"
    stderr = workdir / f"{name}.stderr"
    wrapper = [
        sys.executable,
        str(HERE / "measure.py"),
        "--stdout",
        str(stdout),
        "--stderr",
        str(stderr),
        "--",
        *command,
    ]
    completed = subprocess.run(
        wrapper, capture_output=True, text=True, check=True, env=env, cwd=cwd
    )
    measurement = json.loads(completed.stdout.strip().splitlines()[-1])
    return measurement, stdout.read_text(encoding="utf-8", errors="replace")


def mlineage_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def extract_help_lists_workers() -> bool:
    completed = subprocess.run(
        [sys.executable, "-m", "extractor", "extract", "--help"],
        capture_output=True,
        text=True,
        env=mlineage_env(),
        cwd=REPO,
        check=False,
    )
    return "--workers" in completed.stdout


def run_mlineage(log: Path, workdir: Path, rows: int, distinct: int, label: str) -> Result:
    out = workdir / f"out-{label}"
    shutil.rmtree(out, ignore_errors=True)  # an existing graph would be continued, not rebuilt
    command = [sys.executable, "-m", "extractor", "extract", str(log), "--out", str(out), "--json"]
    if extract_help_lists_workers():
        command += ["--workers", "1"]
    measurement, stdout = measure(command, workdir, label, env=mlineage_env(), cwd=REPO)
    if measurement["returncode"] != 0:
        error = (workdir / f"{label}.stderr").read_text(errors="replace").strip()
        return Result(
            "mlineage",
            rows,
            distinct,
            measurement["seconds"],
            measurement["max_rss_kib"],
            note=f"FAILED: {error[-200:]}",
        )
    summary = json.loads(stdout.strip().splitlines()[-1])
    note = (
        f"its own count: {summary.get('unique_statements')} unique statements; "
        f"{summary.get('errors')} errors; {summary.get('nodes')} nodes, "
        f"{summary.get('edges')} edges"
    )
    return Result(
        "mlineage",
        summary.get("rows_read", rows),
        distinct,
        measurement["seconds"],
        measurement["max_rss_kib"],
        note=note,
        detail=summary,
    )


def run_parser(
    tool: str, python: str, log: Path, workdir: Path, limit: int | None, counts: TextCounts
) -> Result:
    rows, distinct = counts.first(limit)
    capped = rows < counts.rows
    command = [python, str(HERE / "parse_rows.py"), tool, str(log)]
    if capped:
        command += ["--limit", str(rows)]
    measurement, stdout = measure(command, workdir, tool)
    if measurement["returncode"] != 0:
        error = (workdir / f"{tool}.stderr").read_text(errors="replace").strip()
        return Result(
            tool,
            rows,
            distinct,
            measurement["seconds"],
            measurement["max_rss_kib"],
            capped,
            note=f"FAILED: {error[-200:]}",
        )
    report = json.loads(stdout.strip().splitlines()[-1])
    note = f"{report['error']} errors"
    if report.get("opaque"):
        note += f", {report['opaque']} kept as Command"
    note += f"; import {report['import_seconds']:.1f} s"
    if capped:
        note += f"; first {rows} rows only, rows/s extrapolated"
    return Result(
        tool,
        report["rows"],
        distinct,
        measurement["seconds"],
        measurement["max_rss_kib"],
        capped,
        note,
        report,
    )


def peer_installed(python: str, module: str) -> bool:
    completed = subprocess.run(
        [python, "-c", f"import {module}"], capture_output=True, check=False, cwd=HERE
    )
    return completed.returncode == 0


def print_table(results: Sequence[Result], missing: Sequence[str]) -> None:
    """The comparison. ``mlineage ÷ tool`` is mlineage's rows/s over the tool's: above 1,
    mlineage is faster."""
    reference = next((r for r in results if r.tool == "mlineage"), None)
    header = ("tool", "rows", "seconds", "rows/s", "distinct/s", "peak RSS MiB", "mlineage ÷ tool")
    lines = []
    for r in results:
        ratio = "-"
        if reference is not None and r is not reference and r.rows_per_second:
            ratio = f"{reference.rows_per_second / r.rows_per_second:.2f}"
        lines.append(
            (
                r.tool + ("*" if r.capped else ""),
                f"{r.rows}",
                f"{r.seconds:.1f}",
                f"{r.rows_per_second:,.0f}",
                f"{r.distinct_per_second:,.0f}",
                f"{r.max_rss_kib / 1024:.0f}",
                ratio,
            )
        )
    for tool in missing:
        lines.append((tool, "-", "-", "-", "-", "-", "not installed"))
    widths = [max(len(row[i]) for row in (header, *lines)) for i in range(len(header))]
    print()
    print(
        "  ".join(
            h.ljust(w) if i == 0 else h.rjust(w)
            for i, (h, w) in enumerate(zip(header, widths, strict=True))
        )
    )
    for row in lines:
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    print()
    for r in results:
        if r.note:
            print(f"  {r.tool}: {r.note}")
    if any(r.capped for r in results):
        print(
            "  * ran on the first rows only (--peer-rows); its rows/s and the ratio are "
            "extrapolated from them."
        )
    print(
        "  seconds: process start to exit, one CPU each; distinct/s: distinct query texts "
        "among the rows read, per second."
    )
    if hasattr(os, "getloadavg"):
        # Other work on the machine skews every figure; say how busy it was.
        print(f"  load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="mlineage benchmark")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mlbench"))
    parser.add_argument(
        "--distinct-ratio",
        type=float,
        default=None,
        help="passed to generate_log.py (default: its realistic mix)",
    )
    parser.add_argument("--skip-peers", action="store_true", help="only mlineage and bare sqlglot")
    parser.add_argument(
        "--peer-python",
        default=sys.executable,
        help="interpreter for openlineage-sql and acryl-datahub (default: this one)",
    )
    parser.add_argument(
        "--peer-rows",
        type=int,
        default=5000,
        help="DataHub parses only the first N rows (it is ~100x slower); "
        "0 = all rows (default 5000)",
    )
    parser.add_argument(
        "--scale", action="store_true", help="run mlineage at N and 10N rows and compare peak RSS"
    )
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if hasattr(os, "getloadavg"):
        print(f"load average at the start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    if args.scale:
        return scale(args)

    log = generate(args.rows, args.seed, args.workdir, args.days, args.distinct_ratio)
    peer_limit = args.peer_rows if args.peer_rows > 0 else None
    counts = count_texts(log, [peer_limit] if peer_limit else [])
    total, distinct = counts.rows, counts.distinct
    print(
        f"{total} rows, {distinct} distinct query texts ({distinct / max(total, 1):.1%})",
        flush=True,
    )

    results: list[Result] = []
    missing: list[str] = []
    print("mlineage extract …", flush=True)
    results.append(run_mlineage(log, args.workdir, total, distinct, "mlineage"))
    print("bare sqlglot …", flush=True)
    results.append(run_parser("sqlglot", sys.executable, log, args.workdir, None, counts))
    if not args.skip_peers:
        for tool, module in PEER_MODULES.items():
            if not peer_installed(args.peer_python, module):
                print(f"{tool}: not installed in {args.peer_python}", flush=True)
                missing.append(tool)
                continue
            print(f"{tool} …", flush=True)
            limit = peer_limit if tool == "datahub" else None
            results.append(run_parser(tool, args.peer_python, log, args.workdir, limit, counts))
    print_table(results, missing)
    record = {
        "rows": total,
        "distinct": distinct,
        "seed": args.seed,
        "days": args.days,
        "distinct_ratio": args.distinct_ratio,
        "peer_python": args.peer_python,
        "results": [
            {
                **r.__dict__,
                "rows_per_second": r.rows_per_second,
                "distinct_per_second": r.distinct_per_second,
            }
            for r in results
        ],
        "not_installed": missing,
    }
    out = args.workdir / f"results-{total}.json"
    out.write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(f"  results: {out}; total bench time {time.perf_counter() - started:.0f} s")
    return 0


def scale(args: argparse.Namespace) -> int:
    """mlineage at N and 10N rows of the same account and days: does memory follow the rows
    (bad: the log is held) or the distinct statements and graph (the design's promise)?"""
    results: list[Result] = []
    for rows in (args.rows, args.rows * 10):
        log = generate(rows, args.seed, args.workdir, args.days, args.distinct_ratio)
        counts = count_texts(log, [])
        print(f"{counts.rows} rows, {counts.distinct} distinct query texts", flush=True)
        print(f"mlineage extract, {rows} rows …", flush=True)
        result = run_mlineage(log, args.workdir, counts.rows, counts.distinct, f"mlineage-{rows}")
        result.tool = f"mlineage, {rows} rows"
        results.append(result)
    print_table(results, [])
    small, large = results
    print(
        f"  RSS(10N)/RSS(N) = {large.max_rss_kib / small.max_rss_kib:.2f}   "
        f"seconds(10N)/seconds(N) = {large.seconds / small.seconds:.2f}   "
        f"distinct(10N)/distinct(N) = {large.distinct / max(small.distinct, 1):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

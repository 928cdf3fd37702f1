"""Large-scale correctness (not speed): run by `make bench`, skipped by `make test`.

A generated log of realistic shape gives the same Parquet whatever the speed path: one process or
several, deduplicated or not, all at once or as nightly increments.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from extractor.run import ExtractOptions, extract

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def generated_log(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("scale") / "query_history.csv"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "generate_log.py"),
            "--rows",
            "60000",
            "--seed",
            "7",
            "--days",
            "6",
            "--out",
            str(out),
            "--quiet",
        ],
        check=True,
    )
    return out


def contract(out: Path) -> dict[str, bytes]:
    return {n: (out / f"{n}.parquet").read_bytes() for n in ("nodes", "edges", "grants", "errors")}


def test_workers_change_no_byte(generated_log: Path, tmp_path: Path) -> None:
    extract(ExtractOptions(sources=[str(generated_log)], out=tmp_path / "one", workers=1))
    extract(ExtractOptions(sources=[str(generated_log)], out=tmp_path / "two", workers=2))
    assert contract(tmp_path / "one") == contract(tmp_path / "two")


def test_daily_increments_equal_one_run(generated_log: Path, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    full = extract(ExtractOptions(sources=[str(generated_log)], out=tmp_path / "full"))
    start = datetime(2026, 3, 2, tzinfo=UTC)
    for day in range(8):
        extract(
            ExtractOptions(
                sources=[str(generated_log)],
                out=tmp_path / "nightly",
                until=start + timedelta(days=day),
                since_last=day > 0,
            )
        )
    extract(ExtractOptions(sources=[str(generated_log)], out=tmp_path / "nightly", since_last=True))
    assert (tmp_path / "full" / "edges.parquet").read_bytes() == (
        tmp_path / "nightly" / "edges.parquet"
    ).read_bytes()
    assert full.statements > 0

"""Occurrences: kept in their source batches, read back a chunk at a time in fold order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from extractor.collect import (
    OCCURRENCES,
    decode_query_ids,
    encode_query_ids,
    occurrence_batch,
    sort_occurrences,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def batch(rows: list[tuple[datetime | None, str]]) -> pa.RecordBatch:
    return occurrence_batch(
        pa.array([t for t, _ in rows], OCCURRENCES.field("start_time").type),
        pa.array([q for _, q in rows]),
        pa.array(range(len(rows)), pa.int32()),
        pa.array(["R"] * len(rows)),
        pa.array(["U"] * len(rows)),
    )


def rows_in_time_order(count: int) -> list[tuple[datetime | None, str]]:
    # ties on time are ordered by query id; scripts (no time) come first
    return [(None, "s1"), (None, "s2")] + [
        (T0 + timedelta(seconds=i // 3), f"q{i:04}") for i in range(count)
    ]


@pytest.mark.parametrize("arrangement", ["in order", "reversed", "shuffled"])
@pytest.mark.parametrize("chunk_rows", [1, 7, 1000])
def test_chunks_come_in_time_then_query_id_order(arrangement: str, chunk_rows: int) -> None:
    expected = rows_in_time_order(100)
    rows = list(expected)
    if arrangement == "reversed":
        rows.reverse()
    elif arrangement == "shuffled":
        random.Random(7).shuffle(rows)
    batches = [batch(rows[i : i + 9]) for i in range(0, len(rows), 9)]
    occurrences = sort_occurrences(batches)
    assert batches == []  # the table is the batches' only holder now
    read = [
        (t, q)
        for chunk in occurrences.chunks(chunk_rows)
        for t, q in zip(
            chunk.column("start_time").to_pylist(),
            chunk.column("query_id").to_pylist(),
            strict=True,
        )
    ]
    assert read == expected


def test_fresh_query_ids_are_read_once_and_let_go() -> None:
    occurrences = sort_occurrences([batch(rows_in_time_order(5))])
    occurrences.fresh = [pa.array([True, False, True, True, True, True, False])]
    ids = [q for array in occurrences.fresh_query_ids() for q in array.to_pylist()]
    assert ids == ["s1", "q0000", "q0001", "q0002", "q0003"]
    assert occurrences.table.num_rows == 0


def test_query_ids_are_kept_in_sixteen_bytes_when_they_are_snowflake_ids() -> None:
    ids = pa.array(
        [
            "01b87a03-0002-6a41-0000-00026b1eba5d",
            "01B87A03-0002-6A41-0000-00026B1EBA5D",  # not Snowflake's spelling: kept as text
            "q1",
            "",
            None,
            "manifest:DB.S.M/V1",
        ]
    )
    uuids, others = encode_query_ids(ids)
    assert uuids.type.byte_width == 16 and uuids.null_count == 5
    assert decode_query_ids(uuids, others).to_pylist() == [
        "01b87a03-0002-6a41-0000-00026b1eba5d",
        "01B87A03-0002-6A41-0000-00026B1EBA5D",
        "q1",
        "",
        "",
        "manifest:DB.S.M/V1",
    ]


def test_sources_overlapping_in_time_are_read_in_order() -> None:
    """Two logs of the same hours: every chunk of the order spans the whole table."""
    expected = rows_in_time_order(200)
    first, second = expected[:2] + expected[2::2], expected[3::2]
    batches = [batch(part[i : i + 5]) for part in (first, second) for i in range(0, 101, 5)]
    occurrences = sort_occurrences([b for b in batches if b.num_rows])
    read = [q for chunk in occurrences.chunks(4) for q in chunk.column("query_id").to_pylist()]
    assert read == [q for _, q in expected]

"""Read the rows of a QUERY_HISTORY CSV for the baseline and peer scripts.

Why a module of its own: every tool in the comparison must see the same rows, read the same way
(pyarrow's streaming CSV reader, as mlineage itself reads), so that differences in the table come
from parsing, not from reading. Only pyarrow is needed, so it also runs in the peers' venv.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import pyarrow as pa
import pyarrow.csv as pa_csv

_WANTED = ("QUERY_TEXT", "DATABASE_NAME", "SCHEMA_NAME", "EXECUTION_STATUS")
# One CSV row must fit in a block; generated statements are at most ~200 KB.
_BLOCK = 8 << 20


class LogRow(NamedTuple):
    text: str
    database: str | None
    schema: str | None
    succeeded: bool


def iter_rows(path: str, limit: int | None = None) -> Iterator[LogRow]:
    """The first ``limit`` rows (all when None) of a Snowsight-style CSV, gzip'd or not.

    Empty context columns become None, as an export's NULLs do."""
    compression = "gzip" if path.endswith(".gz") else None
    seen = 0
    with pa.input_stream(path, compression=compression) as stream:
        reader = pa_csv.open_csv(
            stream,
            read_options=pa_csv.ReadOptions(block_size=_BLOCK),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                include_columns=list(_WANTED),
                column_types={c: pa.string() for c in _WANTED},
                strings_can_be_null=False,
            ),
        )
        for batch in reader:
            columns = [batch.column(c).to_pylist() for c in _WANTED]
            for text, database, schema, status in zip(*columns, strict=True):
                if limit is not None and seen >= limit:
                    return
                seen += 1
                yield LogRow(
                    text or "",
                    database or None,
                    schema or None,
                    (status or "SUCCESS").upper() == "SUCCESS",
                )

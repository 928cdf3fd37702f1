#!/usr/bin/env python3
"""Parse every row of a query log with one baseline or peer parser, once per row, no cache.

Why: mlineage's figures mean little alone. This gives the same rows to
- ``sqlglot``: bare ``sqlglot.parse_one(text, read="snowflake")``, the floor mlineage builds on;
- ``openlineage``: ``openlineage_sql.parse([text], dialect="snowflake")``, OpenLineage's Rust
  parser (pip ``openlineage-sql``);
- ``datahub``: ``create_lineage_sql_parsed_result(...)`` from ``acryl-datahub``, DataHub's
  sqlglot-based table and column lineage, called as its Snowflake source calls it.
Rows that did not succeed (EXECUTION_STATUS other than SUCCESS) are read but not parsed, as
mlineage skips them too.

Usage::

    python benchmarks/parse_rows.py {sqlglot,openlineage,datahub} LOG.csv [--limit N]

Prints one JSON object: rows read, parsed, errors (exceptions or the tool's own error report),
opaque (sqlglot only: statements kept as an unparsed Command), import and loop seconds.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from logrows import LogRow, iter_rows

Parser = Callable[[LogRow], str]  # returns "ok", "error" or "opaque"


def sqlglot_parser() -> Parser:
    import sqlglot
    from sqlglot import exp

    def parse(row: LogRow) -> str:
        try:
            tree = sqlglot.parse_one(row.text, read="snowflake")
        except (Exception, RecursionError):
            return "error"
        return "opaque" if isinstance(tree, exp.Command) else "ok"

    return parse


def openlineage_parser() -> Parser:
    import openlineage_sql

    def parse(row: LogRow) -> str:
        try:
            meta = openlineage_sql.parse([row.text], dialect="snowflake")
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # noqa: BLE001 — a Rust panic arrives as pyo3's PanicException
            return "error"
        return "error" if meta is None or meta.errors else "ok"

    return parse


def datahub_parser() -> Parser:
    from datahub.sql_parsing.sqlglot_lineage import create_lineage_sql_parsed_result

    logging.getLogger("datahub").setLevel(logging.CRITICAL)

    def parse(row: LogRow) -> str:
        result = create_lineage_sql_parsed_result(
            query=row.text,
            default_db=row.database,
            default_schema=row.schema,
            platform="snowflake",
            platform_instance=None,
            env="PROD",
            graph=None,
        )
        return "error" if result.debug_info.table_error is not None else "ok"

    return parse


PARSERS: dict[str, Callable[[], Parser]] = {
    "sqlglot": sqlglot_parser,
    "openlineage": openlineage_parser,
    "datahub": datahub_parser,
}


def main(argv: Sequence[str] | None = None) -> int:
    started = time.perf_counter()
    arguments = argparse.ArgumentParser(description="parse a log's rows with one parser")
    arguments.add_argument("tool", choices=sorted(PARSERS))
    arguments.add_argument("log")
    arguments.add_argument("--limit", type=int, default=None, help="only the first N rows")
    args = arguments.parse_args(argv)
    # sqlglot logs a warning per statement it keeps as a Command (for DataHub too); mlineage
    # silences it the same way, so no tool pays for writing them.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    parse = PARSERS[args.tool]()
    imported = time.perf_counter()
    counts: dict[str, Any] = {"rows": 0, "parsed": 0, "ok": 0, "error": 0, "opaque": 0}
    for row in iter_rows(args.log, args.limit):
        counts["rows"] += 1
        if not row.succeeded:
            continue
        counts["parsed"] += 1
        counts[parse(row)] += 1
    finished = time.perf_counter()
    counts.update(
        tool=args.tool,
        import_seconds=round(imported - started, 3),
        loop_seconds=round(finished - imported, 3),
    )
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())

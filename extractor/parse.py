"""Parse: one query text → sqlglot trees, read with mlineage's Snowflake dialect (``grammars/``).

Query history holds one statement per row, but a script chunk or a multi-statement request may
hold several; each becomes a tree. Errors propagate to derive, which records them.
"""

from __future__ import annotations

import logging

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from grammars import MlSnowflake

# sqlglot logs a warning for every statement it keeps as a Command; derive records those itself.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


def parse_statements(text: str) -> list[exp.Expr]:
    """All statements in ``text`` as trees; raises sqlglot.errors.ParseError on bad SQL."""
    trees = sqlglot.parse(text, dialect=MlSnowflake, error_level=ErrorLevel.RAISE)
    return [tree for tree in trees if tree is not None]

"""The grammar tests' ``Validator``, after sqlglot's ``tests/dialects/test_dialect.py``:
``validate_identity`` parses with ``MlSnowflake`` and checks the generated SQL equals the input (or
``write_sql``, the canonical form); ``check_command_warning`` pins a fallback to ``exp.Command``
and its logged warning. Imported by ``tests/grammars/test_*.py`` (pytest puts their folder on
``sys.path``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import sqlglot
from sqlglot import exp

from grammars import MlSnowflake

UNSUPPORTED = "contains unsupported syntax. Falling back to parsing as a 'Command'."


@contextmanager
def sqlglot_warnings() -> Iterator[list[str]]:
    """Collects what sqlglot logs at WARNING level while the block runs."""
    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = _Collect(level=logging.WARNING)
    logger = logging.getLogger("sqlglot")
    # extractor/parse.py quiets sqlglot's logger for the whole process; undo that meanwhile
    level, disabled = logger.level, logger.disabled
    logger.setLevel(logging.WARNING)
    logger.disabled = False
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.disabled = disabled


def parse(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read=MlSnowflake)


def validate_identity(
    sql: str, write_sql: str | None = None, check_command_warning: bool = False
) -> exp.Expr:
    """Parses ``sql`` with MlSnowflake and checks it generates ``write_sql`` (default: ``sql``).

    Without ``check_command_warning`` the statement must parse to a tree, not an ``exp.Command``,
    and neither parsing nor generating may log a warning; with it, it must fall back to a Command
    with sqlglot's warning.
    """
    with sqlglot_warnings() as warnings:
        expression = parse(sql)
        generated = expression.sql(dialect=MlSnowflake)
    if check_command_warning:
        assert isinstance(expression, exp.Command)
        assert any(UNSUPPORTED in w for w in warnings), warnings
    else:
        assert not isinstance(expression, exp.Command)
        assert not warnings, warnings
    assert generated == (write_sql or sql)
    return expression

"""Parse: one query text → sqlglot trees, read with mlineage's Snowflake dialect (``grammars/``).

Query history holds one statement per row, but a script chunk or a multi-statement request may
hold several; each becomes a tree. Errors propagate to derive, which records them.
"""

from __future__ import annotations

import hashlib
import logging
import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from grammars import MlSnowflake

# sqlglot logs a warning for every statement it keeps as a Command; derive records those itself.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


class GrammarUnavailable(Exception):
    """mlineage's dialect cannot run on this sqlglot build."""


def check_grammar() -> None:
    """sqlglot's compiled build (``sqlglotc``) refuses Python subclasses of its parser ("interpreted
    classes cannot inherit from compiled"), and the grammar in ``grammars/`` is such a subclass:
    with it installed every statement would fail. Say so once, before a run, instead."""
    try:
        MlSnowflake().parser()
    except TypeError as err:
        raise GrammarUnavailable(
            f"mlineage's Snowflake grammar cannot run on this sqlglot build ({err}); "
            "uninstall the compiled build: pip uninstall sqlglotc"
        ) from err


def parse_statements(text: str) -> list[exp.Expr]:
    """All statements in ``text`` as trees; raises sqlglot.errors.ParseError on bad SQL."""
    trees = sqlglot.parse(text, dialect=MlSnowflake, error_level=ErrorLevel.RAISE)
    return [tree for tree in trees if tree is not None]


# Quoted identifiers, comments and $$ bodies are matched (and kept) before strings and numbers,
# left to right, so a quote inside any of them never starts a "literal".
_FINGERPRINT_TOKENS = re.compile(
    r"""(?P<keep>"(?:[^"]|"")*"|\$\$.*?\$\$|--[^\n]*|//[^\n]*|/\*.*?\*/)"""
    r"""|(?P<string>'(?:[^'\\]|\\.|'')*')"""
    r"""|(?P<number>(?<![\w$.])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w$]))""",
    re.DOTALL,
)


def _literal_to_placeholder(match: re.Match[str]) -> str:
    if match.lastgroup == "keep":
        return match.group(0)
    return "?"


def fingerprint(text: str) -> str:
    """A key shared by statements that differ only in their literals (scheduled jobs rerun with
    other dates and ids). Only a key: derive decides whether its literals can matter
    (``Derived.literal_free``); when they can, the exact text is the key instead."""
    normalised = _FINGERPRINT_TOKENS.sub(_literal_to_placeholder, text)
    return hashlib.blake2b(normalised.encode("utf-8", "replace"), digest_size=16).hexdigest()

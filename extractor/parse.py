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


# Quoted identifiers, $$ bodies and comments are matched before strings and numbers, left to
# right, so a quote inside any of them never starts a "literal". Names and bodies are kept.
_FINGERPRINT_TOKENS = re.compile(
    r"""(?P<keep>"(?:[^"]|"")*"|\$\$.*?\$\$)"""
    r"""|(?P<comment>--[^\n]*|//[^\n]*|/\*.*?\*/)"""
    r"""|(?P<string>'(?:[^'\\]|\\.|'')*')"""
    r"""|(?P<number>(?<![\w$.])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w$]))""",
    re.DOTALL,
)


def _literal_to_placeholder(match: re.Match[str]) -> str:
    kind = match.lastgroup
    if kind == "keep":
        return match.group(0)
    return " " if kind == "comment" else "?"


def fingerprint(text: str) -> str:
    """A key shared by statements that differ only in their literals and comments (scheduled
    jobs rerun with other dates and ids; dbt and BI tools stamp each run's id in a comment;
    Snowflake reads no hint from a comment). Only a key: derive decides whether its literals
    can matter (``Derived.literal_free``); when they can, the exact text is the key instead."""
    normalised = _FINGERPRINT_TOKENS.sub(_literal_to_placeholder, text)
    return hashlib.blake2b(normalised.encode("utf-8", "replace"), digest_size=16).hexdigest()


# Statements that read or inspect and never write: derive would give them no facts, so they are
# not parsed at all (about half of a real query log). https://docs.snowflake.com/en/sql-reference/sql-all
READ_ONLY_KEYWORDS = frozenset(
    {
        "SELECT",
        "WITH",
        "SHOW",
        "DESC",
        "DESCRIBE",
        "EXPLAIN",
        "LIST",
        "LS",
        "GET",
        "USE",
        "BEGIN",
        "START",
        "COMMIT",
        "ROLLBACK",
        "VALUES",
        "FROM",
        "TABLE",
    }
)


def leading_keyword(text: str) -> str:
    """The first word of a statement, past whitespace, comments and opening parentheses."""
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace() or char == "(" or char == ";":
            i += 1
        elif text.startswith("--", i) or text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            break
    j = i
    while j < n and (text[j].isalnum() or text[j] == "_"):
        j += 1
    return text[i:j].upper()


def is_read_only(text: str) -> bool:
    """A pure read (SELECT, WITH … SELECT, SHOW, …): no lineage, not worth a parse. A WITH
    whose body writes (``WITH … INSERT``, which Snowflake does not accept anyway) still parses."""
    keyword = leading_keyword(text)
    if keyword != "WITH":
        return keyword in READ_ONLY_KEYWORDS
    return _is_plain_with(text)


_WRITE_WORDS = re.compile(r"\b(?:INSERT|MERGE|UPDATE|DELETE|CREATE)\b", re.IGNORECASE)


def _is_plain_with(text: str) -> bool:
    """No write keyword outside strings, quoted names and comments (those are cut out only when
    the keyword is in the text at all)."""
    if _WRITE_WORDS.search(text) is None:
        return True
    return _WRITE_WORDS.search(_FINGERPRINT_TOKENS.sub(" ", text)) is None

"""mlineage's Snowflake dialect: sqlglot's, plus the statements lineage needs that upstream
parses only as an opaque ``exp.Command`` or misreads.

The class is named ``MlSnowflake`` so that sqlglot's dialect registry (keyed by lower-cased class
name) gains ``mlsnowflake`` and the upstream ``snowflake`` dialect stays untouched.

Additions, each with round-trip tests in ``tests/grammars/``:

- ``ALTER {SCHEMA | DATABASE | DYNAMIC TABLE | MATERIALIZED VIEW | EXTERNAL TABLE | ICEBERG TABLE}
  name {RENAME TO | SWAP WITH} other`` — upstream knows only TABLE and VIEW.
  https://docs.snowflake.com/en/sql-reference/sql/alter-schema
- ``CREATE [OR REPLACE] RECURSIVE VIEW`` — https://docs.snowflake.com/en/sql-reference/sql/create-view
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.snowflake import Snowflake
from sqlglot.generators.snowflake import SnowflakeGenerator
from sqlglot.parsers.snowflake import SnowflakeParser
from sqlglot.tokens import Token


class RecursiveViewProperty(exp.Property):
    """``CREATE RECURSIVE VIEW``: a view whose body refers to itself through a recursive CTE."""

    arg_types: dict[str, bool] = {}


# Object kinds that ``ALTER <kind> name RENAME TO | SWAP WITH`` accepts beyond upstream's TABLE
# and VIEW, as word sequences matched after ALTER.
EXTRA_ALTER_KINDS: tuple[tuple[str, ...], ...] = (
    ("SCHEMA",),
    ("DATABASE",),
    ("DYNAMIC", "TABLE"),
    ("MATERIALIZED", "VIEW"),
    ("EXTERNAL", "TABLE"),
    ("ICEBERG", "TABLE"),
)


class MlSnowflakeParser(SnowflakeParser):
    PROPERTY_PARSERS = {
        **SnowflakeParser.PROPERTY_PARSERS,
        "RECURSIVE": lambda self: self.expression(RecursiveViewProperty()),
    }

    def _parse_alter(self) -> exp.Alter | exp.Command:
        start = self._prev
        index = self._index
        for words in EXTRA_ALTER_KINDS:
            if self._match_text_seq(*words):
                alter = self._parse_alter_identity(start, " ".join(words))
                if alter is not None:
                    return alter
                self._retreat(index)
                break
        return super()._parse_alter()

    def _parse_alter_identity(self, start: Token, kind: str) -> exp.Alter | exp.Command | None:
        """``ALTER <kind> [IF EXISTS] name RENAME TO new | SWAP WITH other``.

        Returns None when the statement is some other ALTER of that kind (ICEBERG TABLE … ADD
        COLUMN), so that upstream parses it as before; unknown tails become a Command.
        """
        exists = self._parse_exists()
        this = self._parse_table_parts()
        if self._match_text_seq("RENAME", "TO"):
            action: exp.Expr = self.expression(exp.AlterRename(this=self._parse_table_parts()))
        elif self._match_text_seq("SWAP", "WITH"):
            action = self.expression(exp.SwapTable(this=self._parse_table_parts()))
        elif kind == "ICEBERG TABLE":
            return None
        else:
            return self._parse_as_command(start)
        if self._curr:
            return self._parse_as_command(start)
        return self.expression(exp.Alter(this=this, kind=kind, exists=exists, actions=[action]))


class MlSnowflakeGenerator(SnowflakeGenerator):
    TRANSFORMS = {
        **SnowflakeGenerator.TRANSFORMS,
        RecursiveViewProperty: lambda *_: "RECURSIVE",
    }
    PROPERTIES_LOCATION = {
        **SnowflakeGenerator.PROPERTIES_LOCATION,
        RecursiveViewProperty: exp.Properties.Location.POST_CREATE,
    }


class MlSnowflake(Snowflake):
    Parser = MlSnowflakeParser
    Generator = MlSnowflakeGenerator

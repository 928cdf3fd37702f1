"""mlineage's Snowflake dialect: sqlglot's, plus the statements lineage needs that upstream
parses only as an opaque ``exp.Command`` or misreads.

The class is named ``MlSnowflake`` so that sqlglot's dialect registry (keyed by lower-cased class
name) gains ``mlsnowflake`` and the upstream ``snowflake`` dialect stays untouched.

Additions, each with round-trip tests in ``tests/grammars/``:

- ``ALTER {SCHEMA | DATABASE | DYNAMIC TABLE | MATERIALIZED VIEW | EXTERNAL TABLE | ICEBERG TABLE}
  name {RENAME TO | SWAP WITH} other`` — upstream knows only TABLE and VIEW; the same kinds but
  ICEBERG TABLE also take ``SET …`` / ``UNSET …`` (``ALTER DYNAMIC TABLE t SET TAG …``).
  https://docs.snowflake.com/en/sql-reference/sql/alter-schema
- ``CREATE [OR REPLACE] RECURSIVE VIEW`` — https://docs.snowflake.com/en/sql-reference/sql/create-view
- ``CREATE TAG db.s.t`` and ``CREATE STREAMLIT db.s.app`` keep their qualified name (upstream
  keeps only the last part). https://docs.snowflake.com/en/sql-reference/sql/create-tag
- ``ALTER … UNSET TAG db.s.t, …`` with qualified tag names.
- ``SHOW …`` with a tail upstream does not know (``SHOW FUNCTIONS IN MODEL m VERSION v``) is a
  Command rather than a parse error.
- The ML statements of ``grammars/ml.py``: datasets, models, model references in queries
  (``MODEL m VERSION v`` CTEs, ``MODEL(m, v)!PREDICT``), services, ``CALL``.
- Every GRANT / REVOKE form of ``grammars/grants.py`` (privileges, ownership, ALL/FUTURE,
  role grants), read through ``grant_parts``.
"""

from __future__ import annotations

import typing as t

from sqlglot import exp
from sqlglot.dialects.snowflake import Snowflake
from sqlglot.generators.snowflake import SnowflakeGenerator
from sqlglot.parsers.snowflake import SnowflakeParser
from sqlglot.tokens import Token, TokenType

from grammars.grants import GRANT_TRANSFORMS, GrantGeneratorMixin, GrantParserMixin
from grammars.ml import (
    ML_TRANSFORMS,
    Call,
    MlGeneratorMixin,
    MlParserMixin,
    build_deploy_model,
)


class RecursiveViewProperty(exp.Property):
    """``CREATE RECURSIVE VIEW``: a view whose body refers to itself through a recursive CTE."""

    arg_types: t.ClassVar[dict[str, bool]] = {}


# Object kinds that ``ALTER <kind> name …`` accepts beyond upstream's TABLE and VIEW, as word
# sequences matched after ALTER.
EXTRA_ALTER_KINDS: tuple[tuple[str, ...], ...] = (
    ("SCHEMA",),
    ("DATABASE",),
    ("DYNAMIC", "TABLE"),
    ("MATERIALIZED", "VIEW"),
    ("EXTERNAL", "TABLE"),
    ("ICEBERG", "TABLE"),
    ("MODEL",),
    ("DATASET",),
)

# ALTER kinds left to upstream unless the action is RENAME TO / SWAP WITH.
UPSTREAM_ALTER_KINDS: frozenset[str] = frozenset({"ICEBERG TABLE"})

_KindParser = t.Callable[["MlSnowflakeParser"], exp.Expr | None]
_CreateParser = t.Callable[["MlSnowflakeParser", Token, bool], exp.Expr]


class MlSnowflakeParser(GrantParserMixin, MlParserMixin, SnowflakeParser):
    # External-table columns are ``name type AS expr``, parentheses optional:
    # https://docs.snowflake.com/en/sql-reference/sql/create-external-table
    WRAPPED_TRANSFORM_COLUMN_CONSTRAINT = False

    PROPERTY_PARSERS = {
        **SnowflakeParser.PROPERTY_PARSERS,
        "RECURSIVE": lambda self: self.expression(RecursiveViewProperty()),
    }

    STATEMENT_PARSERS = {
        **SnowflakeParser.STATEMENT_PARSERS,
        TokenType.CREATE: lambda self: self._parse_ml_create(),
        TokenType.DROP: lambda self: self._parse_ml_drop(),
        TokenType.EXECUTE: lambda self: self._parse_call(),
    }

    FUNCTIONS = {
        **SnowflakeParser.FUNCTIONS,
        "SYSTEM$DEPLOY_MODEL": build_deploy_model,
    }

    FUNCTION_PARSERS = {
        **SnowflakeParser.FUNCTION_PARSERS,
        "MODEL": lambda self: self._parse_model_call(),
    }

    ALTER_PARSERS = {
        **SnowflakeParser.ALTER_PARSERS,
        "UNSET": lambda self: self._parse_alter_unset(),
    }

    # CREATE <word> … parsed here rather than by upstream (which makes them Commands).
    ML_CREATE_PARSERS: t.ClassVar[dict[str, _CreateParser]] = {
        "DATASET": lambda self, start, replace: self._parse_create_dataset(start, replace),
        "MODEL": lambda self, start, replace: self._parse_create_model(start, replace),
        "SERVICE": lambda self, start, replace: self._parse_create_service(start, replace),
    }

    # DROP <word> [IF EXISTS] name: upstream's exp.Drop with that kind.
    ML_DROP_KINDS: t.ClassVar[frozenset[str]] = frozenset({"DATASET", "MODEL", "SERVICE"})
    # DROP <two words> name, which upstream makes Commands.
    TABLE_DROP_KINDS: t.ClassVar[tuple[tuple[str, str], ...]] = (
        ("DYNAMIC", "TABLE"),
        ("EXTERNAL", "TABLE"),
        ("ICEBERG", "TABLE"),
    )

    # Actions of ALTER <kind> tried before the common RENAME TO / SWAP WITH / SET / UNSET.
    ALTER_KIND_PARSERS: t.ClassVar[dict[str, _KindParser]] = {
        "DATASET": lambda self: self._parse_dataset_action(),
        "MODEL": lambda self: self._parse_model_action(),
    }

    # Upstream drops the qualifier of these kinds' names; TAG and STREAMLIT are schema objects.
    NON_TABLE_CREATABLES = SnowflakeParser.NON_TABLE_CREATABLES - {"TAG", "STREAMLIT"}

    def _parse_copy_parameters(self) -> list[exp.CopyParameter]:
        """COPY options, ``KEY = value`` or ``KEY = (…)``; ``FILE_FORMAT`` may also name a file
        format without parentheses (``file_format = db.s.ff``, as the ML library's example loader
        writes it), which upstream cuts at the first dot.
        https://docs.snowflake.com/en/sql-reference/sql/copy-into-table#optional-parameters"""
        params: list[exp.CopyParameter] = []
        while self._curr and not self._match(TokenType.R_PAREN, advance=False):
            key = self._parse_var(any_token=True)
            if key is None:
                break
            name = self._prev.text.upper()
            self._match(TokenType.EQ)
            param = self.expression(exp.CopyParameter(this=key))
            if name in self.COPY_INTO_VARLEN_OPTIONS and self._match(
                TokenType.L_PAREN, advance=False
            ):
                param.set("expressions", self._parse_wrapped_options())
            elif name == "FILE_FORMAT":
                param.set("expression", self._parse_table_parts())
            else:
                param.set("expression", self._parse_unquoted_field() or self._parse_bracket())
            params.append(param)
        return params

    def _parse_ml_create(self) -> exp.Expr:
        """CREATE: the ML kinds of ``ML_CREATE_PARSERS``, else upstream's ``_parse_create``."""
        start = self._prev
        index = self._index
        replace = self._match_pair(TokenType.OR, TokenType.REPLACE)
        if self._match_texts(self.ML_CREATE_PARSERS):
            return self.ML_CREATE_PARSERS[self._prev.text.upper()](self, start, replace)
        self._retreat(index)
        return self._parse_create()

    def _parse_ml_drop(self) -> exp.Drop | exp.Command:
        """DROP: the kinds of ``ML_DROP_KINDS`` (upstream makes them Commands), else upstream."""
        start = self._prev
        words = next((w for w in self.TABLE_DROP_KINDS if self._match_text_seq(*w)), None)
        if words or self._match_texts(self.ML_DROP_KINDS):
            drop = self._parse_drop(kind=" ".join(words) if words else self._prev.text.upper())
            # DROP MODEL MONITOR m and other unknown tails
            return self._parse_as_command(start) if self._curr else drop
        return self._parse_drop()

    def _parse_show(self) -> exp.Expr | None:
        """Upstream's SHOW, but a tail it leaves unparsed makes a Command, not a parse error."""
        start = self._prev
        show = super()._parse_show()
        if self._curr:
            return self._parse_as_command(start)
        return show

    def _parse_alter_unset(self) -> exp.Set:
        """``UNSET TAG db.s.t, …`` (tag names may be qualified, kept as ``exp.Column`` like SET
        TAG's) or ``UNSET prop, …``."""
        tag = self._match_text_seq("TAG")
        parse = self._parse_column if tag else self._parse_id_var
        return self.expression(exp.Set(tag=tag, expressions=self._parse_csv(parse), unset=True))

    def _parse_alter(self) -> exp.Alter | exp.Command:
        start = self._prev
        index = self._index
        for words in EXTRA_ALTER_KINDS:
            if self._match_text_seq(*words):
                alter = self._parse_alter_kind(start, " ".join(words))
                if alter is not None:
                    return alter
                self._retreat(index)
                break
        return super()._parse_alter()

    def _parse_alter_kind(self, start: Token, kind: str) -> exp.Alter | exp.Command | None:
        """``ALTER <kind> [IF EXISTS] name <action>``: the kind's own actions
        (``ALTER_KIND_PARSERS``), then ``RENAME TO new``, ``SWAP WITH other``, ``SET …``,
        ``UNSET …``.

        Returns None when upstream should parse the statement as before (ICEBERG TABLE … ADD
        COLUMN); unknown tails become a Command.
        """
        exists = self._parse_exists()
        this = self._parse_table_parts()
        kind_parser = self.ALTER_KIND_PARSERS.get(kind)
        action = kind_parser(self) if kind_parser else None
        if action is not None:
            pass
        elif self._match_text_seq("RENAME", "TO"):
            action = self.expression(exp.AlterRename(this=self._parse_table_parts()))
        elif self._match_text_seq("SWAP", "WITH"):
            action = self.expression(exp.SwapTable(this=self._parse_table_parts()))
        elif kind in UPSTREAM_ALTER_KINDS:
            return None
        elif self._match_texts(("SET", "UNSET")):
            action = self.ALTER_PARSERS[self._prev.text.upper()](self)
        if action is None or isinstance(action, exp.Command) or self._curr:
            return self._parse_as_command(start)
        return self.expression(exp.Alter(this=this, kind=kind, exists=exists, actions=[action]))


class MlSnowflakeGenerator(GrantGeneratorMixin, MlGeneratorMixin, SnowflakeGenerator):
    TRANSFORMS = {
        **SnowflakeGenerator.TRANSFORMS,
        **ML_TRANSFORMS,
        **GRANT_TRANSFORMS,
        RecursiveViewProperty: lambda *_: "RECURSIVE",
    }
    PROPERTIES_LOCATION = {
        **SnowflakeGenerator.PROPERTIES_LOCATION,
        RecursiveViewProperty: exp.Properties.Location.POST_CREATE,
    }
    # A comment before CALL, GRANT or REVOKE stays before it, as for other statements.
    WITH_SEPARATED_COMMENTS = (
        *SnowflakeGenerator.WITH_SEPARATED_COMMENTS,
        Call,
        exp.Grant,
        exp.Revoke,
    )


class MlSnowflake(Snowflake):
    class Tokenizer(Snowflake.Tokenizer):
        # Upstream tokenizes CALL as a Command keyword, which turns the rest of the statement into
        # one string. CALL becomes the EXECUTE token instead (its text stays "CALL"), and EXECUTE
        # no longer swallows its tail, so that STATEMENT_PARSERS[EXECUTE] can parse
        # ``CALL proc(args)`` and fall back to a Command for EXECUTE IMMEDIATE / TASK / ….
        KEYWORDS = {**Snowflake.Tokenizer.KEYWORDS, "CALL": TokenType.EXECUTE}
        COMMANDS = Snowflake.Tokenizer.COMMANDS - {TokenType.EXECUTE}

    Parser = MlSnowflakeParser
    Generator = MlSnowflakeGenerator

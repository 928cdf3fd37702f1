"""Derive: one parsed statement plus its context → facts. Pure: no I/O, no clock, no globals.

Handlers are picked by sqlglot node type from an explicit table (``HANDLERS``), the way sqlglot's
own parsers pick ``_parse_*`` methods. Each handler reads one statement family.

Modules: ``names`` (identifiers, name resolution, reads), ``tables`` (DML, COPY, DDL of tables,
views, stages and containers), ``ml`` (datasets, models, services, predictions, ML metadata).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from sqlglot import exp
from sqlglot.errors import SqlglotError

from extractor.derive.access import derive_grant
from extractor.derive.ml import (
    derive_alter_dataset,
    derive_alter_model,
    derive_call,
    derive_create_model,
    derive_create_service,
    derive_metadata,
)
from extractor.derive.names import Context, DeriveError, _is_cte_reference, _parse_dotted
from extractor.derive.tables import (
    derive_alter,
    derive_command,
    derive_copy,
    derive_create,
    derive_drop,
    derive_insert,
    derive_merge,
    derive_multitable_insert,
    derive_undrop,
    derive_update,
    no_facts,
    tag_parts,
)
from extractor.facts import Derived, Fact, StatementError
from extractor.parse import parse_statements
from grammars.ml import Call, CreateModel, CreateService, ModelRef

__all__ = ["Context", "DeriveError", "derive_facts", "derive_metadata", "derive_statement"]

# ALTER <kind> families handled outside tables.py.
ALTER_HANDLERS: dict[str, Callable[[exp.Alter, Context], list[Fact]]] = {
    "DATASET": derive_alter_dataset,
    "MODEL": derive_alter_model,
}


def derive_alter_any(tree: exp.Alter, ctx: Context) -> list[Fact]:
    return ALTER_HANDLERS.get((tree.kind or "").upper(), derive_alter)(tree, ctx)


HANDLERS: dict[type[exp.Expr], Callable[..., list[Fact]]] = {
    exp.Create: derive_create,
    CreateModel: derive_create_model,
    CreateService: derive_create_service,
    Call: derive_call,
    exp.Insert: derive_insert,
    exp.MultitableInserts: derive_multitable_insert,
    exp.Merge: derive_merge,
    exp.Update: derive_update,
    exp.Copy: derive_copy,
    exp.Alter: derive_alter_any,
    exp.Drop: derive_drop,
    exp.Undrop: derive_undrop,
    exp.Command: derive_command,
    exp.Query: no_facts,
    exp.Delete: no_facts,
    exp.TruncateTable: no_facts,
    exp.Show: no_facts,
    exp.Describe: no_facts,
    exp.Use: no_facts,
    exp.Set: no_facts,
    exp.Transaction: no_facts,
    exp.Commit: no_facts,
    exp.Rollback: no_facts,
    exp.Grant: derive_grant,
    exp.Revoke: derive_grant,
    exp.Put: no_facts,
    exp.Get: no_facts,
    exp.ListStage: no_facts,
    exp.Comment: no_facts,
    exp.Pragma: no_facts,
}


def _handler(tree: exp.Expr) -> Callable[..., list[Fact]] | None:
    for cls in type(tree).__mro__:
        if cls in HANDLERS:
            return HANDLERS[cls]
    return None


def derive_facts(tree: exp.Expr, ctx: Context) -> tuple[Fact, ...]:
    """Facts of one parsed statement. Raises DeriveError for a statement it cannot read."""
    handler = _handler(tree)
    if handler is None:
        raise DeriveError(f"unsupported statement: {type(tree).__name__}")
    return tuple(handler(tree, ctx))


def derive_statement(text: str, ctx: Context) -> Derived:
    """Parse and derive one query text (which may hold several statements). Never raises:
    a failure becomes ``Derived.error`` with the stage it happened in."""
    try:
        trees = parse_statements(text)
    except RecursionError:
        return Derived(error=StatementError("parse", "too_deep", "statement nested too deeply"))
    except SqlglotError as err:
        return Derived(error=StatementError("parse", type(err).__name__, _first_line(err)))
    except Exception as err:  # noqa: BLE001 — one boundary per stage: record, never stop the run
        return Derived(error=StatementError("parse", type(err).__name__, _first_line(err)))
    if not trees:
        return Derived(statement_kind="EMPTY")
    result: list[Fact] = []
    try:
        for tree in trees:
            result.extend(derive_facts(tree, ctx))
    except RecursionError:
        return Derived(error=StatementError("derive", "too_deep", "statement nested too deeply"))
    except DeriveError as err:
        return Derived(error=StatementError("derive", "unsupported", _first_line(err)))
    except Exception as err:  # noqa: BLE001
        return Derived(error=StatementError("derive", type(err).__name__, _first_line(err)))
    flags = [cache_flags(tree) for tree in trees]
    return Derived(
        facts=tuple(result),
        statement_kind=type(trees[0]).__name__.upper(),
        literal_free=all(f[0] for f in flags),
        context_free=all(f[1] for f in flags),
    )


# Where a literal sits decides whether it can change lineage: inside a name, a property, a
# location or an ML clause it can (IDENTIFIER('db.s.t'), a dataset version, a tag, a deploy
# spec); as a value in a query (WHERE d = '2026-01-01', LIMIT 10, SELECT 'x') it cannot.
_LITERAL_SENSITIVE = (
    exp.DynamicIdentifier,
    exp.Table,
    exp.Property,
    exp.Properties,
    exp.Tags,
    ModelRef,
)
_LITERAL_HARMLESS = (
    exp.Select,
    exp.Where,
    exp.Having,
    exp.Qualify,
    exp.Join,
    exp.Values,
    exp.Limit,
    exp.Offset,
    exp.Order,
    exp.Group,
    exp.Window,
    exp.HistoricalData,
    exp.Update,
    exp.When,
    exp.Set,
    exp.CopyParameter,
    exp.ConditionalInsert,  # INSERT ALL WHEN <condition> THEN INTO …
    exp.ColumnDef,  # a column's type, default and comment: lineage is table-level
    exp.AlterSession,  # ALTER SESSION SET QUERY_TAG = '…'
)
# Settings written ``KEY = value`` (a plain exp.Property) that no derive handler reads: their
# values are knobs, never names. Any other such property (URL = 's3://…') counts as a name.
_HARMLESS_PROPERTIES = frozenset(
    {
        "AUTO_REFRESH",
        "CHANGE_TRACKING",
        "COMPRESSION",
        "DATA_RETENTION_TIME_IN_DAYS",
        "DATE_FORMAT",
        "DEFAULT_DDL_COLLATION",
        "EMPTY_FIELD_AS_NULL",
        "ENABLE_SCHEMA_EVOLUTION",
        "ERROR_ON_COLUMN_COUNT_MISMATCH",
        "FIELD_DELIMITER",
        "FIELD_OPTIONALLY_ENCLOSED_BY",
        "FORMAT_NAME",
        "INITIALIZE",
        "MAX_DATA_EXTENSION_TIME_IN_DAYS",
        "NULL_IF",
        "RECORD_DELIMITER",
        "REFRESH_MODE",
        "SCHEDULE",
        "SKIP_HEADER",
        "TARGET_LAG",
        "TIMESTAMP_FORMAT",
        "TYPE",
        "WAREHOUSE",
    }
)


def cache_flags(tree: exp.Expr) -> tuple[bool, bool]:
    """(literal_free, context_free) of a tree, in one pass over it.

    literal_free: every literal is a value that cannot change the facts, so all statements with
    the same fingerprint (parse.fingerprint) share them. context_free: no name needs the
    session's database or schema (every table, view, stage and model has three parts, CTE names
    aside; conservative: a role or a schema named with fewer parts counts as needing it).

    A literal is harmless when its nearest enclosing node of either kind above is a harmless
    one; that verdict is carried down the walk rather than looked up from every literal."""
    literals_ok = context_ok = True
    has_with = False
    short_names: list[exp.Table] = []  # fewer than three parts: qualified only if a CTE's
    stack: list[tuple[exp.Expr, bool]] = [(tree, False)]
    while stack and (literals_ok or context_ok):
        node, harmless = stack.pop()
        kind, verdict = _node_kind(type(node))
        if kind is _LITERAL:
            literals_ok = literals_ok and harmless
        elif kind is _TABLE:
            qualified = _qualified(node)
            if qualified is None:
                short_names.append(node)
            else:
                context_ok = context_ok and qualified
        elif kind is _MODEL_REF:
            context_ok = context_ok and len(node.parts) == 3
        elif kind is _WITH:
            has_with = True
        elif kind is _TAGS:
            context_ok = context_ok and _tags_qualified(node)
        if verdict is _BY_NAME:  # a tag (TAG (type = 'pii')) is never a knob, whatever its name
            harmless = (
                not isinstance(node.parent, exp.Tags) and node.name.upper() in _HARMLESS_PROPERTIES
            )
        elif verdict is not None:
            harmless = verdict
        for value in node.args.values():
            if isinstance(value, exp.Expr):
                stack.append((value, harmless))
            elif isinstance(value, list):
                stack.extend((item, harmless) for item in value if isinstance(item, exp.Expr))
    if context_ok and short_names:
        context_ok = has_with and all(_is_cte_reference(table) for table in short_names)
    return literals_ok, context_ok


_LITERAL, _TABLE, _MODEL_REF, _WITH, _TAGS, _OTHER = (
    "literal",
    "table",
    "model",
    "with",
    "tags",
    "other",
)


_BY_NAME = "by name"  # a plain KEY = value property: harmless when its key is a known knob


@functools.cache
def _node_kind(cls: type) -> tuple[str, bool | str | None]:
    """What cache_flags looks for in a node of this class, and the verdict it gives the literals
    below it (harmless, sensitive, decided by its name, or none); one isinstance chain per
    class, not per node."""
    if issubclass(cls, (exp.Literal, exp.RawString)):
        kind = _LITERAL
    elif issubclass(cls, exp.Table):
        kind = _TABLE
    elif issubclass(cls, ModelRef):
        kind = _MODEL_REF
    elif issubclass(cls, exp.With):
        kind = _WITH
    elif issubclass(cls, (exp.Tags, exp.AlterSet)):
        kind = _TAGS
    else:
        kind = _OTHER
    if issubclass(cls, _LITERAL_HARMLESS):
        return kind, True
    if cls is exp.Property:
        return kind, _BY_NAME
    return kind, False if issubclass(cls, _LITERAL_SENSITIVE) else None


def _tags_qualified(node: exp.Expr) -> bool:
    """Whether every tag named in ``TAG (…)`` or ``SET TAG …`` has three parts (else the tag's
    name, part of the facts, comes from the session's context)."""
    if isinstance(node, exp.Tags):
        names = [tag.this for tag in node.expressions]
    else:
        names = [eq.this for eq in node.args.get("tag") or []]
    return all(len(tag_parts(name)) >= 3 for name in names)


def _qualified(table: exp.Table) -> bool | None:
    """Whether a table's name is complete without the session's context; None for a name of
    fewer than three parts, which is complete only when it refers to a CTE."""
    this = table.this
    if isinstance(this, exp.Var) and str(this.this).startswith("@"):
        stage = str(this.this)[1:]
        return stage.startswith("~") or len(_parse_dotted(stage.split("/")[0].lstrip("%"))) >= 3
    if isinstance(this, exp.Identifier):
        return True if len(table.parts) >= 3 else None
    return not isinstance(this, exp.DynamicIdentifier)


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:500] if text else type(err).__name__

"""Derive: one parsed statement plus its context → facts. Pure: no I/O, no clock, no globals.

Handlers are picked by sqlglot node type from an explicit table (``HANDLERS``), the way sqlglot's
own parsers pick ``_parse_*`` methods. Each handler reads one statement family.

Modules: ``names`` (identifiers, name resolution, reads), ``tables`` (DML, COPY, DDL of tables,
views, stages and containers), ``ml`` (datasets, models, services, predictions, ML metadata).
"""

from __future__ import annotations

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
)


def cache_flags(tree: exp.Expr) -> tuple[bool, bool]:
    """(literal_free, context_free) of a tree, in one pass over it.

    literal_free: every literal is a value that cannot change the facts, so all statements with
    the same fingerprint (parse.fingerprint) share them. context_free: no name needs the
    session's database or schema (every table, view, stage and model has three parts, CTE names
    aside; conservative: a role or a schema named with fewer parts counts as needing it)."""
    literals_ok = context_ok = True
    has_with = any(isinstance(node, exp.With) for node in tree.walk())
    for node in tree.walk():
        if isinstance(node, (exp.Literal, exp.RawString)):
            literals_ok = literals_ok and _harmless_literal(node)
        elif isinstance(node, exp.Table):
            context_ok = context_ok and _qualified(node, has_with)
        elif isinstance(node, ModelRef):
            context_ok = context_ok and len(node.parts) == 3
        if not (literals_ok or context_ok):
            break
    return literals_ok, context_ok


def _harmless_literal(literal: exp.Expr) -> bool:
    node = literal.parent
    while node is not None and not isinstance(node, _LITERAL_HARMLESS):
        if isinstance(node, _LITERAL_SENSITIVE):
            return False
        node = node.parent
    return node is not None


def _qualified(table: exp.Table, has_with: bool) -> bool:
    this = table.this
    if isinstance(this, exp.Var) and str(this.this).startswith("@"):
        stage = str(this.this)[1:]
        return stage.startswith("~") or len(_parse_dotted(stage.split("/")[0].lstrip("%"))) >= 3
    if isinstance(this, exp.Identifier):
        return len(table.parts) >= 3 or (has_with and _is_cte_reference(table))
    return not isinstance(this, exp.DynamicIdentifier)


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:500] if text else type(err).__name__

"""Names and reads: how derive turns sqlglot names into normalised ObjectNames.

Snowflake rules followed here, with their manual pages:
- Unquoted identifiers fold to upper case, quoted ones keep their case
  (https://docs.snowflake.com/en/sql-reference/identifiers-syntax).
- Unqualified names resolve in the session's current database and schema; inside the body of a
  view, materialized view or dynamic table they resolve in the schema of the object being defined
  (https://docs.snowflake.com/en/sql-reference/name-resolution).
- A CTE name shadows a table of the same name for the rest of its WITH clause, but not inside its
  own body unless it is recursive (RECURSIVE is optional in Snowflake: a UNION body counts)
  (https://docs.snowflake.com/en/user-guide/queries-cte).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from sqlglot import exp
from sqlglot.errors import SqlglotError

from extractor import facts as f
from extractor.facts import ObjectName
from grammars import MlSnowflake
from grammars.ml import ModelRef, resolve_model


class Context(NamedTuple):
    """The session context a statement ran in: normalised database and schema ("" if unknown)."""

    database: str = ""
    schema: str = ""


class DeriveError(Exception):
    """A statement that parsed but whose lineage cannot be read (e.g. a name that is a variable)."""


# ---------------------------------------------------------------------------------------------
# Names


def normalize_identifier(node: exp.Expr | str | None) -> str:
    """Snowflake identifier semantics: quoted keeps its case, unquoted folds to upper."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.upper()
    if isinstance(node, exp.Identifier):
        return node.this if node.quoted else node.this.upper()
    if isinstance(node, exp.Literal):
        return node.this if node.is_string else str(node.this).upper()
    return node.name.upper()


_PLAIN_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*){0,2}")


def _parse_dotted(text: str) -> list[str]:
    """Split a name given as a string (``IDENTIFIER('db."s".t')``, ``@db.s.stage``) into parts."""
    if _PLAIN_DOTTED.fullmatch(text):  # no quotes, no spaces: the usual stage or table name
        return text.upper().split(".")
    try:
        table = exp.to_table(text, dialect=MlSnowflake)
    except (SqlglotError, ValueError) as err:
        raise DeriveError(f"cannot read the name {text!r}") from err
    return [normalize_identifier(p) for p in table.parts]


def _table_parts(table: exp.Table) -> list[str]:
    this = table.this
    if isinstance(this, exp.DynamicIdentifier):
        literal = this.this
        if not (isinstance(literal, exp.Literal) and literal.is_string):
            raise DeriveError(f"IDENTIFIER() over a non-literal: {this.sql(dialect=MlSnowflake)}")
        return [
            *(
                normalize_identifier(p)
                for p in (table.args.get("catalog"), table.args.get("db"))
                if p
            ),
            *_parse_dotted(literal.this),
        ]
    return [normalize_identifier(p) for p in table.parts]


def qualify(parts: list[str], ctx: Context, domain: str) -> ObjectName:
    """Fill a 1-, 2- or 3-part name from the context."""
    if len(parts) == 1:
        database, schema, name = ctx.database, ctx.schema, parts[0]
    elif len(parts) == 2:
        database, (schema, name) = ctx.database, parts
    else:
        database, schema, name = parts[-3:]
    return ObjectName(domain, database, schema, name)


def table_name(table: exp.Table, ctx: Context, domain: str = f.RELATION) -> ObjectName:
    return qualify(_table_parts(table), ctx, domain)


def container_name(table: exp.Table, ctx: Context, domain: str) -> ObjectName:
    """A schema (``[db.]s``) or database (``d``) named in CREATE/ALTER/DROP SCHEMA|DATABASE."""
    parts = _table_parts(table)
    if domain == f.DATABASE:
        return ObjectName(f.DATABASE, "", "", parts[-1])
    database = parts[-2] if len(parts) >= 2 else ctx.database
    return ObjectName(f.SCHEMA, database, "", parts[-1])


def stage_name(location: str, ctx: Context) -> ObjectName | None:
    """``@db.s.stage/path``, ``@~/path`` (user stage), ``@%t/path`` (table stage) → a stage.

    External URLs (``'s3://…'``) are not objects of the account and give None.
    https://docs.snowflake.com/en/user-guide/data-load-local-file-system-create-stage
    """
    if not location.startswith("@"):
        return None
    body = _strip_stage_path(location[1:])
    if body == "~":
        return ObjectName(f.STAGE, "", "", "~")
    if body.startswith("%"):
        table = qualify(_parse_dotted(body[1:]), ctx, f.STAGE)
        return ObjectName(f.STAGE, table.database, table.schema, "%" + table.name)
    return qualify(_parse_dotted(body), ctx, f.STAGE)


def _strip_stage_path(body: str) -> str:
    """Cut ``/path`` from a stage reference, honouring double quotes in the stage name."""
    quoted = False
    for i, char in enumerate(body):
        if char == '"':
            quoted = not quoted
        elif char == "/" and not quoted:
            return body[:i]
    return body


# ---------------------------------------------------------------------------------------------
# Reads


def _cte_names_visible(table: exp.Table) -> set[str]:
    """Names of the CTEs in scope at ``table`` (normalised), walking out through every WITH."""
    names: set[str] = set()
    child: exp.Expr = table
    node = table.parent
    while node is not None:
        with_ = node.args.get("with_") if isinstance(node, exp.Expr) else None
        if isinstance(with_, exp.With) and child is not with_:
            names.update(normalize_identifier(c.args["alias"].this) for c in with_.expressions)
        elif isinstance(node, exp.With) and isinstance(child, exp.CTE):
            ctes = node.expressions
            position = next(i for i, c in enumerate(ctes) if c is child)
            names.update(normalize_identifier(c.args["alias"].this) for c in ctes[:position])
            if node.args.get("recursive") or isinstance(child.this, exp.Union):
                # Snowflake makes RECURSIVE optional: a CTE whose body is anchor UNION [ALL]
                # member may refer to itself. A plain body naming itself reads the table.
                names.add(normalize_identifier(child.args["alias"].this))
        child, node = node, node.parent
    return names


def _is_cte_reference(table: exp.Table) -> bool:
    if table.args.get("db") or table.args.get("catalog"):
        return False
    if not isinstance(table.this, exp.Identifier):
        return False
    return normalize_identifier(table.this) in _cte_names_visible(table)


def read_sources(
    node: exp.Expr | None, ctx: Context, exclude: Iterable[exp.Expr] = ()
) -> list[ObjectName]:
    """Every table, view or stage read anywhere under ``node``: FROM, joins, subqueries, EXISTS,
    set operations; models whose methods are called (``m!PREDICT``, ``MODEL(m, v)!…``,
    ``WITH a AS MODEL m …``). CTE references, table functions, staged files read by URL
    (``'snow://dataset/…'``: Snowflake draws no edge for them, reference §5.5) and the
    ``exclude`` nodes (a DML target) are not reads. Sorted and unique."""
    if node is None:
        return []
    skipped = {id(e) for e in exclude}
    tables, refs, methods, has_with = _walk_reads(node)
    found: set[ObjectName] = set()
    for table in tables:
        if id(table) in skipped:
            continue
        this = table.this
        if isinstance(this, exp.Var) and str(this.this).startswith("@"):
            stage = stage_name(str(this.this), ctx)
            if stage is not None:
                found.add(stage)
        elif isinstance(this, (exp.Identifier, exp.DynamicIdentifier)) and not (
            has_with and _is_cte_reference(table)
        ):
            found.add(table_name(table, ctx))
    for attribute in methods:
        ref = resolve_model(attribute)
        if ref is not None and ref.parent is None:  # m!PREDICT named directly, not a WITH alias
            refs.append(ref)
    for ref in refs:
        name = table_name(ref.to_table(), ctx, f.MODEL)
        version = normalize_identifier(ref.version) if ref.version is not None else ""
        found.add(ObjectName(f.MODEL, name.database, name.schema, name.name, version))
    return sorted(found)


def tree_nodes(root: exp.Expr) -> list[exp.Expr]:
    """Every node under ``root`` (itself included), depth first. sqlglot's ``walk`` is a generator
    calling a generator per node; a plain loop over ``args`` is several times cheaper, and derive
    walks every tree two or three times."""
    found: list[exp.Expr] = []
    stack = [root]
    while stack:
        node = stack.pop()
        found.append(node)
        for value in node.args.values():
            if isinstance(value, exp.Expr):
                stack.append(value)
            elif isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, exp.Expr))
    return found


def _walk_reads(
    node: exp.Expr,
) -> tuple[list[exp.Table], list[ModelRef], list[exp.ModelAttribute], bool]:
    """One pass over the tree (statements of 200 KB have trees of 100k nodes): its tables, model
    references, model method calls, and whether it has a WITH at all (else no name is a CTE)."""
    tables: list[exp.Table] = []
    refs: list[ModelRef] = []
    methods: list[exp.ModelAttribute] = []
    has_with = False
    for item in tree_nodes(node):
        if isinstance(item, exp.Table):
            tables.append(item)
        elif isinstance(item, ModelRef):
            refs.append(item)
        elif isinstance(item, exp.ModelAttribute) and not isinstance(item.this, ModelRef):
            methods.append(item)
        elif isinstance(item, exp.With):
            has_with = True
    return tables, refs, methods, has_with


def target_table(node: exp.Expr) -> exp.Table:
    """The table of an INSERT/CREATE target, which may be wrapped in a column list (Schema)."""
    if isinstance(node, exp.Schema):
        node = node.this
    if not isinstance(node, exp.Table):
        raise DeriveError(f"unexpected target {node.sql(dialect=MlSnowflake)!r}")
    return node


def lineage_fact(
    target: ObjectName, sources: list[ObjectName], edge_type: str, operation: str
) -> f.Lineage:
    return f.Lineage(target, tuple(s for s in sources if s != target), edge_type, operation)

"""Handlers for tables, views, stages and containers: DML, COPY, CREATE, ALTER, DROP."""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp
from sqlglot.errors import SqlglotError

from extractor import facts as f
from extractor.derive.names import (
    Context,
    DeriveError,
    _parse_dotted,
    container_name,
    lineage_fact,
    qualify,
    read_sources,
    stage_name,
    table_name,
    target_table,
)
from extractor.facts import Fact, ObjectName
from grammars import MlSnowflake
from grammars.snowflake import RecursiveViewProperty


def derive_insert(tree: exp.Insert, ctx: Context) -> list[Fact]:
    target = table_name(target_table(tree.this), ctx)
    operation = "INSERT OVERWRITE" if tree.args.get("overwrite") else "INSERT"
    return [lineage_fact(target, read_sources(tree.expression, ctx), f.DATA, operation)]


def derive_multitable_insert(tree: exp.MultitableInserts, ctx: Context) -> list[Fact]:
    """INSERT ALL / INSERT FIRST: every INTO target reads the source query (and any subquery in
    its WHEN condition). https://docs.snowflake.com/en/sql-reference/sql/insert-multi-table"""
    operation = f"INSERT {tree.args.get('kind') or 'ALL'}".upper()
    shared = read_sources(tree.args.get("source"), ctx)
    result: list[Fact] = []
    for branch in tree.expressions:
        insert = branch.this
        target = table_name(target_table(insert.this), ctx)
        extra = read_sources(insert.expression, ctx) + read_sources(branch.expression, ctx)
        result.append(lineage_fact(target, sorted(set(shared + extra)), f.DATA, operation))
    return result


def derive_merge(tree: exp.Merge, ctx: Context) -> list[Fact]:
    written = tree.this
    target = table_name(written, ctx)
    sources = read_sources(tree, ctx, exclude=[written])
    return [lineage_fact(target, sources, f.DATA, "MERGE")]


def derive_update(tree: exp.Update, ctx: Context) -> list[Fact]:
    """UPDATE … FROM: the FROM tables (and subqueries in SET/WHERE) feed the target.
    https://docs.snowflake.com/en/sql-reference/sql/update"""
    written = tree.this
    target = table_name(written, ctx)
    sources = read_sources(tree, ctx, exclude=[written])
    return [lineage_fact(target, sources, f.DATA, "UPDATE")]


def _location(node: exp.Expr, ctx: Context) -> ObjectName | None:
    """The stage a COPY location names, or None for an external URL."""
    if isinstance(node, exp.Table) and isinstance(node.this, exp.Var):
        node = node.this
    if isinstance(node, exp.Var):
        return stage_name(str(node.this), ctx)
    if isinstance(node, exp.Literal) and node.is_string:
        return stage_name(node.this, ctx)
    return None


def _is_location(node: exp.Expr) -> bool:
    return (isinstance(node, exp.Table) and isinstance(node.this, exp.Var)) or (
        isinstance(node, exp.Literal) and node.is_string
    )


def derive_copy(tree: exp.Copy, ctx: Context) -> list[Fact]:
    """COPY INTO table FROM stage (load) and COPY INTO stage FROM table|query (unload).
    https://docs.snowflake.com/en/sql-reference/sql/copy-into-table"""
    files = tree.args.get("files") or []
    if _is_location(tree.this):
        target = _location(tree.this, ctx)
        sources: list[ObjectName] = []
        for item in files:
            sources += read_sources(item, ctx)
        return [lineage_fact(target, sorted(set(sources)), f.DATA, "UNLOAD")] if target else []
    target = table_name(target_table(tree.this), ctx)
    sources = []
    for item in files:
        if _is_location(item):
            stage = _location(item, ctx)
            sources += [stage] if stage else []
        else:
            sources += read_sources(item, ctx)
    return [lineage_fact(target, sorted(set(sources)), f.DATA, "COPY")]


def _properties(tree: exp.Create) -> list[exp.Expr]:
    props = tree.args.get("properties")
    return list(props.expressions) if props else []


def _has(props: list[exp.Expr], kind: type[exp.Expr]) -> exp.Expr | None:
    return next((p for p in props if isinstance(p, kind)), None)


def object_properties(props: list[exp.Expr], ctx: Context) -> tuple[tuple[str, str], ...]:
    """Tags and comment of a CREATE, as sorted (key, value) pairs: ``tag:DB.S.TAG`` → value."""
    pairs: list[tuple[str, str]] = []
    for prop in props:
        if isinstance(prop, exp.SchemaCommentProperty):
            pairs.append(("comment", prop.this.name))
        elif isinstance(prop, exp.Tags):
            for tag in prop.expressions:
                pairs.append(_tag_pair(tag.this, tag.args.get("value"), ctx))
    return tuple(sorted(pairs))


def tag_parts(name: exp.Expr) -> list[str]:
    """The parts of a tag's name as written (``pii``, ``gov.tags.pii``)."""
    return _parse_dotted(name.sql(dialect=MlSnowflake))


def _tag_pair(name: exp.Expr, value: exp.Expr | None, ctx: Context) -> tuple[str, str]:
    tag = qualify(tag_parts(name), ctx, "tag")
    key = "tag:" + ".".join(p for p in (tag.database, tag.schema, tag.name) if p)
    return key, value.name if value is not None else ""


def _table_kind(props: list[exp.Expr]) -> tuple[str, str]:
    """(kind, operation) of a CREATE TABLE from its properties."""
    if _has(props, exp.DynamicProperty):
        return "dynamic_table", "CREATE DYNAMIC TABLE"
    if _has(props, exp.ExternalProperty):
        return "external_table", "CREATE EXTERNAL TABLE"
    if _has(props, exp.TemporaryProperty):
        return "temporary", "CREATE TABLE AS SELECT"
    if _has(props, exp.TransientProperty):
        return "transient", "CREATE TABLE AS SELECT"
    if _has(props, exp.IcebergProperty):
        return "iceberg_table", "CREATE TABLE AS SELECT"
    return "table", "CREATE TABLE AS SELECT"


def _view_kind(props: list[exp.Expr]) -> str:
    if _has(props, exp.MaterializedProperty):
        return "materialized_view"
    if _has(props, RecursiveViewProperty):
        return "recursive_view"
    if _has(props, exp.SecureProperty):
        return "secure_view"
    return "view"


def derive_create(tree: exp.Create, ctx: Context) -> list[Fact]:
    kind = (tree.kind or "").upper()
    handler = CREATE_HANDLERS.get(kind)
    return handler(tree, ctx) if handler else []


def _create_table(tree: exp.Create, ctx: Context) -> list[Fact]:
    target = table_name(target_table(tree.this), ctx, f.TABLE)
    props = _properties(tree)
    kind, operation = _table_kind(props)
    created = f.CreateObject(
        target, kind, bool(tree.args.get("replace")), object_properties(props, ctx)
    )
    clone = tree.args.get("clone")
    if isinstance(clone, exp.Clone):
        return [created, f.CloneObject(table_name(clone.this, ctx), target, "table")]
    if kind == "external_table":
        location = _has(props, exp.LocationProperty)
        stage = _location(location.this, ctx) if location else None
        return [created] + (
            [lineage_fact(target, [stage], f.DEPENDENCY, operation)] if stage else []
        )
    query = tree.expression
    if query is None:
        return [created]
    if kind == "dynamic_table":
        body_ctx = Context(target.database, target.schema)
        return [
            created,
            lineage_fact(target, read_sources(query, body_ctx), f.DEPENDENCY, operation),
        ]
    return [created, lineage_fact(target, read_sources(query, ctx), f.DATA, operation)]


def _create_view(tree: exp.Create, ctx: Context) -> list[Fact]:
    """Views resolve unqualified names in their own schema, not the session's."""
    target = table_name(target_table(tree.this), ctx, f.VIEW)
    props = _properties(tree)
    kind = _view_kind(props)
    body_ctx = Context(target.database, target.schema)
    operation = "CREATE MATERIALIZED VIEW" if kind == "materialized_view" else "CREATE VIEW"
    return [
        f.CreateObject(target, kind, bool(tree.args.get("replace")), object_properties(props, ctx)),
        lineage_fact(target, read_sources(tree.expression, body_ctx), f.DEPENDENCY, operation),
    ]


def _create_container(domain: str) -> Callable[[exp.Create, Context], list[Fact]]:
    def create(tree: exp.Create, ctx: Context) -> list[Fact]:
        target = container_name(target_table(tree.this), ctx, domain)
        created = f.CreateObject(target, domain, bool(tree.args.get("replace")))
        clone = tree.args.get("clone")
        if isinstance(clone, exp.Clone):
            source = container_name(clone.this, ctx, domain)
            return [created, f.CloneObject(source, target, domain)]
        return [created]

    return create


def _create_stage(tree: exp.Create, ctx: Context) -> list[Fact]:
    target = table_name(target_table(tree.this), ctx, f.STAGE)
    props = _properties(tree)
    url = next(
        (
            p.args["value"].name
            for p in props
            if isinstance(p, exp.Property) and p.name.upper() == "URL"
        ),
        "",
    )
    kind = "external_stage" if url else "internal_stage"
    if _has(props, exp.TemporaryProperty):
        kind = "temporary_stage"
    extra = (("url", url),) if url else ()
    properties = tuple(sorted(object_properties(props, ctx) + extra))
    return [f.CreateObject(target, kind, bool(tree.args.get("replace")), properties)]


CREATE_HANDLERS: dict[str, Callable[[exp.Create, Context], list[Fact]]] = {
    "TABLE": _create_table,
    "VIEW": _create_view,
    "SCHEMA": _create_container(f.SCHEMA),
    "DATABASE": _create_container(f.DATABASE),
    "STAGE": _create_stage,
}

# ALTER/DROP/UNDROP object kinds → the domain of the name they act on.
OBJECT_KIND_DOMAINS: dict[str, str] = {
    "TABLE": f.RELATION,
    "VIEW": f.RELATION,
    "DYNAMIC TABLE": f.RELATION,
    "MATERIALIZED VIEW": f.RELATION,
    "EXTERNAL TABLE": f.RELATION,
    "ICEBERG TABLE": f.RELATION,
    "STAGE": f.STAGE,
    "DATASET": f.DATASET,
    "MODEL": f.MODEL,
    "SERVICE": f.SERVICE,
    "SCHEMA": f.SCHEMA,
    "DATABASE": f.DATABASE,
}


def _named(table: exp.Table, ctx: Context, domain: str) -> ObjectName:
    if domain in (f.SCHEMA, f.DATABASE):
        return container_name(table, ctx, domain)
    return table_name(table, ctx, domain)


def _moved_name(old: ObjectName, new_table: exp.Table) -> ObjectName:
    """A RENAME TO target: parts it leaves out stay those of the object renamed."""
    if old.domain in (f.SCHEMA, f.DATABASE):
        return container_name(new_table, Context(old.database, ""), old.domain)
    return table_name(new_table, Context(old.database, old.schema), old.domain)


def derive_alter(tree: exp.Alter, ctx: Context) -> list[Fact]:
    domain = OBJECT_KIND_DOMAINS.get((tree.kind or "").upper())
    if domain is None or not isinstance(tree.this, exp.Table):
        return []
    obj = _named(tree.this, ctx, domain)
    result: list[Fact] = []
    for action in tree.args.get("actions") or []:
        if isinstance(action, exp.AlterRename):
            result.append(f.RenameObject(obj, _moved_name(obj, action.this)))
        elif isinstance(action, exp.SwapTable):
            result.append(f.SwapObjects(obj, _named(action.this, ctx, domain)))
        elif isinstance(action, exp.AlterSet) and action.args.get("tag"):
            tags = [_tag_pair(eq.this, eq.expression, ctx) for eq in action.args["tag"]]
            result.append(f.SetProperties(obj, tuple(sorted(tags))))
    return result


def derive_drop(tree: exp.Drop, ctx: Context) -> list[Fact]:
    kind = (tree.kind or "").upper()
    if tree.args.get("materialized") and kind == "VIEW":
        kind = "MATERIALIZED VIEW"
    domain = OBJECT_KIND_DOMAINS.get(kind)
    if domain is None:
        return []
    tables = tree.args.get("tables") or [tree.this]
    return [f.DropObject(_named(t, ctx, domain)) for t in tables if isinstance(t, exp.Table)]


def derive_undrop(tree: exp.Undrop, ctx: Context) -> list[Fact]:
    domain = OBJECT_KIND_DOMAINS.get((tree.kind or "").upper())
    if domain is None or not isinstance(tree.this, exp.Table):
        return []
    return [f.UndropObject(_named(tree.this, ctx, domain))]


def no_facts(tree: exp.Expr, ctx: Context) -> list[Fact]:
    """Statements that move no data and define nothing: reads, SHOW, DESCRIBE, USE, SET, …"""
    return []


# First words of statements sqlglot keeps as a Command that never carry lineage.
NO_LINEAGE_COMMANDS = frozenset(
    {
        "SHOW",
        "DESC",
        "DESCRIBE",
        "EXPLAIN",
        "LIST",
        "LS",
        "PUT",
        "GET",
        "REMOVE",
        "RM",
        "BEGIN",
        "START",
        "COMMIT",
        "ROLLBACK",
        "USE",
        "SET",
        "UNSET",
        "GRANT",
        "REVOKE",
        "CALL",
        "COMMENT",
        "ABORT",
        "KILL",
        "CANCEL",
        "TRUNCATE",
        "DELETE",
    }
)
# Objects whose CREATE/DROP/UNDROP, or ALTER … RENAME/SWAP/SET TAG, is lineage: if such a
# statement reaches derive as raw text, the grammar missed it and the gap must show in errors.
LINEAGE_OBJECTS = frozenset(
    {
        "TABLE",
        "VIEW",
        "DYNAMIC",
        "MATERIALIZED",
        "EXTERNAL",
        "ICEBERG",
        "SCHEMA",
        "DATABASE",
        "STAGE",
        "DATASET",
        "MODEL",
        "SERVICE",
        "TRANSIENT",
        "TEMPORARY",
        "SECURE",
        "RECURSIVE",
    }
)
LINEAGE_ALTER_WORDS = frozenset({"RENAME", "SWAP", "TAG", "VERSION", "DEFAULT_VERSION", "ALIAS"})
_MODIFIERS = frozenset(
    {
        "OR",
        "REPLACE",
        "ALTER",
        "IF",
        "EXISTS",
        "NOT",
        "LOCAL",
        "GLOBAL",
        "VOLATILE",
        "SCOPED",
        "TRANSIENT",
        "TEMPORARY",
        "TEMP",
        "SECURE",
    }
)


def derive_command(tree: exp.Command, ctx: Context) -> list[Fact]:
    """A statement sqlglot (and our grammar) only knows as raw text: no facts if its kind
    carries no lineage, otherwise an error so that the gap is visible in ``errors.parquet``.
    The words are read with sqlglot's tokenizer, so strings and comments cannot mislead it."""
    keyword = str(tree.this).upper()
    if keyword in NO_LINEAGE_COMMANDS:
        return []
    try:
        words = [t.text.upper() for t in MlSnowflake().tokenize(str(tree.expression or ""))]
    except SqlglotError:
        words = []
    kind = next((w for w in words if w not in _MODIFIERS), "")
    if keyword in ("CREATE", "DROP", "UNDROP") and kind not in LINEAGE_OBJECTS:
        return []
    if keyword == "ALTER" and (kind not in LINEAGE_OBJECTS or not LINEAGE_ALTER_WORDS & set(words)):
        return []
    raise DeriveError(f"unsupported statement: {keyword} {' '.join(words[:2])}".strip())

"""Derive: one parsed statement plus its context → facts. Pure: no I/O, no clock, no globals.

Handlers are picked by sqlglot node type from an explicit table (``HANDLERS``), the way sqlglot's
own parsers pick ``_parse_*`` methods. Each handler reads one statement family.

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

from collections.abc import Callable, Iterable
from typing import NamedTuple

from sqlglot import exp
from sqlglot.errors import SqlglotError

from extractor import facts as f
from extractor.facts import Derived, Fact, ObjectName, StatementError
from extractor.parse import parse_statements
from grammars import MlSnowflake


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


def _parse_dotted(text: str) -> list[str]:
    """Split a name given as a string (``IDENTIFIER('db."s".t')``, ``@db.s.stage``) into parts."""
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
        return [*(normalize_identifier(p) for p in (table.args.get("catalog"), table.args.get("db")) if p),
                *_parse_dotted(literal.this)]
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
    set operations. CTE references, table functions and the ``exclude`` nodes (a DML target) are
    not reads. Sorted and unique."""
    if node is None:
        return []
    skipped = {id(e) for e in exclude}
    found: set[ObjectName] = set()
    for table in node.find_all(exp.Table):
        if id(table) in skipped:
            continue
        this = table.this
        if isinstance(this, exp.Var) and str(this.this).startswith("@"):
            stage = stage_name(str(this.this), ctx)
            if stage is not None:
                found.add(stage)
        elif isinstance(this, (exp.Identifier, exp.DynamicIdentifier)) and not _is_cte_reference(table):
            found.add(table_name(table, ctx))
    return sorted(found)


def _target_table(node: exp.Expr) -> exp.Table:
    """The table of an INSERT/CREATE target, which may be wrapped in a column list (Schema)."""
    if isinstance(node, exp.Schema):
        node = node.this
    if not isinstance(node, exp.Table):
        raise DeriveError(f"unexpected target {node.sql(dialect=MlSnowflake)!r}")
    return node


def _lineage(
    target: ObjectName, sources: list[ObjectName], edge_type: str, operation: str
) -> f.Lineage:
    return f.Lineage(target, tuple(s for s in sources if s != target), edge_type, operation)


# ---------------------------------------------------------------------------------------------
# Handlers


def derive_insert(tree: exp.Insert, ctx: Context) -> list[Fact]:
    target = table_name(_target_table(tree.this), ctx)
    operation = "INSERT OVERWRITE" if tree.args.get("overwrite") else "INSERT"
    return [_lineage(target, read_sources(tree.expression, ctx), f.DATA, operation)]


def derive_multitable_insert(tree: exp.MultitableInserts, ctx: Context) -> list[Fact]:
    """INSERT ALL / INSERT FIRST: every INTO target reads the source query (and any subquery in
    its WHEN condition). https://docs.snowflake.com/en/sql-reference/sql/insert-multi-table"""
    operation = f"INSERT {tree.args.get('kind') or 'ALL'}".upper()
    shared = read_sources(tree.args.get("source"), ctx)
    result: list[Fact] = []
    for branch in tree.expressions:
        insert = branch.this
        target = table_name(_target_table(insert.this), ctx)
        extra = read_sources(insert.expression, ctx) + read_sources(branch.expression, ctx)
        result.append(_lineage(target, sorted(set(shared + extra)), f.DATA, operation))
    return result


def derive_merge(tree: exp.Merge, ctx: Context) -> list[Fact]:
    target_table = tree.this
    target = table_name(target_table, ctx)
    sources = read_sources(tree, ctx, exclude=[target_table])
    return [_lineage(target, sources, f.DATA, "MERGE")]


def derive_update(tree: exp.Update, ctx: Context) -> list[Fact]:
    """UPDATE … FROM: the FROM tables (and subqueries in SET/WHERE) feed the target.
    https://docs.snowflake.com/en/sql-reference/sql/update"""
    target_table = tree.this
    target = table_name(target_table, ctx)
    sources = read_sources(tree, ctx, exclude=[target_table])
    return [_lineage(target, sources, f.DATA, "UPDATE")]


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
        return [_lineage(target, sorted(set(sources)), f.DATA, "UNLOAD")] if target else []
    target = table_name(_target_table(tree.this), ctx)
    sources = []
    for item in files:
        if _is_location(item):
            stage = _location(item, ctx)
            sources += [stage] if stage else []
        else:
            sources += read_sources(item, ctx)
    return [_lineage(target, sorted(set(sources)), f.DATA, "COPY")]


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


def _tag_pair(name: exp.Expr, value: exp.Expr | None, ctx: Context) -> tuple[str, str]:
    tag = qualify(_parse_dotted(name.sql(dialect=MlSnowflake)), ctx, "tag")
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
    from grammars.snowflake import RecursiveViewProperty

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
    target_table = _target_table(tree.this)
    target = table_name(target_table, ctx, f.TABLE)
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
        return [created] + ([_lineage(target, [stage], f.DEPENDENCY, operation)] if stage else [])
    query = tree.expression
    if query is None:
        return [created]
    if kind == "dynamic_table":
        body_ctx = Context(target.database, target.schema)
        return [created, _lineage(target, read_sources(query, body_ctx), f.DEPENDENCY, operation)]
    return [created, _lineage(target, read_sources(query, ctx), f.DATA, operation)]


def _create_view(tree: exp.Create, ctx: Context) -> list[Fact]:
    """Views resolve unqualified names in their own schema, not the session's."""
    target = table_name(_target_table(tree.this), ctx, f.VIEW)
    props = _properties(tree)
    kind = _view_kind(props)
    body_ctx = Context(target.database, target.schema)
    operation = "CREATE MATERIALIZED VIEW" if kind == "materialized_view" else "CREATE VIEW"
    return [
        f.CreateObject(target, kind, bool(tree.args.get("replace")), object_properties(props, ctx)),
        _lineage(target, read_sources(tree.expression, body_ctx), f.DEPENDENCY, operation),
    ]


def _create_container(domain: str) -> Callable[[exp.Create, Context], list[Fact]]:
    def create(tree: exp.Create, ctx: Context) -> list[Fact]:
        target = container_name(_target_table(tree.this), ctx, domain)
        created = f.CreateObject(target, domain, bool(tree.args.get("replace")))
        clone = tree.args.get("clone")
        if isinstance(clone, exp.Clone):
            source = container_name(clone.this, ctx, domain)
            return [created, f.CloneObject(source, target, domain)]
        return [created]

    return create


def _create_stage(tree: exp.Create, ctx: Context) -> list[Fact]:
    target = table_name(_target_table(tree.this), ctx, f.STAGE)
    props = _properties(tree)
    url = next(
        (p.args["value"].name for p in props if isinstance(p, exp.Property) and p.name.upper() == "URL"),
        "",
    )
    kind = "external_stage" if url else "internal_stage"
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
    {"SHOW", "DESC", "DESCRIBE", "EXPLAIN", "LIST", "LS", "PUT", "GET", "REMOVE", "RM", "BEGIN",
     "START", "COMMIT", "ROLLBACK", "USE", "SET", "UNSET", "GRANT", "REVOKE", "CALL", "COMMENT",
     "ABORT", "KILL", "CANCEL", "TRUNCATE", "DELETE"}
)
# Objects whose CREATE/DROP/UNDROP, or ALTER … RENAME/SWAP/SET TAG, is lineage: if such a
# statement reaches derive as raw text, the grammar missed it and the gap must show in errors.
LINEAGE_OBJECTS = frozenset(
    {"TABLE", "VIEW", "DYNAMIC", "MATERIALIZED", "EXTERNAL", "ICEBERG", "SCHEMA", "DATABASE",
     "STAGE", "DATASET", "MODEL", "SERVICE", "TRANSIENT", "TEMPORARY", "SECURE", "RECURSIVE"}
)
LINEAGE_ALTER_WORDS = frozenset({"RENAME", "SWAP", "TAG", "VERSION", "DEFAULT_VERSION", "ALIAS"})
_MODIFIERS = frozenset({"OR", "REPLACE", "ALTER", "IF", "EXISTS", "NOT", "LOCAL", "GLOBAL",
                        "VOLATILE", "SCOPED", "TRANSIENT", "TEMPORARY", "TEMP", "SECURE"})


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


HANDLERS: dict[str, Callable[[exp.Create, Context], list[Fact]]] = {
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


# First words of statements sqlglot keeps as a Command that carry no lineage.
NO_LINEAGE_COMMANDS = frozenset(
    {"SHOW", "DESC", "DESCRIBE", "EXPLAIN", "LIST", "LS", "PUT", "GET", "REMOVE", "RM", "BEGIN",
     "START", "COMMIT", "ROLLBACK", "USE", "SET", "UNSET", "GRANT", "REVOKE", "CALL", "COMMENT",
     "ABORT", "KILL", "CANCEL"}
)
# Object kinds after CREATE/ALTER/DROP (as a Command) that are not lineage nodes.
NO_LINEAGE_OBJECTS = frozenset(
    {"WAREHOUSE", "ROLE", "USER", "SESSION", "ACCOUNT", "FILE", "SEQUENCE", "TASK", "PROCEDURE",
     "FUNCTION", "NETWORK", "RESOURCE", "INTEGRATION", "STORAGE", "NOTIFICATION", "SECURITY", "API",
     "TAG", "MASKING", "ROW", "PASSWORD", "SESSION", "STREAMLIT", "NOTEBOOK", "ALERT", "PIPE",
     "STREAM", "SHARE", "CONNECTION", "REPLICATION", "FAILOVER", "COMPUTE", "IMAGE", "SECRET",
     "EXTERNAL", "APPLICATION", "ORGANIZATION", "PACKAGES", "AUTHENTICATION", "AGGREGATION",
     "PROJECTION", "JOIN", "DATABASE", "SCHEMA", "SNAPSHOT", "EVENT", "GIT", "CORTEX"}
)


def derive_command(tree: exp.Command, ctx: Context) -> list[Fact]:
    """A statement sqlglot (and our grammar) only knows as raw text: no facts if its kind
    carries no lineage, otherwise an error so that the gap is visible in ``errors.parquet``."""
    keyword = str(tree.this).upper()
    if keyword in NO_LINEAGE_COMMANDS:
        return []
    rest = str(tree.expression or "").split()
    words = [w.upper() for w in rest[:3]]
    while words and words[0] in ("OR", "REPLACE", "ALTER", "IF", "EXISTS", "NOT", "SECURE",
                                  "TEMPORARY", "TRANSIENT", "SCOPED"):
        words.pop(0)
    if keyword in ("CREATE", "ALTER", "DROP", "UNDROP") and words and words[0] in NO_LINEAGE_OBJECTS:
        if keyword != "ALTER" or words[0] not in ("DATABASE", "SCHEMA", "EXTERNAL"):
            return []
    raise DeriveError(f"unsupported statement: {keyword} {' '.join(rest[:2])}".strip())


HANDLERS: dict[type[exp.Expr], Callable[..., list[Fact]]] = {
    exp.Create: derive_create,
    exp.Insert: derive_insert,
    exp.MultitableInserts: derive_multitable_insert,
    exp.Merge: derive_merge,
    exp.Update: derive_update,
    exp.Copy: derive_copy,
    exp.Alter: derive_alter,
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
    exp.Grant: no_facts,
    exp.Revoke: no_facts,
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
    return Derived(facts=tuple(result), statement_kind=type(trees[0]).__name__.upper())


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:500] if text else type(err).__name__

"""GRANT and REVOKE → GrantFact, names resolved in the statement's context.
https://docs.snowflake.com/en/sql-reference/sql/grant-privilege"""

from __future__ import annotations

from sqlglot import exp

from extractor import facts as f
from extractor.derive.names import Context, container_name, normalize_identifier, table_name
from extractor.facts import Fact, dotted_name, quote_part
from grammars.grants import grant_parts

ROLE_KINDS = frozenset({"ROLE", "DATABASE ROLE", "APPLICATION ROLE"})


def _object_name(kind: str, table: exp.Table | None, ctx: Context) -> str:
    """The dotted name grants.parquet uses: ``DB.S.T``, ``DB.S`` for a schema, ``DB``, a role."""
    if table is None:
        return ""
    if kind in ROLE_KINDS or kind in (
        "USER",
        "SHARE",
        "APPLICATION",
        "WAREHOUSE",
        "INTEGRATION",
        "COMPUTE POOL",
        "RESOURCE MONITOR",
        "EXTERNAL VOLUME",
    ):
        return ".".join(quote_part(normalize_identifier(p)) for p in table.parts)
    if kind == "DATABASE":
        return quote_part(container_name(table, ctx, f.DATABASE).name)
    if kind == "SCHEMA":
        schema = container_name(table, ctx, f.SCHEMA)
        return dotted_name(schema.database, "", schema.name)
    name = table_name(table, ctx)
    return dotted_name(name.database, name.schema, name.name)


def derive_grant(tree: exp.Grant | exp.Revoke, ctx: Context) -> list[Fact]:
    parts = grant_parts(tree)
    container = ""
    if parts.bulk and parts.container_name is not None:
        container = _object_name(parts.container_type or "", parts.container_name, ctx)
    return [
        f.GrantFact(
            action=parts.action,
            privileges=tuple(parts.privileges),
            on_type=parts.on_type,
            on_name=_object_name(parts.on_type, parts.on_name, ctx),
            grantee_type=parts.grantee_type,
            grantee=_object_name(parts.grantee_type, parts.grantee_name, ctx),
            scope=parts.bulk or "",
            container_type=parts.container_type or "",
            container=container,
            with_grant_option=parts.with_grant_option,
            grant_option_for=parts.grant_option_for,
            current_grants=parts.current_grants or "",
        )
    ]

"""Grants folded in time order: explicit GRANT/REVOKE, ownership by creation, ALL and FUTURE.

Part of fold (the only stateful stage); ``fold.py`` calls in here. Rows are those of
``grants.parquet``: a grant is open until ``revoked_at``.

Snowflake rules kept (https://docs.snowflake.com/en/user-guide/security-access-control-overview):
- the role that creates an object owns it (the query's ROLE_NAME);
- ``ON ALL <kind>S IN …`` grants on the objects that exist at that moment;
- ``ON FUTURE <kind>S IN …`` grants on objects created later in the container; schema-level future
  grants take precedence over database-level ones for the same kind
  (https://docs.snowflake.com/en/sql-reference/sql/grant-privilege#future-grants-on-database-or-schema-objects);
- ``GRANT OWNERSHIP … REVOKE CURRENT GRANTS`` ends the object's other grants, ``COPY CURRENT
  GRANTS`` keeps them (https://docs.snowflake.com/en/sql-reference/sql/grant-ownership);
- REVOKE ends matching grants; ``GRANT OPTION FOR`` only takes the grant option away.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from extractor import facts as f
from extractor.facts import dotted_name
from extractor.graph import GrantRow

if TYPE_CHECKING:
    from extractor.fold import Occurrence
    from extractor.graph import LineageGraph

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Grant object kinds naming the same namespace as a node's domain.
TABLE_KINDS = frozenset(
    {
        "TABLE",
        "VIEW",
        "DYNAMIC TABLE",
        "MATERIALIZED VIEW",
        "EXTERNAL TABLE",
        "ICEBERG TABLE",
        "HYBRID TABLE",
        "EVENT TABLE",
    }
)
DOMAIN_KINDS: dict[str, frozenset[str]] = {
    f.TABLE: TABLE_KINDS,
    f.VIEW: TABLE_KINDS,
    f.FEATURE_VIEW: TABLE_KINDS,
    f.STAGE: frozenset({"STAGE"}),
    f.DATASET: frozenset({"DATASET"}),
    f.MODEL: frozenset({"MODEL"}),
    f.SERVICE: frozenset({"SERVICE"}),
    f.SCHEMA: frozenset({"SCHEMA"}),
    f.DATABASE: frozenset({"DATABASE"}),
}


def object_kind(attrs: dict[str, Any]) -> str:
    """The grant kind that names a node (``DYNAMIC TABLE``, ``VIEW``, ``MODEL``, …)."""
    domain, kind = attrs["domain"], attrs["kind"]
    if domain in (f.TABLE, f.FEATURE_VIEW):
        return {
            "dynamic_table": "DYNAMIC TABLE",
            "external_table": "EXTERNAL TABLE",
            "view": "VIEW",
            "secure_view": "VIEW",
            "materialized_view": "MATERIALIZED VIEW",
            "recursive_view": "VIEW",
        }.get(kind, "TABLE")
    if domain == f.VIEW:
        return "MATERIALIZED VIEW" if kind == "materialized_view" else "VIEW"
    return domain.upper()


def grant_object(attrs: dict[str, Any]) -> tuple[str, str]:
    """(kind, dotted name) a grant uses for a node: feature views by their ``NAME$VERSION``
    object, dataset and model versions by the dataset or model."""
    name = attrs["name"]
    if attrs["domain"] == f.FEATURE_VIEW:
        name = f"{name}${attrs['version']}"
    if attrs["domain"] == f.SCHEMA:
        return "SCHEMA", dotted_name(attrs["database"], "", name)
    if attrs["domain"] == f.DATABASE:
        return "DATABASE", dotted_name("", "", name)
    return object_kind(attrs), dotted_name(attrs["database"], attrs["schema"], name)


def kinds_match(granted_kind: str, attrs: dict[str, Any]) -> bool:
    return granted_kind in DOMAIN_KINDS.get(attrs["domain"], frozenset())


def _row(
    occ: Occurrence,
    action: str,
    privilege: str,
    on_type: str,
    on_name: str,
    grantee_type: str,
    grantee: str,
    with_grant_option: bool = False,
) -> GrantRow:
    return GrantRow(
        action,
        privilege,
        on_type,
        on_name,
        grantee_type,
        grantee,
        with_grant_option,
        occ.query_id,
        occ.start_time,
        None,
        occ.role_name or None,
        occ.user_name or None,
    )


def _same_object(row: GrantRow, on_type: str, on_name: str) -> bool:
    """GRANT … ON TABLE t also names a dynamic table or view t (one namespace)."""
    if row.on_name != on_name:
        return False
    return row.on_type == on_type or (row.on_type in TABLE_KINDS and on_type in TABLE_KINDS)


def _add(state: LineageGraph, row: GrantRow) -> None:
    """A grant in force from now, unless the same one already is: granting a privilege a role
    holds changes nothing in Snowflake, and a nightly CREATE OR REPLACE that gets the same FUTURE
    grants again must not add a row a night."""
    for held in _open(state, row.on_name):
        if (
            held.privilege,
            held.grantee_type,
            held.grantee,
            held.action == "FUTURE",
        ) == (
            row.privilege,
            row.grantee_type,
            row.grantee,
            row.action == "FUTURE",
        ) and _same_object(held, row.on_type, row.on_name):
            held.with_grant_option = held.with_grant_option or row.with_grant_option
            return
    state.grants.append(row)
    if row.action == "FUTURE":
        state.future_grants += 1


def _open(state: LineageGraph, name: str | None = None) -> list[GrantRow]:
    """Grants in force, on the object (or container) ``name`` when given: looked up in an index
    by name, kept beside ``state.grants`` and extended as rows are added (or loaded)."""
    index = state.grant_index
    for row in state.grants[state.grants_indexed :]:
        index.setdefault(row.on_name, []).append(row)
    state.grants_indexed = len(state.grants)
    rows = state.grants if name is None else index.get(name, [])
    return [g for g in rows if g.revoked_at is None]


def _revoke(row: GrantRow, occ: Occurrence) -> None:
    """Statements from .sql scripts have no time: their revokes are stamped at the epoch."""
    row.revoked_at = occ.start_time or EPOCH


def _container_of(attrs: dict[str, Any]) -> list[tuple[str, str]]:
    """(container type, dotted name) pairs holding a node, schema first."""
    if attrs["domain"] == f.DATABASE:
        return []
    if attrs["domain"] == f.SCHEMA:
        return [("DATABASE", dotted_name("", "", attrs["database"]))]
    return [
        ("SCHEMA", dotted_name(attrs["database"], "", attrs["schema"])),
        ("DATABASE", dotted_name("", "", attrs["database"])),
    ]


def on_create(state: LineageGraph, occ: Occurrence, key: int) -> None:
    """A new object: its creator's role owns it, and FUTURE grants of its container apply."""
    attrs = state.node(key)
    kind, name = grant_object(attrs)
    owners = [
        g
        for g in _open(state, name)
        if g.privilege == "OWNERSHIP" and kinds_match(g.on_type, attrs)
    ]
    if occ.role_name and not any(g.grantee == occ.role_name for g in owners):
        for old in owners:
            _revoke(old, occ)
        _add(state, _row(occ, "CREATE", "OWNERSHIP", kind, name, "ROLE", occ.role_name))
    if not state.future_grants:
        return
    for container_type, container in _container_of(attrs):
        matching = [
            g
            for g in _open(state, container)
            if g.action == "FUTURE"
            and kinds_match(g.on_type, attrs)
            and container_type_of(container) == container_type
        ]
        if matching:  # schema-level future grants take precedence over the database's
            for g in matching:
                _add(
                    state,
                    _row(
                        occ,
                        "FUTURE",
                        g.privilege,
                        kind,
                        name,
                        g.grantee_type,
                        g.grantee,
                        g.with_grant_option,
                    ),
                )
            break


def container_type_of(dotted: str) -> str:
    """FUTURE rows name their container: ``DB.S`` is a schema, ``DB`` a database."""
    return "SCHEMA" if len(_split_dotted(dotted)) > 1 else "DATABASE"


def apply_grant(state: LineageGraph, occ: Occurrence, fact: f.GrantFact) -> None:
    if fact.action == "REVOKE":
        _apply_revoke(state, occ, fact)
        return
    if fact.scope == "FUTURE":
        for privilege in fact.privileges:
            _add(
                state,
                _row(
                    occ,
                    "FUTURE",
                    privilege,
                    fact.on_type,
                    fact.container,
                    fact.grantee_type,
                    fact.grantee,
                    fact.with_grant_option,
                ),
            )
        return
    targets = _targets(state, fact)
    if "OWNERSHIP" in fact.privileges:
        for on_type, on_name in targets:
            for g in _open(state, on_name):
                if not _same_object(g, on_type, on_name):
                    continue
                if g.privilege == "OWNERSHIP" or fact.current_grants == "REVOKE":
                    _revoke(g, occ)
    for on_type, on_name in targets:
        for privilege in fact.privileges:
            _add(
                state,
                _row(
                    occ,
                    "GRANT",
                    privilege,
                    on_type,
                    on_name,
                    fact.grantee_type,
                    fact.grantee,
                    fact.with_grant_option,
                ),
            )


def _targets(state: LineageGraph, fact: f.GrantFact) -> list[tuple[str, str]]:
    """The objects a grant is on: one, or (``ON ALL``) those in the container now."""
    if fact.scope != "ALL":
        return [(fact.on_type, fact.on_name)]
    parts = _split_dotted(fact.container)
    if fact.container_type == "SCHEMA" and len(parts) == 2:
        keys = state.in_container(parts[0], parts[1])
    elif fact.container_type == "DATABASE" and len(parts) == 1:
        keys = state.in_container(parts[0])
    else:
        return []
    found = {
        grant_object(state.node(k))
        for k in keys
        if state.node(k)["status"] == "ACTIVE" and kinds_match(fact.on_type, state.node(k))
    }
    return sorted(found)


def _split_dotted(dotted: str) -> list[str]:
    """``DB."My Schema"`` → ``["DB", "My Schema"]`` (the inverse of graph.dotted_name)."""
    parts, current, quoted, i = [], "", False, 0
    while i < len(dotted):
        char = dotted[i]
        if char == '"' and quoted and dotted[i + 1 : i + 2] == '"':
            current += '"'
            i += 1
        elif char == '"':
            quoted = not quoted
        elif char == "." and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
        i += 1
    return [*parts, current]


def _apply_revoke(state: LineageGraph, occ: Occurrence, fact: f.GrantFact) -> None:
    if fact.scope == "FUTURE":
        names = {(fact.on_type, fact.container)}
        actions = {"FUTURE"}
    else:
        names = set(_targets(state, fact))
        actions = {"GRANT", "CREATE", "FUTURE"}
    candidates = [g for _, n in sorted(names) for g in _open(state, n)]
    for g in candidates:
        if g.action not in actions or not any(_same_object(g, t, n) for t, n in names):
            continue
        if g.grantee != fact.grantee or g.grantee_type != fact.grantee_type:
            continue
        if "ALL" not in fact.privileges and g.privilege not in fact.privileges:
            continue
        if fact.grant_option_for:
            g.with_grant_option = False
        else:
            _revoke(g, occ)


def sorted_grants(state: LineageGraph) -> list[GrantRow]:
    """grants.parquet's rows in its order (the rows themselves, not copies)."""
    return sorted(
        state.grants,
        key=lambda r: (
            r.granted_at is not None,
            r.granted_at or 0,
            r.query_id,
            r.action,
            r.on_type,
            r.on_name,
            r.privilege,
            r.grantee_type,
            r.grantee,
        ),
    )


def follow(state: LineageGraph, moves: list[tuple[str, str, str]]) -> None:
    """Grants belong to the object, not to its name: a rename or a swap carries its open grants
    (and a container's FUTURE grants) to the new name. ``moves`` are (kind, old name, new name),
    all picked before any is applied, so that a swap exchanges them."""
    picked = [
        (row, new)
        for kind, old, new in moves
        for row in _open(state, old)
        if _same_object(row, kind, old)
        or (row.action == "FUTURE" and kind in ("SCHEMA", "DATABASE"))
    ]
    index = state.grant_index
    for row, new in picked:
        index[row.on_name].remove(row)
        row.on_name = new
        index.setdefault(new, []).append(row)

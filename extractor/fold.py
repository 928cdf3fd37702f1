"""Fold: facts, in (start_time, query_id) order, applied to the lineage graph.

The only stateful stage. Everything that needs history lives here: renames and swaps move
identities (the edges of ``a`` belong to ``b`` after ``ALTER TABLE a RENAME TO b``), DROP marks a
node DELETED and keeps its edges, UNDROP restores it, CREATE OR REPLACE keeps the node and its
edges, and a schema or database clone expands to one clone edge per object it held at that moment.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import networkx as nx

from extractor import facts as f
from extractor import grants
from extractor.facts import Fact, ObjectName, format_node_id
from extractor.graph import LineageGraph, ModelVersions, name_key


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One run of a statement: the metadata fold stamps on what it creates."""

    query_id: str
    start_time: datetime | None
    role_name: str = ""
    user_name: str = ""


def fold(
    state: LineageGraph, occurrence: Occurrence, facts: Iterable[Fact], deduplicated: bool = False
) -> bool:
    """Apply one statement's facts. Returns False (and changes nothing) if its query id was
    folded before, so overlapping windows and reruns never count a statement twice. A caller
    that has checked the ids itself, in bulk (``deduplicated``), also records them itself."""
    if not deduplicated:
        if occurrence.query_id in state.seen_query_ids:
            return False
        state.seen_query_ids.add(occurrence.query_id)
    for fact in facts:
        APPLY[type(fact)](state, occurrence, fact)
    return True


def fold_metadata(state: LineageGraph, record_id: str, facts: Iterable[Fact]) -> bool:
    """ML metadata (a manifest, a tag export) has no time of its own: it is stamped with the
    time its object was created in the history, when the history has it."""
    facts = tuple(facts)
    start = None
    for fact in facts:
        target = fact.target if isinstance(fact, f.Lineage) else getattr(fact, "obj", None)
        key = state.find(resolve_model_version(state, target)) if target is not None else None
        if key is not None and state.node(key)["created_at"] is not None:
            start = state.node(key)["created_at"]
    return fold(state, Occurrence(record_id, start), facts)


# ---------------------------------------------------------------------------------------------


def _resolve(state: LineageGraph, obj: ObjectName) -> int:
    """The node holding ``obj``'s name, created (as an object that existed before the log) when
    the history has not seen it yet. A model version or alias is first resolved."""
    obj = resolve_model_version(state, obj)
    key = state.find(obj)
    return key if key is not None else state.add_node(obj)


def _model_key(obj: ObjectName) -> tuple[str, str, str]:
    return (obj.database, obj.schema, obj.name)


def resolve_model_version(state: LineageGraph, obj: ObjectName) -> ObjectName:
    """A model named without a version means its default version (the first registered, until
    SET DEFAULT_VERSION moves it); FIRST, LAST, DEFAULT and user aliases mean the version they
    point to now. https://docs.snowflake.com/en/sql-reference/commands-model"""
    if obj.domain != f.MODEL:
        return obj
    info = state.models.get(_model_key(obj))
    if info is None or not info.versions or obj.version in info.versions:
        return obj
    version = obj.version
    if version in info.aliases:
        version = info.aliases[version]
    elif version in ("", "DEFAULT"):
        version = info.default or info.versions[0]
    elif version == "FIRST":
        version = info.versions[0]
    elif version == "LAST":
        version = info.versions[-1]
    else:
        return obj  # a version the log never registered: keep it as named
    return ObjectName(obj.domain, obj.database, obj.schema, obj.name, version)


def _versions_of(state: LineageGraph, obj: ObjectName) -> list[int]:
    """Every version node of a dataset or model (``obj`` named without a version)."""
    return [
        k
        for k in sorted(state.graph.nodes)
        if (a := state.node(k))["domain"] == obj.domain
        and (a["database"], a["schema"], a["name"]) == _model_key(obj)
    ]


def _stamp_created(attrs: dict[str, Any], occ: Occurrence) -> None:
    attrs["created_at"] = occ.start_time
    attrs["created_by_query_id"] = occ.query_id


def apply_create(state: LineageGraph, occ: Occurrence, fact: f.CreateObject) -> None:
    key = state.find(fact.obj)
    created = key is None
    if key is None:
        key = state.add_node(fact.obj, kind=fact.kind)
        _stamp_created(state.node(key), occ)
    attrs = state.node(key)
    recreated = attrs["status"] != "ACTIVE" or fact.replace or attrs["created_at"] is None
    if recreated and attrs["created_by_query_id"] != occ.query_id:
        _stamp_created(attrs, occ)
        created = True
    attrs.update(status="ACTIVE", deleted_at=None, kind=fact.kind or attrs["kind"])
    attrs.pop("dropped_with", None)
    if fact.obj.domain != f.RELATION and attrs["domain"] != f.FEATURE_VIEW:
        attrs["domain"] = fact.obj.domain
    attrs["properties"].update(fact.properties)
    _apply_feature_store_tags(attrs)
    if fact.obj.domain == f.MODEL:
        _register_model_version(state, fact, key)
    if created:
        grants.on_create(state, occ, key)


def _register_model_version(state: LineageGraph, fact: f.CreateObject, key: int) -> None:
    """CREATE OR REPLACE MODEL replaces the whole model: its other versions are gone."""
    info = state.models.setdefault(_model_key(fact.obj), ModelVersions())
    if fact.replace:
        for other in _versions_of(state, fact.obj):
            if other != key and state.node(other)["status"] == "ACTIVE":
                state.node(other).update(status="DELETED", deleted_at=state.node(key)["created_at"])
        info.versions, info.default, info.aliases = [], "", {}
    if fact.obj.version and fact.obj.version not in info.versions:
        info.versions.append(fact.obj.version)
    info.default = info.default or fact.obj.version


FEATURE_VIEW_TAG = "SNOWML_FEATURE_VIEW_METADATA"
FEATURE_STORE_OBJECT_TAG = "SNOWML_FEATURE_STORE_OBJECT"


def _apply_feature_store_tags(attrs: dict[str, Any]) -> None:
    """The ML library's tags decide what a table or view is (reference §5.4): a dynamic table
    or view named ``"NAME$VERSION"`` tagged SNOWML_FEATURE_VIEW_METADATA is the feature view
    NAME@VERSION; a table tagged SNOWML_FEATURE_STORE_OBJECT of type TRAINING_DATA is training
    data. The node keeps its physical name's slot in the index (see graph.name_key)."""
    tags = {
        k.rsplit(".", 1)[-1].upper(): v
        for k, v in attrs["properties"].items()
        if k.startswith("tag:")
    }
    if FEATURE_VIEW_TAG in tags and attrs["domain"] in (f.TABLE, f.VIEW) and "$" in attrs["name"]:
        name, version = attrs["name"].rsplit("$", 1)
        attrs.update(domain=f.FEATURE_VIEW, name=name, version=version)
    try:
        object_type = json.loads(tags.get(FEATURE_STORE_OBJECT_TAG) or "{}").get("type")
    except (json.JSONDecodeError, AttributeError):
        object_type = None
    if object_type == "TRAINING_DATA" and attrs["domain"] == f.TABLE:
        attrs["kind"] = "training_data"


def _add_edge(
    state: LineageGraph, source: int, target: int, edge_type: str, operation: str, occ: Occurrence
) -> None:
    if source == target:
        return
    graph = state.graph
    if not graph.has_edge(source, target, key=edge_type):
        graph.add_edge(
            source,
            target,
            key=edge_type,
            operations=set(),
            query_count=0,
            first_seen=occ.start_time,
            first_query_id=occ.query_id,
            last_seen=occ.start_time,
            last_query_id=occ.query_id,
        )
    edge = graph.edges[source, target, edge_type]
    edge["operations"].add(operation)
    edge["query_count"] += 1
    order = (occ.start_time is not None, occ.start_time, occ.query_id)
    if order < (edge["first_seen"] is not None, edge["first_seen"], edge["first_query_id"]):
        edge.update(first_seen=occ.start_time, first_query_id=occ.query_id)
    if order > (edge["last_seen"] is not None, edge["last_seen"], edge["last_query_id"]):
        edge.update(last_seen=occ.start_time, last_query_id=occ.query_id)


def apply_lineage(state: LineageGraph, occ: Occurrence, fact: f.Lineage) -> None:
    target = _resolve(state, fact.target)
    for source in fact.sources:
        _add_edge(state, _resolve(state, source), target, fact.edge_type, fact.operation, occ)


def _clone_object(state: LineageGraph, source: int, target_obj: ObjectName, occ: Occurrence) -> int:
    attrs = state.node(source)
    target = state.find(target_obj)
    if target is None:
        target = state.add_node(target_obj, kind=attrs["kind"])
    domain = attrs["domain"]
    if domain == f.FEATURE_VIEW:  # the clone is a table or view until its own tags say more
        domain = f.VIEW if attrs["kind"] in ("view", "secure_view") else f.TABLE
    state.node(target).update(
        domain=domain,
        kind=attrs["kind"],
        status="ACTIVE",
        deleted_at=None,
        properties=dict(attrs["properties"]),
    )
    _apply_feature_store_tags(state.node(target))
    _stamp_created(state.node(target), occ)
    grants.on_create(state, occ, target)
    _add_edge(state, source, target, f.CLONE, "CLONE", occ)
    return target


def _clone_schema_contents(
    state: LineageGraph,
    database: str,
    schema: str,
    new_database: str,
    new_schema: str,
    occ: Occurrence,
) -> None:
    """One clone edge per live table and view of the schema (stages are not cloned with it)."""
    for key in list(state.in_container(database, schema)):
        attrs = state.node(key)
        if attrs["status"] != "ACTIVE" or attrs["domain"] not in (f.TABLE, f.VIEW, f.FEATURE_VIEW):
            continue
        if attrs["kind"] == "temporary":
            continue  # temporary tables are not cloned
        target = ObjectName(
            attrs["domain"], new_database, new_schema, attrs["name"], attrs["version"]
        )
        _clone_object(state, key, target, occ)


def _schemas_of(state: LineageGraph, database: str) -> list[str]:
    """Schemas known in a database: declared ones, and those implied by objects inside."""
    found = {
        state.node(k)["name"] if state.node(k)["domain"] == f.SCHEMA else state.node(k)["schema"]
        for k in state.in_container(database)
        if state.node(k)["status"] == "ACTIVE"
    }
    return sorted(s for s in found if s)


def apply_clone(state: LineageGraph, occ: Occurrence, fact: f.CloneObject) -> None:
    source = _resolve(state, fact.source)
    if fact.source.domain == f.SCHEMA:
        _clone_object(state, source, fact.target, occ)
        _clone_schema_contents(
            state,
            fact.source.database,
            fact.source.name,
            fact.target.database,
            fact.target.name,
            occ,
        )
    elif fact.source.domain == f.DATABASE:
        _clone_object(state, source, fact.target, occ)
        for schema in _schemas_of(state, fact.source.name):
            schema_source = _resolve(state, ObjectName(f.SCHEMA, fact.source.name, "", schema))
            _clone_object(
                state, schema_source, ObjectName(f.SCHEMA, fact.target.name, "", schema), occ
            )
            _clone_schema_contents(state, fact.source.name, schema, fact.target.name, schema, occ)
    else:
        target = fact.target
        _clone_object(
            state,
            source,
            ObjectName(
                state.node(source)["domain"],
                target.database,
                target.schema,
                target.name,
                target.version,
            ),
            occ,
        )


def _contents(state: LineageGraph, obj: ObjectName) -> list[int]:
    if obj.domain == f.SCHEMA:
        return list(state.in_container(obj.database, obj.name))
    if obj.domain == f.DATABASE:
        return list(state.in_container(obj.name))
    return []


def apply_drop(state: LineageGraph, occ: Occurrence, fact: f.DropObject) -> None:
    if fact.obj.domain in (f.DATASET, f.MODEL):
        _drop_versions(state, occ, fact.obj)
        return
    key = _resolve(state, fact.obj)
    for inner in [key, *_contents(state, fact.obj)]:
        attrs = state.node(inner)
        if attrs["status"] == "ACTIVE":
            attrs.update(status="DELETED", deleted_at=occ.start_time)
            if inner != key:
                attrs["dropped_with"] = key


def _drop_versions(state: LineageGraph, occ: Occurrence, obj: ObjectName) -> None:
    """DROP DATASET/MODEL drops every version; DROP VERSION one."""
    info = state.models.get(_model_key(obj))
    if obj.version:
        keys = [_resolve(state, obj)]
        if info is not None and obj.version in info.versions:
            info.versions.remove(obj.version)
            info.aliases = {a: v for a, v in info.aliases.items() if v != obj.version}
            if info.default == obj.version:
                info.default = info.versions[0] if info.versions else ""
    else:
        keys = _versions_of(state, obj)
        state.models.pop(_model_key(obj), None)
    for key in keys:
        if state.node(key)["status"] == "ACTIVE":
            state.node(key).update(status="DELETED", deleted_at=occ.start_time)


def apply_undrop(state: LineageGraph, occ: Occurrence, fact: f.UndropObject) -> None:
    key = state.find(fact.obj)
    if key is None:
        return
    state.node(key).update(status="ACTIVE", deleted_at=None)
    for inner in _contents(state, fact.obj):
        attrs = state.node(inner)
        if attrs.get("dropped_with") == key:
            attrs.update(status="ACTIVE", deleted_at=None)
            attrs.pop("dropped_with")


def _merge_into(state: LineageGraph, keep: int, drop: int) -> None:
    """Fold node ``drop`` into ``keep`` (a rename onto the name of a dropped object)."""
    graph: nx.MultiDiGraph = state.graph
    for source, _, edge_type, data in list(graph.in_edges(drop, keys=True, data=True)):
        if source != keep and not graph.has_edge(source, keep, key=edge_type):
            graph.add_edge(source, keep, key=edge_type, **data)
    for _, target, edge_type, data in list(graph.out_edges(drop, keys=True, data=True)):
        if target != keep and not graph.has_edge(keep, target, key=edge_type):
            graph.add_edge(keep, target, key=edge_type, **data)
    graph.remove_node(drop)


def _rename_node(state: LineageGraph, key: int, new: ObjectName) -> None:
    attrs = state.node(key)
    old = state.object_name(key)
    if state.names.get(name_key(old)) == key:
        del state.names[name_key(old)]
    occupant = state.names.get(name_key(new))
    if occupant is not None and occupant != key:
        _merge_into(state, key, occupant)
    old_id = format_node_id(old.domain, old.database, old.schema, old.name, old.version)
    attrs["previous_names"] = [*attrs["previous_names"], old_id]
    attrs.update(database=new.database, schema=new.schema, name=new.name)
    state.names[
        name_key(ObjectName(attrs["domain"], new.database, new.schema, new.name, new.version))
    ] = key


def _moves(state: LineageGraph, obj: ObjectName, new: ObjectName) -> list[tuple[int, ObjectName]]:
    """Every node a rename of ``obj`` to ``new`` moves: the object, and a container's contents."""
    key = _resolve(state, obj)
    attrs = state.node(key)
    moves = [
        (key, ObjectName(attrs["domain"], new.database, new.schema, new.name, attrs["version"]))
    ]
    for inner in _contents(state, obj):
        a = state.node(inner)
        if obj.domain == f.SCHEMA:
            target = ObjectName(a["domain"], new.database, new.name, a["name"], a["version"])
        elif a["domain"] == f.SCHEMA:
            target = ObjectName(f.SCHEMA, new.name, "", a["name"])
        else:
            target = ObjectName(a["domain"], new.name, a["schema"], a["name"], a["version"])
        moves.append((inner, target))
    return moves


def apply_rename(state: LineageGraph, occ: Occurrence, fact: f.RenameObject) -> None:
    if fact.old.domain in (f.DATASET, f.MODEL) and not fact.old.version:
        for key in _versions_of(state, fact.old):
            version = state.node(key)["version"]
            new = fact.new
            _rename_node(
                state, key, ObjectName(new.domain, new.database, new.schema, new.name, version)
            )
        if _model_key(fact.old) in state.models:
            state.models[_model_key(fact.new)] = state.models.pop(_model_key(fact.old))
        return
    moves = _moves(state, fact.old, fact.new)
    before = [grants.grant_object(state.node(key)) for key, _ in moves]
    for key, target in moves:
        _rename_node(state, key, target)
    _follow_grants(state, [key for key, _ in moves], before)


def apply_swap(state: LineageGraph, occ: Occurrence, fact: f.SwapObjects) -> None:
    """Both moves are computed before either is made, then applied through a free slot."""
    first = _moves(state, fact.first, fact.second)
    second = _moves(state, fact.second, fact.first)
    for key, _ in first + second:
        name = state.object_name(key)
        if state.names.get(name_key(name)) == key:
            del state.names[name_key(name)]
    before = [grants.grant_object(state.node(key)) for key, _ in first + second]
    for key, target in first + second:
        attrs = state.node(key)
        old_id = state.node_id(key)
        attrs["previous_names"] = [*attrs["previous_names"], old_id]
        attrs.update(database=target.database, schema=target.schema, name=target.name)
        state.names[name_key(state.object_name(key))] = key
    _follow_grants(state, [key for key, _ in first + second], before)


def _follow_grants(state: LineageGraph, keys: list[int], before: list[tuple[str, str]]) -> None:
    moves = [
        (kind, old, grants.grant_object(state.node(key))[1])
        for key, (kind, old) in zip(keys, before, strict=True)
    ]
    grants.follow(state, [m for m in moves if m[1] != m[2]])


def apply_properties(state: LineageGraph, occ: Occurrence, fact: f.SetProperties) -> None:
    attrs = state.node(_resolve(state, fact.obj))
    attrs["properties"].update(fact.properties)
    _apply_feature_store_tags(attrs)


def apply_model_event(state: LineageGraph, occ: Occurrence, fact: f.ModelEvent) -> None:
    info = state.models.setdefault(_model_key(fact.model), ModelVersions())
    version = resolve_model_version(
        state,
        ObjectName(f.MODEL, fact.model.database, fact.model.schema, fact.model.name, fact.version),
    ).version
    if fact.action == "set_default":
        info.default = version
    elif fact.action == "set_alias":
        info.aliases[fact.value] = version
    elif fact.action == "unset_alias":
        info.aliases = {a: v for a, v in info.aliases.items() if v != version}
    elif fact.action == "commit":
        key = state.find(
            ObjectName(f.MODEL, fact.model.database, fact.model.schema, fact.model.name, version)
        )
        if key is not None:
            state.node(key)["kind"] = "model_version"


APPLY: dict[type, Any] = {
    f.CreateObject: apply_create,
    f.Lineage: apply_lineage,
    f.CloneObject: apply_clone,
    f.DropObject: apply_drop,
    f.UndropObject: apply_undrop,
    f.RenameObject: apply_rename,
    f.SwapObjects: apply_swap,
    f.SetProperties: apply_properties,
    f.ModelEvent: apply_model_event,
    f.GrantFact: grants.apply_grant,
}


def collapse_temporary(state: LineageGraph) -> nx.MultiDiGraph:
    """A copy of the graph where each temporary table is bridged: a → tmp → b becomes a → b
    (Snowflake's "preserving lineage through temporary tables"). The edge keeps the downstream
    edge's type and the union of both operations, counts and first/last seen."""
    graph = state.graph.copy()
    for key in sorted(graph.nodes):
        if graph.nodes[key]["kind"] != "temporary":
            continue
        ins = list(graph.in_edges(key, keys=True, data=True))
        outs = list(graph.out_edges(key, keys=True, data=True))
        for source, _, _, into in ins:
            for _, target, edge_type, out in outs:
                if source == target:
                    continue
                bridged = {
                    "operations": set(into["operations"]) | set(out["operations"]),
                    "query_count": min(into["query_count"], out["query_count"]),
                    "first_seen": out["first_seen"],
                    "first_query_id": out["first_query_id"],
                    "last_seen": out["last_seen"],
                    "last_query_id": out["last_query_id"],
                }
                if graph.has_edge(source, target, key=edge_type):
                    existing = graph.edges[source, target, edge_type]
                    existing["operations"] |= bridged["operations"]
                    existing["query_count"] += bridged["query_count"]
                else:
                    graph.add_edge(source, target, key=edge_type, **bridged)
        graph.remove_node(key)
    return graph

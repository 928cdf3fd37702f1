"""Handlers for ML artifacts: datasets, models, services, and ML metadata records.

Identity (DESIGN.md): a dataset version is ``dataset:DB.S.D@v`` (versions are case-sensitive
strings); a model version ``model:DB.S.M@V1`` (versions are identifiers: ``v1`` is ``V1``); a
service ``service:DB.S.SVC``. A model named without a version, or through an alias (``LAST``,
``FIRST``, ``DEFAULT``, user aliases), carries the raw word here; fold resolves it against the
model's history at that moment.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from sqlglot import exp
from sqlglot.errors import SqlglotError

from extractor import facts as f
from extractor.derive.names import (
    Context,
    DeriveError,
    _parse_dotted,
    lineage_fact,
    normalize_identifier,
    qualify,
    read_sources,
    table_name,
)
from extractor.facts import Derived, Fact, ObjectName, StatementError
from extractor.metadata import ModelVersionMetadata, TagMetadata
from extractor.parse import parse_statements
from grammars.ml import (
    AddDatasetVersion,
    AddModelVersion,
    Call,
    CommitModelVersion,
    CreateModel,
    CreateService,
    DeployModel,
    DropVersion,
    ModelRef,
    ModelVersionAlias,
    SetDefaultVersion,
)

FEATURE_STORE_METADATA = "FeatureStoreMetadata"


def model_name(ref: ModelRef, ctx: Context) -> ObjectName:
    """A model reference; its version (or alias) is an identifier, folded like one."""
    name = table_name(ref.to_table(), ctx, f.MODEL)
    version = normalize_identifier(ref.version) if ref.version is not None else ""
    return ObjectName(f.MODEL, name.database, name.schema, name.name, version)


def _version(node: exp.Expr | None) -> str:
    """Model versions are identifiers; a quoted or string version keeps its case."""
    if node is None:
        return ""
    if isinstance(node, exp.Literal):
        return node.name
    return normalize_identifier(node)


def _with_version(obj: ObjectName, version: str) -> ObjectName:
    return ObjectName(obj.domain, obj.database, obj.schema, obj.name, version)


# ---------------------------------------------------------------------------------------------
# Datasets: https://docs.snowflake.com/en/sql-reference/sql/alter-dataset


def feature_views_in_metadata(text: str | None) -> list[ObjectName]:
    """Feature views a FeatureStoreMetadata ``METADATA`` lists (``compact_feature_views``: JSON
    strings of ``{"db", "sch", "name", "version"}``), as reads of their ``NAME$VERSION`` objects.
    Not FeatureStoreMetadata, or not JSON: none (the query still gives the sources)."""
    if not text:
        return []
    try:
        metadata = json.loads(text)
    except json.JSONDecodeError:
        return []
    if not isinstance(metadata, dict) or metadata.get("$proptype$") != FEATURE_STORE_METADATA:
        return []
    properties = metadata.get("properties") or {}
    found = []
    for entry in properties.get("compact_feature_views") or []:
        try:
            view = json.loads(entry) if isinstance(entry, str) else entry
            parts = [_stored_identifier(view[k]) for k in ("db", "sch")]
            name = f"{_stored_identifier(view['name'])}${view['version']}"
        except (json.JSONDecodeError, KeyError, TypeError):
            continue
        found.append(ObjectName(f.RELATION, parts[0], parts[1], name))
    return sorted(set(found))


def _stored_identifier(value: str) -> str:
    """An identifier as the ML library stores it: ``"Quoted"`` keeps case, bare is upper."""
    value = str(value)
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('""', '"')
    return value.upper()


def derive_alter_dataset(tree: exp.Alter, ctx: Context) -> list[Fact]:
    dataset = table_name(tree.this, ctx, f.DATASET)
    result: list[Fact] = []
    for action in tree.args.get("actions") or []:
        if isinstance(action, AddDatasetVersion):
            version = _with_version(dataset, action.this.name)
            sources = read_sources(action.query, ctx) + feature_views_in_metadata(
                action.metadata_text
            )
            result += [
                f.CreateObject(version, "dataset_version"),
                lineage_fact(version, sorted(set(sources)), f.DATA, "ADD DATASET VERSION"),
            ]
        elif isinstance(action, DropVersion):
            result.append(f.DropObject(_with_version(dataset, action.this.name)))
    return result


# ---------------------------------------------------------------------------------------------
# Models: https://docs.snowflake.com/en/sql-reference/sql/create-model


def _model_version_facts(
    model: ObjectName,
    version: str,
    source: exp.Expr | None,
    live: bool,
    replace: bool,
    ctx: Context,
) -> list[Fact]:
    """A version registered from a stage (not a lineage source: the files are the model) or
    copied ``FROM MODEL m2 [VERSION v2]`` (a clone edge between versions)."""
    target = _with_version(model, version)
    facts: list[Fact] = [
        f.CreateObject(target, "live_version" if live else "model_version", replace)
    ]
    if isinstance(source, ModelRef):
        facts.append(f.CloneObject(model_name(source, ctx), target, "model"))
    return facts


def derive_create_model(tree: CreateModel, ctx: Context) -> list[Fact]:
    model = table_name(tree.this, ctx, f.MODEL)
    return _model_version_facts(
        model,
        _version(tree.args.get("version")),
        tree.args.get("source"),
        bool(tree.args.get("live")),
        bool(tree.args.get("replace")),
        ctx,
    )


def derive_alter_model(tree: exp.Alter, ctx: Context) -> list[Fact]:
    """ALTER MODEL: versions added, dropped, the default and aliases moved, renames, tags.
    https://docs.snowflake.com/en/sql-reference/sql/alter-model"""
    model = table_name(tree.this, ctx, f.MODEL)
    result: list[Fact] = []
    for action in tree.args.get("actions") or []:
        if isinstance(action, AddModelVersion):
            result += _model_version_facts(
                model,
                _version(action.this),
                action.args.get("source"),
                bool(action.args.get("live")),
                False,
                ctx,
            )
        elif isinstance(action, DropVersion):
            result.append(f.DropObject(_with_version(model, _version(action.this))))
        elif isinstance(action, SetDefaultVersion):
            result.append(f.ModelEvent(model, "set_default", _version(action.this)))
        elif isinstance(action, ModelVersionAlias):
            alias = action.args.get("alias")
            event = "set_alias" if alias is not None else "unset_alias"
            result.append(f.ModelEvent(model, event, _version(action.this), _version(alias)))
        elif isinstance(action, CommitModelVersion):
            result.append(f.ModelEvent(model, "commit", _version(action.this)))
        elif isinstance(action, exp.AlterRename):
            new = table_name(action.this, Context(model.database, model.schema), f.MODEL)
            result.append(f.RenameObject(model, new))
    return result


# ---------------------------------------------------------------------------------------------
# Services: https://docs.snowflake.com/en/developer-guide/snowflake-ml/model-registry/container


def derive_create_service(tree: CreateService, ctx: Context) -> list[Fact]:
    """A plain CREATE SERVICE: a node, with no model edges (its spec does not name models)."""
    return [f.CreateObject(table_name(tree.this, ctx, f.SERVICE), "service")]


def derive_call(tree: Call, ctx: Context) -> list[Fact]:
    """``CALL SYSTEM$DEPLOY_MODEL('<yaml>')`` gives ``model@V → service`` for each model the
    inline spec names; a spec on a stage cannot be read from the log. Other CALLs: no facts."""
    function = tree.function
    if not isinstance(function, DeployModel):
        return []
    spec_text = function.spec
    if spec_text is None or spec_text.lstrip().startswith("@"):
        return []
    try:
        spec = yaml.safe_load(spec_text)
    except yaml.YAMLError as err:
        raise DeriveError(
            f"SYSTEM$DEPLOY_MODEL spec is not YAML: {str(err).splitlines()[0]}"
        ) from err
    if not isinstance(spec, dict) or not isinstance(spec.get("service"), dict):
        raise DeriveError("SYSTEM$DEPLOY_MODEL spec names no service")
    service = _spec_name(spec["service"], ctx, f.SERVICE)
    models = [
        _with_version(_spec_name(m, ctx, f.MODEL), _version_text(m.get("version")))
        for m in spec.get("models") or []
        if isinstance(m, dict) and m.get("name")
    ]
    return [
        f.CreateObject(service, "model_service"),
        lineage_fact(service, sorted(set(models)), f.DATA, "DEPLOY MODEL"),
    ]


def _spec_name(entry: dict[str, Any], ctx: Context, domain: str) -> ObjectName:
    """``{name: DB.S.X}`` or ``{name: X, database: DB, schema: S}``, identifier rules."""
    parts = _parse_dotted(str(entry.get("name")))
    if len(parts) == 1:
        parts = [p for p in (entry.get("database"), entry.get("schema")) if p] and [
            normalize_identifier(str(p)) for p in (entry.get("database"), entry.get("schema")) if p
        ] + parts
    return qualify(parts, ctx, domain)


def _version_text(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    return text[1:-1] if text.startswith('"') and text.endswith('"') else text.upper()


# ---------------------------------------------------------------------------------------------
# ML metadata records (manifests, tags)


def derive_metadata(record: ModelVersionMetadata | TagMetadata) -> Derived:
    """Facts of one metadata record; never raises (a bad record becomes ``Derived.error``)."""
    try:
        if isinstance(record, ModelVersionMetadata):
            return Derived(facts=tuple(_manifest_facts(record)), statement_kind="MANIFEST")
        return Derived(facts=(_tag_fact(record),), statement_kind="TAG")
    except (DeriveError, SqlglotError, ValueError) as err:
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        return Derived(error=StatementError("metadata", type(err).__name__, message[:500]))


def _manifest_facts(record: ModelVersionMetadata) -> list[Fact]:
    """``lineage_sources`` of a MANIFEST.yml (reference §1.3): a DATASET entry is the dataset
    version; a QUERY entry is parsed, and every table it reads is a source; EXPERIMENT runs are
    kept as a property (experiments are not a domain of the graph yet)."""
    model = qualify(_parse_dotted(record.model), Context(), f.MODEL)
    target = _with_version(model, _version_text(record.version))
    ctx = Context(model.database, model.schema)
    sources: list[ObjectName] = []
    experiments: list[str] = []
    for source in record.sources:
        if source.type == "DATASET":
            dataset = qualify(_parse_dotted(source.entity), ctx, f.DATASET)
            sources.append(_with_version(dataset, source.version))
        elif source.type == "QUERY":
            for tree in parse_statements(source.entity):
                sources += read_sources(tree, ctx)
        elif source.type == "EXPERIMENT":
            experiments.append(
                f"{source.entity}@{source.version}" if source.version else source.entity
            )
    facts: list[Fact] = [lineage_fact(target, sorted(set(sources)), f.DATA, "LOG MODEL")]
    if experiments:
        facts.append(f.SetProperties(target, (("experiments", ",".join(sorted(experiments))),)))
    return facts


def _tag_fact(record: TagMetadata) -> Fact:
    parts = _parse_dotted(record.object_name)
    domain = {"STAGE": f.STAGE, "SCHEMA": f.SCHEMA, "DATABASE": f.DATABASE}.get(
        record.domain, f.RELATION
    )
    obj = qualify(parts, Context(), domain)
    tag = ".".join(_parse_dotted(record.tag))
    return f.SetProperties(obj, ((f"tag:{tag}", record.value),))

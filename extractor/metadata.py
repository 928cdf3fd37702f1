"""ML metadata that is not in SQL: model manifests and object tags, as a user fetches them.

A model version's upstream lives in its ``MANIFEST.yml`` (``lineage_sources``), not in the SQL
that registered it (reference §1.3). Users fetch manifests with

    GET 'snow://model/DB.SCH.MODEL/versions/V1/MANIFEST.yml' file:///tmp/ml/models/DB.SCH.MODEL/versions/V1/;

so the folder names the model and the version: ``…/DB.SCH.MODEL/versions/V1/MANIFEST.yml``.
Tags (feature views, training tables) come as JSON Lines rows of ``TAG_REFERENCES`` or of our own
record form; files named ``*.ml.jsonl`` (or given to ``--ml-metadata``) are read as metadata.

This is a source: it reads files and yields plain records; derive turns them into facts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from extractor.facts import ErrorRecord
from extractor.sources import SourceError, text_hash

log = logging.getLogger(__name__)

MANIFEST_NAMES = ("MANIFEST.yml", "MANIFEST.yaml")
METADATA_SUFFIXES = (".ml.jsonl", ".ml.json")


@dataclass(frozen=True, slots=True)
class LineageSource:
    """One entry of a manifest's ``lineage_sources``: DATASET, QUERY or EXPERIMENT."""

    type: str
    entity: str
    version: str = ""


@dataclass(frozen=True, slots=True)
class ModelVersionMetadata:
    model: str  # DB.SCH.MODEL as written (identifier rules applied by derive)
    version: str
    sources: tuple[LineageSource, ...]
    origin: str  # the file it came from, for errors and ids

    @property
    def record_id(self) -> str:
        return f"manifest:{self.model}@{self.version}"


@dataclass(frozen=True, slots=True)
class TagMetadata:
    """A tag set on an object, as ``TAG_REFERENCES`` lists it."""

    object_name: str  # DB.SCH.OBJECT, each part as Snowflake stores it (case kept)
    domain: str  # TABLE, VIEW, …
    tag: str  # DB.SCH.TAG
    value: str
    origin: str

    @property
    def record_id(self) -> str:
        return f"tag:{self.object_name}:{self.tag}"


Metadata = ModelVersionMetadata | TagMetadata


def find_metadata(specs: Sequence[str]) -> list[Path]:
    """Manifests and ``*.ml.jsonl`` files inside source folders (or given directly), sorted."""
    found: set[Path] = set()
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            for name in MANIFEST_NAMES:
                found.update(path.rglob(name))
            for suffix in METADATA_SUFFIXES:
                found.update(path.rglob(f"*{suffix}"))
        elif path.is_file() and (
            path.name in MANIFEST_NAMES or path.name.endswith(METADATA_SUFFIXES)
        ):
            found.add(path)
    return sorted(found)


def expand_metadata_option(specs: Sequence[str]) -> list[Path]:
    """``--ml-metadata PATH``: a folder is searched; a file is read whatever its name."""
    paths: set[Path] = set()
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            paths.update(find_metadata([spec]))
        elif path.is_file():
            paths.add(path)
        else:
            raise SourceError(f"{spec}: no such ML metadata file or folder")
    return sorted(paths)


def read_metadata(
    paths: Sequence[Path], on_error: Callable[[ErrorRecord], None]
) -> Iterator[Metadata]:
    """Records from each file; a bad file or record becomes an error record, never fatal."""
    for path in paths:
        log.debug("reading ML metadata %s", path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            _error(on_error, path, "", "unreadable", f"{path.name}: {err}")
            continue
        if path.name in MANIFEST_NAMES or path.suffix in (".yml", ".yaml"):
            yield from _read_manifest(path, text, on_error)
        else:
            yield from _read_records(path, text, on_error)


def _error(
    on_error: Callable[[ErrorRecord], None], path: Path, text: str, kind: str, message: str
) -> None:
    on_error(ErrorRecord(f"metadata:{path.name}", None, "metadata", kind, message, text_hash(text)))


def _model_from_path(path: Path) -> tuple[str, str] | None:
    """``…/<DB.SCH.MODEL>/versions/<V>/MANIFEST.yml`` → (model, version)."""
    parts = path.parts
    if len(parts) >= 4 and parts[-3] == "versions":
        return parts[-4], parts[-2]
    return None


def _read_manifest(
    path: Path, text: str, on_error: Callable[[ErrorRecord], None]
) -> Iterator[Metadata]:
    named = _model_from_path(path)
    if named is None:
        _error(
            on_error,
            path,
            text,
            "bad_layout",
            f"{path}: a manifest must sit in <DB.SCHEMA.MODEL>/versions/<VERSION>/",
        )
        return
    try:
        manifest = yaml.safe_load(text)
    except yaml.YAMLError as err:
        _error(on_error, path, text, "bad_yaml", f"{path.name}: {str(err).splitlines()[0]}")
        return
    if not isinstance(manifest, dict):
        _error(on_error, path, text, "bad_manifest", f"{path.name}: not a YAML mapping")
        return
    sources = _lineage_sources(manifest.get("lineage_sources") or [], path, text, on_error)
    yield ModelVersionMetadata(named[0], named[1], sources, str(path))


def _lineage_sources(
    entries: object, path: Path, text: str, on_error: Callable[[ErrorRecord], None]
) -> tuple[LineageSource, ...]:
    if not isinstance(entries, list):
        _error(on_error, path, text, "bad_manifest", f"{path.name}: lineage_sources is not a list")
        return ()
    sources = []
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("type") or not entry.get("entity"):
            _error(
                on_error,
                path,
                text,
                "bad_manifest",
                f"{path.name}: a lineage source needs a type and an entity: {entry!r}"[:300],
            )
            continue
        sources.append(
            LineageSource(
                str(entry["type"]).upper(), str(entry["entity"]), str(entry.get("version") or "")
            )
        )
    return tuple(sources)


def _read_records(
    path: Path, text: str, on_error: Callable[[ErrorRecord], None]
) -> Iterator[Metadata]:
    """JSON Lines: ``{"type": "model_version", "model", "version", "lineage_sources"}``,
    ``{"type": "tag", "object", "domain", "tag", "value"}``, or a TAG_REFERENCES row
    (``OBJECT_DATABASE, OBJECT_SCHEMA, OBJECT_NAME, DOMAIN, TAG_DATABASE, TAG_SCHEMA, TAG_NAME,
    TAG_VALUE``, any case)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            _error(on_error, path, line, "bad_json", f"{path.name}:{number}: {err.msg}")
            continue
        if not isinstance(record, dict):
            _error(on_error, path, line, "bad_record", f"{path.name}:{number}: not a JSON object")
            continue
        keys = {k.lower(): v for k, v in record.items()}
        kind = str(keys.get("type", "")).lower()
        if kind == "model_version" and keys.get("model") and keys.get("version"):
            sources = _lineage_sources(keys.get("lineage_sources") or [], path, line, on_error)
            yield ModelVersionMetadata(
                str(keys["model"]), str(keys["version"]), sources, f"{path}:{number}"
            )
        elif kind == "tag" and keys.get("object") and keys.get("tag"):
            yield TagMetadata(
                str(keys["object"]),
                str(keys.get("domain") or "TABLE").upper(),
                str(keys["tag"]),
                str(keys.get("value") or ""),
                f"{path}:{number}",
            )
        elif keys.get("object_name") and keys.get("tag_name"):
            obj = ".".join(
                _quoted(str(keys[k])) for k in ("object_database", "object_schema", "object_name")
            )
            tag = ".".join(
                _quoted(str(keys[k])) for k in ("tag_database", "tag_schema", "tag_name")
            )
            yield TagMetadata(
                obj,
                str(keys.get("domain") or "TABLE").upper(),
                tag,
                str(keys.get("tag_value") or ""),
                f"{path}:{number}",
            )
        else:
            _error(
                on_error,
                path,
                line,
                "bad_record",
                f"{path.name}:{number}: neither a model_version, a tag nor a TAG_REFERENCES row",
            )


def _quoted(part: str) -> str:
    """TAG_REFERENCES stores names as resolved: quote them so their case survives."""
    return '"' + part.replace('"', '""') + '"'

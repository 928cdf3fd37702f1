"""Facts: what one statement says about the objects it touches.

Facts are the seam of the pipeline (see DESIGN.md): derive produces them from one statement,
fold applies them in time order. They hold only normalised names and plain values, so they hash,
sort, pickle and cache; no sqlglot object ever crosses this seam.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

# Domains of node identity (DESIGN.md "Identity"). RELATION is a read or write of a table-like
# name whose domain only the history knows (a view? a feature view?); fold decides.
TABLE = "table"
VIEW = "view"
STAGE = "stage"
SCHEMA = "schema"
DATABASE = "database"
FEATURE_VIEW = "feature_view"
DATASET = "dataset"
MODEL = "model"
SERVICE = "service"
RELATION = "relation"

# Edge types (DESIGN.md "Edges").
DATA = "data"
DEPENDENCY = "dependency"
CLONE = "clone"


PLAIN_PART = re.compile(r"[A-Z_][A-Z0-9_$]*\Z")


def quote_part(part: str) -> str:
    """DESIGN.md: a plain upper-case identifier is written bare, any other in double quotes."""
    return part if PLAIN_PART.match(part) else '"' + part.replace('"', '""') + '"'


def format_node_id(domain: str, database: str, schema: str, name: str, version: str = "") -> str:
    """``table:DB.S.T``, ``schema:DB.S``, ``database:DB``, ``dataset:DB.S.D@1.0``."""
    parts = ".".join(quote_part(p) for p in (database, schema, name) if p)
    return f"{domain}:{parts}" + (f"@{version}" if version else "")


def dotted_name(database: str, schema: str, name: str) -> str:
    """``DB.S.T`` with DESIGN.md's quoting: how grants.parquet names objects."""
    return ".".join(quote_part(p) for p in (database, schema, name) if p)


@dataclass(frozen=True, slots=True, order=True)
class ObjectName:
    """A fully resolved object name: unquoted parts folded to upper case, quoted ones kept.

    Containers use fewer parts: a schema is ``(database, name)``, a database ``(name)``, so the
    unused leading parts are empty strings. A stage name may be ``~`` (the user stage) or
    ``%TABLE`` (a table stage).
    """

    domain: str
    database: str
    schema: str
    name: str
    version: str = ""

    @property
    def container(self) -> tuple[str, str]:
        """The (database, schema) that holds a schema object."""
        return (self.database, self.schema)


@dataclass(frozen=True, slots=True, order=True)
class Lineage:
    """Data moved into, or an object defined over, ``target`` from each of ``sources``."""

    target: ObjectName
    sources: tuple[ObjectName, ...]
    edge_type: str
    operation: str


@dataclass(frozen=True, slots=True, order=True)
class CreateObject:
    """An object comes into being (or is replaced: same node, edges kept).

    ``kind`` refines the domain (``dynamic_table``, ``temporary``, ``external_table``, …);
    ``properties`` are sorted (key, value) pairs such as tags and comments.
    """

    obj: ObjectName
    kind: str = ""
    replace: bool = False
    properties: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True, order=True)
class CloneObject:
    """``CREATE … target CLONE source``: a table, schema or database copied (with time travel)."""

    source: ObjectName
    target: ObjectName
    kind: str = ""


@dataclass(frozen=True, slots=True, order=True)
class DropObject:
    obj: ObjectName


@dataclass(frozen=True, slots=True, order=True)
class UndropObject:
    obj: ObjectName


@dataclass(frozen=True, slots=True, order=True)
class RenameObject:
    """``ALTER … old RENAME TO new``: the identity moves, edges follow."""

    old: ObjectName
    new: ObjectName


@dataclass(frozen=True, slots=True, order=True)
class SwapObjects:
    """``ALTER … a SWAP WITH b``: the two identities are exchanged."""

    first: ObjectName
    second: ObjectName


@dataclass(frozen=True, slots=True, order=True)
class SetProperties:
    """Tags or a comment set on an existing object (``ALTER … SET TAG``)."""

    obj: ObjectName
    properties: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True, order=True)
class ModelEvent:
    """A change to a model's version pointers, which later unversioned references follow.

    ``action`` is ``set_default`` (``ALTER MODEL m SET DEFAULT_VERSION = v``), ``set_alias`` /
    ``unset_alias`` (``ALTER MODEL m VERSION v SET ALIAS = a``) or ``commit``
    (``ALTER MODEL m COMMIT VERSION v``). https://docs.snowflake.com/en/sql-reference/sql/alter-model
    """

    model: ObjectName
    action: str
    version: str
    value: str = ""


@dataclass(frozen=True, slots=True, order=True)
class GrantFact:
    """A GRANT or REVOKE. ``on_type`` is the object kind (``TABLE``, ``SCHEMA``, ``ACCOUNT``,
    ``ROLE``, ``DATABASE ROLE``, …); ``on_name`` its normalised dotted name (the role's name for
    role grants, "" for ACCOUNT); ``scope`` is "" for one object, ``ALL`` or ``FUTURE`` for
    ``ON ALL|FUTURE <kind>S IN <container_type> <container>``.
    https://docs.snowflake.com/en/sql-reference/sql/grant-privilege
    """

    action: str
    privileges: tuple[str, ...]
    on_type: str
    on_name: str
    grantee_type: str
    grantee: str
    scope: str = ""
    container_type: str = ""
    container: str = ""
    with_grant_option: bool = False
    grant_option_for: bool = False
    current_grants: str = ""  # COPY or REVOKE, for GRANT OWNERSHIP


Fact = (
    Lineage
    | CreateObject
    | CloneObject
    | DropObject
    | UndropObject
    | RenameObject
    | SwapObjects
    | SetProperties
    | ModelEvent
    | GrantFact
)


@dataclass(frozen=True, slots=True)
class StatementError:
    """A statement that could not be parsed or derived: bound for ``errors.parquet``."""

    stage: str
    error_type: str
    message: str


@dataclass(frozen=True, slots=True)
class Derived:
    """What derive says of one statement: its facts, or why it has none."""

    facts: tuple[Fact, ...] = ()
    error: StatementError | None = None
    statement_kind: str = field(default="")
    # True when no literal of the statement can change its facts, so that every statement with
    # the same fingerprint (literals replaced) has the same facts: see derive.literal_free.
    literal_free: bool = False
    # True when every name in the statement is fully qualified, so that the session's database
    # and schema cannot change its facts.
    context_free: bool = False


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """One row of ``errors.parquet``: a row or statement that could not be read, parsed or derived.

    ``start_time`` is a timezone-aware UTC datetime or None; ``query_hash`` is the hex SHA-1 of
    the raw text (so a user can find the statement without the text being written out).
    """

    query_id: str
    start_time: object
    stage: str
    error_type: str
    message: str
    query_hash: str


# ---------------------------------------------------------------------------------------------
# A JSON form of Derived, for the facts cache kept in the output folder (no pickle: an output
# folder is data, and loading it must never run code).

FACT_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        Lineage,
        CreateObject,
        CloneObject,
        DropObject,
        UndropObject,
        RenameObject,
        SwapObjects,
        SetProperties,
        ModelEvent,
        GrantFact,
    )
}


def _encode(value: object) -> object:
    if isinstance(value, ObjectName):
        return ["@", value.domain, value.database, value.schema, value.name, value.version]
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    return value


def _decode(value: object) -> object:
    if isinstance(value, list):
        if value and value[0] == "@":
            return ObjectName(*value[1:])
        return tuple(_decode(v) for v in value)
    return value


def derived_to_json(derived: Derived) -> str:
    facts = [
        [type(fact).__name__, [_encode(getattr(fact, name)) for name in fact.__slots__]]
        for fact in derived.facts
    ]
    error = None
    if derived.error is not None:
        error = [derived.error.stage, derived.error.error_type, derived.error.message]
    return json.dumps(
        [facts, error, derived.statement_kind, derived.literal_free, derived.context_free],
        separators=(",", ":"),
    )


def derived_from_json(text: str) -> Derived:
    facts, error, kind, literal_free, context_free = json.loads(text)
    decoded = tuple(FACT_TYPES[name](*(_decode(v) for v in values)) for name, values in facts)
    return Derived(
        decoded, StatementError(*error) if error else None, kind, literal_free, context_free
    )

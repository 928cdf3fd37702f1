"""Live source: a Snowflake account's ``SNOWFLAKE.ACCOUNT_USAGE`` read directly, so the nightly
job needs no export step (``mlineage extract snowflake://ACCOUNT --since last``).

Like every source it only yields Arrow batches in CANONICAL_SCHEMA (and ML metadata files for
extractor.metadata); it never sees the graph. ``QUERY_HISTORY`` is paged by ``START_TIME`` in
bounded windows, ordered by ``(START_TIME, QUERY_ID)`` so that a window interrupted by a lost
connection resumes after the last row delivered instead of delivering rows twice. ACCOUNT_USAGE
arrives up to 45 minutes late, so a run continuing from the previous watermark starts a lag
earlier; the query ids folded before keep the counts exact.

Connection settings are read the way Snowflake's own tools read them: a named connection of
``~/.snowflake/connections.toml`` (``$SNOWFLAKE_HOME``), the environment (``SNOWFLAKE_ACCOUNT``,
``SNOWFLAKE_USER``, ``SNOWFLAKE_PRIVATE_KEY_FILE`` or ``SNOWFLAKE_PASSWORD``), or the default
connection. A password is never taken from the command line or mlineage.toml and never appears
in a message or a log line.

``snowflake-connector-python`` is optional (``pip install 'mlineage[snowflake]'``): it is imported
only when a ``snowflake://`` source is used.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import pyarrow as pa

from extractor.facts import ErrorRecord
from extractor.metadata import find_metadata
from extractor.sources import (
    CANONICAL_SCHEMA,
    LIVE_SCHEME,
    ErrorSink,
    LiveReader,
    SourceError,
    canonicalize,
    is_live_spec,
    text_hash,
)

log = logging.getLogger(__name__)

QUERY_HISTORY = "SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY"
TAG_REFERENCES = "SNOWFLAKE.ACCOUNT_USAGE.TAG_REFERENCES"
HISTORY_COLUMNS = tuple(field.name.upper() for field in CANONICAL_SCHEMA)
# The tags the ML library sets on feature views and training tables (reference §5.4).
ML_TAGS = ("SNOWML_FEATURE_VIEW_METADATA", "SNOWML_FEATURE_STORE_OBJECT")
TAG_COLUMNS = (
    "OBJECT_DATABASE",
    "OBJECT_SCHEMA",
    "OBJECT_NAME",
    "DOMAIN",
    "TAG_DATABASE",
    "TAG_SCHEMA",
    "TAG_NAME",
    "TAG_VALUE",
)
# ACCOUNT_USAGE.QUERY_HISTORY keeps 365 days: a first run reads no further back than that.
RETENTION = timedelta(days=365)
MAX_BACKOFF_SECONDS = 300.0
EXTRA_HINT = "install the snowflake extra: pip install 'mlineage[snowflake]'"

# Generic environment variables, as the Snowflake CLI reads them (a named connection's own
# values win over these).
_ENVIRONMENT = {
    "SNOWFLAKE_ACCOUNT": "account",
    "SNOWFLAKE_USER": "user",
    "SNOWFLAKE_PASSWORD": "password",
    "SNOWFLAKE_PRIVATE_KEY_FILE": "private_key_file",
    "SNOWFLAKE_PRIVATE_KEY_PATH": "private_key_file",
    "SNOWFLAKE_PRIVATE_KEY_FILE_PWD": "private_key_file_pwd",
    "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": "private_key_file_pwd",
    "PRIVATE_KEY_PASSPHRASE": "private_key_file_pwd",
    "SNOWFLAKE_AUTHENTICATOR": "authenticator",
    "SNOWFLAKE_ROLE": "role",
    "SNOWFLAKE_WAREHOUSE": "warehouse",
}
_SECRET_KEYS = frozenset(
    {"password", "private_key_file_pwd", "private_key", "token", "passcode", "oauth_client_secret"}
)
_URL_KEYS = {
    "connection": "connection_name",
    "connection_name": "connection_name",
    "role": "role",
    "warehouse": "warehouse",
}
_PLAIN_IDENTIFIER = re.compile(r"[A-Z_][A-Z0-9_$]*")

T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# Settings


@dataclass(frozen=True, slots=True)
class SnowflakeSettings:
    """What ``[sources.snowflake]`` in mlineage.toml and a ``snowflake://`` URL may say.

    ``host``/``port``/``protocol`` point the connector at an emulator in tests; ``retries`` and
    ``backoff_seconds`` bound the retries of a failed window (``backoff_seconds`` doubles each
    time, capped at 5 minutes); ``timeout_seconds`` bounds one login or request, so that a
    network that went away fails the window instead of hanging the nightly job.
    """

    account: str | None = None
    connection_name: str | None = None
    role: str | None = None
    warehouse: str | None = None
    lag_minutes: float = 45.0
    window_hours: float = 6.0
    retries: int = 4
    backoff_seconds: float = 2.0
    timeout_seconds: int = 600
    ml_metadata: bool = True
    host: str | None = None
    port: int | None = None
    protocol: str | None = None

    @classmethod
    def from_config(
        cls, table: Mapping[str, Any], origin: str = "mlineage.toml"
    ) -> SnowflakeSettings:
        """Settings from a parsed ``[sources.snowflake]`` table; a wrong key or type is a
        SourceError naming the key (never its value, which might be a secret)."""
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key.lower() in _SECRET_KEYS:
                raise SourceError(
                    f"{origin}: [sources.snowflake] must not hold {key!r}: keep secrets in "
                    "~/.snowflake/connections.toml or the environment (SNOWFLAKE_PASSWORD, "
                    "SNOWFLAKE_PRIVATE_KEY_FILE)"
                )
            if key not in known:
                raise SourceError(
                    f"{origin}: unknown key {key!r} in [sources.snowflake] "
                    f"(known: {', '.join(known)})"
                )
            values[key] = _checked(key, value, origin)
        return cls(**values)

    def for_spec(self, spec: str) -> SnowflakeSettings:
        """These settings with what the URL ``snowflake://[ACCOUNT][?connection=NAME&role=R&
        warehouse=W]`` says on top. The URL never carries a secret: one with a user or password
        part is refused without repeating it."""
        shown = LIVE_SCHEME + "…"
        if not is_live_spec(spec):
            raise SourceError(f"{spec}: not a {LIVE_SCHEME} source")
        parts = urlsplit(spec)
        if "@" in parts.netloc or parts.password is not None:
            raise SourceError(
                f"{shown}: no user or password in the URL (a password never belongs on the "
                "command line): use ?connection=NAME from connections.toml, or SNOWFLAKE_USER "
                "with SNOWFLAKE_PRIVATE_KEY_FILE or SNOWFLAKE_PASSWORD"
            )
        if parts.path not in ("", "/") or parts.fragment:
            raise SourceError(f"{spec}: expected snowflake://ACCOUNT[?connection=NAME]")
        changes: dict[str, Any] = {}
        if parts.netloc:
            changes["account"] = parts.netloc
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key.lower() not in _URL_KEYS:
                raise SourceError(
                    f"{shown}: unknown URL parameter {key!r} (known: connection, role, warehouse)"
                )
            changes[_URL_KEYS[key.lower()]] = value or None
        return replace(self, **changes)

    @property
    def lag(self) -> timedelta:
        return timedelta(minutes=self.lag_minutes)

    @property
    def window(self) -> timedelta:
        return timedelta(hours=self.window_hours)

    def spec(self) -> str:
        """The ``snowflake://`` URL these settings stand for (for a config-only run)."""
        query = f"?connection={self.connection_name}" if self.connection_name else ""
        return f"{LIVE_SCHEME}{self.account or ''}{query}"


def _checked(key: str, value: Any, origin: str) -> Any:
    """One config value of the type its field needs."""

    def fail(expected: str) -> SourceError:
        return SourceError(f"{origin}: [sources.snowflake] {key} must be {expected}")

    if key in ("lag_minutes", "backoff_seconds"):
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise fail("a number >= 0")
        return float(value)
    if key == "window_hours":
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise fail("a number > 0")
        return float(value)
    if key in ("retries", "timeout_seconds", "port"):
        low = 0 if key == "retries" else 1
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise fail(f"an integer >= {low}")
        return value
    if key == "ml_metadata":
        if not isinstance(value, bool):
            raise fail("true or false")
        return value
    if not isinstance(value, str) or not value:
        raise fail("a non-empty string")
    return value


# --------------------------------------------------------------------------------------------
# Connection parameters


def _connector() -> ModuleType:
    """``snowflake.connector``, or a SourceError saying how to get it."""
    try:
        import snowflake.connector as connector
    except ImportError as err:
        raise SourceError(
            f"{LIVE_SCHEME}: snowflake-connector-python is not installed; {EXTRA_HINT}"
        ) from err
    return connector


def _connections_file() -> tuple[Mapping[str, Mapping[str, Any]], str]:
    """The connections of connections.toml/config.toml and the default connection's name, read
    by the connector itself so that $SNOWFLAKE_HOME, SNOWFLAKE_DEFAULT_CONNECTION_NAME and
    SNOWFLAKE_CONNECTIONS_<NAME>_<KEY> overrides behave as in Snowflake's own tools."""
    _connector()
    from snowflake.connector.config_manager import CONFIG_MANAGER

    connections = CONFIG_MANAGER["connections"]
    default = CONFIG_MANAGER["default_connection_name"]
    return {name: dict(values) for name, values in dict(connections).items()}, str(default)


def connection_parameters(
    settings: SnowflakeSettings,
    environ: Mapping[str, str] | None = None,
    connections: Mapping[str, Mapping[str, Any]] | None = None,
    default_name: str | None = None,
) -> dict[str, Any]:
    """Keyword arguments for ``snowflake.connector.connect``.

    1. A named connection (``?connection=NAME`` or ``connection_name``) from connections.toml;
    2. else, when ``SNOWFLAKE_USER`` is set, the environment (key pair before password);
    3. else the default connection of connections.toml.
    The account, role, warehouse (and host/port/protocol) of the settings go on top.
    ``connections``/``default_name`` default to what the connector reads; tests pass their own.
    """
    environ = os.environ if environ is None else environ
    if connections is None or default_name is None:
        found, default = _connections_file()
        connections = found if connections is None else connections
        default_name = default if default_name is None else default_name
    from_env: dict[str, Any] = {}
    for variable, key in _ENVIRONMENT.items():
        if environ.get(variable):
            from_env.setdefault(key, environ[variable])
    name = settings.connection_name
    if name:
        if name not in connections:
            known = ", ".join(sorted(connections)) or "none"
            raise SourceError(
                f"{LIVE_SCHEME}: no connection named {name!r} in connections.toml (known: {known})"
            )
        params = {**from_env, **connections[name]}
    elif from_env.get("user"):
        params = dict(from_env)
        if params.get("private_key_file"):
            params.pop("password", None)  # a key pair, when given, is the way in
    elif default_name in connections:
        params = {**from_env, **connections[default_name]}
    else:
        raise SourceError(
            f"{LIVE_SCHEME}: no connection settings: name a connection of "
            "~/.snowflake/connections.toml (snowflake://?connection=NAME), or set "
            "SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER and SNOWFLAKE_PRIVATE_KEY_FILE or SNOWFLAKE_PASSWORD"
        )
    for key in ("account", "role", "warehouse", "host", "port", "protocol"):
        value = getattr(settings, key)
        if value is not None:
            params[key] = value
    if not params.get("account"):
        raise SourceError(
            f"{LIVE_SCHEME}: no account: write snowflake://ACCOUNT, set "
            "SNOWFLAKE_ACCOUNT, or name a connection that has one"
        )
    params.setdefault("login_timeout", settings.timeout_seconds)
    params.setdefault("network_timeout", settings.timeout_seconds)
    # UTC sessions, and a tag that makes mlineage's own queries easy to find in the history.
    params["session_parameters"] = {
        **dict(params.get("session_parameters") or {}),
        "TIMEZONE": "UTC",
        "QUERY_TAG": "mlineage",
    }
    return params


def describe_connection(params: Mapping[str, Any]) -> str:
    """Who we connect as, for logs: account, user, how (never with what)."""
    if params.get("private_key_file") or params.get("private_key"):
        how = "key pair"
    elif params.get("authenticator"):
        how = str(params["authenticator"]).lower()
    elif params.get("password"):
        how = "password"
    else:
        how = "no credentials"
    where = f" at {params['host']}" if params.get("host") else ""
    return f"account {params.get('account')}, user {params.get('user') or '-'} ({how}){where}"


def _secrets(params: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(v) for k, v in params.items() if k in _SECRET_KEYS and v and len(str(v)) >= 3)


def _scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def connect(params: Mapping[str, Any]) -> Any:
    """A connection from snowflake-connector-python. Tests replace this function (a fake
    connection, or a wrapper that fails on purpose)."""
    return _connector().connect(**params)


# --------------------------------------------------------------------------------------------
# Retries


def _is_retryable(err: BaseException) -> bool:
    """Network trouble is retried; SQL, permission and login failures are not (retrying a wrong
    password could lock the user out)."""
    if isinstance(err, OSError):
        return True
    try:
        from snowflake.connector import errors
    except ImportError:
        return False
    transient = (
        errors.OperationalError,
        errors.InterfaceError,
        errors.ServiceUnavailableError,
        errors.GatewayTimeoutError,
        errors.RequestTimeoutError,
        errors.InternalServerError,
        errors.BadGatewayError,
        errors.TooManyRequests,
        errors.OtherHTTPRetryableError,
    )
    return isinstance(err, transient)


def _failure_types() -> tuple[type[BaseException], ...]:
    """What a connection or query may raise: the connector's errors and the network's."""
    try:
        from snowflake.connector import errors
    except ImportError:
        return (OSError,)
    return (errors.Error, OSError)


def _reason(err: BaseException, secrets: Sequence[str]) -> str:
    """One stable line about a failure: the connector's message without its query id (so that
    the same failure night after night is one row of errors.parquet), secrets masked."""
    message = getattr(err, "raw_msg", None) or str(err) or type(err).__name__
    errno = getattr(err, "errno", None)
    line = str(message).strip().splitlines()[0] if str(message).strip() else type(err).__name__
    prefix = f"{type(err).__name__} {errno}" if errno and errno != -1 else type(err).__name__
    return _scrub(f"{prefix}: {line}"[:300], secrets)


class _Session:
    """One connection, opened on first use and reopened after a failure."""

    def __init__(self, params: Mapping[str, Any], name: str) -> None:
        self.params = dict(params)
        self.name = name
        self.secrets = _secrets(params)
        self._connection: Any = None

    def cursor(self) -> Any:
        if self._connection is None:
            log.info("%s: connecting (%s)", self.name, describe_connection(self.params))
            self._connection = connect(self.params)
        return self._connection.cursor()

    def reset(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except _failure_types() as err:
                log.debug(
                    "%s: closing a broken connection: %s", self.name, _reason(err, self.secrets)
                )

    def close(self) -> None:
        self.reset()


class _Failed(Exception):
    """An action that failed for good: after its last retry, or at once when not retryable."""

    def __init__(self, attempts: int, reason: str) -> None:
        super().__init__(reason)
        self.attempts = attempts
        self.reason = reason


def _pause(settings: SnowflakeSettings, attempt: int) -> float:
    return min(settings.backoff_seconds * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)


def _retrying(
    session: _Session, settings: SnowflakeSettings, what: str, action: Callable[[Any], T]
) -> T:
    """``action(cursor)``, retried with exponential backoff on network trouble."""
    attempts = settings.retries + 1
    for attempt in range(1, attempts + 1):
        try:
            return action(session.cursor())
        except _failure_types() as err:
            _retry_or_raise(session, settings, what, err, attempt)
    raise AssertionError("unreachable")


def _retry_or_raise(
    session: _Session, settings: SnowflakeSettings, what: str, err: Exception, attempt: int
) -> None:
    """After a failed ``attempt``: raise _Failed when it cannot or may no more be retried, else
    say so, reconnect and wait the backoff."""
    attempts = settings.retries + 1
    reason = _reason(err, session.secrets)
    if not _is_retryable(err) or attempt == attempts:
        raise _Failed(attempt, reason) from None
    delay = _pause(settings, attempt)
    log.warning(
        "%s: %s failed (attempt %d of %d: %s); retrying in %.3g s",
        session.name,
        what,
        attempt,
        attempts,
        reason,
        delay,
    )
    session.reset()
    time.sleep(delay)


# --------------------------------------------------------------------------------------------
# QUERY_HISTORY


@dataclass(frozen=True, slots=True)
class Window:
    """``[start, end)`` of START_TIME, in UTC."""

    start: datetime
    end: datetime

    def __str__(self) -> str:
        return f"{iso(self.start)}..{iso(self.end)}"


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as ``--since``/``--until`` accept it."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _timestamp_literal(moment: datetime) -> str:
    return f"TO_TIMESTAMP_TZ('{moment.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%f')}+00:00')"


def _string_literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def history_sql(window: Window, after: tuple[datetime, str] | None = None) -> str:
    """The SELECT of one window: the canonical columns (the file sources' names), ordered so
    that ``after`` (the last row delivered) resumes an interrupted window exactly."""
    where = [
        f"START_TIME >= {_timestamp_literal(window.start)}",
        f"START_TIME < {_timestamp_literal(window.end)}",
    ]
    if after is not None:
        at = _timestamp_literal(after[0])
        where.append(
            f"(START_TIME > {at} OR (START_TIME = {at} AND QUERY_ID > {_string_literal(after[1])}))"
        )
    return _history_select(where)


def _history_select(where: Sequence[str]) -> str:
    conditions = "\n  AND ".join(where)
    return (
        f"SELECT {', '.join(HISTORY_COLUMNS)}\nFROM {QUERY_HISTORY}\n"
        f"WHERE {conditions}\nORDER BY START_TIME, QUERY_ID"
    )


def export_query(since: datetime, until: datetime | None, lag: timedelta) -> str:
    """The SQL a user runs where mlineage may not connect: the same columns and the same lag
    as the live source; its CSV result is an ordinary source of ``mlineage extract``."""
    start = since - lag
    where = [f"START_TIME >= {_timestamp_literal(start)}"]
    if until is not None:
        where.append(f"START_TIME < {_timestamp_literal(until)}")
    minutes = f"{lag.total_seconds() / 60:g}"
    until_text = f" until {iso(until)}" if until is not None else ""
    return (
        f"-- mlineage export-query: {QUERY_HISTORY} rows started from {iso(start)}\n"
        f"-- (--since {iso(since)} less a {minutes}-minute lag: ACCOUNT_USAGE arrives late)"
        f"{until_text}.\n"
        "-- Overlapping exports are safe: mlineage counts a query id once. Save the result as\n"
        "-- CSV with a header row (SnowSQL: -o output_format=csv -o header=true -o friendly=false\n"
        "-- -o timing=false), then: mlineage extract FILE.csv --out DIR\n"
        f"{_history_select(where)};\n"
    )


def overlap_start(
    specs: Sequence[str], watermark: datetime | None, settings: SnowflakeSettings
) -> datetime | None:
    """Where ``--since last`` starts: the previous watermark, less the lag when a live account
    is read (its late rows would otherwise fall before the window)."""
    if watermark is None:
        return None
    lags = [settings.for_spec(spec).lag for spec in specs if is_live_spec(spec)]
    return watermark - max(lags) if lags else watermark


def history_reader(
    settings: SnowflakeSettings, since: datetime | None, until: datetime | None
) -> LiveReader:
    """The reader ``sources.read_sources`` uses for ``snowflake://`` specs in this run."""

    def open_spec(spec: str, on_error: ErrorSink, batch_rows: int) -> Iterator[pa.RecordBatch]:
        return read_query_history(spec, settings, since, until, on_error, batch_rows)

    return open_spec


def read_query_history(
    spec: str,
    settings: SnowflakeSettings,
    since: datetime | None,
    until: datetime | None,
    on_error: ErrorSink,
    batch_rows: int = 65536,
) -> Iterator[pa.RecordBatch]:
    """Batches in CANONICAL_SCHEMA from ``QUERY_HISTORY``, ``since`` (default: as far back as
    ACCOUNT_USAGE keeps) to ``until`` (default: now), window by window.

    The spec and the connection settings are checked now; the account is reached when the
    batches are read. A window that still fails after its retries raises SourceError naming
    the window and the ``--since … --until …`` to rerun (nothing of this run is written).
    """
    spec_settings = settings.for_spec(spec)
    params = connection_parameters(spec_settings)
    end = until or datetime.now(UTC).replace(microsecond=0)
    start = since or end - RETENTION
    return _history_batches(spec, spec_settings, params, Window(start, end), on_error, batch_rows)


def _history_batches(
    name: str,
    settings: SnowflakeSettings,
    params: Mapping[str, Any],
    run: Window,
    on_error: ErrorSink,
    batch_rows: int,
) -> Iterator[pa.RecordBatch]:
    session = _Session(params, name)
    delivered = 0
    at = run.start
    try:
        while at < run.end:
            window = Window(at, min(at + settings.window, run.end))
            rows = 0
            for batch in _window_batches(
                session, settings, run, window, on_error, delivered, batch_rows
            ):
                rows += batch.num_rows
                yield batch
            delivered += rows
            log.info("%s: window %s: %d rows", name, window, rows)
            if rows:
                at = window.end
                continue
            # An empty window: jump to the next row instead of paging through a quiet stretch.
            following = _next_start(session, settings, run, window)
            if following is None:
                break
            at = max(following, window.end)
    finally:
        session.close()


def _next_start(
    session: _Session, settings: SnowflakeSettings, run: Window, window: Window
) -> datetime | None:
    """The first START_TIME in ``[window.end, run.end)``, or None when there is none."""
    sql = (
        f"SELECT MIN(START_TIME), COUNT(*) FROM {QUERY_HISTORY}\n"
        f"WHERE START_TIME >= {_timestamp_literal(window.end)} "
        f"AND START_TIME < {_timestamp_literal(run.end)}"
    )

    def probe(cursor: Any) -> tuple[Any, ...]:
        cursor.execute(sql)
        return tuple(cursor.fetchone() or (None, 0))

    try:
        first, count = _retrying(session, settings, "looking for the next rows", probe)
    except _Failed as failed:
        raise _window_failed(session.name, run, Window(window.end, run.end), failed) from None
    if not count or first is None:
        return None
    first = first if first.tzinfo else first.replace(tzinfo=UTC)
    return first.astimezone(UTC).replace(microsecond=0)


def _window_batches(
    session: _Session,
    settings: SnowflakeSettings,
    run: Window,
    window: Window,
    on_error: ErrorSink,
    first_row: int,
    batch_rows: int,
) -> Iterator[pa.RecordBatch]:
    """One window's rows; after a failure the window is retried from the row after the last
    one delivered, so no row is delivered twice and none is lost."""
    attempts = settings.retries + 1
    after: tuple[datetime, str] | None = None
    delivered = first_row
    for attempt in range(1, attempts + 1):
        try:
            cursor = session.cursor()
            cursor.execute(history_sql(window, after))
            for table in cursor.fetch_arrow_batches():
                if not table.num_rows:
                    continue
                batch = canonicalize(table, session.name, on_error, first_row=delivered)
                delivered += table.num_rows
                for offset in range(0, batch.num_rows, batch_rows):
                    yield batch.slice(offset, batch_rows)
                if batch.num_rows:
                    last = batch.num_rows - 1
                    after = (
                        batch.column("start_time")[last].as_py(),
                        batch.column("query_id")[last].as_py(),
                    )
            return
        except _failure_types() as err:
            try:
                _retry_or_raise(session, settings, f"window {window}", err, attempt)
            except _Failed as failed:
                raise _window_failed(session.name, run, window, failed) from None


def _window_failed(name: str, run: Window, window: Window, failed: _Failed) -> SourceError:
    """One line: what failed, why, and the window to rerun. Nothing of the run is written, so
    the rerun covers the whole run (``--since last`` would do the same)."""
    tries = "attempt" if failed.attempts == 1 else "attempts"
    return SourceError(
        f"{name}: QUERY_HISTORY window {window} failed after {failed.attempts} {tries} "
        f"({failed.reason}); nothing was written: rerun with "
        f"--since {iso(run.start)} --until {iso(run.end)}"
    )


# --------------------------------------------------------------------------------------------
# ML metadata: tags of feature views and training tables, model manifests


def fetch_ml_metadata(
    specs: Sequence[str], settings: SnowflakeSettings, out: Path, on_error: ErrorSink
) -> list[Path]:
    """Fetch the account's ML metadata into ``OUT/_cache`` and return the cached files for
    extractor.metadata: ``_cache/tags/<source>.ml.jsonl`` (TAG_REFERENCES rows of the ML
    library's tags, rewritten each run) and ``_cache/models/<DB.S.M>/versions/<V>/MANIFEST.yml``
    (fetched once per model version, then kept). What cannot be fetched becomes an error record
    and the run goes on."""
    live = [(spec, settings.for_spec(spec)) for spec in specs if is_live_spec(spec)]
    live = [(spec, s) for spec, s in live if s.ml_metadata]
    if not live:
        return []
    cache = out / "_cache"
    for spec, spec_settings in live:
        session = _Session(connection_parameters(spec_settings), spec)
        try:
            _fetch_tags(session, spec_settings, cache, on_error)
            _fetch_manifests(session, spec_settings, cache / "models", on_error)
        finally:
            session.close()
    return find_metadata([str(cache)]) if cache.is_dir() else []


def _metadata_error(on_error: ErrorSink, name: str, what: str, kind: str, message: str) -> None:
    log.warning("%s", message)
    on_error(
        ErrorRecord(f"metadata:{name}:{what}", None, "metadata", kind, message, text_hash(message))
    )


def _rows(cursor: Any, sql: str) -> list[dict[str, Any]]:
    """All rows of a small result, keyed by lower-case column name."""
    cursor.execute(sql)
    names = [d[0].lower() for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _fetch_tags(
    session: _Session, settings: SnowflakeSettings, cache: Path, on_error: ErrorSink
) -> None:
    tags = ", ".join(_string_literal(t) for t in ML_TAGS)
    sql = (
        f"SELECT {', '.join(TAG_COLUMNS)} FROM {TAG_REFERENCES}\n"
        f"WHERE TAG_NAME IN ({tags}) AND COLUMN_NAME IS NULL\n"
        f"ORDER BY {', '.join(TAG_COLUMNS)}"
    )
    try:
        rows = _retrying(session, settings, "reading TAG_REFERENCES", lambda c: _rows(c, sql))
    except _Failed as failed:
        _metadata_error(
            on_error,
            session.name,
            "tags",
            "fetch_failed",
            f"{session.name}: cannot read {TAG_REFERENCES} ({failed.reason})",
        )
        return
    lines = [
        json.dumps({c: _plain(row.get(c.lower())) for c in TAG_COLUMNS}, sort_keys=True)
        for row in rows
    ]
    target = cache / "tags" / f"{_slug(session.name)}.ml.jsonl"
    _write_atomically(target, "".join(line + "\n" for line in sorted(lines)))
    log.info("%s: %d ML tags", session.name, len(lines))


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def _slug(spec: str) -> str:
    rest = spec[len(LIVE_SCHEME) :]
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", rest).strip("_") or "default"


def _write_atomically(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)


def identifier(name: str) -> str:
    """A name part as SQL and the manifest folder write it: bare when a plain upper-case
    identifier, else double-quoted (SHOW output keeps the stored case)."""
    if _PLAIN_IDENTIFIER.fullmatch(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def _model_versions(
    session: _Session, settings: SnowflakeSettings, on_error: ErrorSink
) -> list[tuple[str, str]] | None:
    """(``DB.S.M``, version) of every model version the role can see; None if unlistable."""
    try:
        models = _retrying(
            session, settings, "listing models", lambda c: _rows(c, "SHOW MODELS IN ACCOUNT")
        )
    except _Failed as failed:
        _metadata_error(
            on_error,
            session.name,
            "models",
            "fetch_failed",
            f"{session.name}: cannot list models ({failed.reason})",
        )
        return None
    found: list[tuple[str, str]] = []
    for model in models:
        parts = (model.get("database_name"), model.get("schema_name"), model.get("name"))
        if not all(isinstance(p, str) and p for p in parts):
            continue
        qualified = ".".join(identifier(str(p)) for p in parts)
        versions = _listed_versions(model.get("versions"))
        if versions is None:
            sql = f"SHOW VERSIONS IN MODEL {qualified}"
            try:
                rows = _retrying(
                    session,
                    settings,
                    f"listing versions of {qualified}",
                    lambda c, sql=sql: _rows(c, sql),
                )
            except _Failed as failed:
                _metadata_error(
                    on_error,
                    session.name,
                    f"versions:{qualified}",
                    "fetch_failed",
                    f"{session.name}: cannot list versions of {qualified} ({failed.reason})",
                )
                continue
            versions = [str(r["name"]) for r in rows if r.get("name")]
        found.extend((qualified, identifier(v)) for v in versions)
    return sorted(set(found))


def _listed_versions(value: Any) -> list[str] | None:
    """SHOW MODELS' ``versions`` column (a JSON array of names), when the account has it."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return None
        return [str(v) for v in parsed] if isinstance(parsed, list) else None
    return None


def _fetch_manifests(
    session: _Session, settings: SnowflakeSettings, models: Path, on_error: ErrorSink
) -> None:
    """``GET 'snow://model/DB.S.M/versions/V/MANIFEST.yml'`` for each version not cached yet."""
    versions = _model_versions(session, settings, on_error)
    fetched = 0
    for qualified, version in versions or ():
        target = models / qualified / "versions" / version / "MANIFEST.yml"
        if target.is_file():
            continue
        if "'" in qualified + version + str(models):
            _metadata_error(
                on_error,
                session.name,
                f"manifest:{qualified}@{version}",
                "fetch_failed",
                f"{session.name}: cannot GET the manifest of "
                f"{qualified} {version}: a quote in the name or cache path",
            )
            continue
        staging = models / f".get-{uuid.uuid4().hex}"
        staging.mkdir(parents=True)
        sql = (
            f"GET 'snow://model/{qualified}/versions/{version}/MANIFEST.yml' "
            f"'file://{staging.resolve()}/'"
        )
        try:
            _retrying(
                session,
                settings,
                f"fetching the manifest of {qualified} {version}",
                lambda c, sql=sql: _rows(c, sql),
            )
            got = staging / "MANIFEST.yml"
            if not got.is_file():
                _metadata_error(
                    on_error,
                    session.name,
                    f"manifest:{qualified}@{version}",
                    "fetch_failed",
                    f"{session.name}: GET of the manifest of "
                    f"{qualified} {version} returned no file",
                )
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(got, target)
            fetched += 1
        except _Failed as failed:
            _metadata_error(
                on_error,
                session.name,
                f"manifest:{qualified}@{version}",
                "fetch_failed",
                f"{session.name}: cannot GET the manifest of "
                f"{qualified} {version} ({failed.reason})",
            )
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    log.info(
        "%s: %d model manifests fetched, %d model versions seen",
        session.name,
        fetched,
        len(versions or ()),
    )

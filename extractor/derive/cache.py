"""Derive once per distinct statement: the cache, and the process pool that fills it.

Query logs repeat the same statements thousands of times with other literals. A statement is
keyed by its context and fingerprint (parse.fingerprint: literals replaced) when derive says no
literal of it can change its facts (``Derived.literal_free``), else by its exact text. Misses are
derived in a process pool of ``workers`` processes while later batches are read (``submit``, then
``finish``); hits cost a regex and a hash. The entries can be saved in the output folder so that
a nightly run derives only what it has not seen before.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field

from extractor.derive import Context, derive_statement
from extractor.facts import Derived
from extractor.parse import fingerprint, is_read_only

CHUNK = 64  # statements per task sent to a worker
READ_KEY = "r:"  # every pure read shares these facts: none
READ = Derived(statement_kind="READ", literal_free=True, context_free=True)
# Texts whose key is remembered, at most this many and this many characters (dbt models and
# generated statements run to hundreds of KB); the memo is cleared when full.
RECENT_TEXTS = 20_000
RECENT_CHARS = 8_000_000


def _specific_key(mark: str, first: Derived, text: str, database: str, schema: str) -> str:
    """The key of a statement's own facts, given what its fingerprint's first statement showed:
    the fingerprint when its literals cannot matter, else its text; plus its context when names
    in it are not fully qualified."""
    if first.literal_free:
        key = mark
    else:
        key = "t:" + hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=16).hexdigest()
    return key if first.context_free else f"{key}@{database}\x00{schema}"


def derive_chunk(items: Sequence[tuple[str, str, str]]) -> list[Derived]:
    """Worker task: derive a list of (text, database, schema)."""
    return [derive_statement(text, Context(database, schema)) for text, database, schema in items]


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()


Row = tuple[str, str, str]  # (text, database, schema)


@dataclass
class Pending:
    """A batch whose new statements are being derived (by the pool) while later batches are read:
    ``StatementCache.submit`` starts it, ``finish`` gives its statement ids."""

    rows: list[Row]
    marks: list[str]
    futures: list[Future[list[Derived]]] = field(default_factory=list)

    def done(self) -> bool:
        return all(future.done() for future in self.futures)


class StatementCache:
    """Derived facts by statement key, each key also given a small integer id for the rows."""

    def __init__(self, entries: dict[str, Derived] | None = None, workers: int = 1) -> None:
        self.entries: dict[str, Derived] = {**(entries or {}), READ_KEY: READ}
        self.ids: dict[str, int] = {}
        self.by_id: list[Derived] = []
        self.error_hashes: dict[int, str] = {}
        self.derived_now = 0
        self.workers = workers
        self._recent_keys: dict[str, str] = {}
        self._recent_chars = 0
        self._in_flight: dict[str, tuple[Future[list[Derived]], int, Row]] = {}
        # A forked worker starts with this process's objects, none of which it frees: frozen,
        # its garbage collector never walks them (nor copies their pages); ~10% faster here.
        self._executor: Executor | None = (
            ProcessPoolExecutor(workers, initializer=gc.freeze) if workers > 1 else None
        )

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None

    def __enter__(self) -> StatementCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def used(self) -> int:
        """Distinct statements met in this run."""
        return len(self.by_id)

    def _id(self, key: str, text: str) -> int:
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = len(self.by_id)
            derived = self.entries[key]
            self.by_id.append(derived)
            if derived.error is not None:
                self.error_hashes[found] = text_hash(text)
        return found

    def _key(self, text: str) -> str:
        """The statement's fingerprint key; scheduled jobs repeat the very same text, so the
        key of a recent text is remembered (a bounded memo: texts are not kept for long)."""
        memo = self._recent_keys
        found = memo.get(text)
        if found is None:
            found = READ_KEY if is_read_only(text) else "f:" + fingerprint(text)
            if len(text) <= RECENT_CHARS // 100:  # a huge text is not worth holding
                if len(memo) >= RECENT_TEXTS or self._recent_chars + len(text) > RECENT_CHARS:
                    memo.clear()
                    self._recent_chars = 0
                memo[text] = found
                self._recent_chars += len(text)
        return found

    def adopt(self, key: str, derived: Derived, error_hash: str) -> int:
        """A statement derived elsewhere (a Dask worker): its id in this cache."""
        self.entries.setdefault(key, derived)
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = len(self.by_id)
            self.by_id.append(self.entries[key])
            if error_hash:
                self.error_hashes[found] = error_hash
        return found

    def _derive(self, items: list[Row]) -> list[Derived]:
        """Derive now, in the pool when there is one."""
        self.derived_now += len(items)
        if self._executor is None or len(items) < 2 * CHUNK:
            return derive_chunk(items)
        size = self._chunk_size(len(items))
        return [d for future in self._start(items, size) for d in future.result()]

    def _chunk_size(self, items: int) -> int:
        """At most CHUNK statements a task, and at least one task a worker, so that a small
        batch still keeps every worker busy."""
        return max(1, min(CHUNK, -(-items // self.workers)))

    def _start(self, items: list[Row], size: int) -> list[Future[list[Derived]]]:
        assert self._executor is not None
        return [
            self._executor.submit(derive_chunk, items[i : i + size])
            for i in range(0, len(items), size)
        ]

    def _settle(self, mark: str, row: Row, derived: Derived) -> None:
        """The facts of a fingerprint's first statement: under its fingerprint, and under its
        own key when that differs (its flags say whether literals or the context matter)."""
        self.entries[mark] = derived
        self.entries.setdefault(_specific_key(mark, derived, *row), derived)

    def submit(
        self, texts: Sequence[str], databases: Sequence[str], schemas: Sequence[str]
    ) -> Pending:
        """Start deriving the statements of a batch not seen before. With a pool this returns at
        once, so the next batch is read (and fingerprinted) while the workers derive."""
        rows = list(zip(texts, databases, schemas, strict=True))
        marks = [self._key(text) for text, _, _ in rows]
        first: dict[str, Row] = {}
        for mark, row in zip(marks, rows, strict=True):
            if mark not in self.entries and mark not in self._in_flight and mark not in first:
                first[mark] = row
        pending = Pending(rows, marks)
        if not first:
            return pending
        if self._executor is None:
            for (mark, row), derived in zip(
                first.items(), self._derive(list(first.values())), strict=True
            ):
                self._settle(mark, row, derived)
            return pending
        self.derived_now += len(first)
        size = self._chunk_size(len(first))
        pending.futures = self._start(list(first.values()), size)
        for i, (mark, row) in enumerate(first.items()):
            self._in_flight[mark] = (pending.futures[i // size], i % size, row)
        return pending

    def finish(self, pending: Pending) -> list[int]:
        """The id of each statement's facts (waiting for the pool when it must).

        The first statement of a fingerprint was derived in its context; its flags say what
        else its facts depend on: the literals (then each text is its own key) and the context
        (then the key includes the database and schema). Statements whose own key is new are
        derived now."""
        for mark in pending.marks:
            flight = self._in_flight.pop(mark, None)
            if flight is not None:
                future, index, row = flight
                self._settle(mark, row, future.result()[index])
        keys = [
            _specific_key(mark, self.entries[mark], *row)
            for mark, row in zip(pending.marks, pending.rows, strict=True)
        ]
        misses: dict[str, Row] = {}
        for key, row in zip(keys, pending.rows, strict=True):
            if key not in self.entries and key not in misses:
                misses[key] = row
        for key, derived in zip(misses, self._derive(list(misses.values())), strict=True):
            self.entries[key] = derived
        return [self._id(key, row[0]) for key, row in zip(keys, pending.rows, strict=True)]

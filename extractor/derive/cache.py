"""Derive once per distinct statement: the cache, and the process pool that fills it.

Query logs repeat the same statements thousands of times with other literals. A statement is
keyed by its context and fingerprint (parse.fingerprint: literals replaced) when derive says no
literal of it can change its facts (``Derived.literal_free``), else by its exact text. Misses are
derived in a process pool of ``workers`` processes; hits cost a regex and a hash. The entries can
be saved in the output folder so that a nightly run derives only what it has not seen before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor

from extractor.derive import Context, derive_statement
from extractor.facts import Derived
from extractor.parse import fingerprint, is_read_only

CHUNK = 64  # statements per task sent to a worker
READ_KEY = "r:"  # every pure read shares these facts: none
READ = Derived(statement_kind="READ", literal_free=True, context_free=True)
RECENT_TEXTS = 20_000  # texts whose key is remembered; the memo is cleared when full


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


class StatementCache:
    """Derived facts by statement key, each key also given a small integer id for the rows."""

    def __init__(self, entries: dict[str, Derived] | None = None, workers: int = 1) -> None:
        self.entries: dict[str, Derived] = {**(entries or {}), READ_KEY: READ}
        self.ids: dict[str, int] = {}
        self.by_id: list[Derived] = []
        self.error_hashes: dict[int, str] = {}
        self.derived_now = 0
        self._recent_keys: dict[str, str] = {}
        self._executor: Executor | None = ProcessPoolExecutor(workers) if workers > 1 else None

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
            if len(memo) >= RECENT_TEXTS:
                memo.clear()
            memo[text] = found
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

    def _derive(self, items: list[tuple[str, str, str]]) -> list[Derived]:
        self.derived_now += len(items)
        if self._executor is None or len(items) < 2 * CHUNK:
            return derive_chunk(items)
        chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
        return [d for part in self._executor.map(derive_chunk, chunks) for d in part]

    def ids_for(
        self, texts: Sequence[str], databases: Sequence[str], schemas: Sequence[str]
    ) -> list[int]:
        """The id of each statement's facts, deriving (in parallel) those not seen before.

        The first statement of a fingerprint is derived in its context; its flags say what else
        its facts depend on: the literals (then each text is its own key) and the context (then
        the key includes the database and schema)."""
        rows = list(zip(texts, databases, schemas, strict=True))
        marks = [self._key(text) for text, _, _ in rows]
        first: dict[str, tuple[str, str, str]] = {}
        for mark, row in zip(marks, rows, strict=True):
            if mark not in self.entries and mark not in first:
                first[mark] = row
        for mark, derived in zip(first, self._derive(list(first.values())), strict=True):
            self.entries[mark] = derived
            self.entries.setdefault(_specific_key(mark, derived, *first[mark]), derived)
        keys = [
            _specific_key(mark, self.entries[mark], *row)
            for mark, row in zip(marks, rows, strict=True)
        ]
        misses: dict[str, tuple[str, str, str]] = {}
        for key, row in zip(keys, rows, strict=True):
            if key not in self.entries and key not in misses:
                misses[key] = row
        for key, derived in zip(misses, self._derive(list(misses.values())), strict=True):
            self.entries[key] = derived
        return [self._id(key, text) for key, (text, _, _) in zip(keys, rows, strict=True)]

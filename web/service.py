"""The matching service for the web: one store and one Matcher per process, shared by threads."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from flask import current_app

from embeddings import EncoderUnavailableError, VectorIndexError
from matcher.index.indexing import refresh_index
from matcher.ingest.importer import write_records
from matcher.ingest.records import OrgRecord
from matcher.retrieval.matcher import Matcher
from matcher.settings import Settings
from matcher.store.session import Store, open_store

CACHE_SIZE = 512  # results kept per process (a few MB)


class IndexUnavailable(RuntimeError):
    """The index is missing, stale or built with another encoder; the message says what to run."""


class Service:
    """Holds the Matcher (catalogue + FAISS index) and swaps it whole after a write.

    Reads never take the lock: a request grabs the current reference once and uses that object
    throughout, so a reload in another thread cannot change it under its feet. Writes (import,
    re-index) are serialised by the lock and publish the new Matcher with one assignment.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store: Store = open_store(settings)
        self._lock = threading.Lock()
        self._matcher: Matcher | None = None
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self._cache_lock = threading.Lock()

    def matcher(self) -> Matcher:
        """The shared Matcher, loaded on first use; IndexUnavailable when there is no index."""
        m = self._matcher
        if m is not None:
            return m
        with self._lock:
            if self._matcher is None:
                self._matcher = self._load()
            return self._matcher

    def run(self, find: Callable[[Matcher, Any], Any], query: Hashable) -> Any:
        """``find(matcher, query)``, remembered for the current Matcher: officers repeat and
        refine searches, switch language and open the JSON of what they see. The queries and
        results are frozen dataclasses; a reload starts a new cache (the key holds the
        Matcher), so an import is visible at once."""
        m = self.matcher()
        key = (id(m), find.__module__, find.__qualname__, query)
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        result = find(m, query)
        with self._cache_lock:
            self._cache[key] = result
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return result

    def _load(self) -> Matcher:
        try:
            return Matcher(self.store, self.settings)
        except (VectorIndexError, EncoderUnavailableError) as error:
            raise IndexUnavailable(
                f"the match index is not available ({error}); run `musubi index`"
            ) from None

    def import_records(self, records: Sequence[OrgRecord]) -> tuple[int, int]:
        """Write validated records, refresh the index and publish a fresh Matcher."""
        with self._lock:
            created, updated = write_records(self.store, records)
            refresh_index(self.store, self.settings)
            self._matcher = self._load()
            self._clear_cache()
        return created, updated

    def _clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    def reload(self) -> None:
        """Reload the catalogue and index (after another process changed the store)."""
        with self._lock:
            self._matcher = self._load()
            self._clear_cache()


def get_service() -> Service:
    return current_app.extensions["musubi"]


def get_matcher() -> Matcher:
    return get_service().matcher()

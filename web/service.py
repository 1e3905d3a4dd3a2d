"""The matching service for the web: one store and one Matcher per process, shared by threads."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from embeddings import EncoderUnavailableError, VectorIndexError
from matcher.index.distributed import DaskError
from matcher.index.indexing import refresh_index
from matcher.ingest.importer import write_records
from matcher.ingest.log import ImportOrigin
from matcher.ingest.records import OrgRecord
from matcher.retrieval.matcher import Matcher, pending_notice
from matcher.settings import Settings
from matcher.store.session import Store, open_store
from web import memory

CACHE_SIZE = 512  # results kept per process (a few MB)
#: How often (seconds) a request may ask the store whether another process changed it: one
#: indexed single-row query, so at most two a second whatever the load.
CHECK_SECONDS = 0.5

log = logging.getLogger(__name__)


class IndexUnavailable(RuntimeError):
    """The index is missing, stale or built with another encoder; the message says what to run."""


@dataclass(frozen=True)
class Loaded:
    """A published Matcher, the store generation it was loaded at, and its serial number
    (distinct for every Matcher a Service publishes: the result cache's key, where ``id()``
    could be reused once a replaced Matcher is freed)."""

    matcher: Matcher
    generation: int
    serial: int


class Service:
    """Holds the Matcher (catalogue + FAISS index) and swaps it whole after a write.

    Reads never take the lock: a request grabs the current reference once and uses that object
    throughout, so a reload in another thread cannot change it under its feet. Writes (import,
    re-index) are serialised by the lock and publish the new Matcher with one assignment.

    Another process may change the store (`musubi import`, `musubi index`): every import and
    index run counts a store generation, and at most every ``check_seconds`` a request compares
    it with the one the Matcher was loaded at. The request that sees a change (once no import
    or index run holds the store's writer lock) starts loading the new Matcher on a thread of
    its own; requests, that one included, keep reading the current one until it is published.
    """

    def __init__(self, settings: Settings, *, check_seconds: float = CHECK_SECONDS) -> None:
        self.settings = settings
        self.store: Store = open_store(settings)
        self.check_seconds = check_seconds
        self._lock = threading.Lock()
        self._loaded: Loaded | None = None
        self._serials = itertools.count(1)
        self._checked_at = time.monotonic()
        self._failed_generation: int | None = None  # a reload that failed, not retried
        self._reloader: threading.Thread | None = None
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self._cache_lock = threading.Lock()

    def matcher(self) -> Matcher:
        """The shared Matcher, loaded on first use and again when the store has changed;
        IndexUnavailable when there is no index."""
        return self.current().matcher

    def current(self) -> Loaded:
        loaded = self._loaded
        if loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._publish()
                return self._loaded
        if self._check_due():
            self._reload_if_changed(loaded)
            return self._loaded
        return loaded

    def run(self, find: Callable[[Matcher, Any], Any], query: Hashable) -> Any:
        """``find(matcher, query)``, remembered for the current Matcher: officers repeat and
        refine searches, switch language and open the JSON of what they see. The queries and
        results are frozen dataclasses; a reload starts a new cache (the key holds the
        Matcher's serial), so an import is visible at once."""
        loaded = self.current()
        key = (loaded.serial, find.__module__, find.__qualname__, query)
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        result = find(loaded.matcher, query)
        with self._cache_lock:
            self._cache[key] = result
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return result

    def _check_due(self) -> bool:
        now = time.monotonic()
        if now - self._checked_at < self.check_seconds:
            return False
        self._checked_at = now
        return True

    def _reload_if_changed(self, loaded: Loaded) -> None:
        try:
            generation = self.store.generation()
        except sa.exc.SQLAlchemyError as error:  # a store hiccup must not stop reading
            log.warning("cannot read the store generation: %s", error)
            return
        if generation == loaded.generation or generation == self._failed_generation:
            return
        if self.store.writer_busy():
            return  # an import or index run is under way: reload once, when it is done
        if not self._lock.acquire(blocking=False):
            return  # another thread is loading or importing: keep answering from this one
        if self._loaded is not loaded:
            self._lock.release()  # published meanwhile
            return
        # Loading takes 0.3 s at the demo's size and tens of seconds at 10^5 organisations: a
        # thread of its own does it, and releases the lock, while this request goes on.
        self._reloader = threading.Thread(
            target=self._reload, args=(generation,), name="musubi-reload", daemon=True
        )
        self._reloader.start()

    def _reload(self, generation: int) -> None:
        """Load and publish the Matcher of the store as it is now (holding ``_lock``)."""
        try:
            self._publish()
            self._failed_generation = None
        except IndexUnavailable as error:
            # Keep serving the Matcher in memory; `musubi index` will count a new generation.
            log.warning("store generation %d: not reloaded: %s", generation, error)
            self._failed_generation = generation
        except Exception:
            log.exception("store generation %d: not reloaded", generation)
            self._failed_generation = generation
        finally:
            self._lock.release()

    def wait_for_reload(self, timeout: float | None = None) -> None:
        """Wait until a reload under way (if any) has published its Matcher."""
        reloader = self._reloader
        if reloader is not None:
            reloader.join(timeout)

    def _publish(self) -> None:
        """Load a Matcher and publish it with one assignment (hold ``_lock``)."""
        # The generation is read first: a change during the load shows at the next check.
        generation = self.store.generation()
        matcher = self._load()
        self._loaded = Loaded(matcher, generation, next(self._serials))
        self._clear_cache()
        memory.trim()  # what the Matcher before this one freed, back to the OS
        notice = pending_notice(matcher.catalogue)
        if notice:
            log.warning("store generation %d: %s", generation, notice)

    def _load(self) -> Matcher:
        try:
            return Matcher(self.store, self.settings)
        except (VectorIndexError, EncoderUnavailableError) as error:
            raise IndexUnavailable(
                f"the match index is not available ({error}); run `musubi index`"
            ) from None

    def import_records(self, records: Sequence[OrgRecord], origin: ImportOrigin) -> tuple[int, int]:
        """Write validated records (logged as from ``origin``), refresh the index and publish a
        fresh Matcher."""
        with self._lock:
            created, updated = write_records(self.store, records, origin=origin)
            try:
                refresh_index(self.store, self.settings)
            except DaskError as error:
                # The records are in the store; the index catches up on the next index run.
                raise IndexUnavailable(
                    f"imported {created} new and {updated} updated organisation(s), but the "
                    f"index was not refreshed ({error}); run `musubi index`"
                ) from None
            self._publish()
        return created, updated

    def _clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    def reload(self) -> None:
        """Reload the catalogue and index now (requests also do when the store changed)."""
        with self._lock:
            self._publish()


def get_service() -> Service:
    return current_app.extensions["musubi"]


def get_matcher() -> Matcher:
    return get_service().matcher()

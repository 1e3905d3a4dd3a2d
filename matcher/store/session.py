"""Store: database engine, sessions and schema migrations (SQLite by default, PostgreSQL too)."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from matcher.settings import Settings
from matcher.store.models import StoreGeneration, utcnow

T = TypeVar("T")

#: Keeps ``IN (…)`` lists and executemany batches well below every backend's parameter limit.
CHUNK = 500


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


MIGRATIONS = Path(__file__).parent / "migrations"

#: PostgreSQL advisory lock key of the store's writer lock: "musubi" and 1 in ASCII hex.
WRITER_LOCK_KEY = 0x6D7573756269_0001


class Store:
    """A database with the current schema; ``session()`` opens a unit of work."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _engine(url)
        self.session = so.sessionmaker(self.engine, expire_on_commit=False)
        self._has_generation: bool | None = None
        self._writer = threading.local()  # how deep this thread is in ``writer()``
        self._memory_lock = threading.Lock()  # the writer lock of an in-memory database

    def migrate(self) -> None:
        """Bring the schema to the newest revision; a no-op (and no write) when it is there."""
        if self.revision() == head_revision():
            return
        with self.engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def close(self) -> None:
        self.engine.dispose()

    # ---- the generation: what a running server compares to know it must reload ----------

    def generation(self) -> int:
        """How many imports and index runs have changed the store (one indexed query)."""
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.select(StoreGeneration.generation).where(StoreGeneration.id == 1)
            ).scalar()
        return found or 0

    def bump_generation(self, session: so.Session) -> None:
        """Count one change, inside the caller's transaction so it commits with the change."""
        if self._has_generation is None:
            # A store opened without migrating may predate the table (tests build such stores).
            self._has_generation = sa.inspect(session.connection()).has_table("store_generation")
        if not self._has_generation:
            return
        bumped = session.execute(
            sa.update(StoreGeneration)
            .where(StoreGeneration.id == 1)
            .values(generation=StoreGeneration.generation + 1, changed_at=utcnow())
        )
        if bumped.rowcount == 0:
            session.add(StoreGeneration(id=1, generation=1, changed_at=utcnow()))

    # ---- the writer lock: one import or index run at a time, across processes -------------

    @contextmanager
    def writer(self, on_wait: Callable[[], object] | None = None) -> Iterator[None]:
        """Hold the store's writer lock: imports and index runs take it, so two of them never
        interleave (they raced on the ``texts`` table). It holds across processes and
        threads, and the operating system or the database frees it when a holder dies:
        PostgreSQL an advisory lock of the session; SQLite ``flock`` on a file beside the
        database. ``on_wait()`` is called once when another holder makes this one wait.
        Re-entrant within a thread."""
        depth = getattr(self._writer, "depth", 0)
        if depth:
            self._writer.depth = depth + 1
            try:
                yield
            finally:
                self._writer.depth = depth
            return
        with self._lock(on_wait or (lambda: None)):
            self._writer.depth = 1
            try:
                yield
            finally:
                self._writer.depth = 0

    def writer_busy(self) -> bool:
        """Whether another thread or process holds the writer lock now (an import or an index
        run is under way): taken and given back at once, never waited for."""
        if getattr(self._writer, "depth", 0):
            return False
        try:
            with self._lock(_give_up):
                return False
        except _Busy:
            return True
        except OSError:  # a lock file this process may not create: it cannot write either
            return False

    @contextmanager
    def _lock(self, on_wait: Callable[[], object]) -> Iterator[None]:
        if self.engine.dialect.name == "postgresql":
            with _advisory_lock(self.engine, on_wait):
                yield
            return
        database = self.engine.url.database
        if not database or database == ":memory:":
            with _thread_lock(self._memory_lock, on_wait):  # only this process sees it
                yield
            return
        path = Path(database).expanduser()
        with _file_lock(path.with_name(path.name + ".lock"), on_wait):
            yield


def open_store(settings: Settings, *, migrate: bool = True) -> Store:
    """Open the store named by ``settings``, creating the home directory for SQLite."""
    url = settings.url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
    store = Store(url)
    if migrate:
        store.migrate()
    return store


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _engine(url: str) -> sa.Engine:
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)
    engine = sa.create_engine(url)

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):  # noqa: ANN001
        # SQLite ignores ON DELETE CASCADE unless asked, per connection.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


class _Busy(Exception):
    """The writer lock is held elsewhere (``writer_busy`` asks without waiting)."""


def _give_up() -> None:
    raise _Busy


@contextmanager
def _advisory_lock(engine: sa.Engine, on_wait: Callable[[], object]) -> Iterator[None]:
    # AUTOCOMMIT: the lock belongs to the session, and no transaction stays open while held.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        key = {"key": WRITER_LOCK_KEY}
        if not connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), key).scalar():
            on_wait()
            connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), key)
        try:
            yield
        finally:
            connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), key)


@contextmanager
def _file_lock(path: Path, on_wait: Callable[[], object]) -> Iterator[None]:
    # flock belongs to this open file: other processes, and other threads opening the file
    # themselves, wait; the kernel frees it when the process dies, even by kill -9.
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


@contextmanager
def _thread_lock(lock: threading.Lock, on_wait: Callable[[], object]) -> Iterator[None]:
    if not lock.acquire(blocking=False):
        on_wait()
        lock.acquire()
    try:
        yield
    finally:
        lock.release()

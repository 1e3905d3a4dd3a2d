"""Store: database engine, sessions and schema migrations (SQLite by default, PostgreSQL too)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from matcher.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


class Store:
    """A database with the current schema; ``session()`` opens a unit of work."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _engine(url)
        self.session = so.sessionmaker(self.engine, expire_on_commit=False)

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


def _engine(url: str) -> sa.Service:
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

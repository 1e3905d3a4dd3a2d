"""Alembic environment: migrates the connection Musubi hands over, or the MUSUBI_* store."""

from alembic import context

from matcher.settings import load_settings
from matcher.store.models import Base
from matcher.store.session import Store, open_store

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url")
        store = Store(url) if url else open_store(load_settings(), migrate=False)
        with store.engine.begin() as connection:
            _migrate(connection)
        return
    _migrate(connection)


def _migrate(connection) -> None:  # noqa: ANN001
    # Batch mode lets later revisions ALTER tables on SQLite, which cannot alter in place.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()

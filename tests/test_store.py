"""The store: migrations from an empty database match the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from matcher.settings import load_settings
from matcher.store.models import Base, Organisation
from matcher.store.session import Store, head_revision, open_store


def test_empty_database_migrates_to_head(store: Store) -> None:
    assert store.revision() == head_revision()
    tables = set(sa.inspect(store.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_migrations_match_the_models(store: Store) -> None:
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == [], "models changed without a migration: run `alembic revision --autogenerate`"


def test_migrate_is_idempotent(store: Store) -> None:
    store.migrate()
    store.migrate()
    assert store.revision() == head_revision()


def test_deleting_an_organisation_cascades(store: Store, sample_file) -> None:  # noqa: ANN001
    from matcher.ingest.importer import load_records, write_records
    from matcher.store.models import Need, Organisation

    records, _, _ = load_records(sample_file)
    assert write_records(store, records) == (3, 0)
    with store.session.begin() as session:
        session.execute(sa.delete(Organisation).where(Organisation.ext_id == "mu-001"))
    with store.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Need)) == 1


def test_sqlite_home_is_created(tmp_path) -> None:  # noqa: ANN001
    settings = load_settings({"home": str(tmp_path / "a" / "b")}, environ={})
    store = open_store(settings)
    assert (tmp_path / "a" / "b" / "musubi.db").exists()
    store.close()


def test_upgrade_keeps_existing_data(home, sample_file) -> None:  # noqa: ANN001
    """A store made by the first release keeps its organisations through every later migration."""
    from alembic import command

    from matcher.ingest.importer import load_records
    from matcher.store.session import alembic_config

    settings = load_settings({"home": str(home)}, environ={})
    old = open_store(settings, migrate=False)
    with old.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    assert old.revision() == "0001"
    records, _, _ = load_records(sample_file)
    # Rows as the first release wrote them: today's importer writes columns added since.
    with old.engine.begin() as connection:
        table = sa.Table("organisations", sa.MetaData(), autoload_with=connection)
        connection.execute(
            table.insert(),
            [
                {
                    "ext_id": r.id,
                    "kind": r.kind,
                    "name": r.name,
                    "prefecture": r.prefecture,
                    "description": r.description,
                    "public_sector_record": 0,
                    "updated_at": datetime(2026, 1, 1),
                }
                for r in records
            ],
        )
    old.close()

    upgraded = open_store(settings)
    assert upgraded.revision() == head_revision()
    with upgraded.session() as session:
        names = session.scalars(sa.select(Organisation.name).order_by(Organisation.id)).all()
    assert names == [r.name for r in records]
    upgraded.close()

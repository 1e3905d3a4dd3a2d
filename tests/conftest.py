"""Shared fixtures: a temporary home, stores on SQLite and PostgreSQL, and the CLI runner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from matcher.settings import Settings, load_settings
from matcher.store.session import Store, open_store
from support import SAMPLE, Musubi, write_jsonl

POSTGRES_URL = os.environ.get("MUSUBI_TEST_POSTGRES_URL")


@pytest.fixture
def sample_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "sample.jsonl", SAMPLE)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def settings(home: Path) -> Settings:
    return load_settings({"home": str(home)}, environ={})


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def postgres_url() -> str:
    if not POSTGRES_URL:
        if os.environ.get("MUSUBI_REQUIRE_POSTGRES"):
            pytest.fail("MUSUBI_REQUIRE_POSTGRES is set but MUSUBI_TEST_POSTGRES_URL is not")
        pytest.skip("no PostgreSQL server: set MUSUBI_TEST_POSTGRES_URL to run this test on it")
    _reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture
def postgres() -> str:
    """The test PostgreSQL's URL, its schema wiped (skips the test without one)."""
    return postgres_url()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, home: Path) -> str:
    """The store's URL on each backend: SQLite in the temporary home, or the test PostgreSQL."""
    if request.param == "postgres":
        return postgres_url()
    return f"sqlite:///{home / 'musubi.db'}"


@pytest.fixture
def store(database_url: str, home: Path) -> Iterator[Store]:
    store = open_store(load_settings({"home": str(home), "database_url": database_url}, {}))
    yield store
    store.close()


@pytest.fixture
def musubi(home: Path, database_url: str) -> Musubi:
    return Musubi(home, database_url)


@pytest.fixture
def musubi_sqlite(home: Path) -> Musubi:
    return Musubi(home)

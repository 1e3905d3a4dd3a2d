"""Shared fixtures: a temporary home, stores on SQLite and PostgreSQL, and the CLI runner."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from matcher.cli import main
from matcher.settings import Settings, load_settings
from matcher.store import Store, open_store

POSTGRES_URL = os.environ.get("MUSUBI_TEST_POSTGRES_URL")

SAMPLE = [
    {
        "id": "mu-001",
        "kind": "municipality",
        "name": "旭川市 総合政策部",
        "prefecture": "北海道",
        "city": "旭川市",
        "description": "冬季の道路除雪と独居高齢者の見守りが大きな課題です。",
        "tags": ["除雪", "高齢者見守り"],
        "needs": [
            {
                "title": "独居高齢者の見守り",
                "description": "訪問に頼らない見守りの仕組みを探しています。",
                "budget_jpy": 3000000,
                "trial_order": True,
            }
        ],
        "collaborations": ["st-001"],
    },
    {
        "id": "st-001",
        "kind": "startup",
        "name": "株式会社ミマモリテック",
        "name_en": "Mimamori Tech",
        "prefecture": "40",
        "city": "福岡市",
        "description": "電力センサーで高齢者の生活リズムを見守るサービスを提供します。",
        "tags": ["IoT", "高齢者見守り"],
        "offers": [{"title": "電力センサー見守り", "description": "工事不要で設置できます。"}],
        "employees": 25,
        "founded": 2018,
        "certifications": ["J-Startup"],
        "public_sector_record": 4,
    },
    {
        "id": "un-001",
        "kind": "university",
        "name": "北星工業大学",
        "prefecture": "Miyagi",
        "description": "積雪環境でのロボット研究を行っています。",
        "offers": [{"title": "除雪ロボットの自律走行"}],
        "needs": [{"title": "実証フィールドを持つ自治体"}],
    },
]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


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


class Musubi:
    """Runs `musubi --home HOME [--database-url URL] …` in-process and keeps the result."""

    def __init__(self, home: Path, database_url: str | None = None) -> None:
        self.home = home
        self.database_url = database_url
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):  # noqa: A002
        options = ["--home", str(self.home)]
        if self.database_url:
            options += ["--database-url", self.database_url]
        return self.runner.invoke(main, [*options, *args], input=input, catch_exceptions=False)


@pytest.fixture
def musubi(home: Path, database_url: str) -> Musubi:
    return Musubi(home, database_url)


@pytest.fixture
def musubi_sqlite(home: Path) -> Musubi:
    return Musubi(home)

"""Web fixtures in the Flask tutorial's style: app, client, runner, auth — over one seed corpus.

The corpus (300 seed organisations, the deterministic hashing encoder) is built once per test
session; read-only tests share one loaded service across apps, tests that write get a copy.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

import seeds
from matcher.index.indexing import refresh_index
from matcher.ingest.importer import write_records
from matcher.ingest.records import validate
from matcher.settings import load_settings
from matcher.store.accounts import create_coordinator
from matcher.store.session import open_store
from web import create_app
from web.service import Service

COORDINATOR = ("tanaka", "correct horse battery")
# The hashing encoder sees only shared character n-grams, so fits run lower than with the real
# models: a lower bar lets consortia form on the small test corpus.
MUSUBI = {"encoder": "hashing"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _settings(home: Path):  # noqa: ANN202
    return load_settings({"home": str(home), **MUSUBI}, environ={})


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A home with 300 seed organisations, indexed, and one coordinator with an API token."""
    home = tmp_path_factory.mktemp("web-corpus")
    settings = _settings(home)
    store = open_store(settings)
    records = []
    for line, raw in enumerate(seeds.build_corpus(300), start=1):
        record, problems = validate(raw, line)
        assert record is not None, problems
        records.append(record)
    write_records(store, records)
    refresh_index(store, settings)
    token = create_coordinator(store, *COORDINATOR).token
    store.close()
    return {"home": home, "token": token}


@pytest.fixture(scope="session")
def shared_service(corpus: dict) -> Service:
    return Service(_settings(corpus["home"]))


def make_app(home: Path, service: Service | None = None, **config) -> Flask:  # noqa: ANN003
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "MUSUBI": {"home": str(home), **MUSUBI},
            "SERVICE": service,
            **config,
        }
    )


@pytest.fixture
def app(corpus: dict, shared_service: Service) -> Flask:
    """An app over the shared corpus: for tests that only read."""
    return make_app(corpus["home"], shared_service)


@pytest.fixture
def writable_app(corpus: dict, tmp_path: Path) -> Iterator[Flask]:
    """An app over a private copy of the corpus: for tests that import or curate."""
    home = tmp_path / "home"
    shutil.copytree(corpus["home"], home)
    app = make_app(home)
    yield app
    app.extensions["musubi"].store.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # noqa: ANN201
    return app.test_cli_runner()


@pytest.fixture
def token(corpus: dict) -> str:
    return corpus["token"]


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on ``path`` (what a browser would post back)."""
    html = client.get(path).get_data(as_text=True)
    found = CSRF.search(html)
    assert found, f"no csrf_token on {path}"
    return found.group(1)


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, name: str = COORDINATOR[0], password: str = COORDINATOR[1]):  # noqa: ANN201
        token = csrf_token(self._client, "/login")
        return self._client.post(
            "/login", data={"name": name, "password": password, "csrf_token": token}
        )

    def logout(self):  # noqa: ANN201
        token = csrf_token(self._client, "/")
        return self._client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: end-to-end in Debian's Chromium (skipped without it, unless CI=true)"
    )

"""The web service's one Matcher: replaced ones are freed, and other processes' writes show.

A server must see `musubi import` run in another process, without a restart and without
making readers wait, and must not keep the Matchers it replaced: every import used to leave
one behind in memory (class-wide ``lru_cache`` on methods held them).
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
import weakref
from pathlib import Path

import pytest
from conftest import MUSUBI
from flask import Flask

from matcher.ingest.log import ImportOrigin
from matcher.ingest.records import validate
from matcher.modes.joint import joint
from matcher.modes.partners import partners
from matcher.modes.procurement import procurement
from matcher.modes.queries import build_query
from web.service import Service

ROOT = Path(__file__).resolve().parents[2]
NEW_ORG = {
    "id": "st-new-001",
    "kind": "startup",
    "name": "株式会社ユキミチ",
    "prefecture": "北海道",
    "description": "除雪車の運行をAIで最適化し、冬の道路の除雪を省力化します。",
    "tags": ["除雪", "AI"],
    "offers": [{"title": "除雪ルート最適化", "description": "除雪車の経路を自動で計画します。"}],
    "needs": [{"title": "実証に協力いただける自治体を募集"}],
}


def musubi(home: Path, *args: str) -> subprocess.CompletedProcess:
    """`musubi` in another process, on the web corpus's settings."""
    options = [f"--{k.replace('_', '-')}={v}" for k, v in MUSUBI.items()]
    command = [str(Path(sys.executable).parent / "musubi"), "--home", str(home), *options]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )


@pytest.fixture
def service(writable_app: Flask) -> Service:
    service = writable_app.extensions["musubi"]
    service.check_seconds = 0  # compare the generation on every request
    return service


def exercise(service: Service) -> None:
    """A query of every mode, so every memo of the Matcher holds something."""
    m = service.matcher()
    municipality = next(o for o in m.catalogue.orgs.values() if o.needs)
    service.run(procurement, build_query("procurement", {"text": "独居高齢者の見守り"}))
    service.run(partners, build_query("partners", {"org": municipality.ext_id}))
    service.run(joint, build_query("joint", {"org": municipality.ext_id}))


def test_a_replaced_matcher_is_freed(service: Service) -> None:
    exercise(service)
    old = service.matcher()
    main = old.search.index  # the main index: kept, and shared by the next Matcher
    parts = [old, old.catalogue, old.search, old.lexical]
    refs = [weakref.ref(p) for p in parts]
    assert len(old.search._allowed) and len(old.lexical._scores) and len(old.lexical._masks)
    del old, parts

    service.reload()
    exercise(service)
    record, problems = validate(NEW_ORG, 1)
    assert record is not None, problems
    origin = ImportOrigin("tanaka", "new.jsonl", "jsonl", "api")
    service.import_records([record], origin)  # the other way a Matcher is replaced
    exercise(service)
    gc.collect()

    assert [r() for r in refs] == [None] * len(refs)
    assert service.matcher().search.index.main is main  # the import wrote only a delta


def test_a_matcher_is_kept_while_the_store_is_unchanged(service: Service) -> None:
    first = service.matcher()
    service.store.generation()  # reading does not count
    assert service.matcher() is first
    assert service.current().generation == service.store.generation()


def test_an_import_by_another_process_shows_without_a_restart(
    writable_app: Flask, service: Service, tmp_path: Path
) -> None:
    client = writable_app.test_client()
    before = service.matcher()
    assert client.get(f"/api/orgs/{NEW_ORG['id']}").status_code == 404
    assert client.get("/api/match/partners", query_string={"org": NEW_ORG["id"]}).status_code == 404

    path = tmp_path / "new.jsonl"
    path.write_text(json.dumps(NEW_ORG, ensure_ascii=False) + "\n", "utf-8")
    done = musubi(service.settings.home_path, "import", str(path))
    assert done.returncode == 0, done.stderr
    # The next request sees the new generation and starts loading; once that is done, pages
    # and the API show the import.
    client.get("/api/orgs", query_string={"q": NEW_ORG["id"]})
    service.wait_for_reload()

    listed = client.get("/api/orgs", query_string={"q": NEW_ORG["id"]}).get_json()
    assert [o["id"] for o in listed["orgs"]] == [NEW_ORG["id"]]
    found = client.get("/api/match/partners", query_string={"org": NEW_ORG["id"]})
    assert found.status_code == 200, found.get_data(as_text=True)
    assert found.get_json()["results"]
    assert service.matcher() is not before
    assert service.current().generation == service.store.generation()


def test_readers_do_not_wait_for_a_reload(service: Service) -> None:
    """While another thread holds the lock (loading, or importing), a request that sees a new
    generation answers from the Matcher it has instead of waiting."""
    current = service.matcher()
    with service.store.session.begin() as session:
        service.store.bump_generation(session)  # as another process's import would
    answered: list = []
    with service._lock:
        reader = threading.Thread(target=lambda: answered.append(service.matcher()))
        reader.start()
        reader.join(timeout=60)
        assert not reader.is_alive(), "a reader waited for the lock"
    assert answered == [current]
    # Once the lock is free, the next request starts loading the new generation; it and the
    # requests after it answer from the current Matcher until the new one is published.
    assert service.matcher() is current
    service.wait_for_reload()
    assert service.matcher() is not current
    assert service.current().generation == service.store.generation()


def test_no_reload_while_another_process_is_writing(service: Service) -> None:
    current = service.matcher()
    with service.store.session.begin() as session:
        service.store.bump_generation(session)
    holder_ready, release = threading.Event(), threading.Event()

    def hold() -> None:  # another writer: the lock's owner is another thread here
        with service.store.writer():
            holder_ready.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holder_ready.wait(60)
        assert service.store.writer_busy()
        assert service.matcher() is current  # the import is under way: reload when it is done
    finally:
        release.set()
        holder.join()
    assert not service.store.writer_busy()
    service.matcher()
    service.wait_for_reload()
    assert service.matcher() is not current

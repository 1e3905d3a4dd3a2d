"""JSON API: match modes, organisations, consortia, import; the one error shape, locked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import MUSUBI

from matcher.ingest.log import import_log
from web import create_app

ERROR_KEYS = {"ok", "error", "status"}


def assert_error(response, status: int) -> dict:  # noqa: ANN001
    """The API's one error shape: {"ok": false, "error": text, "status": the HTTP status}."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert ERROR_KEYS <= set(body)
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    return body


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/api/nope", 404),
        ("GET", "/api/orgs/no-such-org", 404),
        ("GET", "/api/match/procurement?top=0&text=x", 400),
        ("GET", "/api/match/procurement", 400),
        ("GET", "/api/match/partners", 400),
        ("GET", "/api/match/joint?org=nobody", 404),
        ("GET", "/api/match/joint?org=st-00001", 400),
        ("DELETE", "/api/stats", 405),
        ("POST", "/api/import", 401),
        ("GET", "/api/consortia/999999", 404),
        ("POST", "/api/consortia/1/status", 401),
    ],
)
def test_every_error_has_one_shape(client, method, url, status) -> None:  # noqa: ANN001
    assert_error(client.open(url, method=method), status)


def test_procurement_mirrors_the_cli_contract(client) -> None:  # noqa: ANN001
    body = client.get(
        "/api/match/procurement", query_string={"text": "独居高齢者の見守り", "top": "5"}
    ).get_json()
    assert body["ok"] is True
    assert body["query"]["text"] == "独居高齢者の見守り"
    assert 1 <= len(body["results"]) <= 5
    item = body["results"][0]
    assert {"id", "name", "kind", "prefecture", "score", "explanation"} <= set(item)
    e = item["explanation"]
    assert set(e) >= {"features", "contributions", "links", "shared_terms", "route_hints"}
    assert sum(e["contributions"].values()) == pytest.approx(item["score"], abs=1e-3)


def test_partners_and_joint(client) -> None:  # noqa: ANN001
    munis = client.get("/api/orgs", query_string={"kind": "municipality"}).get_json()["orgs"]
    org = next(o for o in munis if o["needs"])
    partners = client.get("/api/match/partners", query_string={"org": org["id"]}).get_json()
    assert partners["ok"] and partners["results"]
    # A municipality without offers gains, and gives nothing a partner needs: each pair is a
    # real need and a real offer, never a profile standing in for one.
    gains = {lk["gains"] for r in partners["results"] for lk in r["explanation"]["links"]}
    assert gains == ({"origin", "candidate"} if org["offers"] else {"origin"})
    joint = client.get("/api/match/joint", query_string={"org": org["id"]}).get_json()
    assert joint["ok"] is True
    for item in joint["results"]:
        assert item["kind"] == "municipality" and item["prefecture"] != org["prefecture"]


def test_organisations(client) -> None:  # noqa: ANN001
    listing = client.get("/api/orgs", query_string={"limit": "3", "prefecture": "北海道"})
    body = listing.get_json()
    assert body["ok"] and len(body["orgs"]) <= 3
    assert all(o["prefecture"] == "北海道" for o in body["orgs"])
    one = client.get(f"/api/orgs/{body['orgs'][0]['id']}").get_json()
    assert one["org"]["id"] == body["orgs"][0]["id"]
    stats = client.get("/api/stats").get_json()
    assert stats["stats"]["total"] == 309  # 300 and, beside them, 9 financial institutions


def test_consortium_proposals(client) -> None:  # noqa: ANN001
    body = client.get(
        "/api/consortium", query_string={"theme": "独居高齢者の見守りと健康データ"}
    ).get_json()
    assert body["ok"] and body["proposals"]
    proposal = body["proposals"][0]
    assert len(set(proposal["prefectures"])) >= 2
    assert len({m["kind"] for m in proposal["members"]}) >= 3


def test_openapi_document(client) -> None:  # noqa: ANN001
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/api/match/procurement" in doc["paths"]
    assert doc["components"]["schemas"]["Error"]["required"] == ["ok", "error", "status"]
    index = client.get("/api/").get_json()
    assert "/api/match/procurement" in index["endpoints"]


def test_import_needs_a_token(client) -> None:  # noqa: ANN001
    response = client.post("/api/import", data=b"{}", content_type="application/x-ndjson")
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    bad = client.post(
        "/api/import",
        data=b"{}",
        content_type="application/x-ndjson",
        headers={"Authorization": "Bearer musubi_wrong"},
    )
    assert_error(bad, 401)


def _records(*ids: str) -> bytes:
    lines = [
        {
            "id": i,
            "kind": "startup",
            "name": f"株式会社テスト{i}",
            "prefecture": "福岡県",
            "description": "除雪ロボットの遠隔監視サービスを提供します。",
            "offers": [{"title": "除雪ロボットの遠隔監視"}],
        }
        for i in ids
    ]
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines).encode()


def test_import_through_the_api(writable_app, token) -> None:  # noqa: ANN001
    client = writable_app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    dry = client.post(
        "/api/import?dry_run=true",
        data=_records("t-1"),
        headers=auth,
        content_type="application/x-ndjson",
    )
    assert dry.status_code == 200 and dry.get_json()["valid"] == 1
    assert client.get("/api/orgs/t-1").status_code == 404
    store = writable_app.extensions["musubi"].store
    assert import_log(store) == ()  # a dry run writes nothing, not even a log entry
    done = client.post(
        "/api/import",
        data=_records("t-1", "t-2"),
        headers=auth,
        content_type="application/x-ndjson",
    )
    assert done.status_code == 201, done.get_data(as_text=True)
    assert done.get_json()["created"] == 2
    (entry,) = import_log(store)
    assert (entry.actor, entry.via, entry.source, entry.created) == (
        "tanaka",
        "api",
        "(request body)",
        2,
    )
    # The service reloaded: the new organisations are searchable at once.
    found = client.get(
        "/api/match/procurement", query_string={"text": "除雪ロボットの遠隔監視", "top": "20"}
    ).get_json()
    assert {"t-1", "t-2"} & {r["id"] for r in found["results"]}


def test_an_index_step_that_cannot_run_is_503_and_keeps_the_records(
    corpus: dict, token: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(corpus["home"], home)
    # A plain-TCP scheduler on another host is refused before any work is sent.
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "MUSUBI": {"home": str(home), **MUSUBI, "dask_scheduler": "tcp://192.0.2.1:8786"},
        }
    )
    client = app.test_client()
    response = client.post(
        "/api/import",
        data=_records("d-1"),
        headers={"Authorization": f"Bearer {token}"},
        content_type="application/x-ndjson",
    )
    body = assert_error(response, 503)
    assert "1 new" in body["error"] and "tls://" in body["error"]
    assert "musubi index" in body["error"]
    (entry,) = import_log(app.extensions["musubi"].store)
    assert entry.created == 1  # the records are in the store; the index catches up later
    app.extensions["musubi"].store.close()


def test_import_rejections_list_every_line(writable_app, token) -> None:  # noqa: ANN001
    client = writable_app.test_client()
    data = _records("ok-1") + b'{"id": "bad", "kind": "alien"}\nnot json\n'
    response = client.post(
        "/api/import",
        data=data,
        headers={"Authorization": f"Bearer {token}"},
        content_type="application/x-ndjson",
    )
    body = assert_error(response, 422)
    lines = {p["line"] for p in body["problems"]}
    assert {2, 3} <= lines
    assert client.get("/api/orgs/ok-1").status_code == 404  # nothing was written


def test_import_wrong_content_type_is_415(client, token) -> None:  # noqa: ANN001
    response = client.post(
        "/api/import",
        data=b"<xml/>",
        content_type="application/xml",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert_error(response, 415)


def test_curation_through_the_api(writable_app, token) -> None:  # noqa: ANN001
    client = writable_app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    theme = {"theme": "独居高齢者の見守りと健康データ"}
    saved = client.post("/api/consortia", json={**theme, "reason": "first try"}, headers=auth)
    assert saved.status_code == 201, saved.get_data(as_text=True)
    proposal = saved.get_json()["proposal"]
    pid, version = proposal["id"], proposal["version"]
    moved = client.post(
        f"/api/consortia/{pid}/status",
        json={"status": "shortlisted", "reason": "strong fit", "version": version},
        headers=auth,
    )
    assert moved.status_code == 200 and moved.get_json()["proposal"]["status"] == "shortlisted"
    for path, body in (
        ("status", {"status": "accepted", "reason": "funded"}),
        ("members", {"action": "remove", "member": proposal["members"][0]["id"]}),
    ):  # a decision needs the version it was made on
        unversioned = client.post(f"/api/consortia/{pid}/{path}", json=body, headers=auth)
        assert assert_error(unversioned, 400)["error"].startswith("version is required")
    stale = client.post(
        f"/api/consortia/{pid}/notes", json={"text": "late", "version": version}, headers=auth
    )
    assert_error(stale, 409)  # a version given is checked
    # Without one a note goes on top of the current version: it changes no decision.
    noted = client.post(f"/api/consortia/{pid}/notes", json={"text": "late"}, headers=auth)
    assert noted.status_code == 200, noted.get_data(as_text=True)
    assert noted.get_json()["proposal"]["notes"][-1]["text"] == "late"
    assert_error(
        client.post(
            f"/api/consortia/{pid}/notes",
            data="{oops",
            headers=auth,
            content_type="application/json",
        ),
        400,
    )
    assert_error(
        client.post(
            f"/api/consortia/{pid}/notes",
            data="text=x",
            headers=auth,
            content_type="application/x-www-form-urlencoded",
        ),
        415,
    )
    alts = client.get(
        f"/api/consortia/{pid}/alternatives",
        query_string={"member": proposal["members"][0]["id"]},
    ).get_json()
    assert alts["ok"] and alts["alternatives"]
    history = client.get(f"/api/consortia/{pid}").get_json()
    assert [a["action"] for a in history["audit"]] == ["saved", "status_changed", "note_added"]
    assert history["audit"][1]["actor"] == "tanaka"
    assert client.get("/api/consortia?status=shortlisted").get_json()["proposals"][0]["id"] == pid

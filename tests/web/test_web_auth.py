"""Coordinators: login with a hashed password, CSRF on every form, writes need a login."""

from __future__ import annotations

import io
import json
from html import unescape

import pytest
from conftest import AuthActions, csrf_token

from matcher.ingest.log import import_log

WRITES = [
    ("POST", "/import/"),
    ("POST", "/consortia/save"),
    ("POST", "/consortia/1/status"),
    ("POST", "/consortia/1/notes"),
    ("POST", "/consortia/1/members"),
]


def test_login_and_logout(client, auth) -> None:  # noqa: ANN001
    assert client.get("/login").status_code == 200
    response = auth.login()
    assert response.status_code == 302
    assert "tanaka" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert "tanaka" not in client.get("/").get_data(as_text=True)


def test_wrong_password_is_refused(client, auth) -> None:  # noqa: ANN001
    response = auth.login(password="wrong password")
    assert response.status_code == 401
    assert "名前またはパスワードが違います" in response.get_data(as_text=True)
    assert auth.login(name="nobody").status_code == 401


def test_login_requires_csrf(client) -> None:  # noqa: ANN001
    response = client.post("/login", data={"name": "tanaka", "password": "correct horse battery"})
    assert response.status_code == 400
    assert "tanaka" not in client.get("/").get_data(as_text=True)


def test_login_redirects_only_on_site(client) -> None:  # noqa: ANN001
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={
            "name": "tanaka",
            "password": "correct horse battery",
            "csrf_token": token,
            "next": "https://evil.example/",
        },
    )
    assert response.headers["Location"] == "/consortia/"


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_writes_need_a_login(client, method, path) -> None:  # noqa: ANN001
    token = csrf_token(client, "/login")
    response = client.open(path, method=method, data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_writes_need_csrf_even_logged_in(client, auth, method, path) -> None:  # noqa: ANN001
    auth.login()
    response = client.open(path, method=method, data={})
    assert response.status_code == 400
    assert "フォームの有効期限" in response.get_data(as_text=True)


def test_import_page_shows_row_errors_and_writes_nothing(writable_app) -> None:  # noqa: ANN001
    client = writable_app.test_client()
    AuthActions(client).login()
    rows = (
        "id,kind,name,prefecture,description\n"
        "x-1,startup,株式会社テスト,福岡県,ドローン配送\n"
        "x-2,startup,株式会社テスト2,福丘県,ドローン配送\n"
        "x-1,alien,,福岡県,\n"
    ).encode("cp932")
    token = csrf_token(client, "/import/")
    response = client.post(
        "/import/",
        data={"csrf_token": token, "file": (io.BytesIO(rows), "orgs.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "福丘県" in html and "何も取り込んでいません" in html
    assert '<td class="num">3</td>' in html and '<td class="num">4</td>' in html
    assert client.get("/api/orgs/x-1").status_code == 404


def test_import_page_writes_a_valid_file(writable_app) -> None:  # noqa: ANN001
    client = writable_app.test_client()
    AuthActions(client).login()
    record = {
        "id": "y-1",
        "kind": "university",
        "name": "テスト大学",
        "prefecture": "Miyagi",
        "description": "積雪環境のロボット研究",
        "offers": [{"title": "除雪ロボット"}],
    }
    data = (json.dumps(record, ensure_ascii=False) + "\n").encode()
    response = client.post(
        "/import/",
        data={"csrf_token": csrf_token(client, "/import/"), "file": (io.BytesIO(data), "o.jsonl")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "取り込みました" in response.get_data(as_text=True)
    assert client.get("/orgs/y-1").status_code == 200
    # The import log says who imported which file, by which door, and what it changed.
    (entry,) = import_log(writable_app.extensions["musubi"].store)
    assert (entry.actor, entry.via, entry.source, entry.format) == (
        "tanaka",
        "web",
        "o.jsonl",
        "jsonl",
    )
    assert (entry.created, entry.updated, entry.address) == (1, 0, "127.0.0.1")


def test_coordinator_builds_saves_and_curates(writable_app) -> None:  # noqa: ANN001
    client = writable_app.test_client()
    AuthActions(client).login()
    theme = "独居高齢者の見守りと健康データ"
    page = client.get("/consortia/", query_string={"theme": theme}).get_data(as_text=True)
    assert "この座組みを保存" in page
    token = csrf_token(client, f"/consortia/?theme={theme}")
    saved = client.post(
        "/consortia/save", data={"csrf_token": token, "theme": theme, "k": "0", "reason": "候補"}
    )
    assert saved.status_code == 302
    gone = client.post("/consortia/save", data={"csrf_token": token, "theme": theme, "k": "9"})
    # Pages number proposals from 1: the tenth (k=9) is 提案 10.
    assert gone.status_code == 400 and "提案 10 はもうありません" in gone.get_data(as_text=True)
    detail_url = saved.headers["Location"]
    pid = int(detail_url.rstrip("/").split("/")[-1])
    view = client.get(f"/api/consortia/{pid}").get_json()["proposal"]
    moved = client.post(
        f"/consortia/{pid}/status",
        data={"csrf_token": token, "status": "shortlisted", "reason": "良い", "version": "1"},
    )
    assert moved.status_code == 302
    no_reason = client.post(
        f"/consortia/{pid}/status",
        data={"csrf_token": token, "status": "contacted", "reason": "", "version": "2"},
    )
    assert no_reason.status_code == 400
    stale = client.post(
        f"/consortia/{pid}/status",
        data={"csrf_token": token, "status": "contacted", "reason": "電話した", "version": "1"},
    )
    assert stale.status_code == 409
    assert "tanaka" in stale.get_data(as_text=True)
    # A note goes on top of whatever version is current: a stale page never loses one.
    note = client.post(
        f"/consortia/{pid}/notes", data={"csrf_token": token, "text": "メモ", "version": "1"}
    )
    assert note.status_code == 302
    first = view["members"][0]
    alts = client.get(f"/consortia/{pid}/alternatives", query_string={"member": first["id"]})
    assert alts.status_code == 200
    api_alts = client.get(
        f"/api/consortia/{pid}/alternatives", query_string={"member": first["id"]}
    ).get_json()["alternatives"]
    swapped = client.post(
        f"/consortia/{pid}/members",
        data={
            "csrf_token": token,
            "action": "swap",
            "member": first["id"],
            "org": api_alts[0]["id"],
            "role": first["role"],
            "reason": "より近い",
            "version": "3",
        },
    )
    assert swapped.status_code == 302, swapped.get_data(as_text=True)
    html = client.get(detail_url).get_data(as_text=True)
    assert "メンバーを入れ替えた" in html and "より近い" in html
    csv = client.get(f"/consortia/{pid}/export.csv")
    assert csv.mimetype == "text/csv" and api_alts[0]["id"] in csv.get_data(as_text=True)
    exported = json.loads(client.get(f"/consortia/{pid}/export.json").get_data(as_text=True))
    assert exported["status"] == "shortlisted" and len(exported["audit"]) == 4
    assert client.get(f"/consortia/{pid}/brief").status_code == 200
    for lang, said in (("ja", "形式「exe」はありません"), ("en", "no export format 'exe'")):
        missing = client.get(f"/consortia/{pid}/export.exe", query_string={"lang": lang})
        assert missing.status_code == 404 and said in unescape(missing.get_data(as_text=True))
    board = client.get("/consortia/board").get_data(as_text=True)
    assert theme in board

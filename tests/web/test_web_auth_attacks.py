"""Attacks on coordinators' logins, sessions and tokens, replayed: guessing passwords and
tokens, replaying a session cookie after logout, planting a CSRF token before login."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from datetime import datetime

import pytest
import sqlalchemy as sa
from conftest import COORDINATOR, MUSUBI, AuthActions, csrf_token, make_app
from flask import Flask

from matcher.store.accounts import account_log
from matcher.store.models import Coordinator
from support import Musubi
from web.extensions import limiter

NOTE = "/consortia/{pid}/notes"


@pytest.fixture
def make_hardened(corpus, tmp_path) -> Iterator:  # noqa: ANN001
    """Apps over private copies of the corpus, with settings of the test's choosing."""
    apps: list[Flask] = []

    def build(**musubi) -> Flask:  # noqa: ANN003
        home = tmp_path / f"home-{len(apps)}"
        shutil.copytree(corpus["home"], home)
        app = make_app(home, MUSUBI={"home": str(home), **MUSUBI, **musubi})
        apps.append(app)
        # Tests over the shared corpus may have left a wrong password counted: start afresh.
        with _store(app).session.begin() as session:
            session.execute(sa.update(Coordinator).values(failed_logins=0, locked_until=None))
        return app

    yield build
    for app in apps:
        app.extensions["musubi"].store.close()


def _store(app: Flask):  # noqa: ANN202
    return app.extensions["musubi"].store


def _login(client, name: str, password: str, path: str = "/login", **kwargs):  # noqa: ANN001, ANN003, ANN202
    token = csrf_token(client, "/login")
    return client.post(
        path, data={"name": name, "password": password, "csrf_token": token}, **kwargs
    )


def _retry_after(response) -> int:  # noqa: ANN001
    value = int(response.headers["Retry-After"])
    assert value > 0
    return value


# ---- guessing passwords ----


def test_two_hundred_wrong_passwords_then_the_right_one(make_hardened) -> None:  # noqa: ANN001
    """The probe of the issue, with the default settings: 200 wrong passwords, then the right
    one. Before, all 200 were 401 and the right one logged in."""
    client = make_hardened().test_client()
    statuses = [_login(client, "tanaka", f"wrong password {i}").status_code for i in range(200)]
    assert statuses[:5] == [401] * 5
    assert set(statuses[5:]) == {429}
    right = AuthActions(client).login()
    assert right.status_code == 429
    _retry_after(right)
    assert "tanaka" not in client.get("/").get_data(as_text=True)


def test_a_locked_account_says_so_keeps_the_name_and_opens_again(make_hardened) -> None:  # noqa: ANN001
    app = make_hardened(login_lockout_attempts=3, login_address_limit="1000 per hour")
    client = app.test_client()
    assert [_login(client, "tanaka", "wrong password").status_code for _ in range(3)] == [401] * 3
    refused = _login(client, "tanaka", COORDINATOR[1])
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429 and _retry_after(refused) <= 60
    assert "一時的にロックされています" in html and "1 分後" in html
    assert 'value="tanaka"' in html and COORDINATOR[1] not in html
    english = _login(client, "tanaka", "wrong password", "/login?lang=en")
    assert english.status_code == 429
    assert "This account is locked for now" in english.get_data(as_text=True)
    # The lock is on the account, not the browser: another client is refused as well.
    assert AuthActions(app.test_client()).login().status_code == 429
    # The lock runs out (moved into the past, as a clock would): the right password works.
    with _store(app).session.begin() as session:
        session.execute(sa.update(Coordinator).values(locked_until=datetime(2000, 1, 1)))
    assert AuthActions(client).login().status_code == 302


def test_one_address_trying_many_names_is_throttled(make_hardened, caplog) -> None:  # noqa: ANN001
    client = make_hardened(login_address_limit="3 per hour").test_client()
    for name in ("admin", "root", "test"):
        assert _login(client, name, "password1").status_code == 401
    with caplog.at_level(logging.WARNING, logger="musubi.auth"):
        refused = _login(client, "guest", "typed secret")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429 and _retry_after(refused) <= 3600
    assert "このアドレスからのログインの失敗が多すぎます" in html
    assert 'value="guest"' in html and "typed secret" not in html
    assert any("too many failed logins" in r.getMessage() for r in caplog.records)
    # A made-up X-Forwarded-For does not make a new address unless a proxy is trusted …
    spoofed = _login(client, "guest", "password1", headers={"X-Forwarded-For": "203.0.113.9"})
    assert spoofed.status_code == 429
    # … and another address is not held back by this one.
    elsewhere = make_hardened().test_client()
    assert _login(elsewhere, "guest", "password1").status_code == 401


def test_behind_a_trusted_proxy_each_client_address_counts_alone(make_hardened) -> None:  # noqa: ANN001
    app = make_hardened(login_address_limit="1 per hour", trusted_proxies=1)
    client = app.test_client()
    first = {"X-Forwarded-For": "203.0.113.1"}
    assert _login(client, "guest", "password1", headers=first).status_code == 401
    assert _login(client, "guest", "password1", headers=first).status_code == 429
    second = {"X-Forwarded-For": "203.0.113.2"}
    assert _login(client, "guest", "password1", headers=second).status_code == 401
    addresses = {e.address for e in account_log(_store(app), "guest")}
    assert addresses == {"203.0.113.1", "203.0.113.2"}


def test_a_name_with_control_characters_is_a_wrong_name(app) -> None:  # noqa: ANN001
    response = _login(app.test_client(), "ta\x00naka", COORDINATOR[1])
    assert response.status_code == 401


def test_successful_logins_are_not_throttled(make_hardened) -> None:  # noqa: ANN001
    client = make_hardened(login_address_limit="2 per hour").test_client()
    for _ in range(4):
        assert AuthActions(client).login().status_code == 302


def test_logins_leave_an_audit_record(make_hardened) -> None:  # noqa: ANN001
    app = make_hardened()
    client = app.test_client()
    _login(client, "tanaka", "wrong password")
    AuthActions(client).login()
    AuthActions(client).logout()
    log = account_log(_store(app), "tanaka", limit=3)  # the shared corpus may hold older ones
    assert [e.event for e in log] == ["logout", "login", "login_failed"]
    assert {e.address for e in log} == {"127.0.0.1"}


# ---- guessing API tokens ----


def test_one_address_guessing_api_tokens_is_throttled(make_hardened, token, caplog) -> None:  # noqa: ANN001
    app = make_hardened(token_address_limit="3 per hour")
    client = app.test_client()
    url = "/api/consortia/999999/notes"
    body = {"text": "x", "version": 1}
    for i in range(3):
        guess = {"Authorization": f"Bearer musubi_guess{i}"}
        assert client.post(url, json=body, headers=guess).status_code == 401
    with caplog.at_level(logging.WARNING, logger="musubi.auth"):
        refused = client.post(url, json=body, headers={"Authorization": "Bearer musubi_guess3"})
    assert refused.status_code == 429 and _retry_after(refused)
    data = refused.get_json()
    assert data["ok"] is False and data["status"] == 429 and "wrong API token" in data["error"]
    assert any("too many wrong tokens" in r.getMessage() for r in caplog.records)
    right = {"Authorization": f"Bearer {token}"}
    assert client.post(url, json=body, headers=right).status_code == 429  # this address waits
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    for _ in range(5):  # right tokens never count against an address
        assert other.post(url, json=body, headers=right).status_code == 404


# ---- sessions ----


def _save_proposal(client, token: str) -> tuple[int, int]:  # noqa: ANN001
    saved = client.post(
        "/api/consortia",
        json={"theme": "独居高齢者の見守りと健康データ", "reason": "候補"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert saved.status_code == 201, saved.get_data(as_text=True)
    proposal = saved.get_json()["proposal"]
    return proposal["id"], proposal["version"]


def _notes(client, pid: int) -> list[str]:  # noqa: ANN001
    return [n["text"] for n in client.get(f"/api/consortia/{pid}").get_json()["proposal"]["notes"]]


def test_a_session_cookie_saved_before_logout_is_dead_after_it(make_hardened, token) -> None:  # noqa: ANN001
    app = make_hardened()
    client = app.test_client()
    pid, version = _save_proposal(client, token)
    AuthActions(client).login()
    form_token = csrf_token(client, f"/consortia/{pid}")
    saved_cookie = client.get_cookie("session").value  # what a thief would copy
    laptop = app.test_client()  # the same coordinator, logged in on another device
    AuthActions(laptop).login()
    AuthActions(client).logout()
    client.set_cookie("session", saved_cookie)
    replayed = client.post(
        NOTE.format(pid=pid),
        data={"csrf_token": form_token, "text": "after logout", "version": str(version)},
    )
    assert replayed.status_code == 302 and replayed.headers["Location"].startswith("/login")
    assert "after logout" not in _notes(client, pid)
    assert "tanaka" not in laptop.get("/").get_data(as_text=True)  # logout ends every session


@pytest.mark.parametrize(
    "command",
    [
        ("user", "password", "tanaka", "--password-stdin"),
        ("user", "token", "revoke", "tanaka"),
        ("user", "logout", "tanaka"),
    ],
    ids=["password", "token-revoke", "logout"],
)
def test_the_cli_ends_a_coordinators_sessions(make_hardened, command) -> None:  # noqa: ANN001
    app = make_hardened()
    client = app.test_client()
    AuthActions(client).login()
    assert "tanaka" in client.get("/").get_data(as_text=True)
    musubi = Musubi(app.extensions["musubi"].settings.home_path)
    assert musubi(*command, input="a new long password\n").exit_code == 0
    assert "tanaka" not in client.get("/").get_data(as_text=True)


def test_a_revoked_or_expired_token_is_refused(make_hardened, token) -> None:  # noqa: ANN001
    app = make_hardened()
    client = app.test_client()
    home = app.extensions["musubi"].settings.home_path
    url, body = "/api/consortia/999999/notes", {"text": "x", "version": 1}
    assert (
        client.post(url, json=body, headers={"Authorization": f"Bearer {token}"}).status_code == 404
    )
    rotated = Musubi(home)("user", "token", "rotate", "tanaka", "--expires-in", "1")
    new = {"Authorization": f"Bearer {rotated.stdout.strip()}"}
    assert (
        client.post(url, json=body, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )
    assert client.post(url, json=body, headers=new).status_code == 404
    with _store(app).session.begin() as session:  # a day later, as a clock would say
        session.execute(sa.update(Coordinator).values(token_expires_at=datetime(2000, 1, 1)))
    assert client.post(url, json=body, headers=new).status_code == 401


def test_old_session_format_logs_nobody_in(app) -> None:  # noqa: ANN001
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "tanaka"  # a cookie from before session epochs
        session["_fresh"] = True
    assert "tanaka" not in client.get("/").get_data(as_text=True)


# ---- CSRF and cookies ----


def test_a_csrf_token_planted_before_login_is_useless_after_it(make_hardened, token) -> None:  # noqa: ANN001
    app = make_hardened()
    client = app.test_client()
    pid, version = _save_proposal(client, token)
    planted = csrf_token(client, "/login")  # what an attacker could know before the login
    AuthActions(client).login()
    forged = client.post(
        NOTE.format(pid=pid),
        data={"csrf_token": planted, "text": "forged", "version": str(version)},
    )
    assert forged.status_code == 400 and "forged" not in _notes(client, pid)
    fresh = csrf_token(client, f"/consortia/{pid}")
    assert fresh != planted
    posted = client.post(
        NOTE.format(pid=pid), data={"csrf_token": fresh, "text": "real", "version": str(version)}
    )
    assert posted.status_code == 302 and "real" in _notes(client, pid)


@pytest.mark.parametrize("secure", [False, True])
def test_secure_cookies_setting(make_hardened, secure: bool) -> None:  # noqa: ANN001
    client = make_hardened(secure_cookies=secure).test_client()
    response = AuthActions(client).login()
    cookie = response.headers["Set-Cookie"]
    assert ("; Secure" in cookie) is secure and "HttpOnly" in cookie


def test_bad_limit_or_storage_settings_are_refused_at_start(corpus) -> None:  # noqa: ANN001
    home = str(corpus["home"])
    with pytest.raises(ValueError, match="MUSUBI_LOGIN_ADDRESS_LIMIT.*'lots'"):
        make_app(corpus["home"], MUSUBI={"home": home, **MUSUBI, "login_address_limit": "lots"})
    with pytest.raises(ValueError, match="rate_limit_storage 'bogus://x'"):
        make_app(corpus["home"], MUSUBI={"home": home, **MUSUBI, "rate_limit_storage": "bogus://x"})


def test_a_limit_without_its_own_answer_gets_the_usual_shapes(app) -> None:  # noqa: ANN001
    @limiter.limit("1 per hour")
    def limited() -> str:
        return "ok"

    app.add_url_rule("/api/limited-for-test", "limited_api", limited)
    app.add_url_rule("/limited-for-test", "limited_page", limited)
    client = app.test_client()
    assert client.get("/api/limited-for-test").status_code == 200
    refused = client.get("/api/limited-for-test")
    assert refused.status_code == 429 and _retry_after(refused) <= 3600
    body = refused.get_json()
    assert set(body) == {"ok", "error", "status"} and body["ok"] is False
    assert body["status"] == 429 and "try again in" in body["error"]
    assert client.get("/limited-for-test").status_code == 200
    page = client.get("/limited-for-test?lang=en")
    assert page.status_code == 429 and _retry_after(page)
    assert "Too many requests" in page.get_data(as_text=True)

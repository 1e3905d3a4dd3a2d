"""No input produces a 500: junk query strings, 1 MB texts, malformed JSON, wrong content
types, unknown ids — across every route of the app, logged out and logged in."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from conftest import AuthActions, make_app

BIG = "見" * 350_000  # 1 MB of UTF-8
# Encoded once: the test client would otherwise spend a second quoting it for every request.
BIG_QUERY = urlencode({"text": BIG, "theme": BIG, "q": BIG[:50_000], "org": BIG[:1000]})
JUNK_QUERIES = [
    {},
    {"theme": "見" * 3000, "text": "見" * 2001, "q": "x" * 101, "org": "y" * 101},
    {"text": "見守り", "top": "abc"},
    {"text": "見守り", "top": "-5", "need": "1e9", "budget": "¥"},
    {"text": "\x00\x01\ufffd", "kind": "\x00", "prefecture": "\ufffe", "region": "月"},
    "text=%FF%FE%C0%80&kind=%ED%A0%80&top=%00&org=%E3%81",  # invalid UTF-8, raw
    "text&&&==&top&kind=&prefecture[]=1&%%%",
    {"org": "../../etc/passwd", "need": "0", "mode": "joint"},
    {"org": "mu-00001", "need": "999"},
    {"org": "st-00001", "mode": "joint"},
    {"text": "見守り", "kind": ["startup"] * 100, "prefecture": ",,,,"},
    {"theme": "除雪", "role": ["nope"] * 3, "min_prefectures": "48", "top": "0"},
    {"theme": "除雪", "role": "municipality", "region": "沖縄"},
    {"member": "x" * 200, "role": "alien", "status": "nope", "format": "exe"},
    {"page": "99999", "limit": "0", "offset": "-1", "lang": "xx"},
    {"same_prefecture": "maybe", "new_only": "2", "trial_order": "yes please"},
    {"next": "//evil.example", "dry_run": "sure"},
]
BODIES = [
    ("application/json", b"{not json"),
    ("application/json", b"[1, 2, 3]"),
    ("application/json", b'{"version": "x", "text": 5, "status": [], "theme": {}}'),
    ("application/json", b'{"theme": "' + ("見" * 300_000).encode() + b'"}'),
    ("application/x-ndjson", b"\xff\xfe\x00garbage\n{}\n"),
    ("text/csv", b"id,kind\n\x00,\xff\n"),
    ("text/plain", b"hello"),
    ("application/xml", b"<a/>"),
    ("multipart/form-data; boundary=zzz", b"--zzz\r\nbroken"),
    ("application/x-www-form-urlencoded", b"csrf_token=bad&version=abc&status=%00"),
]
PATH_VALUES = ["zzz", "999999", "0", "mu-00001", "%00", "x" * 300, "..%2F..", "json"]


def _urls(app) -> list[tuple[str, str]]:  # noqa: ANN001
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        for value in PATH_VALUES:
            url = re.sub(r"<(?:[^:>]+:)?[^>]+>", value, rule.rule)
            if "<int:" in rule.rule and not value.isdigit():
                continue
            for method in methods:
                out.append((method, url))
    return sorted(set(out))


@pytest.fixture(scope="module")
def fuzz_app(corpus, shared_service):  # noqa: ANN001, ANN201
    app = make_app(corpus["home"], shared_service, PROPAGATE_EXCEPTIONS=False)
    return app


def _check(response, method: str, url: str) -> None:  # noqa: ANN001
    assert response.status_code < 500, f"{method} {url} → {response.status_code}"
    if url.startswith("/api") and response.status_code >= 400:
        body = response.get_json()
        assert body["ok"] is False and body["status"] == response.status_code, (method, url)


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "coordinator"])
def test_no_input_makes_a_500(fuzz_app, logged_in: bool, token: str) -> None:  # noqa: ANN001
    client = fuzz_app.test_client()
    if logged_in:
        AuthActions(client).login()
    headers = {"Authorization": f"Bearer {token}"} if logged_in else {}
    urls = _urls(fuzz_app)
    assert len(urls) > 40
    for method, url in urls:
        for query in JUNK_QUERIES if method == "GET" else JUNK_QUERIES[1:3]:
            _check(
                client.open(url, method=method, query_string=query, headers=headers), method, url
            )
        if method != "GET":
            for content_type, body in BODIES:
                response = client.open(
                    url, method=method, data=body, content_type=content_type, headers=headers
                )
                _check(response, method, url)


@pytest.mark.parametrize(
    "url", ["/", "/orgs/zzz", "/consortia/", "/api/match/procurement", "/api/consortium"]
)
def test_megabyte_query_strings_are_refused(fuzz_app, url: str) -> None:  # noqa: ANN001
    # The guard runs before any view (web/security.py), so a few routes stand for all: the
    # test client spends over a second quoting each such URL.
    response = fuzz_app.test_client().get(url, query_string=BIG_QUERY)
    assert response.status_code == 414
    _check(response, "GET", url)


def test_megabyte_bodies_are_answered(fuzz_app, token: str) -> None:  # noqa: ANN001
    client = fuzz_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for url in ("/api/consortia", "/api/consortia/1/notes", "/api/import"):
        response = client.post(url, json={"theme": BIG, "text": BIG}, headers=headers)
        _check(response, "POST", url)


def test_uploads_of_every_shape_are_answered(fuzz_app, token: str) -> None:  # noqa: ANN001
    import io

    client = fuzz_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for name, data in [
        ("a.jsonl", b""),
        ("a.csv", "名前\n".encode("cp932")),
        ("a.exe", b"MZ"),
        ("a.jsonl", b"\xef\xbb\xbf" + b"{}\n" * 5),
        ("", b"{}"),
    ]:
        response = client.post(
            "/api/import?dry_run=true",
            data={"file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
            headers=headers,
        )
        _check(response, "POST", f"/api/import ({name!r})")


def test_a_missing_index_is_503_not_500(tmp_path) -> None:  # noqa: ANN001
    app = make_app(tmp_path / "empty", PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    response = client.get("/api/match/procurement", query_string={"text": "見守り"})
    assert response.status_code == 503
    assert response.get_json()["ok"] is False and "musubi index" in response.get_json()["error"]
    assert client.get("/").status_code == 503

"""The import page: problems said in the page's language beside their row, and a dry run that
shows what an import would add and change before anything is written."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import AuthActions, csrf_token
from test_web_i18n import WEB

from web.messages import IMPORT_PROBLEMS

INGEST = Path(__file__).resolve().parents[2] / "matcher" / "ingest"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
ROW = re.compile(r'<tr><td class="num">(\d+)</td><td class="mono">([^<]*)</td><td>(.*?)</td></tr>')


def _raised_codes() -> set[str]:
    return {
        code
        for path in INGEST.glob("*.py")
        for code in re.findall(r'"(import_[a-z_]+)"', path.read_text("utf-8"))
    }


def test_every_import_problem_has_japanese_and_english_wording() -> None:
    with (WEB / "translations/en/LC_MESSAGES/messages.po").open("rb") as fh:
        catalogue = {m.id: m.string for m in read_po(fh) if m.id}
    assert _raised_codes() == set(IMPORT_PROBLEMS)
    for code, msgid in IMPORT_PROBLEMS.items():
        assert catalogue.get(msgid), f"add English for {code}"
        assert set(PLACEHOLDER.findall(catalogue[msgid])) == set(PLACEHOLDER.findall(msgid))


def _coordinator(app):  # noqa: ANN001, ANN202
    client = app.test_client()
    AuthActions(client).login()
    return client


def _upload(client, body: bytes, lang: str, dry_run: bool = False):  # noqa: ANN001, ANN202
    data = {
        "csrf_token": csrf_token(client, "/import/"),
        "file": (io.BytesIO(body), "orgs.csv"),
    }
    if dry_run:
        data["dry_run"] = "true"
    return client.post(f"/import/?lang={lang}", data=data, content_type="multipart/form-data")


BAD = (
    "id,kind,name,prefecture,description,url\n"
    "z-1,startup,株式会社テスト,福丘県,ドローン配送,ftp://example.jp\n"
    "z-2,宇宙人,テスト2,東京都,説明,\n"
).encode()


@pytest.mark.parametrize(
    ("lang", "wanted"),
    [
        (
            "ja",
            [
                "都道府県 '福丘県' が見つかりません",
                "ウェブのアドレスではありません",
                "種別 '宇宙人' はありません",
            ],
        ),
        ("en", ["No prefecture '福丘県'", "is not a web address", "No kind '宇宙人'"]),
    ],
)
def test_import_problems_in_the_page_language(writable_app, lang, wanted) -> None:  # noqa: ANN001
    client = _coordinator(writable_app)
    response = _upload(client, BAD, lang)
    assert response.status_code == 422
    rows = [(int(n), f, html.unescape(r)) for n, f, r in ROW.findall(response.text)]
    said = " ".join(r for _, _, r in rows)
    for fragment in wanted:
        assert fragment in said
    assert {(n, f) for n, f, _ in rows} >= {(2, "prefecture"), (2, "url"), (3, "kind")}
    if lang == "ja":
        assert not re.search(r"\b(unknown|must|allowed)\b", said)


def test_a_dry_run_previews_what_would_be_added_and_changed(writable_app) -> None:  # noqa: ANN001
    client = _coordinator(writable_app)
    existing = client.get("/api/orgs/mu-00001").get_json()["org"]
    body = (
        "id,kind,name,prefecture,description\n"
        "z-9,startup,株式会社プレビュー,福岡県,ドローン配送\n"
        f"mu-00001,municipality,{existing['name']},{existing['prefecture']},説明を書き換えた\n"
    ).encode()
    response = _upload(client, body, "ja", dry_run=True)
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "新規 1" in page and "変更 1" in page
    assert "株式会社プレビュー" in page and "description" in page
    assert client.get("/orgs/z-9").status_code == 404  # nothing written

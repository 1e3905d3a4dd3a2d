"""Two coordinators on one saved consortium: a stale write keeps what was typed, says what
changed, and goes through in one click; a note never conflicts; a form's address reloaded is
the page, not an error."""

from __future__ import annotations

import html
import re

from test_web_notices import Board

RETRY = re.compile(
    r'<form method="post" action="([^"]+)" class="stack retry-form">(.*?)</form>', re.S
)
FIELD = re.compile(
    r'<(?:input type="hidden"|textarea) name="(\w+)"(?: value="([^"]*)")?[^>]*>([^<]*)'
)


def _retry_form(page: str) -> tuple[str, dict[str, str]]:
    found = RETRY.search(page)
    assert found, "no resubmit form on the page"
    fields = {
        name: html.unescape(value or text) for name, value, text in FIELD.findall(found.group(2))
    }
    return found.group(1), fields


def test_a_stale_status_change_keeps_the_reason_and_resubmits_in_one_click(writable_app) -> None:  # noqa: ANN001
    board = Board(writable_app)
    # Someone else moves it first (version 1 → 2).
    assert (
        board.post("status", status="shortlisted", reason="先に判断", version="1").status_code
        == 302
    )
    stale = board.post("status", status="declined", reason="予算が合わないため見送る", version="1")
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "tanaka が変更しました" in page and "いまの版は 2、読み込んだ版は 1" in page
    changes = page[
        page.index('<ul class="changes">') : page.index("</ul>", page.index('<ul class="changes">'))
    ]
    assert "先に判断" in changes and "候補" in changes  # what changed since version 1
    action, fields = _retry_form(page)
    assert action == f"/consortia/{board.id}/status"
    assert fields["reason"] == "予算が合わないため見送る" and fields["status"] == "declined"
    assert fields["version"] == "2" and fields["csrf_token"]
    again = board.client.post(action, data=fields)
    assert again.status_code == 302
    view = board.client.get(f"/api/consortia/{board.id}").get_json()["proposal"]
    assert view["status"] == "declined" and view["version"] == 3


def test_a_stale_member_removal_keeps_which_member_and_why(writable_app) -> None:  # noqa: ANN001
    board = Board(writable_app)
    board.post("notes", text="打診の準備")  # moves the version on, as any write does
    member = board.members[-1]
    stale = board.post("members", action="remove", member=member, reason="重複", version="1")
    assert stale.status_code == 409
    action, fields = _retry_form(stale.get_data(as_text=True))
    assert fields["action"] == "remove" and fields["member"] == member
    assert fields["reason"] == "重複"
    assert board.client.post(action, data=fields).status_code == 302
    members = board.client.get(f"/api/consortia/{board.id}").get_json()["proposal"]["members"]
    assert member not in {m["id"] for m in members}


def test_notes_never_conflict(writable_app) -> None:  # noqa: ANN001
    board = Board(writable_app)
    assert board.post("status", status="shortlisted", reason="良い", version="1").status_code == 302
    for text in ("一つ目", "二つ目"):  # both from a page read at version 1
        assert board.post("notes", text=text, version="1").status_code == 302
    view = board.client.get(f"/api/consortia/{board.id}").get_json()["proposal"]
    assert [n["text"] for n in view["notes"]] == ["一つ目", "二つ目"] and view["version"] == 4


def test_a_form_address_reloaded_goes_to_its_page(writable_app) -> None:  # noqa: ANN001
    board = Board(writable_app)
    for path in ("status", "notes", "members"):
        got = board.client.get(f"/consortia/{board.id}/{path}")
        assert got.status_code == 303 and got.headers["Location"] == f"/consortia/{board.id}"
    assert board.client.get("/consortia/save").headers["Location"] == "/consortia"
    refused = board.client.delete(f"/consortia/{board.id}/notes?lang=ja")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 405 and "この操作はできません" in page
    assert "Method Not Allowed" not in page


def test_the_brief_has_the_declaration_and_notes_in_japan_time(writable_app) -> None:  # noqa: ANN001
    board = Board(writable_app)
    assert board.post("notes", text="来週、打診する").status_code == 302
    brief = board.client.get(f"/consortia/{board.id}/brief").get_data(as_text=True)
    assert "連携宣言(案)" in brief and "来週、打診する" in brief
    assert re.search(r"\(\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d\): 来週、打診する", brief)

"""Why a result is empty or short, and why a curation change failed: said in the page's language."""

from __future__ import annotations

import html
import re

import pytest
from conftest import AuthActions, csrf_token

import seeds
from matcher.curation.workflow import CurationError
from matcher.ranking.explain import MatchResult
from web.messages import MESSAGES, notices, say

NOTE = re.compile(r'<p class="note">(.*?)</p>', re.S)
EMPTY_ROLES = re.compile(r'<ul class="empty-roles">(.*?)</ul>', re.S)
ALERT = re.compile(r'class="error-message" role="alert">(.*?)</p>', re.S)
CHECKS = re.compile(r'<ul class="note">(.*?)</ul>', re.S)

# Notice codes (matcher results) and curation error codes: each has wording in MESSAGES, tried
# by test_web_errors for every code; the pages below show them in place.
NOTICE_CODES = {
    "no_suppliers",
    "no_suppliers_in_places",
    "no_partners",
    "no_partners_elsewhere",
    "no_partners_outside",
    "no_partners_indexed",
    "no_joint_partners",
    "roles_left_empty",
    "too_few_kinds",
    "weak_members",
    "aspects_uncovered",
    "roles_left_open",
    "weak_member",
    "no_proposal_in_places",
    "fewer_proposals",
    "vague_theme",
    "role_none_indexed",
    "spans_too_few_prefectures",
    "has_too_few_kinds",
    "weak_fits",
    "nothing_fits",
}
CURATION_CODES = {
    "proposal_not_found",
    "conflict",
    "reason_required",
    "unknown_status",
    "invalid_transition",
    "proposal_closed",
    "no_members",
    "last_member",
    "already_a_member",
    "empty_note",
    "unknown_export_format",
}


def _clean(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def _said(page: str, pattern: re.Pattern[str]) -> str:
    found = pattern.search(page)
    assert found, f"nothing matches {pattern.pattern}"
    text = _clean(found.group(1))
    assert "--" not in text and "musubi " not in text and "%(" not in text
    assert "consortium_min_fit" not in text
    return text


def test_notice_and_curation_codes_have_wording() -> None:
    assert (NOTICE_CODES | CURATION_CODES) <= set(MESSAGES)


def test_an_empty_result_keeps_its_english_note_and_carries_the_codes() -> None:
    result = MatchResult.empty(
        {"mode": "x"}, "no candidates; try --kind", "no_suppliers", kind=("university",)
    )
    data = result.to_json()
    assert data["note"] == "no candidates; try --kind"
    assert data["notices"] == [{"code": "no_suppliers", "params": {"kind": ("university",)}}]


def test_a_notice_without_wording_falls_back_to_the_english_note(app) -> None:  # noqa: ANN001
    data = MatchResult.empty({}, "as the CLI says it", "no_such_code").to_json()
    with app.test_request_context("/?lang=ja"):
        assert notices(data) == "as the CLI says it"
        assert say("no_such_code", {}, "fallback") == "fallback"


@pytest.mark.parametrize(
    ("lang", "wanted"),
    [
        ("ja", ["新潟県 には、大学の組織が索引にありません", "「都道府県」「地域」を広げる"]),
        ("en", ["No organisation of kind University in Niigata", "widen Prefecture or Region"]),
    ],
)
def test_procurement_filtered_to_a_prefecture_without_suppliers(client, lang, wanted) -> None:  # noqa: ANN001
    url = f"/?text=除雪の省力化&prefecture=新潟&kind=university&lang={lang}"
    response = client.get(url)
    assert response.status_code == 200
    note = _said(response.get_data(as_text=True), NOTE)
    for fragment in wanted:
        assert fragment in note
    api = client.get("/api/match/procurement?text=除雪の省力化&prefecture=新潟&kind=university")
    body = api.get_json()
    assert "--prefecture" in body["note"]  # the API keeps the CLI's English note
    assert body["notices"][0]["code"] == "no_suppliers_in_places"


@pytest.mark.parametrize(
    ("lang", "wanted", "flag"),
    [
        (
            "ja",
            ["この課題に合う候補は見つかりませんでした", "「種別」を広げる"],
            "課題との関連が弱い",
        ),
        ("en", ["Nothing here fits the challenge", "Widen the prefecture"], "Weak fit"),
    ],
)
def test_nothing_fits_is_said_above_the_list_and_each_flagged(client, lang, wanted, flag) -> None:  # noqa: ANN001
    page = client.get(f"/?text=除雪&prefecture=沖縄&lang={lang}").get_data(as_text=True)
    note = _said(page, NOTE)
    for fragment in wanted:
        assert fragment in note
    assert page.index('class="note"') < page.index('<ol class="cards">')
    assert f'<span class="flag flag-weak_fit">{flag}</span>' in page


# Two prefectures without a university or a research institute, where nothing else fits the
# theme closely enough for the test corpus' hashing encoder either.
PLACES = "theme=豪雪地域の除雪&prefecture=新潟&prefecture=秋田"
CONSORTIA = [
    (
        PLACES,
        "ja",
        [
            "埋まらなかった役割: 大学、研究機関",
            "候補のいる役割は 自治体、企業・スタートアップ だけで",
            "「最低の種別数」を下げてください",
        ],
        [
            "大学: 秋田県、新潟県 には、索引にある大学がありません。",
            "研究機関: 秋田県、新潟県 には、索引にある研究機関がありません。",
        ],
    ),
    (
        PLACES,
        "en",
        [
            "Roles left empty: University, Research institute",
            "only Municipality, Company or startup have any candidate",
            "lower At least this many kinds",
        ],
        ["University: No organisation of kind University is indexed in Akita, Niigata."],
    ),
    ("theme=あああ&region=tohoku", "ja", ["テーマが漠然としています。"], []),
    ("theme=あああ&region=tohoku", "en", ["The theme is vague: name the challenge"], []),
]


@pytest.mark.parametrize(("query", "lang", "note", "roles"), CONSORTIA)
def test_a_consortium_with_roles_left_empty(client, query, lang, note, roles) -> None:  # noqa: ANN001
    response = client.get(f"/consortia/?{query}&lang={lang}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    said = _said(page, NOTE)
    for fragment in note:
        assert fragment in said
    if roles:
        empty = _said(page, EMPTY_ROLES)
        for fragment in roles:
            assert fragment in empty
        assert "no indexed" not in empty and "research_institute" not in empty
    else:
        assert 'class="panel proposal"' not in page  # a vague theme gets no guessed team


class Board:
    """A coordinator's client on a freshly saved proposal: posts its forms as a browser would."""

    def __init__(self, writable_app) -> None:  # noqa: ANN001
        self.client = writable_app.test_client()
        AuthActions(self.client).login()
        theme = "独居高齢者の見守りと健康データ"
        self.token = csrf_token(self.client, f"/consortia/?theme={theme}")
        saved = self.client.post(
            "/consortia/save", data={"csrf_token": self.token, "theme": theme, "k": "0"}
        )
        assert saved.status_code == 302
        self.id = int(saved.headers["Location"].rstrip("/").split("/")[-1])
        self.members = [
            mb["id"]
            for mb in self.client.get(f"/api/consortia/{self.id}").get_json()["proposal"]["members"]
        ]

    def post(self, path: str, lang: str = "ja", **form: str):  # noqa: ANN201
        """The form's response: a redirect when it was saved, else the page with its alert."""
        return self.client.post(
            f"/consortia/{self.id}/{path}?lang={lang}", data={"csrf_token": self.token, **form}
        )

    def refused(self, path: str, lang: str, **form: str) -> tuple[int, str]:
        response = self.post(path, lang, **form)
        return response.status_code, _said(response.get_data(as_text=True), ALERT)

    def page(self, path: str, lang: str) -> str:
        return self.client.get(f"/consortia/{self.id}{path}?lang={lang}").get_data(as_text=True)


def test_curation_errors_on_the_board_in_the_page_language(writable_app) -> None:  # noqa: ANN001
    board = Board(writable_app)
    pid = board.id
    assert board.refused("status", "ja", status="shortlisted", reason="", version="1") == (
        400,
        "「理由」を書いてください。変更はその理由とともに履歴に残ります。",
    )
    assert board.refused("status", "en", status="shortlisted", reason="", version="1") == (
        400,
        "Give a reason: every change is kept in the history with its reason.",
    )
    status, said = board.refused("status", "ja", status="agreed", reason="早すぎる", version="1")
    assert status == 400
    assert said == (
        f"座組み #{pid} は「提案」です。移せるのは 候補、見送り で、「合意」には移せません。"
    )
    status, said = board.refused("status", "en", status="done", reason="x", version="1")
    assert status == 400 and said.startswith("There is no status 'done': choose from Proposal")
    status, said = board.refused("notes", "en", text="   ", version="1")
    assert (status, said) == (400, "The note is empty: write it, then add it.")
    declined = board.post("status", status="declined", reason="予算なし", version="1")
    assert declined.status_code == 302
    status, said = board.refused("status", "ja", status="proposed", reason="再開", version="1")
    assert status == 409
    assert said.startswith(f"座組み #{pid} は ") and "tanaka が変更しました" in said
    assert "いまの版は 2、読み込んだ版は 1" in said
    status, said = board.refused(
        "members", "en", action="remove", member=board.members[0], reason="x", version="2"
    )
    assert status == 400
    assert said == (
        f"Consortium #{pid} is Declined: to change its members, move it back to Proposal "
        "with a reason."
    )


def test_broken_constraints_of_a_saved_proposal_in_the_page_language(writable_app) -> None:  # noqa: ANN001
    board = Board(writable_app)
    for version, member in enumerate(board.members[1:], start=1):
        removed = board.post(
            "members", action="remove", member=member, reason="絞る", version=str(version)
        )
        assert removed.status_code == 302
    status, said = board.refused(
        "members",
        "en",
        action="remove",
        member=board.members[0],
        reason="x",
        version=str(len(board.members)),
    )
    assert status == 400 and f"is the last member of consortium #{board.id}" in said
    ja = _said(board.page("", "ja"), CHECKS)
    assert "メンバーの所在地は 1 都道府県で、求めた 2 都道府県に足りません。" in ja
    assert "メンバーの種別は 1 つで、求めた 3 種別に足りません。" in ja
    en = _said(board.page("/brief", "en"), re.compile(r"<h2>Warnings</h2><ul>(.*?)</ul>", re.S))
    assert "The members are in 1 prefecture(s); at least 2 were asked." in en
    assert board.client.get(f"/api/consortia/{board.id}").get_json()["proposal"]["checks"] == [
        "spans 1 prefecture(s); at least 2 asked",
        "has 1 kind(s) of member; at least 3 asked",
    ]


def test_api_says_curation_errors_in_the_webs_english(writable_app, token) -> None:  # noqa: ANN001
    client = writable_app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    pid = client.post(
        "/api/consortia", json={"theme": "独居高齢者の見守りと健康データ"}, headers=auth
    ).get_json()["proposal"]["id"]
    body = client.post(
        f"/api/consortia/{pid}/status",
        json={"status": "agreed", "reason": "x", "version": 1},
        headers=auth,
    ).get_json()
    assert body["ok"] is False and body["status"] == 400
    assert body["error"] == (
        f"Consortium #{pid} is Proposal: it can move to Candidates, Declined, not to Agreed."
    )
    missing = client.get("/api/consortia/999").get_json()
    assert missing["error"] == "There is no saved consortium #999."


def test_curation_error_carries_its_code_and_params() -> None:
    error = CurationError("the CLI's words", "empty_note")
    assert (str(error), error.code, error.params) == ("the CLI's words", "empty_note", {})


@pytest.mark.parametrize(
    ("lang", "wanted"),
    [("ja", "英語の課題は用語集で日本語に読み替えても探しました"), ("en", "through the glossary")],
)
def test_an_english_challenge_shows_its_japanese_reading(client, lang, wanted) -> None:  # noqa: ANN001
    response = client.get(f"/?text=snow removal on mountain roads&lang={lang}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    reading = re.search(r'<p class="note reading">(.*?)</p>', page, re.S).group(1)
    assert wanted in html.unescape(reading)
    assert "除雪" in reading
    api = client.get("/api/match/procurement?text=snow removal on mountain roads").get_json()
    assert "除雪" in api["query"]["reading"]


@pytest.mark.parametrize(
    ("lang", "wanted"), [("ja", "近い課題の言葉"), ("en", "similar challenges")]
)
def test_the_page_names_the_similar_needs_a_challenge_was_also_read_in(  # noqa: ANN001
    client, lang, wanted
) -> None:
    need = next(
        n for r in seeds.build_corpus(300) if r["kind"] == "municipality" for n in r["needs"]
    )
    text = need["description"]
    api = client.get("/api/match/procurement", query_string={"text": text}).get_json()
    stated = api["query"]["stated_as"]
    assert stated and all(s["similarity"] >= 0.6 for s in stated)
    page = client.get("/", query_string={"text": text, "lang": lang}).get_data(as_text=True)
    note = html.unescape(
        re.search(r'<details class="note stated">(.*?)</details>', page, re.S).group(1)
    )
    assert wanted in note
    assert all(f"/orgs/{s['org']}" in note and s["title"] in note for s in stated)

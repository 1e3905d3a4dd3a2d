"""Bad consortium themes on the page and in the API: a clear message or a proposal that says
what is missing — never a 500, never an empty list without a reason."""

from __future__ import annotations

import pytest

THEMES = {
    "blank": {"theme": "   "},
    "50 kB": {"theme": "見守り" * 5_600},
    "English": {"theme": "Deliver medicine by drone to mountain villages cut off by snow"},
    "two kinds left": {"theme": "豪雪地域の除雪", "prefecture": ["新潟", "秋田"]},
    "vague": {"theme": "よろしくお願いします"},
}


def _reasoned(body: dict) -> None:
    """A result with no proposal says why; a proposal's gaps are data."""
    if not body["proposals"]:
        assert body["notices"] and body["note"]
    for p in body["proposals"]:
        assert {"aspects", "weak_members", "roles"} <= set(p["explanation"]["missing"])


@pytest.mark.parametrize("case", list(THEMES))
def test_the_api_answers_every_theme_with_a_reason(client, case: str) -> None:  # noqa: ANN001
    response = client.get("/api/consortium", query_string=THEMES[case])
    body = response.get_json()
    if response.status_code in (400, 414):  # 414: a query string past 64 kB
        assert body["ok"] is False and body["error"]
        return
    assert response.status_code == 200, body
    assert case not in ("blank", "50 kB")
    _reasoned(body)
    if case == "two kinds left":
        assert body["proposals"] == [] and body["notices"][-1]["code"] == "too_few_kinds"
    if case == "vague":
        assert [n["code"] for n in body["notices"]] == ["vague_theme"]


@pytest.mark.parametrize("case", list(THEMES))
def test_the_page_answers_every_theme_and_keeps_it(client, case: str) -> None:  # noqa: ANN001
    response = client.get("/consortia/", query_string={**THEMES[case], "lang": "ja"})
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400, 414)
    if response.status_code != 200:
        assert 'class="error-message"' in page
    else:
        assert 'class="panel proposal"' in page or '<p class="note">' in page
    if response.status_code != 414:  # the page keeps what was typed
        assert THEMES[case]["theme"].strip()[:20] in page


def test_a_50_kb_theme_in_a_body_is_refused_with_the_limit(writable_app, token: str) -> None:  # noqa: ANN001
    client = writable_app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    response = client.post("/api/consortia", json=THEMES["50 kB"], headers=auth)
    body = response.get_json()
    assert response.status_code == 400 and "2,000" in body["error"], body
    assert client.get("/api/consortia").get_json()["proposals"] == []  # nothing saved

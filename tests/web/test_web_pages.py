"""Pages: search, organisation, directory, consortium builder, language switch, escaping."""

from __future__ import annotations

import re

import pytest


def test_home_offers_examples(client) -> None:  # noqa: ANN001
    html = client.get("/").get_data(as_text=True)
    assert "解決したい課題" in html
    assert "独居高齢者の見守り" in html
    assert '<html lang="ja">' in html


def test_search_shows_explained_results_and_map(client) -> None:  # noqa: ANN001
    response = client.get("/", query_string={"text": "独居高齢者の見守りを訪問に頼らず行いたい"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    cards = re.findall(r'<li class="card result"', html)
    assert 1 <= len(cards) <= 10
    assert "⇔" in html  # the matched need ↔ offer pair
    assert 'class="contrib-bar"' in html  # feature contributions
    assert "<svg" in html and 'class="tile tile-match' in html  # the map marks results


def test_search_filters_by_kind_and_region(client, app) -> None:  # noqa: ANN001
    from matcher.facts import prefectures

    response = client.get(
        "/", query_string={"text": "除雪", "kind": "startup", "region": "tohoku", "top": "5"}
    )
    assert response.status_code == 200
    with app.app_context():
        data = client.get(
            "/api/match/procurement",
            query_string={"text": "除雪", "kind": "startup", "region": "tohoku", "top": "5"},
        ).get_json()
    tohoku = set(prefectures.resolve_region("tohoku").codes)
    for item in data["results"]:
        assert item["kind"] == "startup"
        assert prefectures.resolve(item["prefecture"]) in tohoku


@pytest.mark.parametrize(
    ("query", "chosen"),
    [
        ("prefecture=沖縄", '<option value="47" selected>'),
        ("prefecture=Okinawa", '<option value="47" selected>'),
        ("prefecture=47", '<option value="47" selected>'),
        ("region=九州", '<option value="kyushu_okinawa" selected>'),
        ("region=Tohoku", '<option value="tohoku" selected>'),
    ],
)
def test_a_place_in_any_spelling_stays_chosen_in_the_form(client, query, chosen) -> None:  # noqa: ANN001
    # A link may name the place as people write it; the form shows what the search used, so
    # searching again from it keeps the filter.
    page = client.get(f"/?text=除雪&{query}").get_data(as_text=True)
    assert chosen in page


def test_search_with_bad_input_says_why_beside_the_form(client) -> None:  # noqa: ANN001
    response = client.get("/", query_string={"text": "見守り", "prefecture": "福丘県"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "福丘県" in html and 'role="alert"' in html
    assert "解決したい課題" in html  # the form is still there


def test_route_hints_are_badges_with_reasons(client) -> None:  # noqa: ANN001
    html = client.get(
        "/", query_string={"text": "独居高齢者の見守り", "budget": "3000000", "trial_order": "true"}
    ).get_data(as_text=True)
    assert 'class="route route-trial_order"' in html
    assert "トライアル発注" in html


def test_joint_tab(client) -> None:  # noqa: ANN001
    municipality = client.get("/api/orgs", query_string={"kind": "municipality"}).get_json()
    org = next(o for o in municipality["orgs"] if o["needs"])
    response = client.get("/", query_string={"mode": "joint", "org": org["id"]})
    assert response.status_code == 200
    assert "同じ課題" in response.get_data(as_text=True)


def test_organisation_page_shows_profile_and_partners(client) -> None:  # noqa: ANN001
    org = client.get("/api/orgs", query_string={"kind": "university"}).get_json()["orgs"][0]
    response = client.get(f"/orgs/{org['id']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert org["name"] in html
    assert "こちらが得るもの" in html and "相手が得るもの" in html
    assert 'class="tile tile-origin' in html


def test_unknown_organisation_is_404(client) -> None:  # noqa: ANN001
    response = client.get("/orgs/no-such-org")
    assert response.status_code == 404
    assert "no-such-org" in response.get_data(as_text=True)


def test_directory_filters_and_pages(client) -> None:  # noqa: ANN001
    html = client.get("/orgs/", query_string={"kind": "startup"}).get_data(as_text=True)
    assert "スタートアップ" in html
    assert client.get("/orgs/", query_string={"page": "2"}).status_code == 200
    assert client.get("/orgs/", query_string={"page": "x"}).status_code == 400


def test_consortium_builder_proposes_teams(client) -> None:  # noqa: ANN001
    response = client.get("/consortia/", query_string={"theme": "独居高齢者の見守りと健康データ"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="panel proposal"' in html
    assert "tile-member" in html


def test_english_switch_sets_a_cookie_and_translates(client) -> None:  # noqa: ANN001
    response = client.get("/lang/en?next=/orgs/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/orgs/")
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Search" in html
    assert client.get("/lang/ja?next=/").status_code == 302
    assert '<html lang="ja">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "/\\evil", "javascript:x"]
)
def test_language_switch_never_redirects_off_site(client, target) -> None:  # noqa: ANN001
    response = client.get("/lang/en", query_string={"next": target})
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_user_text_is_escaped(client) -> None:  # noqa: ANN001
    html = client.get("/", query_string={"text": "<script>alert(1)</script>"}).get_data(
        as_text=True
    )
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_security_headers(client) -> None:  # noqa: ANN001
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style(client) -> None:  # noqa: ANN001
    for url in ("/", "/?text=見守り", "/orgs/", "/consortia/?theme=除雪", "/login"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert "<style" not in html and " style=" not in html, url
        assert not re.search(r"\son[a-z]+=", html), url

"""English pages with results: Japanese text only as data, marked lang="ja" so that screen
readers and fonts read it as Japanese; prefectures and places in English."""

from __future__ import annotations

import re

import pytest

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
MARKED = re.compile(r'<(\w+)[^>]*\blang="ja"[^>]*>.*?</\1>', re.S)
# Not prose: what the person typed, choices of a select, the map (names in its title), the
# brand mark and the language switch (each marked up as what it is).
SKIPPED = re.compile(
    r'<(textarea|option|svg|title|script)\b.*?</\1>|<span class="brand-mark"[^>]*>.*?</span>'
    r'|<a [^>]*hreflang="ja"[^>]*>.*?</a>|<strong>日本語</strong>|\bvalue="[^"]*"',
    re.S,
)


@pytest.mark.parametrize(
    "url",
    [
        "/?text=見守り",
        "/?mode=joint&org=mu-00001",
        "/orgs/mu-00001",
        "/orgs/?q=市",
        "/consortia/?theme=見守りと健康",
    ],
)
def test_japanese_on_an_english_page_is_marked_as_japanese(client, url: str) -> None:  # noqa: ANN001
    page = client.get(url + ("&" if "?" in url else "?") + "lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    rest = SKIPPED.sub("", MARKED.sub("", page))
    unmarked = sorted({t.strip() for t in re.sub(r"<[^>]+>", "\n", rest).splitlines()})
    assert not [t for t in unmarked if JAPANESE.search(t)]


def test_a_city_reads_after_its_prefecture_in_english(client) -> None:  # noqa: ANN001
    page = client.get("/orgs/mu-00001", query_string={"lang": "en"}).get_data(as_text=True)
    meta = re.search(r'<p class="meta">(.*?)</p>', page, re.S).group(1)
    assert re.search(r'<span lang="ja">[^<]+</span>, Hyogo', meta), meta

"""Japanese first, English by switch: every message in templates and views is translated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from matcher.curation import export
from matcher.facts.kinds import KIND_LABELS
from matcher.facts.labels import FEATURE_LABELS

WEB = Path(__file__).resolve().parents[2] / "web"
MESSAGE = re.compile(r"""(?<![A-Za-z0-9_])_\(\s*(["'])(.+?)\1""", re.S)


def _catalogue() -> dict[str, str]:
    with (WEB / "translations/en/LC_MESSAGES/messages.po").open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id}


def _messages() -> set[str]:
    found = {export.DECLARATION}
    for path in [*WEB.rglob("*"), *export.TEMPLATES.rglob("*")]:
        if path.suffix in (".html", ".py"):
            found.update(m.group(2) for m in MESSAGE.finditer(path.read_text("utf-8")))
    return found


def test_every_message_has_an_english_translation() -> None:
    from matcher.curation.workflow import STATUS_LABELS
    from matcher.modes.consortium.roles import ROLES
    from web.consortia import ACTION_LABELS

    catalogue = _catalogue()
    wanted = _messages() | set(KIND_LABELS.values()) | set(FEATURE_LABELS.values())
    wanted |= set(STATUS_LABELS.values()) | {r.label for r in ROLES.values()}
    wanted |= set(ACTION_LABELS.values()) | {"トライアル発注", "随意契約", "共同調達"}
    missing = sorted(m for m in wanted if not catalogue.get(m))
    assert not missing, f"add English for: {missing}"


@pytest.mark.parametrize("url", ["/", "/orgs/", "/consortia/", "/login", "/consortia/board"])
def test_english_pages_have_no_untranslated_labels(client, url: str) -> None:  # noqa: ANN001
    html = client.get(url, query_string={"lang": "en"}).get_data(as_text=True)
    # Strip what is data, not interface: organisation names, examples, <option> prefectures.
    chrome = re.sub(r"<(main|footer)\b.*", "", html, flags=re.S)
    assert not re.search(r"[\u3040-\u30ff]", re.sub(r"<[^>]+>", "", chrome).replace("日本語", ""))


def test_accept_language_picks_english(client) -> None:  # noqa: ANN001
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html

"""Route hints on result cards read in the page's language: every hint the procurement mode
gives has Japanese and English wording for exactly the parameters it carries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from test_web_i18n import WEB

from web.messages import ROUTE_HINTS, say

PROCUREMENT = Path(__file__).resolve().parents[2] / "matcher" / "modes" / "procurement.py"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# What RouteHint.params holds, by the hint's code (matcher.modes.procurement).
PARAMS = {
    "trial_order_startup": {"budget": 1_000_000, "limit": 5_000_000, "name": "株式会社A"},
    "trial_order_small": {"budget": 1_000_000, "limit": 5_000_000, "name": "B社", "employees": 40},
    "negotiated_unknown_issuer": {"name": "C社", "certification": "新事業分野開拓者認定"},
    "negotiated_applies": {
        "name": "C社",
        "certification": "新事業分野開拓者認定",
        "issuer": "鯖江市",
        "buyer": "鯖江市",
    },
    "negotiated_prefecture_issuer": {
        "name": "C社",
        "certification": "新事業分野開拓者認定",
        "issuer": "福井県",
    },
    "negotiated_issuer": {
        "name": "C社",
        "certification": "新事業分野開拓者認定",
        "issuer": "東京都",
    },
}


def test_every_code_the_mode_gives_has_wording() -> None:
    given = set(re.findall(r'"((?:trial_order|negotiated)_[a-z_]+)"', PROCUREMENT.read_text()))
    given.discard("negotiated_contract")  # the route itself, not a hint's code
    assert given == set(ROUTE_HINTS) == set(PARAMS)


@pytest.mark.parametrize("code", sorted(ROUTE_HINTS))
def test_each_hint_reads_in_japanese_and_english(app, code: str) -> None:  # noqa: ANN001
    with (WEB / "translations/en/LC_MESSAGES/messages.po").open("rb") as fh:
        english = {m.id: m.string for m in read_po(fh) if m.id}.get(ROUTE_HINTS[code])
    assert english and set(PLACEHOLDER.findall(english)) <= set(PARAMS[code])
    assert set(PLACEHOLDER.findall(ROUTE_HINTS[code])) <= set(PARAMS[code])
    said = {}
    for lang in ("ja", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            said[lang] = say(code, PARAMS[code], "fallback")
    assert "fallback" not in said.values() and said["ja"] != said["en"]
    if "budget" in PARAMS[code]:
        assert "1,000,000" in said["ja"] and "1,000,000" in said["en"]

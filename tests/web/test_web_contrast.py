"""Badges readable by everyone: text on each badge's background reaches WCAG's 4.5:1."""

from __future__ import annotations

import re

import pytest
from test_web_i18n import WEB

CSS = (WEB / "static" / "musubi.css").read_text("utf-8")
ROOT = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", CSS[: CSS.index("}")]))
# Badges whose text sits on their own background: (selector, text colour if not set there).
BADGES = [
    *((f".kind-{k}", "#ffffff") for k in ("municipality", "company", "startup", "university")),
    *((f".kind-{k}", "#ffffff") for k in ("research_institute", "financial")),
    *((f".strength-{s}", None) for s in ("strong", "medium", "weak")),
    *((f".status-{s}", None) for s in ("proposed", "shortlisted", "contacted", "agreed")),
    (".status-declined", None),
    *((f".route-{r} summary", None) for r in ("trial_order", "negotiated_contract")),
    (".route-joint_procurement summary", None),
    (".flags .flag-weak_fit", None),
]


def _colour(value: str) -> str:
    found = re.fullmatch(r"var\(--([\w-]+)\)", value.strip())
    value = ROOT[found.group(1)] if found else value.strip()
    return "#" + "".join(c * 2 for c in value[1:]) if len(value) == 4 else value  # #555


def _rule(selector: str) -> dict[str, str]:
    body = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", CSS)
    assert body, f"no rule for {selector}"
    return {k.strip(): v for k, v in re.findall(r"([\w-]+):\s*([^;]+);", body.group(1))}


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize(("selector", "text"), BADGES)
def test_badge_text_reaches_four_and_a_half_to_one(selector: str, text: str | None) -> None:
    rule = _rule(selector)
    ink = _colour(text or rule["color"])
    ground = _colour(rule["background"])
    assert contrast(ink, ground) >= 4.5, (selector, ink, ground)


def test_the_contrast_formula() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#9a6700", "#fff4d6") == pytest.approx(4.44, abs=0.01)  # the amber it was

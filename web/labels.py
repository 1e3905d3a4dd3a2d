"""Labels in the page's language: kinds, features, flags, prefectures, regions, places, times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from flask_babel import get_locale, gettext
from markupsafe import Markup, escape

from matcher.facts import prefectures
from matcher.facts.kinds import KIND_LABELS
from matcher.facts.labels import FEATURE_LABELS, FLAG_LABELS, STRENGTH_LABELS


def lang() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "ja"


def kind_label(kind: str) -> str:
    return gettext(KIND_LABELS.get(kind, kind))


def feature_label(name: str) -> str:
    return gettext(FEATURE_LABELS.get(name, name))


def flag_label(flag: str) -> str:
    return gettext(FLAG_LABELS.get(flag, flag))


def strength_label(label: str) -> str:
    return gettext(STRENGTH_LABELS.get(label, label))


def prefecture_code(value: int | str | None) -> int | None:
    """The code of a prefecture given in any spelling (13, 東京, Tokyo), None if it is none:
    a form keeps 沖縄 from a link as selected as 47 from the form itself."""
    try:
        return prefectures.resolve(value) if value else None
    except ValueError:
        return None


def region_key(value: str | None) -> str | None:
    """The key of a regional block given in any spelling (九州, Kyushu), None if it is none."""
    try:
        return prefectures.resolve_region(value).key if value else None
    except ValueError:
        return None


def prefecture_label(value: int | str) -> str:
    """The prefecture's name in the page's language, from a code or any spelling."""
    code = prefecture_code(value)
    if code is None:
        return str(value)
    p = prefectures.get(code)
    return p.english if lang() == "en" else p.kanji


def region_label(key: str) -> str:
    region = prefectures.resolve_region(key)
    return region.english if lang() == "en" else region.kanji


def place_label(prefecture: int | str, city: str | None = None) -> Markup:
    """Where an organisation is: 福井県鯖江市 on a Japanese page, "鯖江市, Fukui" on an English one
    (the city, a Japanese name, marked lang="ja")."""
    pref = prefecture_label(prefecture)
    if not city:
        return escape(pref)
    if lang() == "en":
        return Markup('<span lang="ja">{}</span>, {}').format(city, pref)
    return escape(pref + city)


JST = timezone(timedelta(hours=9), "JST")
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def jst(value: datetime | str | None, *, date_only: bool = False) -> str:
    """A UTC time (a naive datetime or an ISO string, as the store keeps them) in Japan time:
    2026年12月4日 19:16 on a Japanese page, 4 Dec 2026, 19:16 JST on an English one."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    t = value.astimezone(JST)
    if lang() == "en":
        day = f"{t.day} {_MONTHS[t.month - 1]} {t.year}"
        return day if date_only else f"{day}, {t:%H:%M} JST"
    day = f"{t.year}年{t.month}月{t.day}日"
    return day if date_only else f"{day} {t:%H:%M}"


_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")


def ja(text: object) -> Markup:
    """Data text as it should be marked up: on an English page, Japanese text (names,
    descriptions, needs) in a span with lang="ja", so that screen readers and fonts read it as
    Japanese; anything else as it is."""
    value = "" if text is None else str(text)
    if lang() == "en" and _JAPANESE.search(value):
        return Markup('<span lang="ja">{}</span>').format(value)
    return escape(value)

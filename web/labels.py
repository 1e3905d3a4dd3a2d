"""Labels in the page's language: kinds, features, flags, prefectures and regions."""

from __future__ import annotations

from flask_babel import get_locale, gettext

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

"""Seed corpus — financial institutions: the 金 of 産官学金, drawn beside the other kinds.

Regional banks, shinkin banks and a government-affiliated lender's branches, each financing one
or two themes of themes.toml. The names, sentences and offers are data in
seeds/data/finance.toml. They are drawn after the other kinds from a random stream of their
own, so they never change an organisation of another kind: the labelled queries keep their ids.
"""

from __future__ import annotations

import os
import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .datafiles import DATA_DIR, read_toml
from .places import PREFECTURES, Prefecture
from .themes import THEMES, Theme

FINANCE_FILE = DATA_DIR / "finance.toml"
ID_PREFIX = "fi"
# Their own stream: a fixed offset from the corpus's random_state.
STREAM = 7_919


@dataclass(frozen=True, slots=True)
class Institution:
    """A kind of financial institution: how its name is made and how its description opens."""

    key: str
    weight: float
    pattern: str
    pattern_en: str
    description: str


@dataclass(frozen=True, slots=True)
class Finance:
    share: float
    stems: tuple[tuple[str, str], ...]
    institutions: tuple[Institution, ...]
    lines: tuple[str, ...]
    theme_offers: tuple[tuple[str, str], ...]
    general_offers: tuple[tuple[str, str], ...]
    needs: tuple[tuple[str, str], ...]


def load_finance(path: str | os.PathLike[str] = FINANCE_FILE) -> Finance:
    """The financial institutions' data; DataFileError naming the entry when it is malformed."""
    doc = read_toml(path)

    def pairs(key: str) -> tuple[tuple[str, str], ...]:
        out = []
        for t in doc.tables(key, key):
            out.append((t.text("title"), t.text("description")))
            t.done()
        return tuple(out)

    institutions = []
    for t in doc.tables("institution", "institution"):
        institutions.append(
            Institution(
                t.text("key"),
                t.number("weight"),
                t.text("pattern"),
                t.text("pattern_en"),
                t.text("description"),
            )
        )
        t.done()
    finance = Finance(
        share=doc.number("share", at_most=1.0),
        stems=doc.pairs("stems"),
        institutions=tuple(institutions),
        lines=doc.texts("lines"),
        theme_offers=pairs("theme_offer"),
        general_offers=pairs("general_offer"),
        needs=pairs("need"),
    )
    doc.done()
    return finance


FINANCE = load_finance()


def financial_count(n_orgs: int) -> int:
    """How many financial institutions a corpus of ``n_orgs`` other organisations gets (one at
    least once there are five, so a small corpus still holds every kind)."""
    if n_orgs < 5:
        return 0
    return max(1, round(n_orgs * FINANCE.share))


def financial_institutions(
    records: Sequence[dict[str, Any]], random_state: int
) -> tuple[list[dict[str, Any]], dict[str, dict[str, list[str]]]]:
    """Financial institutions for a corpus of ``records`` (their themes as labels beside them);
    each has worked with one to three organisations of its own prefecture."""
    rng = random.Random(random_state + STREAM)
    count = financial_count(len(records))
    by_prefecture: dict[str, list[str]] = {}
    for r in records:
        by_prefecture.setdefault(r["prefecture"], []).append(r["id"])
    taken = {r["name"] for r in records}
    out: list[dict[str, Any]] = []
    labels: dict[str, dict[str, list[str]]] = {}
    width = max(5, len(str(count)))
    prefs = _prefectures(rng, count)
    kinds = [inst.weight for inst in FINANCE.institutions]
    for i, pref in enumerate(prefs, start=1):
        inst = FINANCE.institutions[_wpick(rng, kinds)]
        city = pref.cities[0] if rng.random() < 0.6 else rng.choice(pref.cities)
        place = pref.name[:-1] if pref.name[-1] in "都府県" else pref.name
        place_en = pref.name_en
        name, name_en = _name(rng, inst, place, place_en, taken)
        themes = _themes(rng, pref)
        ctx = {"pref": pref.name, "place": place, "city": city.name, "label": themes[0].label}
        description = inst.description.format(**ctx) + rng.choice(FINANCE.lines).format(**ctx)
        offers = []
        for theme in themes:
            title, text = rng.choice(FINANCE.theme_offers)
            values = {**ctx, "label": theme.label, "tag": theme.tags[0]}
            offers.append({"title": title.format(**values), "description": text.format(**values)})
        general = 1 if len(themes) > 1 else 1 + int(rng.random() < 0.5)  # three offers at most
        for title, text in rng.sample(FINANCE.general_offers, general):
            offers.append({"title": title, "description": text})
        title, text = rng.choice(FINANCE.needs)
        org_id = f"{ID_PREFIX}-{i:0{width}d}"
        partners = by_prefecture.get(pref.name, [])
        out.append(
            {
                "id": org_id,
                "kind": "financial_institution",
                "name": name,
                "name_en": name_en,
                "prefecture": pref.name,
                "city": city.name,
                "description": description,
                "tags": list(dict.fromkeys(["地域金融", "融資", *(t.tags[0] for t in themes)])),
                "offers": offers,
                "needs": [{"title": title, "description": text}],
                "employees": int(rng.lognormvariate(6.0, 0.8)),
                "founded": 1900 + int(rng.random() * 80),
                "certifications": [],
                "public_sector_record": min(30, 5 + int(rng.expovariate(1 / 8))),
                "collaborations": rng.sample(
                    partners, min(len(partners), 1 + int(rng.random() * 3))
                ),
            }
        )
        # General offers (matching, succession, subsidies) are regional finance's own.
        offer_themes = [t.key for t in themes] + ["regional_finance"] * (len(offers) - len(themes))
        labels[org_id] = {
            "themes": list(dict.fromkeys([*offer_themes, "regional_finance"])),
            "needs": ["regional_finance"],
            "offers": offer_themes,
        }
    return out, labels


def _wpick(rng: random.Random, weights: Sequence[float]) -> int:
    total, cumulative = 0.0, []
    for w in weights:
        total += w
        cumulative.append(total)
    return min(bisect_right(cumulative, rng.random() * total), len(weights) - 1)


def _prefectures(rng: random.Random, count: int) -> list[Prefecture]:
    """Every prefecture once when count allows, the rest weighted by population."""
    chosen = list(PREFECTURES) if count >= len(PREFECTURES) else []
    weights = [p.population**0.5 for p in PREFECTURES]
    chosen += [PREFECTURES[_wpick(rng, weights)] for _ in range(count - len(chosen))]
    rng.shuffle(chosen)
    return chosen


def _name(
    rng: random.Random, inst: Institution, place: str, place_en: str, taken: set[str]
) -> tuple[str, str]:
    for _ in range(len(FINANCE.stems) * 2):
        stem, stem_en = rng.choice(FINANCE.stems)
        values = {"stem": stem, "stem_en": stem_en, "place": place, "place_en": place_en}
        name = inst.pattern.format(**values)
        if name not in taken:
            taken.add(name)
            return name, inst.pattern_en.format(**values)
    k = 2
    while f"{name} {k}" in taken:
        k += 1
    taken.add(f"{name} {k}")
    return f"{name} {k}", f"{inst.pattern_en.format(**values)} {k}"


def _themes(rng: random.Random, pref: Prefecture) -> list[Theme]:
    """One or two themes the institution finances: what the prefecture's firms work on."""
    weights = [
        t.weight * (0.0 if t.requires and not set(t.requires) & set(pref.traits) else 1.0)
        for t in THEMES
    ]
    first = THEMES[_wpick(rng, weights)]
    if rng.random() < 0.5:
        second = THEMES[_wpick(rng, weights)]
        if second.key != first.key:
            return [first, second]
    return [first]

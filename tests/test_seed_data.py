"""The seed data files (seeds/data/*.toml): every cross-reference resolves, bad files say where."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from matcher.facts import prefectures as facts
from matcher.facts.kinds import KINDS
from seeds import builder
from seeds.datafiles import DataFileError
from seeds.names import NAMES, NAMES_FILE, load_names
from seeds.phrases import PHRASES, PHRASES_FILE, Phrases, load_phrases
from seeds.places import (
    CITY_TRAITS,
    PLACES_FILE,
    PREFECTURE_NAMES,
    PREFECTURES,
    TRAITS,
    load_places,
)
from seeds.themes import DOMAINS, THEME_BY_KEY, THEMES, THEMES_FILE, load_themes

# Placeholders the builder fills with a fresh number wherever they occur (_Builder.number).
NUMBERS = {"n", "big", "pct", "rate", "months", "years"}
# What the builder's contexts hold where each kind of sentence is filled (seeds/builder.py).
MUNICIPAL = {"city", "pref", "dept"}
SUPPLIER = {"city", "pref", "founded", "label"}
RESEARCH = {"city", "pref", "founded", "label", "lab", "group", "field"}
# The purposes partner_needs draws from: suppliers, startups and researchers.
PURPOSES = {"field", "funding", "research", "sales", "startup", "industry", "site"}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _unfilled(texts: Iterable[str], allowed: set[str]) -> list[tuple[str, set[str]]]:
    """Texts with a placeholder outside ``allowed``: the builder would fail or print braces."""
    return [(t, _placeholders(t) - allowed) for t in texts if _placeholders(t) - allowed]


def test_themes_refer_to_what_exists() -> None:
    for t in THEMES:
        assert t.domain in DOMAINS, t.key
        assert set(t.related) <= set(THEME_BY_KEY) and t.key not in t.related, t.key
        assert set(t.industries) <= set(NAMES.industries), t.key
        assert set(t.requires) <= set(TRAITS), t.key
        assert {trait for trait, _ in t.affinity} <= set(TRAITS), t.key
        assert {kind for kind, _ in t.kind_bias} <= set(KINDS), t.key
        assert t.departments and all(d.sections for d in t.departments), t.key
        assert len(t.offers) == len(t.evidence) and len(t.seeds) == len(t.results), t.key


def test_naming_patterns_suit_known_domains() -> None:
    org_types = (
        *NAMES.university_types,
        NAMES.prefectural_university,
        *NAMES.research_types,
        *NAMES.prefectural_research_types,
    )
    for org in org_types:
        assert set(org.domains) <= set(DOMAINS), org.pattern
    # Every theme's domain has a university and an institute pattern besides the prefectural ones.
    for domain in DOMAINS:
        assert any(not o.domains or domain in o.domains for o in NAMES.university_types), domain
        assert any(not o.domains or domain in o.domains for o in NAMES.research_types), domain
        assert any(
            not o.domains or domain in o.domains for o in NAMES.prefectural_research_types
        ), domain


def test_places_are_the_facts_prefectures() -> None:
    assert PREFECTURE_NAMES == tuple(p.kanji for p in facts.PREFECTURES)
    for place, fact in zip(PREFECTURES, facts.PREFECTURES, strict=True):
        assert place.code == f"{fact.code:02d}"
        assert (place.name, place.name_en) == (fact.kanji, fact.english)
        assert place.region == facts.region_of(fact.code).kanji
        assert set(place.traits) <= set(TRAITS), place.name
        for city in place.cities:
            assert set(city.traits) <= set(CITY_TRAITS), city.name


def test_city_english_names_say_city_town_or_village() -> None:
    for place in PREFECTURES:
        for city in place.cities:
            kind = {"町": "Town", "村": "Village"}.get(city.name[-1], "City")
            assert re.fullmatch(rf"[A-Z][a-z]+ {kind}", city.name_en), (city.name, city.name_en)


def test_what_the_builder_looks_up_exists() -> None:
    source = Path(builder.__file__).read_text(encoding="utf-8")
    phrase_fields = set(Phrases.__dataclass_fields__)
    assert set(re.findall(r"PHRASES\.(\w+)", source)) <= phrase_fields
    assert set(re.findall(r"NAMES\.(\w+)", source)) <= set(type(NAMES).__dataclass_fields__)
    assert set(PHRASES.partner_needs) == PURPOSES
    assert builder._ENV_THEMES <= set(THEME_BY_KEY)
    assert builder._IT_INDUSTRIES <= set(NAMES.industries)
    assert set(builder._REGIONAL_JSTARTUP) <= set(PREFECTURE_NAMES)
    assert set(builder._STARTUP_HUBS) <= set(PREFECTURE_NAMES)
    assert list(builder.KIND_SHARES) == list(builder.ID_PREFIXES) == list(KINDS)
    assert builder._PLAIN_INDUSTRIES  # companies outside their theme's industries need some


def test_theme_sentences_use_only_placeholders_the_builder_fills() -> None:
    for t in THEMES:
        raw = [t.label, *t.tags, *t.labs, *t.fields, *t.research]
        raw += [title for title, _ in (*t.needs, *t.offers, *t.seeds)]
        assert not _unfilled(raw, set()), t.key  # used as written
        assert not _unfilled(t.contexts, MUNICIPAL | NUMBERS), t.key
        needs = [problem for _, problem in t.needs] + list(t.constraints)
        assert not _unfilled(needs, MUNICIPAL | {"label"} | NUMBERS), t.key
        offers = [method for _, method in t.offers] + [e for es in t.evidence for e in es]
        assert not _unfilled([*offers, *t.records], SUPPLIER | NUMBERS), t.key
        seeds = [body for _, body in t.seeds] + [r for rs in t.results for r in rs]
        assert not _unfilled(seeds, RESEARCH | NUMBERS), t.key


def test_phrases_use_only_placeholders_the_builder_fills() -> None:
    p = PHRASES
    municipal_need = MUNICIPAL | {"label"} | NUMBERS
    allowed: dict[str, set[str]] = {
        "municipality_intros": MUNICIPAL | {"label"},
        "municipality_stances": set(),  # appended as written
        "municipality_asks": municipal_need,
        "trial_lines": municipal_need,
        "budget_lines": municipal_need | {"budget"},
        "municipality_offer_titles": MUNICIPAL | {"label", "field"},
        "municipality_offer_sentences": MUNICIPAL | {"label", "field"},
        "startup_intros": SUPPLIER | {"offer"},
        "company_intros": SUPPLIER | {"offer", "industry"},
        "product_summaries": SUPPLIER | {"offer"},
        "startup_closers": SUPPLIER | {"offer"},
        "company_closers": SUPPLIER | {"offer", "industry"},
        "offer_practices": SUPPLIER | NUMBERS,
        "offer_closers": SUPPLIER | NUMBERS,
        "university_intros": RESEARCH - {"group", "field"} | {"seed"},
        "university_summaries": RESEARCH - {"group", "field"} | {"seed"},
        "university_closers": RESEARCH - {"group", "field"} | {"seed"},
        "institute_intros": RESEARCH - {"group", "field"} | {"seed"},
        "public_institute_intros": RESEARCH - {"group", "field"} | {"seed"},
        "institute_summaries": RESEARCH - {"group", "field"} | {"seed"},
        "institute_closers": RESEARCH - {"group", "field"} | {"seed"},
        "university_seed_leads": RESEARCH,
        "institute_seed_leads": RESEARCH,
        "university_seed_closers": RESEARCH | NUMBERS,
        "institute_seed_closers": RESEARCH | NUMBERS,
    }
    assert set(allowed) | {"partner_needs"} == set(Phrases.__dataclass_fields__)
    for name, names in allowed.items():
        assert not _unfilled(getattr(p, name), names), name
    partner = {"city", "pref", "founded", "label", "field", "research"}
    for purpose, (titles, firsts, follows) in p.partner_needs.items():
        own = {"seed"} if purpose in ("industry", "site") else {"offer", "industry"}
        assert not _unfilled([*titles, *firsts, *follows], partner | own), purpose


def test_naming_patterns_use_only_their_placeholders() -> None:
    for key, industry in NAMES.industries.items():
        assert not _unfilled([industry.pattern, industry.pattern_en], {"stem"}), key
        assert not _unfilled([industry.part, industry.part_en, industry.description], set())
    for org in NAMES.university_types:
        assert _placeholders(org.pattern) == _placeholders(org.pattern_en) == {"stem"}
    university = NAMES.prefectural_university
    assert _placeholders(university.pattern) == {"stem", "pref"}
    assert _placeholders(university.pattern_en) == {"stem", "pref_en"}
    for org in NAMES.research_types:
        assert _placeholders(org.pattern) == _placeholders(org.pattern_en) == {"stem"}
    for org in NAMES.prefectural_research_types:
        assert _placeholders(org.pattern) == {"pref"}
        assert _placeholders(org.pattern_en) == {"pref_en"}


# -- malformed files ---------------------------------------------------------------------------


def _broken(tmp_path: Path, original: Path, old: str, new: str) -> tuple[Path, int]:
    """A copy of a data file with its first ``old`` replaced, and the line of that change."""
    text = original.read_text(encoding="utf-8")
    assert old in text, old
    broken = tmp_path / original.name
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    return broken, text[: text.index(old)].count("\n") + 1


CASES: list[tuple[Callable, Path, str, str, str]] = [
    # loader, file, old text, new text, what the message says after the file name
    (load_themes, THEMES_FILE, 'label = "高齢者見守り"', 'label = "高齢者見守り', "not valid TOML"),
    (
        load_themes,
        THEMES_FILE,
        'domain = "medical"',
        'domain = "medicine"',
        "theme 'elderly_watch': domain 'medicine' is not one of",
    ),
    (load_themes, THEMES_FILE, "trial = 0.45\n", "", "theme 'elderly_watch': 'trial' is missing"),
    (
        load_themes,
        THEMES_FILE,
        "trial = 0.45\n",
        "trial = 45\n",
        "theme 'elderly_watch': 'trial' must be a number ≥ 0 and ≤ 1, got 45",
    ),
    (
        load_themes,
        THEMES_FILE,
        "affinity = {",
        "afinity = {",
        "theme 'elderly_watch': unknown key 'afinity'",
    ),
    (
        load_themes,
        THEMES_FILE,
        'departments = ["welfare"',
        'departments = ["welfair"',
        "theme 'elderly_watch': department 'welfair' is not defined",
    ),
    (
        load_themes,
        THEMES_FILE,
        'related = ["shopping"',
        'related = ["shoping"',
        "theme 'elderly_watch': related theme 'shoping' is not another theme",
    ),
    (
        load_themes,
        THEMES_FILE,
        'evidence = [\n    "利用者へ',
        'evidence = [\n    3,\n    "利用者へ',
        "theme 'elderly_watch', offer 1: 'evidence' must be a non-empty list of non-empty strings",
    ),
    (
        load_places,
        PLACES_FILE,
        '[prefecture."沖縄県"]',
        '[prefecture."琉球"]',
        "prefecture '琉球': not a prefecture of matcher/facts/prefectures.py",
    ),
    (
        load_places,
        PLACES_FILE,
        'traits = ["snow", "ski", "coast"',
        'traits = ["snowy", "ski", "coast"',
        "prefecture '北海道': trait 'snowy' is not one of the traits",
    ),
    (
        load_places,
        PLACES_FILE,
        'name_en = "Sapporo City", traits = ["ski"]',
        'name_en = "Sapporo City", traits = ["skiing"]',
        "prefecture '北海道', city '札幌市': trait 'skiing' is not one of",
    ),
    (
        load_places,
        PLACES_FILE,
        "population = 522",
        "population = -522",
        "prefecture '北海道': 'population' must be a positive integer",
    ),
    (
        load_names,
        NAMES_FILE,
        '["北星", "Hokusei"]',
        '["北星"]',
        "'company_stems' must be a non-empty list of [string, string] pairs",
    ),
    (
        load_names,
        NAMES_FILE,
        'pattern = "{stem}信用金庫"\n',
        "",
        "industry 'finance': 'pattern' and 'pattern_en' go together",
    ),
    (load_phrases, PHRASES_FILE, "trial_lines = [", "trial_line = [", "'trial_lines' is missing"),
    (
        load_phrases,
        PHRASES_FILE,
        'text = "{field}での実証に協力',
        'txt = "{field}での実証に協力',
        "partner need 'field', opening 1: 'text' is missing",
    ),
]


@pytest.mark.parametrize(("load", "original", "old", "new", "message"), CASES)
def test_a_malformed_data_file_names_the_file_and_the_entry(
    tmp_path: Path, load: Callable, original: Path, old: str, new: str, message: str
) -> None:
    broken, line = _broken(tmp_path, original, old, new)
    with pytest.raises(DataFileError) as caught:
        load(broken)
    assert str(caught.value).startswith(f"{broken}: {message}"), str(caught.value)
    if message == "not valid TOML":
        assert f"(at line {line}," in str(caught.value)


def test_every_data_file_loads_as_the_modules_have_it() -> None:
    assert load_themes() == (DOMAINS, THEMES)
    assert load_places() == (TRAITS, PREFECTURES)
    assert load_names() == NAMES
    assert load_phrases() == PHRASES

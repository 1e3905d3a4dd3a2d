"""Tests for the seed corpus stage: shape, determinism and coverage of the demo corpus."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

import seeds
from matcher.facts.kinds import KINDS
from seeds.phrases import PHRASES
from seeds.places import PREFECTURE_BY_NAME, PREFECTURE_NAMES, PREFECTURES, TRAITS, city_has
from seeds.themes import DOMAINS, THEME_BY_KEY, THEMES

REQUIRED = ("id", "kind", "name", "prefecture", "description")
ID_PATTERN = re.compile(r"^(mu|co|st|un|ri|fi)-\d{5,}$")
NEAR_MISSES = (
    ("drone_delivery", "agri_drone"),
    ("elderly_watch", "child_watch"),
    ("snow_removal", "ski_snow"),
    ("water_leak", "roof_leak"),
    ("gov_dx", "tourism_dx"),
)


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    return seeds.build_corpus()


def _texts(record: dict):
    """Every string of a record, with where it sits."""
    for key in ("id", "kind", "name", "name_en", "prefecture", "city", "description"):
        if key in record:
            yield key, record[key]
    for tag in record.get("tags", []):
        yield "tags", tag
    for cert in record.get("certifications", []):
        if isinstance(cert, dict):  # a certification with its issuer
            yield "certifications", cert["name"]
            yield "certifications", cert["issuer"]
        else:
            yield "certifications", cert
    for side in ("needs", "offers"):
        for item in record.get(side, []):
            yield f"{side}.title", item["title"]
            yield f"{side}.description", item["description"]


def test_default_size_and_kinds(corpus):
    # Financial institutions come beside the 1,600 (3% more), from a stream of their own, so the
    # labelled queries' organisations are those of the corpus built before they existed.
    assert seeds.DEFAULT_SIZE == 1600
    banks = seeds.kind_counts(seeds.DEFAULT_SIZE)["financial_institution"]
    assert banks == 48
    assert len(corpus) == seeds.DEFAULT_SIZE + banks
    counts = Counter(r["kind"] for r in corpus)
    assert set(counts) == set(KINDS)
    for kind, share in seeds.KIND_SHARES.items():
        assert abs(counts[kind] / seeds.DEFAULT_SIZE - share) < 0.01, kind


def test_financial_institutions_leave_the_other_kinds_as_they_were():
    records = seeds.build_corpus(300, random_state=4)
    others = [r for r in records if r["kind"] != "financial_institution"]
    assert len(others) == 300
    banks = [r for r in records if r["kind"] == "financial_institution"]
    assert len(banks) == 9 and all(r["id"].startswith("fi-") for r in banks)
    assert records[:300] == others  # drawn after the others, from a stream of their own
    ids = {r["id"] for r in others}
    for bank in banks:
        assert bank["offers"] and bank["needs"]
        assert set(bank["collaborations"]) <= ids


def test_deterministic():
    assert seeds.build_corpus(300, random_state=7) == seeds.build_corpus(300, random_state=7)
    assert seeds.build_corpus(300, random_state=7) != seeds.build_corpus(300, random_state=8)


def test_labels_do_not_change_records():
    records, labels = seeds.build_labelled_corpus(200, random_state=3)
    assert records == seeds.build_corpus(200, random_state=3)
    assert list(labels) == [r["id"] for r in records]
    for r in records:
        label = labels[r["id"]]
        assert len(label["needs"]) == len(r["needs"])
        assert len(label["offers"]) == len(r["offers"])
        assert set(label["themes"]) <= set(THEME_BY_KEY)


def test_required_fields_and_types(corpus):
    for r in corpus:
        for key in REQUIRED:
            assert isinstance(r[key], str) and r[key].strip(), (r["id"], key)
        assert r["kind"] in KINDS
        assert ID_PATTERN.match(r["id"]), r["id"]
        assert r["id"][:2] == seeds.ID_PREFIXES[r["kind"]]
        assert "theme" not in r  # the import format has no theme field
        for key in ("tags", "offers", "needs", "certifications", "collaborations"):
            assert isinstance(r[key], list), (r["id"], key)
        for item in r["offers"]:
            assert set(item) == {"title", "description"}
        for item in r["needs"]:
            assert set(item) <= {"title", "description", "budget_jpy", "trial_order"}
            if "budget_jpy" in item:
                assert isinstance(item["budget_jpy"], int) and item["budget_jpy"] > 0
            if "trial_order" in item:
                assert isinstance(item["trial_order"], bool)


def test_no_empty_or_unfilled_text(corpus):
    for r in corpus:
        for where, text in _texts(r):
            assert isinstance(text, str) and text.strip(), (r["id"], where)
            assert "{" not in text and "}" not in text, (r["id"], where, text)


def test_descriptions_have_two_to_four_sentences(corpus):
    for r in corpus:
        texts = [r["description"]] + [i["description"] for i in r["needs"] + r["offers"]]
        for text in texts:
            assert text.endswith("。"), (r["id"], text)
            assert 2 <= text.count("。") <= 4, (r["id"], text)


def test_ids_and_names_unique(corpus):
    assert len({r["id"] for r in corpus}) == len(corpus)
    assert len({r["name"] for r in corpus}) == len(corpus)


def test_prefectures_are_the_47(corpus):
    assert len(PREFECTURE_NAMES) == 47 == len(set(PREFECTURE_NAMES))
    assert tuple(p.name for p in PREFECTURES) == PREFECTURE_NAMES
    assert {r["prefecture"] for r in corpus} == set(PREFECTURE_NAMES)
    for p in PREFECTURES:
        assert 4 <= len(p.cities) <= 8, p.name
        assert len({c.name for c in p.cities}) == len(p.cities), p.name
        assert set(p.traits) <= set(TRAITS), p.name
        for c in p.cities:
            assert set(c.traits) <= {"coast", "ski", "snow", "dense"}, c.name
            assert c.name_en.endswith((" City", " Town", " Village")), c.name_en
    cities = {p.name: {c.name for c in p.cities} for p in PREFECTURES}
    for r in corpus:
        assert r["city"] in cities[r["prefecture"]], (r["id"], r["city"])


def test_every_kind_spread_over_prefectures(corpus):
    for kind in KINDS:
        prefs = {r["prefecture"] for r in corpus if r["kind"] == kind}
        assert len(prefs) >= 40, kind
    municipal = {r["prefecture"] for r in corpus if r["kind"] == "municipality"}
    assert municipal == set(PREFECTURE_NAMES)


def test_municipalities(corpus):
    for r in corpus:
        if r["kind"] != "municipality":
            continue
        assert 1 <= len(r["needs"]) <= 3, r["id"]
        assert r["name"].startswith(r["city"] + " "), r["name"]
        for need in r["needs"]:
            assert "trial_order" in need
            if "budget_jpy" in need:
                assert 300_000 <= need["budget_jpy"] <= 30_000_000
    needs = [n for r in corpus if r["kind"] == "municipality" for n in r["needs"]]
    assert 0.15 < sum(n["trial_order"] for n in needs) / len(needs) < 0.6


def test_suppliers_and_researchers(corpus):
    ranges = {
        "startup": (3, 80),
        "company": (30, 5000),
        "university": (300, 8000),
    }
    for r in corpus:
        if r["kind"] == "municipality":
            continue
        assert 1 <= len(r["offers"]) <= 3, r["id"]
        assert isinstance(r["founded"], int) and 1868 <= r["founded"] <= 2025
        assert 0 <= r["public_sector_record"] <= 30
        if r["kind"] in ranges:
            lo, hi = ranges[r["kind"]]
            assert lo <= r["employees"] <= hi, (r["id"], r["employees"])
    # 新事業分野開拓者認定 comes with its issuer, the supplier's prefecture (随意契約 hints say it).
    certs = Counter(
        c if isinstance(c, str) else c["name"] for r in corpus for c in r["certifications"]
    )
    issued = [
        (c["issuer"], r["prefecture"])
        for r in corpus
        for c in r["certifications"]
        if isinstance(c, dict)
    ]
    assert issued and all(issuer == place for issuer, place in issued)
    for cert in ("J-Startup", "新事業分野開拓者認定", "ISO 9001", "ISMS", "健康経営優良法人"):
        assert certs[cert] > 0, cert
    assert any(c.startswith("J-Startup ") for c in certs)


def test_collaborations_point_inside(corpus):
    ids = {r["id"] for r in corpus}
    linked = 0
    for r in corpus:
        assert r["id"] not in r["collaborations"]
        assert len(set(r["collaborations"])) == len(r["collaborations"])
        assert set(r["collaborations"]) <= ids
        linked += bool(r["collaborations"])
    assert linked > len(corpus) / 2


def test_themes_cover_policy_and_near_misses(corpus):
    keys = {t.key for t in THEMES}
    assert len(keys) == len(THEMES) >= 25
    for a, b in NEAR_MISSES:
        assert a in keys and b in keys
        assert THEME_BY_KEY[a].tags[0] != THEME_BY_KEY[b].tags[0]
    _, labels = seeds.build_labelled_corpus(seeds.DEFAULT_SIZE)
    used = {k for label in labels.values() for k in label["themes"]}
    assert used == keys
    for t in THEMES:
        assert t.domain in DOMAINS
        assert set(t.related) <= keys and t.key not in t.related
        for a, b in NEAR_MISSES:
            # Near misses must stay apart, or the evaluation loses its hard negatives.
            assert not (t.key == a and b in t.related), t.key
            assert not (t.key == b and a in t.related), t.key
    for t in THEMES:
        # Enough building blocks that two profiles on a theme do not read as copies.
        assert min(len(t.contexts), len(t.needs), len(t.constraints), len(t.offers)) >= 3, t.key
        assert len(t.seeds) >= 2 and len(t.records) >= 2, t.key
        assert len(t.evidence) == len(t.offers) and len(t.results) == len(t.seeds), t.key
        assert t.departments and t.stems and t.labs and t.fields and t.research, t.key
    for titles, firsts, follows in PHRASES.partner_needs.values():
        assert len(titles) == len(firsts) and follows
    tags = Counter(tag for r in corpus for tag in r["tags"])
    for t in THEMES:
        assert tags[t.tags[0]] > 0, t.key


def test_place_bound_themes_only_where_they_fit():
    # 除雪 only where it snows, 養殖 only on the coast, スキー場 only near ski resorts.
    records, labels = seeds.build_labelled_corpus(seeds.DEFAULT_SIZE)
    checked = 0
    for r in records:
        if r["kind"] != "municipality":
            continue
        pref = PREFECTURE_BY_NAME[r["prefecture"]]
        city = next(c for c in pref.cities if c.name == r["city"])
        for key in labels[r["id"]]["needs"]:
            theme = THEME_BY_KEY[key]
            if theme.requires:
                checked += 1
                assert any(city_has(pref, city, t) for t in theme.requires), (r["id"], key)
            if theme.rural:
                assert "dense" not in city.traits, (r["id"], key)
    assert checked > 50


def test_municipal_needs_belong_to_the_department():
    records, labels = seeds.build_labelled_corpus(seeds.DEFAULT_SIZE)
    for r in records:
        if r["kind"] != "municipality":
            continue
        unit = r["name"].removeprefix(r["city"] + " ")
        for key in labels[r["id"]]["needs"]:
            depts = THEME_BY_KEY[key].departments
            assert any(d.name in unit or any(s in unit for s in d.sections) for d in depts), (
                r["name"],
                key,
            )


def test_small_and_large_builds():
    assert seeds.build_corpus(0) == []
    tiny = seeds.build_corpus(5)
    assert {r["kind"] for r in tiny} == set(KINDS)
    big = seeds.build_corpus(10_000)
    assert len(big) == 10_300  # with 300 financial institutions beside them
    assert len({r["id"] for r in big}) == 10_300
    assert len({r["name"] for r in big}) == 10_300
    with pytest.raises(ValueError):
        seeds.build_corpus(-1)


def test_jsonl_round_trip(tmp_path, corpus):
    path = tmp_path / "seed.jsonl"
    assert seeds.write_jsonl(path, corpus) == len(corpus)
    raw = path.read_text(encoding="utf-8")
    assert raw.count("\n") == len(corpus)
    assert "北海道" in raw and "\\u" not in raw  # Japanese is written as is
    assert [json.loads(line) for line in raw.splitlines()] == corpus
    assert list(seeds.read_jsonl(path)) == corpus


def test_command_line(tmp_path, capsys):
    from seeds.__main__ import main

    path = tmp_path / "out.jsonl"
    assert main([str(path), "-n", "50", "--random-state", "2"]) == 0
    assert list(seeds.read_jsonl(path)) == seeds.build_corpus(50, random_state=2)
    assert main(["-", "-n", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == seeds.build_corpus(5)

"""Seed corpus — themes: the 地方創生2.0 challenge areas and the sentence parts of each.

Each theme holds sentence parts from both sides of a match: a municipality's challenge
(context + problem + constraint), a supplier's offer (product + its evidence + track record)
and a researcher's seed (seed + its result). The builder combines them, so two profiles on the
same theme share vocabulary without reading as copies.

The themes are data, in seeds/data/themes.toml, whose comments say what each field means,
which placeholders a sentence may use and why near-miss themes are kept apart; this module
reads the file once, at import.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .datafiles import DATA_DIR, DataFileError, Table, read_toml

THEMES_FILE = DATA_DIR / "themes.toml"


@dataclass(frozen=True, slots=True)
class Department:
    """A municipal department (部) and the sections (課) under it."""

    name: str
    name_en: str
    sections: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Theme:
    """One challenge area with the sentence parts both sides of a match would write."""

    key: str
    label: str  # used inside sentences: 「{label}の課題」
    label_en: str
    domain: str
    weight: float  # how often the theme comes up at all
    tags: tuple[str, ...]  # the first tag is the theme's core keyword
    departments: tuple[Department, ...]
    budget: tuple[int, int]  # typical municipal budget range, yen
    trial: float  # share of municipal needs offered as a trial order (トライアル発注)
    requires: tuple[str, ...]  # place traits, any of which the theme needs
    rural: bool  # a municipal challenge of farmland, forests or villages, not of dense wards
    affinity: tuple[tuple[str, float], ...]  # place trait → weight multiplier
    kind_bias: tuple[tuple[str, float], ...]  # kind → weight multiplier
    related: tuple[str, ...]  # themes a second challenge or offer plausibly comes from
    industries: tuple[str, ...]  # keys of NAMES.industries
    stems: tuple[tuple[str, str], ...]  # katakana startup-name stems (kana, romaji)
    labs: tuple[str, ...]
    fields: tuple[str, ...]  # where a pilot would run (実証フィールド), noun phrases
    research: tuple[str, ...]  # what a research partnership would be about, noun phrases
    contexts: tuple[str, ...]  # municipal view: the situation
    needs: tuple[tuple[str, str], ...]  # (title, problem sentence)
    constraints: tuple[str, ...]  # municipal view: conditions and plan
    offers: tuple[tuple[str, str], ...]  # (title, method sentence)
    evidence: tuple[tuple[str, ...], ...]  # evidence[i] backs offers[i]
    records: tuple[str, ...]  # deployment record, true of any of the offers
    seeds: tuple[tuple[str, str], ...]  # (title, seed body without subject)
    results: tuple[tuple[str, ...], ...]  # results[i] come from seeds[i]


def load_themes(
    path: str | os.PathLike[str] = THEMES_FILE,
) -> tuple[tuple[str, ...], tuple[Theme, ...]]:
    """The domains and the themes of a themes file, in file order.

    Raises DataFileError naming the file and the theme for a missing, misspelt or mistyped key,
    a key given to two themes, or a department, domain or related theme the file does not define.
    """
    doc = read_toml(path)
    domains = doc.texts("domains")
    departments: dict[str, Department] = {}
    for key, t in doc.named_tables("department", "department"):
        departments[key] = Department(t.text("name"), t.text("name_en"), t.texts("sections"))
        t.done()
    themes: list[Theme] = []
    for t in doc.tables("theme", "theme"):
        theme = _theme(t, domains, departments)
        if any(other.key == theme.key for other in themes):
            raise t.error(f"a theme {theme.key!r} is defined above already")
        themes.append(theme)
    doc.done()
    keys = {theme.key for theme in themes}
    for theme in themes:
        for key in theme.related:
            if key not in keys or key == theme.key:
                raise DataFileError(
                    path, f"theme {theme.key!r}", f"related theme {key!r} is not another theme"
                )
    return domains, tuple(themes)


def _theme(t: Table, domains: tuple[str, ...], departments: dict[str, Department]) -> Theme:
    key = t.text("key")
    t.where = f"theme {key!r}"
    domain = t.text("domain")
    if domain not in domains:
        raise t.error(f"domain {domain!r} is not one of {', '.join(domains)}")
    dept_keys = t.texts("departments")
    for dept in dept_keys:
        if dept not in departments:
            raise t.error(f"department {dept!r} is not defined under [department]")
    lo, hi = t.integers("budget", 2)
    if lo > hi:
        raise t.error(f"budget {[lo, hi]} must be [low, high]")
    needs = t.tables("need", "need")
    offers = t.tables("offer", "offer")
    seeds = t.tables("seed", "seed")
    theme = Theme(
        key=key,
        label=t.text("label"),
        label_en=t.text("label_en"),
        domain=domain,
        weight=t.number("weight", 1.0),
        tags=t.texts("tags"),
        departments=tuple(departments[d] for d in dept_keys),
        budget=(lo, hi),
        trial=t.number("trial", at_most=1),
        requires=t.texts("requires", ()),
        rural=t.flag("rural", False),
        affinity=t.factors("affinity"),
        kind_bias=t.factors("kind_bias"),
        related=t.texts("related"),
        industries=t.texts("industries"),
        stems=t.pairs("stems"),
        labs=t.texts("labs"),
        fields=t.texts("fields"),
        research=t.texts("research"),
        contexts=t.texts("contexts"),
        needs=tuple((n.text("title"), n.text("problem")) for n in needs),
        constraints=t.texts("constraints"),
        offers=tuple((o.text("title"), o.text("method")) for o in offers),
        evidence=tuple(o.texts("evidence") for o in offers),
        records=t.texts("records"),
        seeds=tuple((s.text("title"), s.text("body")) for s in seeds),
        results=tuple(s.texts("results") for s in seeds),
    )
    for part in (t, *needs, *offers, *seeds):
        part.done()
    return theme


DOMAINS, THEMES = load_themes()
THEME_BY_KEY: dict[str, Theme] = {t.key: t for t in THEMES}

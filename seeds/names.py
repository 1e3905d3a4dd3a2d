"""Seed corpus — names: parts for fictional but plausible organisation names.

The stems, lines of business and naming patterns are data in seeds/data/names.toml (whose
comments say how the stems were chosen); this module reads the file once, at import.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .datafiles import DATA_DIR, Table, read_toml

NAMES_FILE = DATA_DIR / "names.toml"


@dataclass(frozen=True, slots=True)
class Industry:
    """A line of business: how it shows in a company name and in its description."""

    part: str  # 精機 → 北星精機株式会社
    part_en: str
    description: str  # 精密機器メーカー
    pattern: str = ""  # a full-name pattern replacing the 株式会社 forms, e.g. "{stem}信用金庫"
    pattern_en: str = ""


@dataclass(frozen=True, slots=True)
class OrgType:
    """A naming pattern for universities or institutes, with the theme domains it suits."""

    pattern: str  # uses {stem} or {pref}
    pattern_en: str
    domains: tuple[str, ...] = ()  # empty: suits every domain


@dataclass(frozen=True, slots=True)
class Names:
    """The parts of organisation names, as a names file gives them."""

    industries: dict[str, Industry]  # by the keys themes name
    company_stems: tuple[tuple[str, str], ...]  # (kanji, romaji)
    startup_stems: tuple[tuple[str, str], ...]  # (katakana, romaji), beside the themes' own
    startup_suffixes: tuple[tuple[str, str], ...]
    university_stems: tuple[tuple[str, str], ...]
    research_stems: tuple[tuple[str, str], ...]
    research_legal_forms: tuple[str, ...]  # "" for none
    prefectural_legal_forms: tuple[str, ...]
    university_types: tuple[OrgType, ...]
    prefectural_university: OrgType
    research_types: tuple[OrgType, ...]
    prefectural_research_types: tuple[OrgType, ...]  # 公設試


def load_names(path: str | os.PathLike[str] = NAMES_FILE) -> Names:
    """The name parts of a names file, lists in file order.

    Raises DataFileError naming the file and the entry for a missing, misspelt or mistyped key.
    """
    doc = read_toml(path)
    industries: dict[str, Industry] = {}
    for key, t in doc.named_tables("industry", "industry"):
        industries[key] = Industry(
            part=t.text("part"),
            part_en=t.text("part_en"),
            description=t.text("description"),
            pattern=t.text("pattern", ""),
            pattern_en=t.text("pattern_en", ""),
        )
        if bool(industries[key].pattern) != bool(industries[key].pattern_en):
            raise t.error("'pattern' and 'pattern_en' go together")
        t.done()
    names = Names(
        industries=industries,
        company_stems=doc.pairs("company_stems"),
        startup_stems=doc.pairs("startup_stems"),
        startup_suffixes=doc.pairs("startup_suffixes"),
        university_stems=doc.pairs("university_stems"),
        research_stems=doc.pairs("research_stems"),
        research_legal_forms=doc.texts("research_legal_forms", empty=True),
        prefectural_legal_forms=doc.texts("prefectural_legal_forms", empty=True),
        university_types=_org_types(doc.tables("university_type", "university_type")),
        prefectural_university=_org_type(
            doc.table("prefectural_university", "prefectural_university")
        ),
        research_types=_org_types(doc.tables("research_type", "research_type")),
        prefectural_research_types=_org_types(
            doc.tables("prefectural_research_type", "prefectural_research_type")
        ),
    )
    doc.done()
    return names


def _org_type(t: Table) -> OrgType:
    org = OrgType(t.text("pattern"), t.text("pattern_en"), t.texts("domains", ()))
    t.done()
    return org


def _org_types(tables: list[Table]) -> tuple[OrgType, ...]:
    return tuple(_org_type(t) for t in tables)


NAMES = load_names()

"""Seed corpus — places: the 47 prefectures and a hand-picked set of their real municipalities.

A prefecture's name, code, English name and region are the project's facts
(matcher/facts/prefectures.py); what only the seed builder needs (traits, population, the number
of municipalities and the cities) is data in seeds/data/places.toml, read once, at import.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from matcher.facts import prefectures as facts

from .datafiles import DATA_DIR, DataFileError, Table, read_toml

PLACES_FILE = DATA_DIR / "places.toml"

# The traits a city may have, as city_has reads them: on the coast, near ski resorts, in the snowy
# part of a snow_light prefecture, densely built up (no farmland or mountain villages).
CITY_TRAITS: tuple[str, ...] = ("coast", "ski", "snow", "dense")


@dataclass(frozen=True, slots=True)
class City:
    """A real municipality (市区町村)."""

    name: str
    name_en: str
    traits: tuple[str, ...] = ()  # of CITY_TRAITS


@dataclass(frozen=True, slots=True)
class Prefecture:
    """A prefecture with the facts the seed builder needs."""

    code: str  # JIS X 0401, two digits
    name: str
    name_en: str
    region: str  # the regional block, in kanji (九州・沖縄)
    municipalities: int  # number of 市区町村, a proxy for how many local governments speak up
    population: int  # in units of 10,000 people (2020 census, rounded)
    traits: tuple[str, ...]
    cities: tuple[City, ...]  # largest / capital first: companies cluster there


def load_places(
    path: str | os.PathLike[str] = PLACES_FILE,
) -> tuple[tuple[str, ...], tuple[Prefecture, ...]]:
    """The place traits and the 47 prefectures of a places file, the prefectures in JIS order.

    Raises DataFileError naming the file and the prefecture or city for a missing, misspelt or
    mistyped key, a prefecture missing or not one of matcher.facts.prefectures, a trait not
    listed, or a city given twice.
    """
    doc = read_toml(path)
    traits = doc.texts("traits")
    tables = dict(doc.named_tables("prefecture", "prefecture"))
    doc.done()
    known = {p.kanji for p in facts.PREFECTURES}
    for name in tables:
        if name not in known:
            raise DataFileError(
                path, f"prefecture {name!r}", "not a prefecture of matcher/facts/prefectures.py"
            )
    prefectures = []
    for fact in facts.PREFECTURES:
        if fact.kanji not in tables:
            raise DataFileError(path, "", f'[prefecture."{fact.kanji}"] is missing')
        prefectures.append(_prefecture(fact, tables[fact.kanji], traits))
    return traits, tuple(prefectures)


def _prefecture(fact: facts.Prefecture, t: Table, traits: tuple[str, ...]) -> Prefecture:
    pref_traits = t.texts("traits")
    for trait in pref_traits:
        if trait not in traits:
            raise t.error(f"trait {trait!r} is not one of the traits listed at the top")
    cities: list[City] = []
    for c in t.tables("cities", "city"):
        name = c.text("name")
        c.where = f"{t.where}, city {name!r}"
        city = City(name=name, name_en=c.text("name_en"), traits=c.texts("traits", ()))
        for trait in city.traits:
            if trait not in CITY_TRAITS:
                raise c.error(f"trait {trait!r} is not one of {', '.join(CITY_TRAITS)}")
        if any(other.name == name for other in cities):
            raise c.error("given twice")
        c.done()
        cities.append(city)
    prefecture = Prefecture(
        code=f"{fact.code:02d}",
        name=fact.kanji,
        name_en=fact.english,
        region=facts.region_of(fact.code).kanji,
        municipalities=t.integer("municipalities"),
        population=t.integer("population"),
        traits=pref_traits,
        cities=tuple(cities),
    )
    t.done()
    return prefecture


TRAITS, PREFECTURES = load_places()
# JIS X 0401 order, so the position + 1 is the prefecture code.
PREFECTURE_NAMES: tuple[str, ...] = tuple(p.name for p in PREFECTURES)
PREFECTURE_BY_NAME: dict[str, Prefecture] = {p.name: p for p in PREFECTURES}


def city_has(pref: Prefecture, city: City, trait: str) -> bool:
    """Whether a place trait holds for this city, not just somewhere in its prefecture."""
    if trait in ("coast", "ski"):
        return trait in city.traits
    if trait == "snow_light":
        return trait in pref.traits and "snow" in city.traits
    return trait in pref.traits

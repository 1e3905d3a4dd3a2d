"""Seed corpus — phrases: theme-independent sentence parts, one set per kind of organisation.

The sentences are data in seeds/data/phrases.toml (whose comments say where each list is used
and which placeholders it may hold); this module reads the file once, at import.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from .datafiles import DATA_DIR, read_toml

PHRASES_FILE = DATA_DIR / "phrases.toml"

# (title patterns, first sentences, follow-up sentences); titles[i] goes with firsts[i].
PartnerNeeds = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Phrases:
    """The sentence parts of a phrases file: lists of sentences, and partner needs by purpose."""

    municipality_intros: tuple[str, ...]
    municipality_stances: tuple[str, ...]
    municipality_asks: tuple[str, ...]  # an optional last sentence of a municipal need
    municipality_offer_titles: tuple[str, ...]
    municipality_offer_sentences: tuple[str, ...]  # the first says what is offered
    startup_intros: tuple[str, ...]
    company_intros: tuple[str, ...]
    product_summaries: tuple[str, ...]
    startup_closers: tuple[str, ...]
    company_closers: tuple[str, ...]
    university_intros: tuple[str, ...]
    university_summaries: tuple[str, ...]
    university_closers: tuple[str, ...]
    institute_intros: tuple[str, ...]
    public_institute_intros: tuple[str, ...]  # institutes run by a prefecture (公設試)
    institute_summaries: tuple[str, ...]
    institute_closers: tuple[str, ...]
    offer_practices: tuple[str, ...]  # how a supplier works, standing in for a track record
    offer_closers: tuple[str, ...]  # an optional last sentence of a supplier's offer
    university_seed_leads: tuple[str, ...]
    institute_seed_leads: tuple[str, ...]
    university_seed_closers: tuple[str, ...]
    institute_seed_closers: tuple[str, ...]
    budget_lines: tuple[str, ...]  # {budget} as 350万円
    trial_lines: tuple[str, ...]
    partner_needs: dict[str, PartnerNeeds]  # by purpose


def load_phrases(path: str | os.PathLike[str] = PHRASES_FILE) -> Phrases:
    """The sentence parts of a phrases file, lists in file order.

    Raises DataFileError naming the file and the list or purpose for a missing, misspelt or
    mistyped key.
    """
    doc = read_toml(path)
    lists = {f.name: doc.texts(f.name) for f in fields(Phrases) if f.name != "partner_needs"}
    partner_needs: dict[str, PartnerNeeds] = {}
    for purpose, t in doc.named_tables("partner_needs", "partner need"):
        openings = t.tables("opening", "opening")
        partner_needs[purpose] = (
            tuple(o.text("title") for o in openings),
            tuple(o.text("text") for o in openings),
            t.texts("follow_ups"),
        )
        for part in (t, *openings):
            part.done()
    doc.done()
    return Phrases(**lists, partner_needs=partner_needs)


PHRASES = load_phrases()

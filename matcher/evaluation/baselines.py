"""Evaluation baselines: BM25 and dense retrieval alone, under the same eligibility as Musubi."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from matcher.evaluation.metrics import K
from matcher.facts.kinds import KINDS
from matcher.modes.consortium.assembly import places_for, roles_for
from matcher.modes.consortium.results import ConsortiumQuery
from matcher.modes.consortium.roles import ROLES
from matcher.modes.joint import JointQuery
from matcher.modes.partners import PartnersQuery, eligible_partner, partner_filters
from matcher.modes.procurement import ProcurementQuery
from matcher.retrieval.bm25 import VIEWS, document
from matcher.retrieval.catalogue import OrgFacts
from matcher.retrieval.dense import Filters
from matcher.retrieval.matcher import Matcher, check_text, resolve_places

VIEW_OF = {"procurement": "supply", "partners": "all", "joint": "demand"}


class Baselines:
    """Character-bigram BM25 and dense retrieval alone, under the same eligibility as Musubi."""

    def __init__(self, m: Matcher) -> None:
        self.m = m

    def bm25(self, mode: str, text: str, eligible: Callable[[OrgFacts], bool]) -> list[str]:
        """The same BM25 documents Musubi reads as one feature, here the whole ranking, every
        bigram of the query counted."""
        lexical = self.m.lexical
        scores = lexical.scores(VIEW_OF[mode], text, all_bigrams=True)
        order = np.argsort(-scores, kind="stable")
        order = order[scores[order] > 0]
        self.m.catalogue.load(lexical.org_ids[order].tolist())  # one read, not one per row
        return [org.ext_id for org in map(lexical.org, order) if eligible(org)][:K]

    def dense(self, vectors: np.ndarray, filters: Filters, eligible: Callable) -> list[str]:
        found = self.m.candidates(vectors, filters, limit=K * 8)
        return [c.org.ext_id for c in found if eligible(c.org)][:K]

    def team(self, query: ConsortiumQuery) -> dict[str, list[str]]:
        """Naive teams: the best-ranked organisation of each role, by BM25 and by dense alone."""
        m = self.m
        text = check_text(query.theme, "theme")
        codes = places_for(m, query)
        vector = m.search.encode_queries([text])[0]
        teams: dict[str, list[str]] = {"bm25": [], "dense": []}
        for key in roles_for(m, query):
            kinds = tuple(k for k in ROLES[key].kinds if k in KINDS)

            def eligible(o: OrgFacts, kinds: tuple[str, ...] = kinds) -> bool:
                return o.kind in kinds and (not codes or o.prefecture in codes)

            bm25 = [i for i in self.bm25("partners", text, eligible) if i not in teams["bm25"]]
            filters = Filters(kinds=kinds, prefectures=codes)
            dense = [i for i in self.dense(vector, filters, eligible) if i not in teams["dense"]]
            teams["bm25"] += bm25[:1]
            teams["dense"] += dense[:1]
        return teams

    def rank(self, query: ProcurementQuery | PartnersQuery | JointQuery) -> dict[str, list[str]]:
        """Both baselines' top-10 external ids for one query."""
        m = self.m
        if isinstance(query, ProcurementQuery):
            text = check_text(query.text) if query.org is None else _need_text(m, query)
            codes = resolve_places(query.prefectures, query.regions)
            origin = m.org(query.org).id if query.org else None

            def eligible(o: OrgFacts) -> bool:
                return (
                    o.kind in query.kinds
                    and (not codes or o.prefecture in codes)
                    and o.id != origin
                )

            filters = Filters(
                roles=("offer", "profile"),
                kinds=query.kinds,
                prefectures=codes,
                exclude_orgs=(origin,) if origin else (),
            )
            return {
                "bm25": self.bm25("procurement", text, eligible),
                "dense": self.dense(m.search.encode_queries([text])[0], filters, eligible),
            }
        origin = m.org(query.org)
        if isinstance(query, PartnersQuery):
            text = document(origin, VIEWS["all"])

            def eligible(o: OrgFacts) -> bool:
                return eligible_partner(origin, o, query)

            filters = partner_filters(origin, query, ("profile", "need", "offer"))
            vectors = m.vectors([i for ids in origin.text_ids.values() for i in ids])
            return {
                "bm25": self.bm25("partners", text, eligible),
                "dense": self.dense(vectors, filters, eligible),
            }
        positions = [query.need] if query.need is not None else range(len(origin.needs))
        text = " ".join(origin.text("need", k) for k in positions)

        def eligible(o: OrgFacts) -> bool:
            return o.kind == "municipality" and o.prefecture != origin.prefecture

        filters = Filters(
            roles=("need",),
            kinds=("municipality",),
            prefectures=tuple(c for c in range(1, 48) if c != origin.prefecture),
            exclude_orgs=(origin.id,),
        )
        vectors = m.vectors([origin.text_ids["need"][k] for k in positions])
        return {
            "bm25": self.bm25("joint", text, eligible),
            "dense": self.dense(vectors, filters, eligible),
        }


def _need_text(m: Matcher, query: ProcurementQuery) -> str:
    origin = m.org(query.org)
    return origin.text("need", query.need or 0)

"""Evaluation: batch queries, nDCG@10 / recall@10 / MRR, and the two baselines beside Musubi."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from matcher.facts.kinds import KINDS, SUPPLIER_KINDS
from matcher.modes.consortium.assembly import (
    ROLES,
    ConsortiumQuery,
    ConsortiumResult,
    consortium,
    places_for,
    roles_for,
)
from matcher.modes.joint import JointQuery, joint
from matcher.modes.partners import PartnersQuery, eligible_partner, partner_filters, partners
from matcher.modes.procurement import ProcurementQuery, procurement
from matcher.ranking.explain import MatchResult
from matcher.retrieval.bm25 import VIEWS, document
from matcher.retrieval.catalogue import OrgFacts
from matcher.retrieval.dense import Filters
from matcher.retrieval.matcher import Matcher, MatchError, check_text, resolve_places

K = 10
MODES = ("procurement", "partners", "joint", "consortium")
SYSTEMS = ("musubi", "bm25", "dense")
VIEW_OF = {"procurement": "supply", "partners": "all", "joint": "demand"}


class QueryError(ValueError):
    """A line of a queries file that cannot be run; the message names the line."""


def read_queries(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, query object) for each non-blank line; QueryError for bad JSON."""
    with Path(path).open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                raise QueryError(f"line {number}: invalid JSON: {error.msg}") from None
            if not isinstance(value, dict):
                raise QueryError(f"line {number}: expected a JSON object")
            yield number, value


Query = ProcurementQuery | PartnersQuery | JointQuery | ConsortiumQuery


def to_query(line: dict[str, Any]) -> Query:
    """A query object from one line of a queries file (``relevant`` labels are ignored)."""
    mode = line.get("mode")
    top = int(line.get("top", K))
    if mode == "procurement":
        return ProcurementQuery(
            text=line.get("text"),
            org=line.get("org"),
            need=line.get("need"),
            kinds=tuple(line.get("kinds") or SUPPLIER_KINDS),
            prefectures=tuple(line.get("prefectures", ())),
            regions=tuple(line.get("regions", ())),
            top=top,
        )
    if mode == "partners":
        if not line.get("org"):
            raise MatchError('a partners query needs "org"', "query_needs_org", mode=mode)
        return PartnersQuery(line["org"], top=top)
    if mode == "joint":
        if not line.get("org"):
            raise MatchError('a joint query needs "org"', "query_needs_org", mode=mode)
        return JointQuery(line["org"], line.get("need"), top=top)
    if mode == "consortium":
        if not line.get("theme"):
            raise MatchError('a consortium query needs "theme"', "query_needs_theme")
        return ConsortiumQuery.from_json({**line, "top": int(line.get("top", 3))})
    raise MatchError(
        f"unknown mode {mode!r}; use one of: {', '.join(MODES)}",
        "unknown_mode",
        value=mode,
        choices=MODES,
    )


def run(m: Matcher, query: Query) -> MatchResult | ConsortiumResult:
    if isinstance(query, ConsortiumQuery):
        return consortium(m, query)
    if isinstance(query, ProcurementQuery):
        return procurement(m, query)
    if isinstance(query, PartnersQuery):
        return partners(m, query)
    return joint(m, query)


# ---- metrics ---------------------------------------------------------------------------


def ndcg(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    gains = [(2 ** relevant.get(i, 0) - 1) / math.log2(r + 2) for r, i in enumerate(ranked[:k])]
    ideal = sorted(relevant.values(), reverse=True)[:k]
    best = sum((2**g - 1) / math.log2(r + 2) for r, g in enumerate(ideal))
    return sum(gains) / best if best else 0.0


def recall(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    wanted = {i for i, g in relevant.items() if g > 0}
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def reciprocal_rank(ranked: list[str], relevant: dict[str, int]) -> float:
    for rank, item in enumerate(ranked, start=1):
        if relevant.get(item, 0) > 0:
            return 1.0 / rank
    return 0.0


def role_precision(members: list[str], relevant: dict[str, int]) -> float:
    """Share of a team's members that a person accepted for their role (graded ≥ 1)."""
    return sum(relevant.get(i, 0) >= 1 for i in members) / len(members) if members else 0.0


# ---- baselines -------------------------------------------------------------------------


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
        return [
            lexical.orgs[i].ext_id for i in order if scores[i] > 0 and eligible(lexical.orgs[i])
        ][:K]

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
                return eligible_partner(m, origin, o, query)

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


# ---- evaluation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    ndcg: float
    recall: float
    mrr: float

    def to_json(self) -> dict[str, float]:
        return {
            "ndcg@10": round(self.ndcg, 4),
            "recall@10": round(self.recall, 4),
            "mrr": round(self.mrr, 4),
        }


def evaluate(m: Matcher, path: str | Path) -> dict[str, Any]:
    """Per mode and system: mean nDCG@10, recall@10 and MRR over the labelled queries."""
    baselines = Baselines(m)
    per: dict[str, dict[str, list[tuple[float, float, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    skipped = []
    teams: dict[str, list[float]] = defaultdict(list)
    for number, line in read_queries(path):
        relevant = {str(k): int(v) for k, v in (line.get("relevant") or {}).items()}
        if not relevant or line.get("mode") not in MODES:
            skipped.append({"line": number, "qid": line.get("qid"), "mode": line.get("mode")})
            continue
        if line["mode"] == "consortium":
            try:
                query = to_query(line)
                result = consortium(m, query)
                naive = baselines.team(query)
            except MatchError as error:
                raise QueryError(f"line {number} ({line.get('qid')}): {error}") from None
            precisions = [
                role_precision([x.id for x in p.members], relevant) for p in result.proposals
            ]
            teams["musubi@1"].append(precisions[0] if precisions else 0.0)
            teams["musubi@3"].append(float(np.mean(precisions[:3])) if precisions else 0.0)
            for system, ids in naive.items():
                teams[system].append(role_precision(ids, relevant))
            continue
        try:
            query = to_query(line)
            ranked = {"musubi": [r.id for r in run(m, query).results]} | baselines.rank(query)
        except MatchError as error:
            raise QueryError(f"line {number} ({line.get('qid')}): {error}") from None
        for system, ids in ranked.items():
            per[line["mode"]][system].append(
                (ndcg(ids, relevant), recall(ids, relevant), reciprocal_rank(ids, relevant))
            )
    report: dict[str, Any] = {"modes": {}, "skipped": skipped}
    for mode, systems in per.items():
        report["modes"][mode] = {
            "queries": len(next(iter(systems.values()))),
            **{s: Scores(*np.mean(v, axis=0)).to_json() for s, v in systems.items()},
        }
    if teams:
        report["modes"]["consortium"] = {
            "queries": len(teams["musubi@1"]),
            "musubi": {
                "role_precision@1": round(float(np.mean(teams["musubi@1"])), 4),
                "role_precision@3": round(float(np.mean(teams["musubi@3"])), 4),
            },
            **{
                s: {"role_precision@1": round(float(np.mean(teams[s])), 4)}
                for s in ("bm25", "dense")
            },
        }
    return report

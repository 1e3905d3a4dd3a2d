"""Partner matches: two-sided, cross-sector, cross-prefecture — what each side gains."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

import numpy as np

from embeddings import SearchHits, merge_hits
from matcher.facts import prefectures, terms
from matcher.facts.kinds import KINDS, SECTORS
from matcher.facts.sought import sought_kinds
from matcher.ranking.calibration import Calibration
from matcher.ranking.diversify import mmr
from matcher.ranking.explain import Explanation, Link, MatchResult, ScoredMatch
from matcher.ranking.features import Rows, min_max
from matcher.retrieval.bm25 import VIEWS, document, gives, wants
from matcher.retrieval.catalogue import OrgFacts
from matcher.retrieval.dense import Filters
from matcher.retrieval.matcher import (
    Candidate,
    Matcher,
    above_background,
    check_top,
    place_facts,
)

# The features a scorer reads, with the weights used when no learned model fits the encoder
# (ranking/model.py). Learned weights, and what each feature earns under cross-validation on
# hand-written queries, are in the README. Measured and dropped, each lowering nDCG@10 under
# cross-validation on hand-written queries: what each side gains as features (dense, lexical or
# word by word: the links still show both gains), their harmonic mean (reciprocal fit), and
# ranking past partners after new ones.
FEATURES = {
    "bm25": 0.5,  # BM25 of the asking side's needs and offers against the partner's
    "bm25_doc": 0.0,  # BM25 of the two whole documents, every bigram (BM25 alone)
    "dense_any": 1.0,  # the nearest pair of any two of their texts (dense retrieval alone)
    "rank_bm25": 0.0,  # k / (k + rank) by each of those two: reciprocal-rank fusion
    "rank_dense": 0.0,
    "profile_fit": 0.5,  # cosine of the two profiles: the same field of work
    "term_coverage": 0.2,  # key terms of the asking side's need found in the partner's offer
    "cross_sector": 0.5,  # 産官学: government, industry and academia meet across sectors
}
# Features that stand or fall together, for ablations (evaluate --cv).
FEATURE_GROUPS = {
    "words": ("bm25", "term_coverage"),
    "retrieval": ("bm25_doc", "dense_any"),
    "fusion": ("rank_bm25", "rank_dense"),
    "profile": ("profile_fit",),
    "cross_sector": ("cross_sector",),
}
# Without needs (or offers) a side's gain is read from its profile, at a discount: a partner
# that states what it wants is a surer match than one we guess for.
PROFILE_DISCOUNT = 0.8


@dataclass(frozen=True)
class PartnersQuery:
    org: str
    same_prefecture: bool = False
    same_kind: bool = False
    new_only: bool = False  # leave out organisations the asking one has worked with
    top: int = 10

    def to_json(self) -> dict:
        return {"mode": "partners", **asdict(self)}


@dataclass(frozen=True)
class _Side:
    """One organisation's texts: the unit vectors of its needs, offers and profile, in turn."""

    org: OrgFacts
    texts: np.ndarray
    n_needs: int
    n_offers: int

    @property
    def needs(self) -> np.ndarray:
        return self.texts[: self.n_needs]

    @property
    def offers(self) -> np.ndarray:
        return self.texts[self.n_needs : self.n_needs + self.n_offers]

    @property
    def profile(self) -> np.ndarray:
        return self.texts[-1]

    def wants(self) -> tuple[slice, str]:
        """Which of its texts say what it wants: its needs, or its profile when it states none."""
        if self.n_needs:
            return slice(0, self.n_needs), "need"
        return slice(len(self.texts) - 1, len(self.texts)), "profile"

    def gives(self) -> tuple[slice, str]:
        """Which of its texts say what it offers: its offers, or else its profile."""
        if self.n_offers:
            return slice(self.n_needs, self.n_needs + self.n_offers), "offer"
        return slice(len(self.texts) - 1, len(self.texts)), "profile"


@dataclass(frozen=True)
class PartnersPool:
    """An organisation's candidate partners as feature rows, with what explanations read."""

    query: PartnersQuery
    origin: OrgFacts
    side: _Side  # the asking organisation's own texts
    sides: list[_Side]
    pairs: list[tuple[_Pair, _Pair]]  # per candidate: what the origin gains, what it gains
    rows: Rows
    known: np.ndarray  # per candidate: has it worked with the asking organisation before?
    origin_seeks: frozenset[str]
    candidate_seeks: list[frozenset[str]]
    # Each side's needs name the kind of partner they look for: 1 when both sides' wishes
    # hold, 0.5 for a side that names none (averaged over the two sides).
    sought: np.ndarray
    relative_fit: np.ndarray  # the nearest pair of texts, above the asking profile's background


def partners(m: Matcher, q: PartnersQuery) -> MatchResult:
    """Organisations of another sector and prefecture where both sides gain."""
    pool = candidate_pool(m, q)
    if not pool.sides:
        return _no_partners(q, pool.origin)
    scorer = m.scorer("partners", FEATURES)
    scores = scorer.decision_function(pool.rows.X)
    calibration = m.calibration("partners", FEATURES)
    order = rank(pool, scores)
    contributions = scorer.contributions(pool.rows.X)
    result = _result(pool, order, scores, contributions, calibration, m.need_terms.key_terms)
    return replace(result, ranked_by=scorer.provenance())


def candidate_pool(m: Matcher, q: PartnersQuery) -> PartnersPool:
    """The feature stage: candidates from the dense index, one row of FEATURES each."""
    check_top(q.top)
    origin = m.org(q.org)
    a = _sides(m, [origin])[0]
    limit = max(80, 8 * q.top)
    found = _nearest_partners(m, origin, q, a, limit)
    # The pool is dense retrieval's alone. Every organisation has a profile vector, so the
    # three families fill it; BM25's own candidates never reached it at 100,000 organisations or
    # on eval-dev, and given a quarter or half of its places they lowered nDCG@10 under
    # cross-validation (seed set 0.521 to 0.498 / 0.491, eval-dev 0.868 to 0.864 / 0.866).
    # BM25 scores the pool instead, as features.
    ranked = [c.org for c in sorted(found.values(), key=lambda c: -c.best.score)]
    orgs = [org for org in ranked if eligible_partner(origin, org, q)][:limit]
    a_seeks = _seeks(origin)
    if not orgs:
        empty = Rows.of(dict.fromkeys(FEATURES, ()), ())
        none = np.zeros(0)
        return PartnersPool(q, origin, a, [], [], empty, none.astype(bool), a_seeks, [], none, none)
    sides = _sides(m, orgs)
    pairs, nearest, profile_fit = _pairs(a, sides)
    b_seeks = [_seeks(b.org) for b in sides]
    # Whole documents, every bigram, and the nearest pair of any two texts: what BM25 and dense
    # retrieval alone read, so a learned ranking starts from the better of the two.
    full, lexical = m.lexical.scores_of(
        "all",
        [document(org, VIEWS["all"]) for org in orgs],
        [(document(origin, VIEWS["all"]), True), (wants(origin) + gives(origin), False)],
    )
    background = m.background(a.profile)
    columns = {
        "bm25": min_max(lexical),
        "bm25_doc": min_max(full),
        "dense_any": min_max(nearest),
        "rank_bm25": _rank_share(full),
        "rank_dense": _rank_share(nearest),
        "profile_fit": min_max(profile_fit),
        # The asking side's terms only: analysing every candidate's needs would double a
        # query's time.
        "term_coverage": [
            terms.coverage(m.need_terms.key_terms(need), offer)
            for need, offer in (pa.texts(a, b) for b, (pa, _) in zip(sides, pairs, strict=True))
        ],
        "cross_sector": [float(SECTORS[b.org.kind] != SECTORS[origin.kind]) for b in sides],
    }
    return PartnersPool(
        q,
        origin,
        a,
        sides,
        pairs,
        Rows.of({name: columns[name] for name in FEATURES}, (org.ext_id for org in orgs)),
        np.array(
            [
                org.ext_id in origin.collaborations or origin.ext_id in org.collaborations
                for org in orgs
            ]
        ),
        a_seeks,
        b_seeks,
        np.array(
            [
                (_wish(a_seeks, b.org.kind) + _wish(seeks, origin.kind)) / 2
                for b, seeks in zip(sides, b_seeks, strict=True)
            ]
        ),
        np.clip(above_background(nearest, background), -1.0, 1.0),
    )


def _nearest_partners(
    m: Matcher, origin: OrgFacts, q: PartnersQuery, a: _Side, limit: int
) -> dict[int, Candidate]:
    """Organisations near the asking side, each by its nearest text, from three families of
    ``limit``: its needs to others' offers and profiles, its offers to others' needs and
    profiles, its profile to their profiles (several vectors a family, so ``limit`` texts each
    already give a wide pool)."""

    def nearest(vectors: np.ndarray, role: str) -> list[SearchHits]:
        filters = partner_filters(origin, q, (role,), by_place=False)
        return m.search.nearest(vectors, limit, filters) if len(vectors) else []

    # Each role is searched once, profiles by all the asking side's texts at once: a text's
    # nearest among offers and profiles are the best of each's, as the index searches each
    # graph apart anyway. Profiles searched for each family took 2 ms more a query at 100,000.
    n, o = a.n_needs, a.n_offers
    profiles = nearest(a.texts, "profile")
    families = (
        _merged(nearest(a.needs, "offer"), profiles[:n], limit),
        _merged(nearest(a.offers, "need"), profiles[n : n + o], limit),
        profiles[n + o :],
    )
    found: dict[int, Candidate] = {}
    for family in families:
        for c in m.candidates_among(family, limit):
            if c.org.id not in found or c.best.score > found[c.org.id].best.score:
                found[c.org.id] = c
    return found


def _merged(first: list[SearchHits], second: list[SearchHits], k: int) -> list[SearchHits]:
    """Per query vector, the best ``k`` of its hits in two searches."""
    return [merge_hits(hits, k) for hits in zip(first, second, strict=True)]


def strength_inputs(pool: PartnersPool) -> np.ndarray:
    """What match strength reads, per candidate: array of shape (n, len(INPUTS["partners"]))."""
    return np.column_stack([pool.relative_fit, pool.rows.column("term_coverage"), pool.sought])


def rank(pool: PartnersPool, scores: np.ndarray) -> list[int]:
    """The list shown: the best ``top`` by score, diversified so that one prefecture or one
    kind does not fill it; past partners among them (flagged), unless ``new_only``."""
    q, sides = pool.query, pool.sides
    picked = np.arange(len(sides))
    if q.new_only:
        picked = picked[~pool.known]
    if not len(picked):
        return []
    vectors = np.vstack([sides[i].profile for i in picked])
    groups = [(f"pref:{sides[i].org.prefecture}", f"kind:{sides[i].org.kind}") for i in picked]
    return picked[mmr(scores[picked], vectors, groups, q.top, lambda_=0.9)].tolist()


def _result(
    pool: PartnersPool,
    order: list[int],
    scores: np.ndarray,
    contributions: np.ndarray,
    calibration: Calibration,
    key_terms: Callable[[str], tuple[str, ...]],
) -> MatchResult:
    origin, a = pool.origin, pool.side
    strength = calibration.probability(strength_inputs(pool))
    results = []
    for i in order:
        b = pool.sides[i].org
        pair_a, pair_b = pool.pairs[i]
        # A pair is evidence only between a real need and a real offer: where a profile stood
        # in for either, the pair would read name ⇔ name.
        links = tuple(
            pair.link(taker, giver, gains, key_terms)
            for pair, taker, giver, gains in (
                (pair_a, a, pool.sides[i], "origin"),
                (pair_b, pool.sides[i], a, "candidate"),
            )
            if "profile" not in (pair.need_role, pair.offer_role)
        )
        shared = tuple(dict.fromkeys(t for lk in links for t in lk.shared_terms))
        features = pool.rows.row(i)
        explanation = Explanation(
            features=features,
            contributions=dict(zip(pool.rows.names, contributions[i].tolist(), strict=True)),
            links=links,
            shared_terms=shared,
            facts={
                **place_facts(origin.prefecture, b.prefecture),
                "sector": SECTORS[b.kind],
                "origin_sector": SECTORS[origin.kind],
                "origin_prefecture": prefectures.name(origin.prefecture),
                "origin_seeks": sorted(pool.origin_seeks),
                "candidate_seeks": sorted(pool.candidate_seeks[i]),
                "sought": float(pool.sought[i]),
                "relative_fit": round(float(pool.relative_fit[i]), 3),
                **calibration.facts(strength[i]),
            },
            flags=(
                *(("collaborated_before",) if pool.known[i] else ()),
                *(("weak_fit",) if strength[i] < calibration.weak else ()),
            ),
        )
        results.append(
            ScoredMatch(b.ext_id, b.name, b.kind, b.prefecture, float(scores[i]), explanation)
        )
    return MatchResult(pool.query.to_json(), tuple(results))


# An empty pool, by the relaxations asked for (same_prefecture, same_kind): the notice code
# and the note, which suggests only the relaxations not yet asked for.
_NO_PARTNERS = {
    (False, False): (
        "no_partners_elsewhere",
        "no organisation of another sector in other prefectures; "
        "try --same-kind or --same-prefecture",
    ),
    (False, True): (
        "no_partners_outside",
        "no organisation in other prefectures; try --same-prefecture",
    ),
    (True, False): (
        "no_partners",
        "no organisation of another sector anywhere; try --same-kind",
    ),
    (True, True): (
        "no_partners_indexed",
        "no other organisation is indexed; import more and run `musubi index`",
    ),
}


def _no_partners(q: PartnersQuery, origin: OrgFacts) -> MatchResult:
    code, note = _NO_PARTNERS[q.same_prefecture, q.same_kind]
    return MatchResult.empty(q.to_json(), note, code, prefecture=origin.prefecture)


def _rank_share(values: np.ndarray, k: float = 10.0) -> np.ndarray:
    """k / (k + rank): 1 for the best, falling by rank (reciprocal-rank fusion's weighting)."""
    ranks = np.empty(len(values))
    ranks[np.argsort(-np.asarray(values), kind="stable")] = np.arange(len(values))
    return k / (k + ranks)


def _seeks(org: OrgFacts) -> frozenset[str]:
    """The kinds of partner an organisation's needs ask for (none named: empty)."""
    return frozenset().union(*(sought_kinds(org.text("need", k)) for k in range(len(org.needs))))


def _wish(seeks: frozenset[str], kind: str) -> float:
    return 0.5 if not seeks else float(kind in seeks)


def _sides(m: Matcher, orgs: list[OrgFacts]) -> list[_Side]:
    """Each organisation's needs, offers and profile as a _Side, their vectors read at once."""
    texts = [(o.text_ids.get("need", ()), o.text_ids.get("offer", ())) for o in orgs]
    groups = m.vector_groups(
        [
            (*needs, *offers, o.text_ids["profile"][0])
            for o, (needs, offers) in zip(orgs, texts, strict=True)
        ]
    )
    return [
        _Side(o, v, len(needs), len(offers))
        for o, (needs, offers), v in zip(orgs, texts, groups, strict=True)
    ]


def _pairs(
    a: _Side, sides: list[_Side]
) -> tuple[list[tuple[_Pair, _Pair]], np.ndarray, np.ndarray]:
    """Per candidate, from the cosines of the asking side's texts with its texts: the best
    need↔offer pair each way (what the asking side gains, what the candidate gains, for the
    explanation), the nearest pair of any two of their texts (what dense retrieval alone reads)
    and the cosine of the two profiles."""
    (a_wants, a_need), (a_gives, a_offer) = a.wants(), a.gives()
    pairs, nearest, profile_fit = [], np.zeros(len(sides)), np.zeros(len(sides))
    for i, b in enumerate(sides):
        # One product per candidate: one for all of them breaks exact ties (twin texts) by
        # rounding, and rank_dense reads the order.
        sims = a.texts @ b.texts.T
        (b_wants, b_need), (b_gives, b_offer) = b.wants(), b.gives()
        pairs.append(
            (
                _best_pair(sims[a_wants, b_gives], a_need, b_offer),
                _best_pair(sims[a_gives, b_wants].T, b_need, a_offer),
            )
        )
        nearest[i], profile_fit[i] = sims.max(), sims[-1, -1]
    return pairs, nearest, profile_fit


@dataclass(frozen=True)
class _Pair:
    """The best need↔offer pair between a taker and a giver (profiles stand in for neither)."""

    need_role: str
    need: int
    offer_role: str
    offer: int
    value: float  # cosine, discounted when a profile stands in

    def texts(self, taker: _Side, giver: _Side) -> tuple[str, str]:
        return (
            taker.org.text(self.need_role, self.need),
            giver.org.text(self.offer_role, self.offer),
        )

    def link(
        self, taker: _Side, giver: _Side, gains: str, key_terms: Callable[[str], tuple[str, ...]]
    ) -> Link:
        need_text, offer_text = self.texts(taker, giver)
        return Link(
            "need→offer",
            gains,
            taker.org.ext_id,
            taker.org.title(self.need_role, self.need),
            giver.org.ext_id,
            giver.org.title(self.offer_role, self.offer),
            self.value,
            terms.shared(key_terms(need_text), offer_text),
        )


def _best_pair(sims: np.ndarray, need_role: str, offer_role: str) -> _Pair:
    """The best pair of a taker's needs (rows of ``sims``) and a giver's offers (columns)."""
    i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
    value = max(float(sims[i, j]), 0.0)
    if need_role == "profile" or offer_role == "profile":
        value *= PROFILE_DISCOUNT
    return _Pair(need_role, int(i), offer_role, int(j), value)


def partner_filters(
    origin: OrgFacts, q: PartnersQuery, roles: tuple[str, ...], *, by_place: bool = True
) -> Filters:
    """Search filters for partners: other prefectures and, unless relaxed, other kinds.

    ``by_place=False`` leaves the prefecture (and the origin itself) to eligible_partner: the
    index remembers a few filters, and one per prefecture would rarely be among them (at 100k
    organisations a fresh filter costs more than the search).
    """
    kinds = tuple(k for k in KINDS if q.same_kind or k != origin.kind)
    if not by_place:
        return Filters(roles=roles, kinds=kinds)
    others = tuple(c for c in range(1, 48) if q.same_prefecture or c != origin.prefecture)
    return Filters(roles=roles, kinds=kinds, prefectures=others, exclude_orgs=(origin.id,))


def eligible_partner(origin: OrgFacts, other: OrgFacts, q: PartnersQuery) -> bool:
    """Another organisation, of another kind and in another prefecture unless relaxed."""
    if other.id == origin.id or (not q.same_prefecture and other.prefecture == origin.prefecture):
        return False
    return q.same_kind or other.kind != origin.kind

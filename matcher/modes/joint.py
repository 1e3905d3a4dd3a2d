"""Joint procurement: municipalities in other prefectures with the same challenge (共同調達)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from itertools import chain

import numpy as np

from matcher.facts import terms
from matcher.ranking.calibration import Calibration
from matcher.ranking.diversify import mmr
from matcher.ranking.explain import Explanation, Link, MatchResult, ScoredMatch
from matcher.ranking.features import Rows, idf_coverage
from matcher.retrieval.catalogue import OrgFacts
from matcher.retrieval.dense import Filters
from matcher.retrieval.matcher import (
    Matcher,
    MatchError,
    above_background,
    check_need,
    check_top,
    place_facts,
)

# The features a scorer reads, with the weights used when no learned model fits the encoder
# (ranking/model.py). Measured and dropped, earning nothing under cross-validation: the
# distance between the two (it stays in the explanation), how alike their budgets are,
# word-by-word alignment of the needs (which also cost 15 ms a query at 10,000 organisations),
# and BM25 of the asking needs against the other's, every bigram (with reverse_coverage beside
# it, eval-dev nDCG@10 0.967 with it against 0.975 without, over eleven fold assignments).
FEATURES = {
    "need_fit": 1.0,  # cosine of the best pair of needs
    "term_coverage": 0.5,  # share of the asking needs' key terms in the other need, by pool idf
    # The same challenge reads the same both ways: a need that adds terms of its own (夜間の
    # 見守り against 見守り) is a narrower or another challenge.
    "reverse_coverage": 0.5,  # share of the other need's key terms in the asking needs
}
# Features that stand or fall together, for ablations (evaluate --cv) and model selection.
FEATURE_GROUPS = {name: (name,) for name in FEATURES}


@dataclass(frozen=True)
class JointQuery:
    org: str
    need: int | None = None
    top: int = 10

    def to_json(self) -> dict:
        return {"mode": "joint", **{k: v for k, v in asdict(self).items() if v is not None}}


@dataclass(frozen=True)
class JointPool:
    """A municipality's candidate partners in joint procurement as feature rows."""

    query: JointQuery
    origin: OrgFacts
    orgs: list[OrgFacts]
    rows: Rows
    pairs: list[tuple[int, int, float]]  # need positions of the best pair, and its cosine
    vectors: np.ndarray  # each candidate's best-matching need
    relative_fit: np.ndarray  # that cosine above the asking need's background level
    own_terms: dict[int, tuple[str, ...]]  # the asking needs' key terms, by position


def joint(m: Matcher, q: JointQuery) -> MatchResult:
    """Municipalities elsewhere whose needs match this municipality's need (or needs)."""
    pool = candidate_pool(m, q)
    if not pool.orgs:
        return MatchResult.empty(
            q.to_json(),
            "no municipality in another prefecture has needs",
            "no_joint_partners",
            prefecture=pool.origin.prefecture,
        )
    scorer = m.scorer("joint", FEATURES)
    scores = scorer.decision_function(pool.rows.X)
    calibration = m.calibration("joint", FEATURES)
    order = rank(pool, scores)
    result = _result(pool, order, scores, scorer.contributions(pool.rows.X), calibration)
    return replace(result, ranked_by=scorer.provenance())


def candidate_pool(m: Matcher, q: JointQuery) -> JointPool:
    """The feature stage: other municipalities' needs nearest this one's, a row each."""
    check_top(q.top)
    origin = m.org(q.org)
    if origin.kind != "municipality":
        raise MatchError(
            f"{q.org} is a {origin.kind}: joint procurement starts from a municipality",
            "joint_needs_municipality",
            org=q.org,
            name=origin.name,
            kind=origin.kind,
        )
    if not origin.needs:
        raise MatchError(
            f"{q.org} ({origin.name}) has no needs to share with other municipalities",
            "no_needs_to_share",
            org=q.org,
            name=origin.name,
        )
    if q.need is not None:
        check_need(origin, q.need)
    positions = [q.need] if q.need is not None else list(range(len(origin.needs)))
    need_ids = [origin.text_ids["need"][k] for k in positions]
    own = m.vectors(need_ids)
    backgrounds = [m.background(v) for v in own]
    # Other prefectures are kept after the search, not in its filter: the index remembers a
    # few filters, and one per prefecture would rarely be among them.
    filters = Filters(roles=("need",), kinds=("municipality",))
    limit = max(60, 5 * q.top)
    found = m.candidates(own, filters, limit=limit + len(own))
    orgs = [c.org for c in found if c.org.prefecture != origin.prefecture][:limit]
    fits, pairs, vectors, relative = [], [], [], []
    their_needs = m.vector_groups([org.text_ids.get("need", ()) for org in orgs])
    for theirs in their_needs:
        sims = own @ theirs.T
        i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
        pairs.append((positions[i], int(j), float(sims[i, j])))
        relative.append(above_background(float(sims[i, j]), backgrounds[i]))
        fits.append(max(float(sims[i, j]), 0.0))
        vectors.append(theirs[j])
    own_text = " ".join(origin.text("need", k) for k in positions)
    own_terms = {k: m.need_terms.key_terms(origin.text("need", k)) for k in positions}
    paired = [org.text("need", j) for org, (_, j, _) in zip(orgs, pairs, strict=True)]
    columns = {
        "need_fit": fits,
        # Weighed by rarity in the pool: a term every other need names (a theme's common
        # word) tells little of which municipality has the same challenge. A space ends a
        # compound, so the joined needs' terms are each need's in turn.
        "term_coverage": idf_coverage(
            tuple(dict.fromkeys(chain.from_iterable(own_terms.values()))), paired
        ),
        "reverse_coverage": [
            terms.coverage(m.need_terms.key_terms(text), own_text) for text in paired
        ],
    }
    return JointPool(
        q,
        origin,
        orgs,
        Rows.of({name: columns[name] for name in FEATURES}, (org.ext_id for org in orgs)),
        pairs,
        np.vstack(vectors) if vectors else np.zeros((0, 0)),
        np.clip(np.array(relative, dtype=np.float64), -1.0, 1.0),
        own_terms,
    )


def rank(pool: JointPool, scores: np.ndarray) -> list[int]:
    """The list shown: the best ``top``, diversified so that one prefecture does not fill it."""
    groups = [(f"pref:{org.prefecture}",) for org in pool.orgs]
    return mmr(scores, pool.vectors, groups, pool.query.top, lambda_=0.9)


def strength_inputs(pool: JointPool) -> np.ndarray:
    """What match strength reads, per candidate: array of shape (n, len(INPUTS["joint"]))."""
    return np.column_stack([pool.relative_fit, pool.rows.column("term_coverage")])


def _result(
    pool: JointPool,
    order: list[int],
    scores: np.ndarray,
    contributions: np.ndarray,
    calibration: Calibration,
) -> MatchResult:
    origin = pool.origin
    strength = calibration.probability(strength_inputs(pool))
    results = []
    for i in order:
        org = pool.orgs[i]
        mine, other, similarity = pool.pairs[i]
        other_need = org.needs[other]
        link = Link(
            "need↔need",
            "origin",
            origin.ext_id,
            origin.needs[mine].title,
            org.ext_id,
            other_need.title,
            similarity,
            terms.shared(pool.own_terms[mine], org.text("need", other)),
        )
        explanation = Explanation(
            features=pool.rows.row(i),
            contributions=dict(zip(pool.rows.names, contributions[i].tolist(), strict=True)),
            links=(link,),
            shared_terms=link.shared_terms,
            facts={
                **place_facts(origin.prefecture, org.prefecture),
                "their_budget_jpy": other_need.budget_jpy,
                "their_trial_order": other_need.trial_order,
                "relative_fit": round(float(pool.relative_fit[i]), 3),
                **calibration.facts(strength[i]),
            },
            flags=("weak_fit",) if strength[i] < calibration.weak else (),
        )
        results.append(
            ScoredMatch(
                org.ext_id, org.name, org.kind, org.prefecture, float(scores[i]), explanation
            )
        )
    return MatchResult(pool.query.to_json(), tuple(results))

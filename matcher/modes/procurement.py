"""Procurement matches: suppliers whose offers solve a municipality's challenge, with routes."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any, NamedTuple

import numpy as np

from embeddings import japanese_share
from matcher.facts import alliances, prefectures, terms
from matcher.facts.glossary import gloss, key_terms_of
from matcher.facts.kinds import KINDS, SUPPLIER_KINDS
from matcher.ingest.records import CertificationRecord
from matcher.ranking.calibration import Calibration
from matcher.ranking.diversify import family, mmr
from matcher.ranking.explain import (
    Explanation,
    Link,
    MatchResult,
    Notice,
    RouteHint,
    ScoredMatch,
    joined,
)
from matcher.ranking.features import Rows, idf_coverage, min_max
from matcher.retrieval.catalogue import OrgFacts, excerpt
from matcher.retrieval.dense import Filters
from matcher.retrieval.matcher import (
    Candidate,
    Matcher,
    MatchError,
    above_background,
    blended,
    check_need,
    check_text,
    check_top,
    place_facts,
    proximity,
    resolve_places,
)
from matcher.settings import Settings

# The features a scorer reads, with the weights used when no learned model fits the encoder
# (ranking/model.py). Learned weights, and what each feature earns under cross-validation on
# hand-written queries, are in the README. Measured and dropped: pseudo-relevance feedback (the
# cosine with the first-stage leaders' offers), which earned nothing and buried suppliers
# unlike the crowd; the cosines of offer and profile apart (dense_centred holds both); and, each
# earning nothing over ten random assignments of themes to folds, the fit above the background
# unscaled beside dense_centred, BM25 of every bigram of the challenge and its rank (reciprocal-rank
# fusion's other half: +0.005 without it, higher in 9 of 10), J-Startup selection and
# past contracts with public bodies (0.002, a tie; it kept newcomers to 1.4% of the top-10
# slots, 3.4% without, and the policy wants them found). Results still show both as facts.
# Once fits were read centred (see _best_offers), the best offer's cosine with the centroid of
# similar needs other municipalities state earned nothing either (0.889 with it or without).
FEATURES = {
    "bm25": 0.8,  # BM25 of the challenge (and similar stated needs' titles), common bigrams out
    "term_coverage": 0.3,  # share of the challenge's key terms in the best offer and tags
    "dense_centred": 1.2,  # the best offer's or profile's centred cosine, above its level
    "word_fit": 0.0,  # how much of the challenge's words the best offer covers, word by word
    "rank_centred": 0.0,  # k / (k + rank) by that fit: its rank among the candidates
}
# Features that stand or fall together, for ablations (evaluate --cv).
FEATURE_GROUPS = {
    "words": ("bm25", "term_coverage"),
    "meaning": ("dense_centred",),
    "word_fit": ("word_fit",),
    "rank": ("rank_centred",),
}
# --prefer near|far and a budget: the share of the pool's score range a supplier's place, or
# its size against the budget, may add or take away. Officers state these; no label teaches them.
PREFER = 0.06
JOINT_HINTS = 3  # the nearest municipalities' needs a 共同調達 hint may name
# A challenge and a supplier's best offer are shown as a pair (課題 ⇔ 提供) only when the offer
# really answers it: it shares a term with the challenge, or its meaning is at least this far
# above the background (0: no closer than unrelated text, 1: the same text).
PAIR_MIN_RELATIVE = 0.1
TRIAL_ORDER_MAX_JPY = 10_000_000
# トライアル発注 is for new products of startups and small firms: the 中小企業基本法 line for
# manufacturers (the widest) is 300 employees.
TRIAL_ORDER_MAX_EMPLOYEES = 300
NEGOTIATED = ("新事業分野開拓者", "トライアル発注認定", "新商品")
NEGOTIATED_BASIS = "地方自治法施行令第167条の2第1項第4号(新事業分野開拓者の随意契約)"


@dataclass(frozen=True)
class ProcurementQuery:
    text: str | None = None
    org: str | None = None
    need: int | None = None
    kinds: tuple[str, ...] = SUPPLIER_KINDS
    prefectures: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    budget_jpy: int | None = None
    trial_order: bool | None = None
    prefer: str | None = None  # "near" or "far": weigh distance from the municipality
    expand: bool = True  # read the challenge also in other municipalities' words (stated needs)
    top: int = 10

    def to_json(self) -> dict:
        return {
            "mode": "procurement",
            **{k: v for k, v in asdict(self).items() if v not in (None, ())},
        }


@dataclass(frozen=True)
class ProcurementPool:
    """A challenge's candidate suppliers as feature rows, with what explanations read."""

    query: ProcurementQuery
    echo: dict[str, Any]  # the query as results repeat it (with its reading and stated needs)
    codes: tuple[int, ...]
    origin: OrgFacts | None
    text: str
    budget: int | None
    trial: bool
    orgs: list[OrgFacts]
    rows: Rows
    best: np.ndarray  # each candidate's best offer (-1: none, its profile stands in)
    offer_fit: np.ndarray  # the cosine of that offer with the challenge
    best_vectors: np.ndarray  # its unit vector, centred (Matcher.centred)
    relative_fit: np.ndarray  # the better of offer and profile, above the background
    word_cover: np.ndarray  # the share of the challenge's words the best offer covers (0–1)
    docs: list[str]  # the best offer's (or profile's) text
    query_terms: tuple[str, ...]
    joint: tuple[Candidate, ...]  # municipalities elsewhere with the same challenge (共同調達)
    offer_above: np.ndarray  # the best offer's cosine above the background (see _best_offers)


def procurement(m: Matcher, q: ProcurementQuery) -> MatchResult:
    """Rank startups and companies for a challenge given as text or as a stored need."""
    pool = candidate_pool(m, q)
    if not pool.orgs:
        return _empty_result(q, pool.codes)
    scorer = m.scorer("procurement", FEATURES)
    scores = scorer.decision_function(pool.rows.X)
    contributions = scorer.contributions(pool.rows.X)
    preferences = _preferences(pool, scores)
    scores = scores + sum(preferences.values(), np.zeros(len(scores)))
    order = rank(pool, scores)
    calibration = m.calibration("procurement", FEATURES)
    result = _result(pool, order, scores, contributions, preferences, calibration, m.settings)
    return replace(result, ranked_by=scorer.provenance())


def candidate_pool(m: Matcher, q: ProcurementQuery) -> ProcurementPool:
    """The feature stage: candidates from both indexes, one row of FEATURES each."""
    check_top(q.top)
    bad = [k for k in q.kinds if k not in KINDS]
    if bad:
        raise MatchError(
            f"unknown kind {bad[0]!r}; use one of: {', '.join(KINDS)}",
            "unknown_kind",
            value=bad[0],
            kinds=KINDS,
        )
    if q.prefer not in (None, "near", "far"):
        raise MatchError(f"prefer={q.prefer!r}: use near or far", "bad_prefer", value=q.prefer)
    origin, text, budget, trial = _challenge(m, q)
    codes = resolve_places(q.prefectures, q.regions)
    filters = Filters(
        roles=("offer", "profile"),
        kinds=q.kinds,
        prefectures=codes,
        exclude_orgs=(origin.id,) if origin else (),
    )
    limit = max(60, 5 * q.top)
    # Character bigrams and Japanese key terms say nothing about English words: they read the
    # Japanese gloss of an English challenge beside its text (which may mix in Japanese).
    reading = gloss(text)
    lexical = f"{text} {reading}" if reading else text
    lexical_share = japanese_share(lexical)
    # Fits read the better of an English challenge's own text and its gloss: against Japanese
    # texts its gloss reads what its words mean, against English ones its own words do, and
    # the two blended (as retrieval reads them) sit below both in each: eval-dev nDCG@10 under
    # cross-validation 0.843 → 0.852, and higher over each of five random assignments of themes
    # to folds (0.838 → 0.850 on average). Retrieval by both readings apart: 0.849.
    readings = m.query_readings(text)
    vector = blended(readings)
    # Other municipalities' stated needs close to the challenge name it in the words suppliers
    # answer (「空き家の実態把握」 for houses nobody seems to live in): BM25 reads their titles
    # beside the challenge (eval-dev nDCG@10 0.849 without them, over ten random assignments of
    # themes to folds); key terms and shared terms stay the challenge's own. Their centroid
    # earned nothing as a feature (0.889 with it or without) nor in the dense search.
    found = _similar_needs(m, vector, origin)
    threshold = m.settings.joint_threshold
    reads = max(0, m.settings.stated_needs) if q.expand else 0
    stated = [c for c in found[:reads] if c.best.score >= threshold]
    stated_as = [
        {
            "org": c.org.ext_id,
            "name": c.org.name,
            "title": c.org.title("need", c.best.position),
            "similarity": round(c.best.score, 4),
        }
        for c in stated
    ]
    echo = q.to_json() | ({"reading": reading} if reading else {})
    if stated_as:
        echo["stated_as"] = stated_as
    words = " ".join((lexical, *dict.fromkeys(s["title"] for s in stated_as)))  # what BM25 reads
    # Hybrid retrieval: the nearest texts in the dense index, and the best BM25 documents.
    nearest = [c.org for c in m.candidates(vector, filters, limit=limit)]
    by_words = m.lexical_candidates("supply", words, filters, limit // 2) if lexical_share else []
    orgs = list({org.id: org for org in nearest + by_words}.values())
    joint = _joint_partners(found, origin, threshold)
    query_terms = key_terms_of(text)
    if not orgs:
        return ProcurementPool(
            q,
            echo,
            codes,
            origin,
            text,
            budget,
            trial,
            [],
            Rows.of(dict.fromkeys(FEATURES, ()), ()),
            np.zeros(0),
            np.zeros(0),
            np.zeros((0, 0)),
            np.zeros(0),
            np.zeros(0),
            [],
            query_terms,
            joint,
            np.zeros(0),
        )
    offers = _best_offers(m, orgs, readings)
    best, best_vectors = offers.best, offers.vectors
    docs = [
        org.text("offer", b) if b >= 0 else org.text("profile", 0)
        for org, b in zip(orgs, best, strict=True)
    ]
    tagged = [f"{doc} {' '.join(org.tags)}" for org, doc in zip(orgs, docs, strict=True)]
    lexical_rows = [m.lexical.row_of[org.id] for org in orgs]
    # A fit is read above the level unrelated texts of its language reach (see _best_offers):
    # an English challenge's own text sits near every English supplier. Eval-dev procurement
    # 0.863 → 0.866 over ten random assignments of themes to folds (higher in 8, equal in 1),
    # its four English challenges 0.73 → 0.76. (A level for each reading as well: 0.866–0.867,
    # but a reading that meets nothing, as the hashing encoder reads English against Japanese,
    # then outweighed the one that answers.)
    best_fit = offers.centred_fit
    word_cover = _word_fit(m, lexical, orgs)
    # Words read a Japanese challenge: an English one counts them at its Japanese share.
    columns = {
        "bm25": min_max(m.lexical.scores("supply", words)[lexical_rows]) * lexical_share,
        "term_coverage": idf_coverage(query_terms, tagged) * lexical_share,
        "dense_centred": min_max(best_fit),
        "word_fit": min_max(word_cover),
        "rank_centred": _rank_share(best_fit),
    }
    return ProcurementPool(
        q,
        echo,
        codes,
        origin,
        text,
        budget,
        trial,
        orgs,
        Rows.of({name: columns[name] for name in FEATURES}, (org.ext_id for org in orgs)),
        best,
        offers.offer_fit,
        best_vectors,
        offers.relative_fit,
        word_cover,
        docs,
        query_terms,
        joint,
        offers.offer_above,
    )


def rank(pool: ProcurementPool, scores: np.ndarray) -> list[int]:
    """The list shown: the best ``top`` by score, diversified so that one prefecture or one
    supplier family does not fill it."""
    groups = [(f"pref:{org.prefecture}", f"family:{family(org.name)}") for org in pool.orgs]
    return mmr(scores, pool.best_vectors, groups, pool.query.top, lambda_=0.9)


def _preferences(pool: ProcurementPool, scores: np.ndarray) -> dict[str, np.ndarray]:
    """What the officer asked for beyond the challenge, each up to PREFER of the pool's score
    range: a supplier near (or far, --prefer), and one whose size suits the budget. Choices,
    not something labels teach, so they stay outside the scorer; results show them."""
    span = float(scores.max() - scores.min()) or 1.0
    out = {}
    if pool.query.prefer and pool.origin is not None:
        near = np.array([proximity(pool.origin.prefecture, org.prefecture) for org in pool.orgs])
        out["preference"] = PREFER * span * (near if pool.query.prefer == "near" else 1.0 - near)
    if pool.budget is not None:
        fit = np.array([size_fit(pool.budget, pool.trial, org) for org in pool.orgs])
        out["size_fit"] = PREFER * span * 2 * (fit - 0.5)
    return out


def _result(
    pool: ProcurementPool,
    order: list[int],
    scores: np.ndarray,
    contributions: np.ndarray,
    preferences: dict[str, np.ndarray],
    calibration: Calibration,
    settings: Settings,
) -> MatchResult:
    q, origin = pool.query, pool.origin
    names = pool.rows.names
    strength = calibration.probability(strength_inputs(pool))
    alliance_list = alliances.load(settings.alliances)
    results = []
    for i in order:
        org = pool.orgs[i]
        offer_title = org.title("offer", int(pool.best[i])) if pool.best[i] >= 0 else org.name
        shared = terms.shared(pool.query_terms, pool.docs[i])
        need_title = origin.needs[q.need or 0].title if origin else excerpt(pool.text)
        contribution = dict(zip(names, contributions[i].tolist(), strict=True))
        contribution |= {name: float(values[i]) for name, values in preferences.items()}
        paired = pool.best[i] >= 0 and (bool(shared) or pool.offer_above[i] >= PAIR_MIN_RELATIVE)
        explanation = Explanation(
            features=pool.rows.row(i),
            contributions=contribution,
            links=(
                Link(
                    "need→offer",
                    "query" if not origin else "origin",
                    origin.ext_id if origin else None,
                    need_title,
                    org.ext_id,
                    offer_title,
                    float(pool.offer_fit[i]),
                    shared,
                ),
            )
            if paired
            else (),
            shared_terms=shared,
            facts={
                **place_facts(origin.prefecture if origin else None, org.prefecture),
                "employees": org.employees,
                "public_sector_record": org.public_sector_record,
                "certifications": [str(c) for c in org.certifications],
                "relative_fit": round(float(pool.relative_fit[i]), 3),
                **calibration.facts(strength[i]),
            },
            route_hints=route_hints(org, pool.budget, pool.trial, origin, alliance_list),
            flags=("weak_fit",) if strength[i] < calibration.weak else (),
        )
        results.append(
            ScoredMatch(
                org.ext_id, org.name, org.kind, org.prefecture, float(scores[i]), explanation
            )
        )
    notices = []
    if results and max(strength[i] for i in order) < calibration.nothing:
        notices.append(
            Notice(
                "nothing here fits the challenge: even the first result is barely closer to it "
                "than unrelated text; widen --prefecture/--region or --kind, or describe the "
                "challenge in other words",
                "nothing_fits",
                {"shown": len(results)},
            )
        )
    weak = sum("weak_fit" in r.explanation.flags for r in results)
    if not notices and 2 * weak >= len(results) > 0:
        notices.append(
            Notice(
                f"{weak} of {len(results)} results fit the challenge barely better than "
                "unrelated text (flagged weak_fit): few suppliers here do this; widen "
                "--prefecture/--region or --kind, or describe the challenge in other words",
                "weak_fits",
                {"weak": weak, "shown": len(results)},
            )
        )
    hints = (joint_hint(pool.joint),) if pool.joint else ()
    return MatchResult(
        pool.echo, tuple(results), joined(notices), tuple(notices), route_hints=hints
    )


def strength_inputs(pool: ProcurementPool) -> np.ndarray:
    """What match strength reads, per candidate: array of shape (n, len(INPUTS["procurement"]))."""
    return np.column_stack(
        [np.clip(pool.relative_fit, -1.0, 1.0), pool.word_cover, pool.rows.column("term_coverage")]
    )


def _challenge(m: Matcher, q: ProcurementQuery) -> tuple[OrgFacts | None, str, int | None, bool]:
    """The challenge text and its budget facts, from --text or from a stored need."""
    if q.org is None:
        if q.need is not None:
            raise MatchError(
                "--need needs --org: the need is one of that organisation's needs",
                "need_without_org",
            )
        return None, check_text(q.text), q.budget_jpy, bool(q.trial_order)
    if q.text:
        raise MatchError("give either --text or --org/--need, not both", "text_and_org")
    origin = m.org(q.org)
    if not origin.needs:
        raise MatchError(
            f"{q.org} ({origin.name}) has no needs to match; give --text instead",
            "no_needs_to_match",
            org=q.org,
            name=origin.name,
        )
    k = check_need(origin, 0 if q.need is None else q.need)
    need = origin.needs[k]
    budget = q.budget_jpy if q.budget_jpy is not None else need.budget_jpy
    trial = q.trial_order if q.trial_order is not None else need.trial_order
    return origin, origin.text("need", k), budget, bool(trial)


def size_fit(budget: int | None, trial: bool, org: OrgFacts) -> float:
    """How well the supplier's size suits the budget: small orders to small firms, and back.

    A budget of about ¥1M per employee-decade is the sweet spot; unknown facts are neutral.
    """
    if budget is None or org.employees is None:
        return 0.5
    fit = math.exp(-abs(math.log10(max(budget, 1) / 1e6) - math.log10(max(org.employees, 1)) / 2))
    if trial and budget <= TRIAL_ORDER_MAX_JPY and org.kind == "startup":
        fit = max(fit, 0.8)
    return round(fit, 4)


def route_hints(
    org: OrgFacts,
    budget: int | None,
    trial: bool,
    buyer: OrgFacts | None,
    alliance_list: tuple[alliances.Alliance, ...] = (),
) -> tuple[RouteHint, ...]:
    """The routes a buyer could take with this supplier, each only when it says more than the
    officer's own input: トライアル発注 when the need allows it, the budget is known and of
    trial size, and the supplier is a startup or a small firm; 随意契約 when the supplier holds
    a certification for new products, saying whose it is — hinted when it is the buyer's own,
    its prefecture's or an alliance partner's, or when the buyer or the issuer is unknown (then
    ``applies`` is None and the reason says what to check); never when it is known not to
    apply. 共同調達 is a fact about the challenge: ``joint_hint``, once for the list."""
    hints = []
    small = org.kind == "startup" or (
        org.employees is not None and org.employees <= TRIAL_ORDER_MAX_EMPLOYEES
    )
    if trial and budget is not None and budget <= TRIAL_ORDER_MAX_JPY and small:
        who = "スタートアップ" if org.kind == "startup" else f"従業員{org.employees:,}人の中小企業"
        hints.append(
            RouteHint(
                "trial_order",
                "トライアル発注",
                f"予算{budget:,}円は試行導入の規模(目安{TRIAL_ORDER_MAX_JPY:,}円以下)で、"
                f"{org.name}は{who}: 新商品を試しに買うトライアル発注の相手になり得る",
                code="trial_order_startup" if org.kind == "startup" else "trial_order_small",
                params={
                    "budget": budget,
                    "limit": TRIAL_ORDER_MAX_JPY,
                    "name": org.name,
                    "employees": org.employees,
                },
                applies=True,
            )
        )
    for cert in org.certifications:
        if not any(n in cert.name for n in NEGOTIATED):
            continue
        hint = _negotiated(org, cert, buyer, alliance_list)
        if hint is not None:
            hints.append(hint)
            break
    return tuple(hints)


def _negotiated(
    org: OrgFacts,
    cert: CertificationRecord,
    buyer: OrgFacts | None,
    alliance_list: tuple[alliances.Alliance, ...],
) -> RouteHint | None:
    """The 随意契約 hint for one certification, or None when it is known not to apply."""
    applies = (
        None
        if buyer is None
        else alliances.applies(cert.issuer, buyer.name, buyer.prefecture, alliance_list)
    )
    if applies is False:
        return None
    params = {"name": org.name, "certification": cert.name, "issuer": cert.issuer or ""}
    if cert.issuer is None:
        reason = (
            f"{org.name}は「{cert.name}」を受けているが、認定した団体の記載がない。"
            "随意契約に使えるのは買う団体自身(またはその都道府県、認定を共有するアライアンス)"
            "の認定だけなので、認定した団体を確かめること"
        )
        code = "negotiated_unknown_issuer"
    elif applies:
        params["buyer"] = buyer.name if buyer else ""
        reason = (
            f"{org.name}は{cert.issuer}の「{cert.name}」を受けており、{buyer.name if buyer else ''}"
            "はこの認定による随意契約ができる"
        )
        code = "negotiated_applies"
    else:
        reason = (
            f"{org.name}は{cert.issuer}の「{cert.name}」を受けている。随意契約に使えるのは、"
            f"買う団体が{cert.issuer}自身"
            + ("かその市区町村" if _is_prefecture(cert.issuer) else "")
            + "、または認定を共有するアライアンスの構成団体のときだけ"
        )
        code = (
            "negotiated_prefecture_issuer" if _is_prefecture(cert.issuer) else "negotiated_issuer"
        )
    return RouteHint(
        "negotiated_contract",
        "随意契約",
        reason,
        NEGOTIATED_BASIS,
        code=code,
        params=params,
        applies=applies,
    )


def _is_prefecture(name: str) -> bool:
    try:
        prefectures.resolve(name)
    except ValueError:
        return False
    return True


def joint_hint(found: tuple[Candidate, ...]) -> RouteHint:
    """共同調達: the municipalities elsewhere whose stated need is the same challenge, with the
    need each states — one fact about the challenge, said once above the list."""
    needs = [
        {
            "org": c.org.ext_id,
            "name": c.org.name,
            "prefecture": prefectures.name(c.org.prefecture),
            "title": c.org.title("need", c.best.position),
            "need": c.best.position,
            "similarity": round(c.best.score, 4),
        }
        for c in found
    ]
    named = "、".join(f"{n['name']}「{n['title']}」" for n in needs)
    return RouteHint(
        "joint_procurement",
        "共同調達",
        f"同じ課題を持つ他の自治体が{len(needs)}件あり、共同で調達できる可能性: {named}",
        municipalities=tuple(n["org"] for n in needs),
        code="joint_procurement",
        params={"count": len(needs), "needs": needs},
    )


def _similar_needs(m: Matcher, vector: np.ndarray, origin: OrgFacts | None) -> list[Candidate]:
    """Municipalities whose stated needs are nearest the challenge, one need each, best first."""
    filters = Filters(
        roles=("need",),
        kinds=("municipality",),
        exclude_orgs=(origin.id,) if origin else (),
    )
    return m.candidates(vector, filters, limit=max(JOINT_HINTS, m.settings.stated_needs), pool=30)


def _joint_partners(
    found: list[Candidate], origin: OrgFacts | None, threshold: float
) -> tuple[Candidate, ...]:
    """Municipalities elsewhere among the nearest whose need is the same challenge (for
    共同調達)."""
    return tuple(
        c
        for c in found[:JOINT_HINTS]
        if c.best.score >= threshold and (origin is None or c.org.prefecture != origin.prefecture)
    )


class _Offers(NamedTuple):
    """Each candidate's best offer for a challenge, and how well its texts fit it."""

    best: np.ndarray  # the best offer's position (-1 when the candidate has no offers)
    offer_fit: np.ndarray  # its cosine with the challenge (0 then)
    vectors: np.ndarray  # its unit vector, centred (the profile's then)
    offer_above: np.ndarray  # the best offer's cosine above the background (-1 without one)
    relative_fit: np.ndarray  # the better of offer and profile above the background
    centred_fit: np.ndarray  # the same between centred vectors: what ranking reads


def _best_offers(m: Matcher, pool: list[OrgFacts], readings: np.ndarray) -> _Offers:
    """Each candidate's best offer for the challenge, by the better of the challenge's
    ``readings`` (shape (n, dim)); the vectors of every candidate's offers and profile are read
    in one call. A text's fit above the background is read above the level of unrelated texts
    of its own language (``Matcher.backgrounds``): on eval-dev, "nothing fits" was said of 90%
    of the challenges nobody answers instead of 83%, and of no more answerable ones.

    Ranking reads the fits between centred vectors (``Matcher.centred``; the best offer, the
    features and the list's diversity too): eval-dev nDCG@10 0.874 → 0.889 over ten random
    assignments of themes to folds, higher in each. Match strength and the explanations read
    the plain cosines: centred, "nothing fits" was said of 73% of the challenges nobody
    answers instead of 90%, and of 9.1% of answerable ones instead of 6.8%."""
    offers = [org.text_ids.get("offer", ()) for org in pool]
    lengths = np.array([len(ids) for ids in offers])
    n_offers = lengths.sum()
    plain = m.vectors(
        [i for ids in offers for i in ids] + [org.text_ids["profile"][0] for org in pool]
    )
    readings = np.atleast_2d(readings)
    english = m.search.encoder.read_in_english(plain).astype(int)
    plain_sims = (plain @ readings.T).max(axis=1)
    plain_above = above_background(plain_sims, m.backgrounds(readings)[english])
    stored, centred_readings = m.centred(plain), m.centred(readings)
    sims = (stored @ centred_readings.T).max(axis=1)
    centred_above = above_background(sims, m.centred_backgrounds(centred_readings)[english])
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    # Sorted by candidate, then by falling cosine: each candidate's best offer comes first.
    order = np.lexsort((-sims[:n_offers], np.repeat(np.arange(len(pool)), lengths)))
    has = lengths > 0
    top = order[starts[has]]
    best = np.full(len(pool), -1)
    best[has] = top - starts[has]
    offer_fit = np.zeros(len(pool))
    offer_fit[has] = plain_sims[top]

    def offer_and_better(above: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The best offer's value of ``above`` (-1 without one), and the better of it and the
        profile's."""
        offer = np.full(len(pool), -1.0)
        offer[has] = above[top]
        return offer, np.maximum(offer, above[n_offers:])

    offer_above, relative_fit = offer_and_better(plain_above)
    _, centred_fit = offer_and_better(centred_above)
    vectors = stored[n_offers:].copy()
    vectors[has] = stored[top]
    # Stored vectors may be compressed: renormalise so that cosines stay cosines.
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return _Offers(
        best,
        offer_fit,
        vectors / np.where(norms > 0, norms, 1.0),
        offer_above,
        relative_fit,
        centred_fit,
    )


def _word_fit(m: Matcher, text: str, orgs: list[OrgFacts]) -> np.ndarray:
    """How much of the challenge's words each supplier's best offer (or profile) covers, word
    by word; zeros when the encoder has no word vectors."""
    if m.aligner is None:
        return np.zeros(len(orgs))
    query = m.aligner.words(text)
    texts = [
        [org.text("offer", k) for k in range(len(org.offers))] + [org.text("profile", 0)]
        for org in orgs
    ]
    flat = m.aligner.coverage(query, [m.aligner.words(t) for ts in texts for t in ts])
    ends = np.cumsum([len(ts) for ts in texts])
    return np.maximum.reduceat(flat, np.concatenate(([0], ends[:-1])))


def _rank_share(values: np.ndarray, k: float = 10.0) -> np.ndarray:
    """k / (k + rank): 1 for the best, falling by rank (reciprocal-rank fusion's weighting)."""
    ranks = np.empty(len(values))
    ranks[np.argsort(-np.asarray(values), kind="stable")] = np.arange(len(values))
    return k / (k + ranks)


def _empty_result(q: ProcurementQuery, codes: tuple[int, ...]) -> MatchResult:
    parts = [f"kinds {', '.join(q.kinds)}"]
    if codes:
        parts.append(f"{len(codes)} prefecture(s)")
    return MatchResult.empty(
        q.to_json(),
        "no candidates: no indexed organisation matches "
        + " in ".join(parts)
        + "; widen --prefecture/--region or --kind, or run `musubi index`",
        "no_suppliers_in_places" if codes else "no_suppliers",
        kind=tuple(q.kinds),
        prefectures=codes,
    )

"""Consortium assembly: a theme becomes role slots, filled by a team that fits, complements and
can work together (広域リージョン連携: 産官学金 across prefectures).

Public API (pure of Flask and of the CLI; one call per action, frozen dataclasses back):

    consortium(m: Matcher, q: ConsortiumQuery) -> ConsortiumResult
        N distinct proposals for a theme; ``result.empty_roles`` says which roles stayed empty
        and why; MatchError for bad input (unknown region, a region of one prefecture, …).
    alternatives(m, theme, members, role, *, replacing=None, query=None, top=10)
            -> tuple[Alternative, ...]
        Ranked candidates for one role of an existing team (``members`` = (ext id, role)
        pairs), each with the team score it would give: what a coordinator swaps from.
    member_facts(m, theme, ext_id, role) -> Member
        One organisation's fit to a theme in a role, with its evidence (for adding by hand).
    roles_for(m, q) -> tuple[str, ...]
        The role slots a query asks for (defaults, or ``q.roles``).

Algorithm (README "Consortia and curation"): per role a candidate pool ranked by fit to the
theme; then a RarestFirst-style greedy in the spirit of Lappas, Liu & Terzi (KDD 2009) — seed
with each of the best candidates of the scarcest role, fill the other slots one by one with the
candidate that most raises the team objective, then improve by single swaps — where the
objective is a LinearScorer over team features: fit to the theme, complementarity (one member's
offers meet another's needs), and low communication cost (past collaborations and geographic
proximity). Proposal k+1 is searched under a hard constraint: it shares at most half its
members with each earlier proposal, so alternatives differ meaningfully.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from matcher.facts import prefectures, terms
from matcher.facts.glossary import key_terms_of
from matcher.facts.kinds import KINDS
from matcher.ranking.explain import LinearScorer, Link, Notice, joined
from matcher.retrieval.catalogue import OrgFacts
from matcher.retrieval.dense import Filters
from matcher.retrieval.matcher import (
    Matcher,
    MatchError,
    check_text,
    check_top,
    proximity,
    resolve_places,
)

MAX_TOP = 10


@dataclass(frozen=True)
class Role:
    """A slot of a consortium: which kinds may fill it and which of their texts show their fit.

    A role whose kinds are not (yet) in ``matcher.models.KINDS`` is inactive: adding a kind
    "financial" to KINDS is all it takes for the 金 role to take part.
    """

    key: str
    kinds: tuple[str, ...]
    sector: str  # 産 官 学 金
    label: str
    texts: tuple[str, ...]


ROLE_TABLE: tuple[Role, ...] = (
    Role("municipality", ("municipality",), "官", "自治体", ("need", "profile")),
    Role("industry", ("company", "startup"), "産", "企業・スタートアップ", ("offer", "profile")),
    Role("company", ("company",), "産", "企業", ("offer", "profile")),
    Role("startup", ("startup",), "産", "スタートアップ", ("offer", "profile")),
    Role("university", ("university",), "学", "大学", ("offer", "profile")),
    Role("research_institute", ("research_institute",), "学", "研究機関", ("offer", "profile")),
    Role("financial", ("financial",), "金", "金融機関", ("offer", "profile")),
)
ROLES: dict[str, Role] = {r.key: r for r in ROLE_TABLE}
# One slot each; "industry" takes a company or a startup. Ask for company and startup slots
# instead (roles=(("company", 1), ("startup", 1), …)) when both are wanted.
DEFAULT_ROLES: tuple[str, ...] = (
    "municipality",
    "industry",
    "university",
    "research_institute",
    "financial",
)

FEATURES = {
    "theme_fit": 1.0,  # mean fit of the members to the theme
    "complementarity": 0.5,  # mean over members of how well another member's offers meet its needs
    "collaboration": 0.15,  # share of member pairs that have worked together (2 hops count half)
    "proximity": 0.15,  # mean closeness of the members' prefectures (1 same … 0 at 1,500 km)
}
# Member fit = semantic × (FIT_LEXICAL_FLOOR + (1 − FIT_LEXICAL_FLOOR) × key-term coverage),
# where semantic = min(1, (cosine − background) / (FIT_SPAN × (1 − background))) and background is
# the theme's median cosine to a sample of profiles: encoders differ in their cosine floor, and a
# vague theme is one that is about as close to everybody as to anybody.
FIT_LEXICAL_FLOOR = 0.6
FIT_SPAN = 0.5
PROFILE_DISCOUNT = 0.8  # a gain read from a profile, not a stated need/offer, counts less
SEEDS = 8  # teams grown per proposal, one from each of the scarcest role's best candidates
LINK_MIN = 0.2  # need→offer links weaker than this are not shown as evidence


def active_roles() -> tuple[str, ...]:
    """Roles whose kinds exist in this version's KINDS."""
    return tuple(r.key for r in ROLE_TABLE if any(k in KINDS for k in r.kinds))


def _kinds_of(role: Role) -> tuple[str, ...]:
    return tuple(k for k in role.kinds if k in KINDS)


@dataclass(frozen=True)
class ConsortiumQuery:
    """A theme and the constraints on the team. ``roles`` = ((role, count), …); () = default."""

    theme: str
    regions: tuple[str, ...] = ()
    prefectures: tuple[str, ...] = ()
    neighbours: bool = False  # widen ``prefectures`` by their land neighbours
    roles: tuple[tuple[str, int], ...] = ()
    min_prefectures: int = 2
    min_kinds: int = 3
    top: int = 3

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mode": "consortium", "theme": self.theme}
        if self.regions:
            out["regions"] = list(self.regions)
        if self.prefectures:
            out["prefectures"] = list(self.prefectures)
        if self.neighbours:
            out["neighbours"] = True
        if self.roles:
            out["roles"] = dict(self.roles)
        out.update(min_prefectures=self.min_prefectures, min_kinds=self.min_kinds, top=self.top)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConsortiumQuery:
        """The query back from ``to_json`` (or a batch line); TypeError on a wrong shape."""
        roles = data.get("roles") or {}
        if isinstance(roles, list):
            roles = dict.fromkeys(roles, 1)
        return cls(
            theme=data.get("theme") or "",
            regions=tuple(data.get("regions") or ()),
            prefectures=tuple(data.get("prefectures") or ()),
            neighbours=bool(data.get("neighbours", False)),
            roles=tuple((str(k), int(v)) for k, v in roles.items()),
            min_prefectures=int(data.get("min_prefectures", 2)),
            min_kinds=int(data.get("min_kinds", 3)),
            top=int(data.get("top", 3)),
        )


@dataclass(frozen=True)
class Member:
    """One member of a proposal: its role, its fit to the theme and the evidence for it."""

    id: str
    name: str
    kind: str
    role: str
    prefecture: int
    fit: float
    matched: str = ""  # title of the text that best fits the theme
    matched_text: str = "profile"  # need | offer | profile
    similarity: float = 0.0
    shared_terms: tuple[str, ...] = ()

    def evidence(self) -> dict[str, Any]:
        return {
            "matched": self.matched,
            "text": self.matched_text,
            "similarity": round(self.similarity, 4),
            "shared_terms": list(self.shared_terms),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "role": self.role,
            "prefecture": prefectures.name(self.prefecture),
            "fit": round(self.fit, 4),
            "evidence": self.evidence(),
        }


@dataclass(frozen=True)
class TeamExplanation:
    """Why this team: feature values and contributions, why each member (``members`` holds
    their evidence), the need→offer links between members, past collaborations, place facts."""

    features: dict[str, float]
    contributions: dict[str, float]
    links: tuple[Link, ...] = ()
    collaborations: tuple[tuple[str, str], ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)

    def to_json(self, members: Sequence[Member] = ()) -> dict[str, Any]:
        return {
            "features": {k: round(v, 4) for k, v in self.features.items()},
            "contributions": {k: round(v, 4) for k, v in self.contributions.items()},
            "members": [
                {"id": mb.id, "role": mb.role, "fit": round(mb.fit, 4), **mb.evidence()}
                for mb in members
            ],
            "links": [
                {
                    "relation": lk.relation,
                    "member": lk.source_org,
                    "need": lk.source,
                    "partner": lk.target_org,
                    "offer": lk.target,
                    "similarity": round(lk.similarity, 4),
                    "shared_terms": list(lk.shared_terms),
                }
                for lk in self.links
            ],
            "collaborations": [list(pair) for pair in self.collaborations],
            "facts": self.facts,
        }


@dataclass(frozen=True)
class Proposal:
    score: float
    members: tuple[Member, ...]
    explanation: TeamExplanation

    @property
    def prefectures(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(mb.prefecture for mb in self.members))

    def to_json(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 4),
            "members": [mb.to_json() for mb in self.members],
            "prefectures": [prefectures.name(c) for c in self.prefectures],
            "explanation": self.explanation.to_json(self.members),
        }


@dataclass(frozen=True)
class EmptyRole:
    """A role no candidate could fill, and why (``why.text`` in English for the CLI)."""

    role: str
    why: Notice

    @property
    def reason(self) -> str:
        return self.why.text

    def to_json(self) -> dict[str, Any]:
        return {"role": self.role, "reason": self.reason, **self.why.to_json()}


@dataclass(frozen=True)
class ConsortiumResult:
    query: dict[str, Any]
    proposals: tuple[Proposal, ...]
    empty_roles: tuple[EmptyRole, ...] = ()
    notices: tuple[Notice, ...] = ()  # why there are none or fewer than asked

    @property
    def note(self) -> str | None:
        return joined(self.notices)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "query": self.query,
            "proposals": [p.to_json() for p in self.proposals],
        }
        if self.empty_roles:
            out["empty_roles"] = [e.to_json() for e in self.empty_roles]
        if self.notices:
            out["note"] = self.note
            out["notices"] = [n.to_json() for n in self.notices]
        return out


@dataclass(frozen=True)
class Alternative:
    """A candidate for a role of an existing team and the team score it would give."""

    member: Member
    team_score: float
    delta: float  # against the current team (with the replaced member, if any)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.member.to_json(),
            "team_score": round(self.team_score, 4),
            "delta": round(self.delta, 4),
        }


# ---- the theme, the places, the roles --------------------------------------------------


def unknown_role(key: str) -> MatchError:
    """The error for a role that is not one of this version's roles."""
    active = active_roles()
    return MatchError(
        f"unknown role {key!r}; use one of: {', '.join(active)}",
        "unknown_role",
        value=key,
        roles=active,
    )


def roles_for(m: Matcher, q: ConsortiumQuery) -> tuple[str, ...]:
    """Role slots in order (a role asked twice appears twice); MatchError for a bad request."""
    active = active_roles()
    if not q.roles:
        present = {o.kind for o in m.catalogue.orgs.values()}
        # 金 joins by default only when such profiles exist; the others always (an empty one is
        # reported, since it is what a coordinator must go and find).
        return tuple(
            key
            for key in DEFAULT_ROLES
            if key in active and (key != "financial" or set(ROLES[key].kinds) & present)
        )
    slots: list[str] = []
    seen_kinds: dict[str, str] = {}
    for key, count in q.roles:
        if key not in ROLES or key not in active:
            raise unknown_role(key)
        if not 1 <= count <= 5:
            raise MatchError(
                f"role {key}={count}: ask for 1 to 5 members of a role",
                "role_count_out_of_range",
                role=key,
                count=count,
                max=5,
            )
        for kind in _kinds_of(ROLES[key]):
            if kind in seen_kinds and seen_kinds[kind] != key:
                raise MatchError(
                    f"roles {seen_kinds[kind]} and {key} both take {kind}: ask for one of them",
                    "roles_overlap",
                    role=seen_kinds[kind],
                    other=key,
                    kind=kind,
                )
            seen_kinds[kind] = key
        slots += [key] * count
    return tuple(slots)


def places_for(m: Matcher, q: ConsortiumQuery) -> tuple[int, ...]:
    """Prefecture codes the members may come from (() = anywhere); MatchError when unusable."""
    codes = set(resolve_places(q.prefectures, q.regions))
    if q.neighbours:
        if not q.prefectures:
            raise MatchError(
                "--with-neighbours widens --prefecture: name a prefecture too",
                "neighbours_need_prefecture",
            )
        for value in q.prefectures:
            codes.update(prefectures.get(prefectures.resolve(value)).neighbours)
    if not codes:
        return ()
    codes_t = tuple(sorted(codes))
    names = "、".join(prefectures.name(c) for c in codes_t)
    if len(codes_t) < q.min_prefectures:
        raise MatchError(
            f"{names} is {len(codes_t)} prefecture(s) but a consortium spans at least "
            f"{q.min_prefectures}: add --prefecture/--region, use --with-neighbours, "
            "or lower --min-prefectures",
            "too_few_prefectures",
            prefectures=codes_t,
            count=len(codes_t),
            min=q.min_prefectures,
        )
    if not np.isin(m.catalogue.text_prefecture, codes_t).any():
        raise MatchError(
            f"no indexed organisation in {names}: widen --region/--prefecture "
            "(or import and `musubi index` organisations there)",
            "no_orgs_in_places",
            prefectures=codes_t,
        )
    return codes_t


# ---- the candidate pool ----------------------------------------------------------------


@dataclass
class _Cand:
    org: OrgFacts
    role: str
    member: Member
    needs: np.ndarray
    offers: np.ndarray
    profile: np.ndarray


class _Pool:
    """Candidates of every role with their pairwise gains, ties and proximity, as matrices."""

    def __init__(self, m: Matcher, cands: list[_Cand]) -> None:
        self.cands = cands
        n = len(cands)
        self.fit = np.array([c.member.fit for c in cands])
        self.gain = np.zeros((n, n))
        if n:
            # Every candidate's needs (or profile) against every candidate's offers (or profile)
            # in one product, then the best pair per (taker, giver) by segment maxima.
            takers = [
                (c.needs, 1.0) if len(c.needs) else (c.profile[None], PROFILE_DISCOUNT)
                for c in cands
            ]
            givers = [
                (c.offers, 1.0) if len(c.offers) else (c.profile[None], PROFILE_DISCOUNT)
                for c in cands
            ]
            sims = np.vstack([v for v, _ in takers]) @ np.vstack([v for v, _ in givers]).T
            rows = np.cumsum([0] + [len(v) for v, _ in takers])[:-1]
            cols = np.cumsum([0] + [len(v) for v, _ in givers])[:-1]
            best = np.maximum.reduceat(np.maximum.reduceat(sims, rows, axis=0), cols, axis=1)
            discount = np.outer([d for _, d in takers], [d for _, d in givers])
            self.gain = np.maximum(best, 0.0) * discount
            np.fill_diagonal(self.gain, 0.0)
        ext = [c.org.ext_id for c in cands]
        partners = [set(c.org.collaborations) for c in cands]
        self.tie = np.zeros((n, n))
        self.prox = np.zeros((n, n))
        for i, j in combinations(range(n), 2):
            if ext[j] in partners[i] or ext[i] in partners[j]:
                tie = 1.0
            elif partners[i] & partners[j]:
                tie = 0.5  # a shared past partner: they are one introduction apart
            else:
                tie = 0.0
            self.tie[i, j] = self.tie[j, i] = tie
            p = proximity(cands[i].org.prefecture, cands[j].org.prefecture)
            self.prox[i, j] = self.prox[j, i] = p
        self.scorer = LinearScorer(FEATURES)

    def features(self, team: Sequence[int]) -> dict[str, float]:
        idx = np.asarray(team)
        if len(idx) == 0:
            return dict.fromkeys(FEATURES, 0.0)
        fit = float(self.fit[idx].mean())
        if len(idx) == 1:
            return {
                "theme_fit": fit,
                "complementarity": 0.0,
                "collaboration": 0.0,
                "proximity": 0.0,
            }
        sub = self.gain[np.ix_(idx, idx)]
        pairs = len(idx) * (len(idx) - 1)
        return {
            "theme_fit": fit,
            "complementarity": float(sub.max(axis=1).mean()),
            "collaboration": float(self.tie[np.ix_(idx, idx)].sum() / pairs),
            "proximity": float(self.prox[np.ix_(idx, idx)].sum() / pairs),
        }

    def score(self, team: Sequence[int]) -> float:
        f = self.features(team)
        return sum(FEATURES[k] * v for k, v in f.items())


def _member(
    m: Matcher,
    org: OrgFacts,
    role: Role,
    theme_vec: np.ndarray,
    theme_terms: tuple[str, ...],
    background: float,
) -> _Cand:
    ids = org.text_ids
    need_ids, offer_ids = list(ids.get("need", ())), list(ids.get("offer", ()))
    vectors = m.vectors([*need_ids, *offer_ids, ids["profile"][0]])
    needs, offers = vectors[: len(need_ids)], vectors[len(need_ids) : -1]
    profile = vectors[-1]
    best = ("profile", 0, float(profile @ theme_vec))
    for text_role, vecs in (("need", needs), ("offer", offers)):
        if text_role in role.texts and len(vecs):
            sims = vecs @ theme_vec
            k = int(np.argmax(sims))
            if float(sims[k]) > best[2]:
                best = (text_role, k, float(sims[k]))
    doc = " ".join(
        [
            org.text("profile", 0),
            *(
                org.text(r, k)
                for r in ("need", "offer")
                for k in range(len(org.needs if r == "need" else org.offers))
                if r in role.texts
            ),
        ]
    )
    coverage = terms.coverage(theme_terms, doc)
    semantic = (best[2] - background) / (FIT_SPAN * (1.0 - background))
    fit = min(1.0, max(semantic, 0.0)) * (FIT_LEXICAL_FLOOR + (1 - FIT_LEXICAL_FLOOR) * coverage)
    member = Member(
        org.ext_id,
        org.name,
        org.kind,
        role.key,
        org.prefecture,
        fit,
        org.title(best[0], best[1]),
        best[0],
        best[2],
        terms.shared(theme_terms, doc),
    )
    return _Cand(org, role.key, member, needs, offers, profile)


def _pools(
    m: Matcher,
    roles: Iterable[str],
    codes: tuple[int, ...],
    theme_vec: np.ndarray,
    theme_terms: tuple[str, ...],
    exclude: tuple[int, ...] = (),
) -> tuple[dict[str, list[_Cand]], dict[str, _Cand | None]]:
    """Per role: candidates with fit ≥ consortium_min_fit, best first; and each role's best
    candidate below the threshold (for saying why a role stayed empty)."""
    size = int(m.settings.consortium_pool)
    threshold = float(m.settings.consortium_min_fit)
    bg = m.background(theme_vec)
    pools: dict[str, list[_Cand]] = {}
    best_below: dict[str, _Cand | None] = {}
    for key in dict.fromkeys(roles):
        role = ROLES[key]
        filters = Filters(
            roles=role.texts, kinds=_kinds_of(role), prefectures=codes, exclude_orgs=exclude
        )
        found = m.candidates(theme_vec, filters, limit=2 * size)
        cands = sorted(
            (_member(m, c.org, role, theme_vec, theme_terms, bg) for c in found),
            key=lambda c: -c.member.fit,
        )
        pools[key] = [c for c in cands if c.member.fit >= threshold][:size]
        best_below[key] = cands[0] if cands and not pools[key] else None
    return pools, best_below


# ---- assembly --------------------------------------------------------------------------


class _Search:
    """Greedy team growth from seeds plus single-swap improvement, under the constraints."""

    def __init__(
        self,
        pool: _Pool,
        slots: list[list[int]],
        min_prefectures: int,
        min_kinds: int,
    ) -> None:
        self.pool = pool
        self.slots = slots  # per slot, the pool indices that may fill it
        self.min_prefectures = min_prefectures
        self.min_kinds = min_kinds
        self.prefecture = [c.org.prefecture for c in pool.cands]
        self.kind = [c.org.kind for c in pool.cands]

    def feasible(self, team: Sequence[int], remaining: int) -> bool:
        prefs = len({self.prefecture[i] for i in team})
        kinds = len({self.kind[i] for i in team})
        return prefs + remaining >= self.min_prefectures and kinds + remaining >= self.min_kinds

    def distinct(self, team: Sequence[int], chosen: Sequence[frozenset[int]]) -> bool:
        limit = len(self.slots) // 2
        members = set(team)
        return all(len(members & other) <= limit for other in chosen)

    def grow(self, seed_slot: int, seed: int, chosen: list[frozenset[int]]) -> list[int] | None:
        team: list[int | None] = [None] * len(self.slots)
        team[seed_slot] = seed
        order = sorted(
            (s for s in range(len(self.slots)) if s != seed_slot),
            key=lambda s: len(self.slots[s]),
        )
        for step, s in enumerate(order, start=1):
            current = [i for i in team if i is not None]
            remaining = len(order) - step
            best, best_score = None, -np.inf
            for c in self.slots[s]:
                if c in current:
                    continue
                trial = [*current, c]
                if not self.feasible(trial, remaining) or not self.distinct(trial, chosen):
                    continue
                value = self.pool.score(trial)
                if value > best_score:
                    best, best_score = c, value
            team[s] = best
        members = [i for i in team if i is not None]
        if not self.feasible(members, 0) or not self.distinct(members, chosen):
            return None
        return self.improve(team, chosen)

    def improve(self, team: list[int | None], chosen: list[frozenset[int]]) -> list[int]:
        current = self.pool.score([i for i in team if i is not None])
        for _ in range(3):
            improved = False
            for s, options in enumerate(self.slots):
                for c in options:
                    if c in team:
                        continue
                    trial = list(team)
                    trial[s] = c
                    members = [i for i in trial if i is not None]
                    if not self.feasible(members, 0) or not self.distinct(members, chosen):
                        continue
                    value = self.pool.score(members)
                    if value > current + 1e-9:
                        team, current, improved = trial, value, True
            if not improved:
                break
        return [i for i in team if i is not None]

    def best_team(self, chosen: list[frozenset[int]]) -> list[int] | None:
        filled = [s for s in range(len(self.slots)) if self.slots[s]]
        if not filled:
            return None
        rarest = min(filled, key=lambda s: len(self.slots[s]))
        best, best_score = None, -np.inf
        for seed in self.slots[rarest][:SEEDS]:
            team = self.grow(rarest, seed, chosen)
            if team is not None:
                value = self.pool.score(team)
                if value > best_score:
                    best, best_score = team, value
        return best


def consortium(m: Matcher, q: ConsortiumQuery) -> ConsortiumResult:
    """Up to ``q.top`` distinct teams for a theme, best first, each with its explanation."""
    theme = check_text(q.theme, "--theme")
    if not 1 <= q.top <= MAX_TOP:
        raise MatchError(
            f"--top {q.top} is out of range: ask for 1 to {MAX_TOP} proposals",
            "out_of_range",
            field="top",
            value=q.top,
            lo=1,
            hi=MAX_TOP,
        )
    if q.min_prefectures < 1 or q.min_kinds < 1:
        raise MatchError("--min-prefectures and --min-kinds are at least 1", "min_below_one")
    slots = roles_for(m, q)
    codes = places_for(m, q)
    theme_vec = m.query_vector(theme)
    theme_terms = key_terms_of(theme)
    pools, best_below = _pools(m, slots, codes, theme_vec, theme_terms)
    empty = tuple(
        EmptyRole(key, _empty_reason(m, key, codes, best_below[key], theme_terms))
        for key in dict.fromkeys(slots)
        if not pools[key]
    )
    cands: list[_Cand] = []
    index: dict[tuple[str, str], int] = {}
    for key, found in pools.items():
        for c in found:
            index[(key, c.org.ext_id)] = len(cands)
            cands.append(c)
    pool = _Pool(m, cands)
    slot_options = [[index[(key, c.org.ext_id)] for c in pools[key]] for key in slots]
    filled_slots = [s for s, opts in enumerate(slot_options) if opts]
    search = _Search(pool, [slot_options[s] for s in filled_slots], q.min_prefectures, q.min_kinds)
    chosen: list[frozenset[int]] = []
    teams: list[list[int]] = []
    for _ in range(q.top):
        team = search.best_team(chosen)
        if team is None:
            break
        teams.append(team)
        chosen.append(frozenset(team))
    # The greedy search is a heuristic: a later, more constrained team can still score higher.
    proposals = tuple(sorted((_proposal(m, pool, team) for team in teams), key=lambda p: -p.score))
    notices = _notices(q, proposals, empty, theme_terms, len(filled_slots), codes)
    return ConsortiumResult(q.to_json(), proposals, empty, notices)


def _proposal(m: Matcher, pool: _Pool, team: list[int]) -> Proposal:
    features = pool.features(team)
    contributions = {k: FEATURES[k] * v for k, v in features.items()}
    members = tuple(pool.cands[i].member for i in team)
    links = []
    for i in team:
        others = [j for j in team if j != i]
        if not others:
            continue
        j = max(others, key=lambda j: pool.gain[i, j])
        if pool.gain[i, j] >= LINK_MIN:
            links.append(_link(pool, i, j))
    collaborations = tuple(
        (pool.cands[i].org.ext_id, pool.cands[j].org.ext_id)
        for i, j in combinations(team, 2)
        if pool.tie[i, j] == 1.0
    )
    return Proposal(
        sum(contributions.values()),
        members,
        TeamExplanation(features, contributions, tuple(links), collaborations, _facts(members)),
    )


def _link(pool: _Pool, i: int, j: int) -> Link:
    a, b = pool.cands[i], pool.cands[j]
    need_role = "need" if len(a.needs) else "profile"
    offer_role = "offer" if len(b.offers) else "profile"
    needs = a.needs if need_role == "need" else a.profile[None]
    offers = b.offers if offer_role == "offer" else b.profile[None]
    n, o = np.unravel_index(int(np.argmax(needs @ offers.T)), (len(needs), len(offers)))
    need_text = a.org.text(need_role, int(n))
    offer_text = b.org.text(offer_role, int(o))
    return Link(
        "need→offer",
        "member",
        a.org.ext_id,
        a.org.title(need_role, int(n)),
        b.org.ext_id,
        b.org.title(offer_role, int(o)),
        float(pool.gain[i, j]),
        terms.shared(terms.key_terms(need_text), offer_text),
    )


def _facts(members: Sequence[Member]) -> dict[str, Any]:
    codes = list(dict.fromkeys(mb.prefecture for mb in members))
    pairs = list(combinations(codes, 2))
    return {
        "prefectures": [prefectures.name(c) for c in codes],
        "regions": list(dict.fromkeys(prefectures.region_of(c).kanji for c in codes)),
        "kinds": list(dict.fromkeys(mb.kind for mb in members)),
        "sectors": list(dict.fromkeys(ROLES[mb.role].sector for mb in members)),
        "max_distance_km": max((round(prefectures.distance_km(a, b)) for a, b in pairs), default=0),
        "neighbouring_pairs": [
            [prefectures.name(a), prefectures.name(b)]
            for a, b in pairs
            if prefectures.are_neighbours(a, b)
        ],
    }


def _places_label(codes: tuple[int, ...]) -> str:
    if not codes:
        return "any prefecture"
    if len(codes) > 6:
        return f"{len(codes)} prefectures"
    return "、".join(prefectures.name(c) for c in codes)


def _empty_reason(
    m: Matcher,
    key: str,
    codes: tuple[int, ...],
    best: _Cand | None,
    theme_terms: tuple[str, ...],
) -> Notice:
    role = ROLES[key]
    where = _places_label(codes)
    if best is None:
        kinds = _kinds_of(role)
        return Notice(
            f"no indexed {' or '.join(kinds)} in {where}",
            "role_none_indexed",
            {"role": key, "kind": kinds, "places": codes},
        )
    threshold = float(m.settings.consortium_min_fit)
    why = (
        f"no {key} in {where} fits the theme: the closest, {best.member.name} ({best.member.id}), "
        f"has fit {best.member.fit:.2f} < consortium_min_fit {threshold:g}"
    )
    if not theme_terms:
        why += "; the theme names no specific subject (add what, for whom, where)"
    return Notice(
        why,
        "role_unfit" if theme_terms else "role_unfit_vague_theme",
        {
            "role": key,
            "places": codes,
            "name": best.member.name,
            "org": best.member.id,
            "fit": f"{best.member.fit:.2f}",
            "threshold": f"{threshold:g}",
        },
    )


def _notices(
    q: ConsortiumQuery,
    proposals: tuple[Proposal, ...],
    empty: tuple[EmptyRole, ...],
    theme_terms: tuple[str, ...],
    filled: int,
    codes: tuple[int, ...],
) -> tuple[Notice, ...]:
    out = []
    if empty:
        roles = tuple(e.role for e in empty)
        out.append(
            Notice("roles left empty: " + ", ".join(roles), "roles_left_empty", {"role": roles})
        )
    if not proposals:
        if filled < q.min_kinds:
            out.append(
                Notice(
                    f"no proposal: only {filled} role(s) could be filled and a consortium needs "
                    f"{q.min_kinds} kinds; describe the theme more concretely or widen the region",
                    "too_few_roles_filled",
                    {"count": filled, "min": q.min_kinds},
                )
            )
        else:
            out.append(
                Notice(
                    f"no proposal meets the constraints (≥{q.min_prefectures} prefectures, "
                    f"≥{q.min_kinds} kinds) in {_places_label(codes)}; widen the region",
                    "no_proposal_in_places",
                    {
                        "places": codes,
                        "min_prefectures": q.min_prefectures,
                        "min_kinds": q.min_kinds,
                    },
                )
            )
    elif len(proposals) < q.top:
        out.append(
            Notice(
                f"{len(proposals)} distinct proposal(s) of {q.top} asked: no further team differs "
                "from these in at least half its members",
                "fewer_proposals",
                {"count": len(proposals), "top": q.top},
            )
        )
    if not theme_terms and (empty or not proposals):
        out.append(
            Notice(
                "the theme is vague: name the challenge (e.g. 独居高齢者の見守り)", "vague_theme"
            )
        )
    return tuple(out)


# ---- curation helpers: alternatives for a role, one member's facts ---------------------


def member_facts(m: Matcher, theme: str, ext_id: str, role: str) -> Member:
    """``ext_id``'s fit to ``theme`` in ``role``, with its evidence; MatchError if unusable."""
    if role not in ROLES or role not in active_roles():
        raise unknown_role(role)
    org = m.org(ext_id)
    if org.kind not in ROLES[role].kinds:
        raise MatchError(
            f"{ext_id} is a {org.kind}; role {role} takes {', '.join(ROLES[role].kinds)}",
            "role_kind_mismatch",
            org=ext_id,
            name=org.name,
            kind=org.kind,
            role=role,
            kinds=ROLES[role].kinds,
        )
    if "profile" not in org.text_ids:
        raise MatchError(
            f"{ext_id} is not indexed yet: run `musubi index`",
            "org_not_indexed",
            org=ext_id,
            name=org.name,
        )
    theme_vec = m.query_vector(check_text(theme, "theme"))
    bg = m.background(theme_vec)
    return _member(m, org, ROLES[role], theme_vec, key_terms_of(theme), bg).member


def alternatives(
    m: Matcher,
    theme: str,
    members: Sequence[tuple[str, str]],
    role: str,
    *,
    replacing: str | None = None,
    query: ConsortiumQuery | None = None,
    top: int = 10,
) -> tuple[Alternative, ...]:
    """Candidates for ``role`` beside the other ``members`` ((ext id, role) pairs), ranked by
    the team score they would give; ``replacing`` names the member they would replace."""
    check_top(top)
    if role not in ROLES or role not in active_roles():
        raise unknown_role(role)
    codes = places_for(m, query) if query else ()
    theme_vec = m.query_vector(check_text(theme, "theme"))
    theme_terms = key_terms_of(theme)
    keep = [
        (ext, r)
        for ext, r in members
        if ext != replacing and ext in m.catalogue.by_ext_id and r in ROLES
    ]
    exclude = tuple(
        m.catalogue.by_ext_id[ext].id for ext, _ in members if ext in m.catalogue.by_ext_id
    )
    pools, _ = _pools(m, [role], codes, theme_vec, theme_terms, exclude)
    bg = m.background(theme_vec)
    current = [
        _member(m, m.catalogue.by_ext_id[ext], ROLES[r], theme_vec, theme_terms, bg)
        for ext, r in keep
    ]
    replaced = None
    if replacing and replacing in m.catalogue.by_ext_id:
        old_role = dict(members).get(replacing, role)
        if old_role in ROLES:
            replaced = _member(
                m, m.catalogue.by_ext_id[replacing], ROLES[old_role], theme_vec, theme_terms, bg
            )
    cands = current + ([replaced] if replaced else []) + pools[role]
    pool = _Pool(m, cands)
    base = list(range(len(current)))
    before = pool.score(base + ([len(current)] if replaced else []))
    offset = len(current) + (1 if replaced else 0)
    ranked = sorted(
        (
            Alternative(cands[k].member, pool.score([*base, k]), pool.score([*base, k]) - before)
            for k in range(offset, len(cands))
        ),
        key=lambda a: -a.team_score,
    )
    return tuple(ranked[:top])

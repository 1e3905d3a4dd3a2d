"""Team formation: candidates per role with their pairwise gains; a greedy search under the
constraints."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from matcher.facts import terms
from matcher.modes.consortium.results import Member
from matcher.modes.consortium.roles import ROLES, Role, kinds_of
from matcher.ranking.scorer import LinearScorer
from matcher.retrieval.catalogue import OrgFacts
from matcher.retrieval.dense import Filters
from matcher.retrieval.matcher import (
    Matcher,
    proximity,
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


@dataclass
class RoleCandidate:
    org: OrgFacts
    role: str
    member: Member
    needs: np.ndarray
    offers: np.ndarray
    profile: np.ndarray


class TeamPool:
    """Candidates of every role with their pairwise gains, ties and proximity, as matrices."""

    def __init__(self, m: Matcher, cands: list[RoleCandidate]) -> None:
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


def role_candidate(
    m: Matcher,
    org: OrgFacts,
    role: Role,
    theme_vec: np.ndarray,
    theme_terms: tuple[str, ...],
    background: float,
) -> RoleCandidate:
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
    return RoleCandidate(org, role.key, member, needs, offers, profile)


def role_pools(
    m: Matcher,
    roles: Iterable[str],
    codes: tuple[int, ...],
    theme_vec: np.ndarray,
    theme_terms: tuple[str, ...],
    exclude: tuple[int, ...] = (),
) -> tuple[dict[str, list[RoleCandidate]], dict[str, RoleCandidate | None]]:
    """Per role: candidates with fit ≥ consortium_min_fit, best first; and each role's best
    candidate below the threshold (for saying why a role stayed empty)."""
    size = int(m.settings.consortium_pool)
    threshold = float(m.settings.consortium_min_fit)
    bg = m.background(theme_vec)
    pools: dict[str, list[RoleCandidate]] = {}
    best_below: dict[str, RoleCandidate | None] = {}
    for key in dict.fromkeys(roles):
        role = ROLES[key]
        filters = Filters(
            roles=role.texts, kinds=kinds_of(role), prefectures=codes, exclude_orgs=exclude
        )
        found = m.candidates(theme_vec, filters, limit=2 * size)
        cands = sorted(
            (role_candidate(m, c.org, role, theme_vec, theme_terms, bg) for c in found),
            key=lambda c: -c.member.fit,
        )
        pools[key] = [c for c in cands if c.member.fit >= threshold][:size]
        best_below[key] = cands[0] if cands and not pools[key] else None
    return pools, best_below


class TeamSearch:
    """Greedy team growth from seeds plus single-swap improvement, under the constraints."""

    def __init__(
        self,
        pool: TeamPool,
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

"""Team formation: the theme read as aspects, candidates per role with their fit, what each
covers and their pairwise gains; a greedy search under the constraints."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np

from matcher.facts import terms
from matcher.facts.glossary import gloss, key_terms_of
from matcher.modes.consortium.aspects import Aspect, aspects_of
from matcher.modes.consortium.project_roles import project_role_of
from matcher.modes.consortium.results import Member
from matcher.modes.consortium.roles import ROLES, Role, kinds_of
from matcher.retrieval.catalogue import OrgFacts
from matcher.retrieval.dense import Filters
from matcher.retrieval.matcher import Matcher, proximity

FEATURES = {
    "theme_fit": 1.0,  # mean fit of the members to the theme
    "coverage": 1.0,  # mean over the theme's aspects of the best member's cover
    "complementarity": 0.5,  # mean over members of how well another member's offers meet its needs
    "collaboration": 0.15,  # share of member pairs that have worked together (2 hops count half)
    "proximity": 0.15,  # mean closeness of the members' prefectures (1 same … 0 at 1,500 km)
}
# Member fit = semantic × (FIT_LEXICAL_FLOOR + (1 − FIT_LEXICAL_FLOOR) × key-term coverage),
# where semantic = min(1, (cosine − background) / (FIT_SPAN × (1 − background))) and background is
# the theme's median cosine to a sample of profiles: encoders differ in their cosine floor, and a
# vague theme is one that is about as close to everybody as to anybody. An aspect's cover of a
# member is read the same way against the aspect's own text and background.
FIT_LEXICAL_FLOOR = 0.6
FIT_SPAN = 0.5
PROFILE_DISCOUNT = 0.8  # a gain read from a profile, not a stated need/offer, counts less
SEEDS = 8  # teams grown per proposal, one from each of the scarcest role's best candidates
# A named place (秋田・島根・高知) is covered by a municipality there; another member there is
# half of it (the field is where the municipality is).
PLACE_COVER = {"municipality": 1.0}
PLACE_COVER_OTHER = 0.5
# A member covers an aspect when its cover is at least COVERED and at least COVER_SHARE of the
# best cover any candidate of the theme's pools reaches: relative, since a theme's context lifts
# every text that fits it a little towards each of its aspects.
COVERED = 0.25
COVER_SHARE = 0.75
ASPECT_CONTEXT = 0.5  # weight of the theme's vector in an aspect's


@dataclass(frozen=True)
class ThemeReading:
    """A theme as the search reads it: its vector, key terms and background level, and its
    aspects with theirs (rows of ``vectors``; a named place has a zero row)."""

    text: str
    vector: np.ndarray
    terms: tuple[str, ...]
    background: float
    aspects: tuple[Aspect, ...]
    vectors: np.ndarray  # (n_aspects, dim)
    backgrounds: np.ndarray  # (n_aspects,)

    @property
    def textual(self) -> list[int]:
        """Indices of the aspects read from text (not named places)."""
        return [k for k, a in enumerate(self.aspects) if a.kind != "place"]


def read_theme(m: Matcher, theme: str) -> ThemeReading:
    """The theme's vector, terms and background, and its aspects encoded in one call."""
    vector = m.query_vector(theme)
    aspects = aspects_of(theme)
    vectors = np.zeros((len(aspects), len(vector)), dtype=np.float32)
    backgrounds = np.zeros(len(aspects))
    textual = [k for k, a in enumerate(aspects) if a.kind != "place"]
    if textual:
        encoded = _encode(m, [aspects[k].text for k in textual])
        # An aspect is read in the theme's context: 安全性と効果を評価 of a theme about buses is
        # the safety of buses, not of any product.
        encoded = encoded + ASPECT_CONTEXT * vector[None, :]
        encoded /= np.linalg.norm(encoded, axis=1, keepdims=True)
        for row, k in enumerate(textual):
            vectors[k] = encoded[row]
            backgrounds[k] = m.background(encoded[row])
    return ThemeReading(
        theme, vector, key_terms_of(theme), m.background(vector), aspects, vectors, backgrounds
    )


def _encode(m: Matcher, texts: list[str]) -> np.ndarray:
    """Unit vectors of ``texts`` in one call; an English one with its gloss, as the theme."""
    if any(gloss(t) for t in texts):
        return np.vstack([m.query_vector(t) for t in texts])
    return m.search.encode_queries(texts)


@dataclass
class RoleCandidate:
    org: OrgFacts
    role: str
    member: Member
    needs: np.ndarray
    offers: np.ndarray
    profile: np.ndarray
    cover: np.ndarray  # (n_aspects,): how well it covers each aspect of the theme, 0–1
    cover_text: tuple[tuple[str, int], ...]  # per aspect, the (text role, position) that does


def team_weights(m: Matcher) -> dict[str, float]:
    """The team objective's weights: learned from coordinators' decisions (`musubi train
    --from-curation`) when the ranking model has them for these features, else FEATURES."""
    return dict(m.scorer("consortium", FEATURES).weights)


class TeamPool:
    """Candidates of every role with their pairwise gains, ties and proximity, as matrices."""

    def __init__(
        self,
        m: Matcher,
        cands: list[RoleCandidate],
        n_aspects: int = 0,
        weights: dict[str, float] | None = None,
        slots: int = 0,
    ) -> None:
        self.cands = cands
        self.key_terms = m.need_terms.key_terms  # saved at indexing time, else tokenised
        # A role left open counts as a member of fit 0: a team does not rise by leaving one.
        self.slots = slots
        self.weights = dict(weights or FEATURES)
        n = len(cands)
        self.fit = np.array([c.member.fit for c in cands])
        self.cover = (
            np.vstack([c.cover for c in cands]) if n and n_aspects else np.zeros((n, n_aspects))
        )
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

    @property
    def needed_cover(self) -> np.ndarray:
        """Per aspect, the cover at which a member is said to cover it (COVER_SHARE)."""
        best = self.cover.max(axis=0) if len(self.cover) else np.zeros(self.cover.shape[1])
        return np.maximum(COVERED, COVER_SHARE * best)

    def features(self, team: Sequence[int]) -> dict[str, float]:
        idx = np.asarray(team, dtype=int)
        if len(idx) == 0:
            return dict.fromkeys(FEATURES, 0.0)
        fit = float(self.fit[idx].sum() / max(len(idx), self.slots))
        coverage = float(self.cover[idx].max(axis=0).mean()) if self.cover.shape[1] else 0.0
        if len(idx) == 1:
            return {
                "theme_fit": fit,
                "coverage": coverage,
                "complementarity": 0.0,
                "collaboration": 0.0,
                "proximity": 0.0,
            }
        sub = self.gain[np.ix_(idx, idx)]
        pairs = len(idx) * (len(idx) - 1)
        return {
            "theme_fit": fit,
            "coverage": coverage,
            "complementarity": float(sub.max(axis=1).mean()),
            "collaboration": float(self.tie[np.ix_(idx, idx)].sum() / pairs),
            "proximity": float(self.prox[np.ix_(idx, idx)].sum() / pairs),
        }

    def score(self, team: Sequence[int]) -> float:
        f = self.features(team)
        return sum(self.weights[k] * v for k, v in f.items())


def _semantic(cosine: np.ndarray | float, background: float | np.ndarray) -> np.ndarray:
    return np.clip((np.asarray(cosine) - background) / (FIT_SPAN * (1.0 - background)), 0.0, 1.0)


def _lexical(coverage: float) -> float:
    return FIT_LEXICAL_FLOOR + (1 - FIT_LEXICAL_FLOOR) * coverage


def role_candidate(m: Matcher, org: OrgFacts, role: Role, reading: ThemeReading) -> RoleCandidate:
    """``org`` as a candidate for ``role``: its fit to the theme with the evidence, how it
    covers each of the theme's aspects, and what it would do in the project."""
    ids = org.text_ids
    need_ids, offer_ids = list(ids.get("need", ())), list(ids.get("offer", ()))
    vectors = m.vectors([*need_ids, *offer_ids, ids["profile"][0]])
    needs, offers = vectors[: len(need_ids)], vectors[len(need_ids) : -1]
    profile = vectors[-1]
    # The texts the role is read from: a municipality's needs, the others' offers, the profile.
    texts: list[tuple[str, int]] = [("profile", 0)]
    rows = [profile]
    for text_role, vecs in (("need", needs), ("offer", offers)):
        if text_role in role.texts:
            texts += [(text_role, k) for k in range(len(vecs))]
            rows += list(vecs)
    matrix = np.vstack(rows)
    sims = matrix @ reading.vector
    best = int(np.argmax(sims))
    doc = " ".join(org.text(r, k) for r, k in texts)
    coverage = terms.coverage(reading.terms, doc)
    fit = float(_semantic(sims[best], reading.background)) * _lexical(coverage)
    cover, cover_text, aspect_fit = _cover(org, role, reading, matrix, texts)
    # A text counts for the project role as much as it fits the theme or one of its aspects.
    weights = np.maximum(_semantic(sims, reading.background), aspect_fit)
    part, basis = project_role_of(org, texts, list(weights))
    member = Member(
        org.ext_id,
        org.name,
        org.kind,
        role.key,
        org.prefecture,
        fit,
        org.evidence(*texts[best]),
        texts[best][0],
        float(sims[best]),
        terms.shared(reading.terms, doc),
        part,
        basis,
        tuple(a.label for a, c in zip(reading.aspects, cover, strict=True) if c >= COVERED),
    )
    return RoleCandidate(org, role.key, member, needs, offers, profile, cover, cover_text)


def _cover(
    org: OrgFacts,
    role: Role,
    reading: ThemeReading,
    matrix: np.ndarray,
    texts: list[tuple[str, int]],
) -> tuple[np.ndarray, tuple[tuple[str, int], ...], np.ndarray]:
    """Per aspect, how well one of ``texts`` covers it (0–1) and which text; per text, how well
    it fits its best aspect."""
    n = len(reading.aspects)
    cover = np.zeros(n)
    which: list[tuple[str, int]] = [("profile", 0)] * n
    per_text = np.zeros(len(texts))
    textual = reading.textual
    if textual:
        sims = matrix @ reading.vectors[textual].T  # (n_texts, n_textual)
        semantic = _semantic(sims, reading.backgrounds[textual][None, :])
        per_text = semantic.max(axis=1)
        for col, k in enumerate(textual):
            aspect = reading.aspects[k]
            row = int(np.argmax(semantic[:, col]))
            if not semantic[row, col]:
                continue
            # Terms are read in the text that matched, so an aspect is covered by one thing the
            # member does, not by words scattered over its profile.
            text = org.text(*texts[row])
            cover[k] = float(semantic[row, col]) * _lexical(terms.coverage(aspect.terms, text))
            which[k] = texts[row]
    for k, aspect in enumerate(reading.aspects):
        if aspect.kind == "place" and org.prefecture in aspect.prefectures:
            cover[k] = PLACE_COVER.get(role.key, PLACE_COVER_OTHER)
        elif aspect.kind == "task" and org.kind == "municipality":
            # A municipality that needs a task done is where it is tried, not who does it.
            cover[k] = 0.0
    return cover, tuple(which), per_text


@dataclass(frozen=True)
class RolePool:
    """A role's candidates, best first, and the level its typical candidate reaches."""

    role: str
    candidates: list[RoleCandidate]
    median_fit: float  # over every candidate retrieved for the role
    indexed: int  # how many candidates the role had before the pool was cut


def relevance(c: RoleCandidate, textual: Sequence[int] | None = None) -> float:
    """How much a candidate has to do with the theme: its fit, or what it covers of one aspect
    read from text when that is more (a logistics firm for 買い物 fits the whole theme less);
    ``textual`` are those aspects' indices (a named place is where, not what)."""
    covers = c.cover if textual is None else c.cover[list(textual)]
    return max(c.member.fit, float(covers.max()) if len(covers) else 0.0)


def role_pools(
    m: Matcher,
    roles: Iterable[str],
    codes: tuple[int, ...],
    reading: ThemeReading,
    exclude: tuple[int, ...] = (),
) -> dict[str, RolePool]:
    """Per role: its candidates by relevance (fit to the theme, or the cover of one aspect),
    found near the theme and near each aspect, and near the theme in each named place."""
    size = int(m.settings.consortium_pool)
    pools: dict[str, RolePool] = {}
    textual = reading.textual
    queries = np.vstack([reading.vector[None], reading.vectors[textual]])
    named = tuple(sorted({c for a in reading.aspects for c in a.prefectures}))
    for key in dict.fromkeys(roles):
        role = ROLES[key]
        filters = Filters(
            roles=role.texts, kinds=kinds_of(role), prefectures=codes, exclude_orgs=exclude
        )
        found = {c.org.id: c.org for c in m.candidates(queries, filters, limit=2 * size)}
        places = tuple(c for c in named if not codes or c in codes)
        if places:
            there = replace(filters, prefectures=places)
            for c in m.candidates(reading.vector, there, limit=size):
                found.setdefault(c.org.id, c.org)
        cands = sorted(
            (role_candidate(m, org, role, reading) for org in found.values()),
            key=lambda c: -relevance(c, textual),
        )
        median = float(np.median([c.member.fit for c in cands])) if cands else 0.0
        pools[key] = RolePool(key, cands[:size], median, len(cands))
    return pools


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

    def distinct(
        self, team: Sequence[int], chosen: Sequence[frozenset[int]], size: int = 0
    ) -> bool:
        """Whether ``team`` (of ``size`` members when complete: by default one per slot)
        shares at most half of the smaller of the two with each chosen team."""
        size = size or len(self.slots)
        members = set(team)
        return all(len(members & other) <= min(size, len(other)) // 2 for other in chosen)

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

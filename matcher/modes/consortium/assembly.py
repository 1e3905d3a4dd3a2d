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

from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np

from matcher.facts import prefectures, terms
from matcher.facts.glossary import key_terms_of
from matcher.modes.consortium.results import (
    Alternative,
    ConsortiumQuery,
    ConsortiumResult,
    EmptyRole,
    Member,
    Proposal,
    TeamExplanation,
)
from matcher.modes.consortium.roles import (
    DEFAULT_ROLES,
    ROLES,
    active_roles,
    kinds_of,
    unknown_role,
)
from matcher.modes.consortium.team import (
    FEATURES,
    RoleCandidate,
    TeamPool,
    TeamSearch,
    role_candidate,
    role_pools,
)
from matcher.ranking.explain import Link, Notice
from matcher.retrieval.matcher import (
    Matcher,
    MatchError,
    check_text,
    check_top,
    resolve_places,
)

MAX_TOP = 10
LINK_MIN = 0.2  # need→offer links weaker than this are not shown as evidence


# ---- the places and the roles ---------------------------------------------------------


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
        for kind in kinds_of(ROLES[key]):
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


# ---- assembly --------------------------------------------------------------------------


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
    pools, best_below = role_pools(m, slots, codes, theme_vec, theme_terms)
    empty = tuple(
        EmptyRole(key, _empty_reason(m, key, codes, best_below[key], theme_terms))
        for key in dict.fromkeys(slots)
        if not pools[key]
    )
    cands: list[RoleCandidate] = []
    index: dict[tuple[str, str], int] = {}
    for key, found in pools.items():
        for c in found:
            index[(key, c.org.ext_id)] = len(cands)
            cands.append(c)
    pool = TeamPool(m, cands)
    slot_options = [[index[(key, c.org.ext_id)] for c in pools[key]] for key in slots]
    filled_slots = [s for s, opts in enumerate(slot_options) if opts]
    search = TeamSearch(
        pool, [slot_options[s] for s in filled_slots], q.min_prefectures, q.min_kinds
    )
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


def _proposal(m: Matcher, pool: TeamPool, team: list[int]) -> Proposal:
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


def _link(pool: TeamPool, i: int, j: int) -> Link:
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
    best: RoleCandidate | None,
    theme_terms: tuple[str, ...],
) -> Notice:
    role = ROLES[key]
    where = _places_label(codes)
    if best is None:
        kinds = kinds_of(role)
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
    """``ext_id``'s fit to ``theme`` in ``role``, with its evidence; MatchError if unusable
    (``org_not_indexed`` when its texts are not all in the index yet)."""
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
    theme_vec = m.query_vector(check_text(theme, "theme"))
    bg = m.background(theme_vec)
    return role_candidate(m, org, ROLES[role], theme_vec, key_terms_of(theme), bg).member


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
    pools, _ = role_pools(m, [role], codes, theme_vec, theme_terms, exclude)
    bg = m.background(theme_vec)
    current = [
        role_candidate(m, m.catalogue.by_ext_id[ext], ROLES[r], theme_vec, theme_terms, bg)
        for ext, r in keep
    ]
    replaced = None
    if replacing and replacing in m.catalogue.by_ext_id:
        old_role = dict(members).get(replacing, role)
        if old_role in ROLES:
            replaced = role_candidate(
                m, m.catalogue.by_ext_id[replacing], ROLES[old_role], theme_vec, theme_terms, bg
            )
    cands = current + ([replaced] if replaced else []) + pools[role]
    pool = TeamPool(m, cands)
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

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

Algorithm (README "Consortia and curation"): the theme is read as its aspects (aspects.py);
per role a candidate pool found near the theme and near each aspect, ranked by fit to the theme
(relative to its background) or by the cover of one aspect; then a RarestFirst-style greedy in
the spirit of Lappas, Liu & Terzi (KDD 2009) — seed with each of the best candidates of the
scarcest role, fill the other slots one by one with the candidate that most raises the team
objective, then improve by single swaps — where the objective is a LinearScorer over team
features: fit to the theme, coverage of its aspects, complementarity (one member's offers meet
another's needs), and low communication cost (past collaborations and geographic proximity).
No silent refusal: a member that fits no better than noise leaves when the team keeps its
constraints without it (its role is named open), a weak one stays flagged, and a task nobody
covers brings in its best coverer. Proposal k+1 is searched under a hard constraint: it shares
at most half its members with each earlier proposal, so alternatives differ meaningfully.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from matcher.facts import prefectures, terms
from matcher.facts.kinds import KINDS
from matcher.modes.consortium.results import (
    Alternative,
    AspectCover,
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
    RoleCandidate,
    RolePool,
    TeamPool,
    TeamSearch,
    ThemeReading,
    read_theme,
    role_candidate,
    role_pools,
    team_weights,
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
MAX_THEME = 2_000  # characters: the form's limit; a theme is a few sentences, not a document
LINK_MIN = 0.2  # need→offer links weaker than this are not shown as evidence
# Fits are read above the theme's background level (team.py), so they are relative to it. A
# member under WEAK_FIT fits little better than noise: it leaves the team when the rest keeps the
# kinds and prefectures asked (its role is named open, with it as the closest candidate), and
# stays flagged weak when the team needs it. A member above it but within WEAK_MARGIN of its
# role's typical candidate stays, flagged weak. Calibrated on the hand-written eval-dev themes.
WEAK_FIT = 0.2
WEAK_MARGIN = 0.1
# A task of the theme that no member covers brings in the organisation that covers it best (a
# second startup for 受診 beside the one for 見守り), when it fits the theme at least WEAK_FIT
# and covers the task at least EXTRA_COVER; at most MAX_EXTRA such members. A municipality is
# where a task is tried, not who does it: it is never brought in for one.
EXTRA_COVER = 0.6
MAX_EXTRA = 2


# ---- the places and the roles ---------------------------------------------------------


def roles_for(m: Matcher, q: ConsortiumQuery) -> tuple[str, ...]:
    """Role slots in order (a role asked twice appears twice); MatchError for a bad request."""
    active = active_roles()
    if not q.roles:
        # No organisation's facts read.
        present = {KINDS[code] for code in np.unique(m.catalogue.org_kind_codes).tolist()}
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


# ---- assembly --------------------------------------------------------------------------


def consortium(m: Matcher, q: ConsortiumQuery) -> ConsortiumResult:
    """Up to ``q.top`` distinct teams for a theme, best first, each with its explanation."""
    theme = check_text(q.theme, "--theme")
    if len(theme) > MAX_THEME:
        raise MatchError(
            f"--theme has {len(theme):,} characters; at most {MAX_THEME:,}: say the theme in "
            "a few sentences (what, for whom, where)",
            "too_long",
            field="theme",
            length=len(theme),
            limit=MAX_THEME,
        )
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
    reading = read_theme(m, theme)
    pools = role_pools(m, slots, codes, reading)
    empty = tuple(
        EmptyRole(key, _empty_reason(key, codes))
        for key in dict.fromkeys(slots)
        if not pools[key].candidates
    )
    provenance = _provenance(m)
    if not _readable(reading):
        notices = (
            Notice(
                "the theme is vague: name the challenge (e.g. 独居高齢者の見守り) — what, "
                "for whom, where; no proposal was made",
                "vague_theme",
            ),
        )
        return ConsortiumResult(q.to_json(), (), empty, notices, _aspects_json(reading), provenance)
    cands: list[RoleCandidate] = []
    index: dict[tuple[str, str], int] = {}
    for key, pool in pools.items():
        for c in pool.candidates:
            index[(key, c.org.ext_id)] = len(cands)
            cands.append(c)
    slot_options = [[index[(key, c.org.ext_id)] for c in pools[key].candidates] for key in slots]
    filled_slots = [s for s, opts in enumerate(slot_options) if opts]
    pool = TeamPool(m, cands, len(reading.aspects), team_weights(m), len(filled_slots))
    search = TeamSearch(
        pool, [slot_options[s] for s in filled_slots], q.min_prefectures, q.min_kinds
    )
    chosen: list[frozenset[int]] = []
    teams: list[tuple[list[int], list[int], list[int]]] = []
    for _ in range(2 * q.top):
        team = search.best_team(chosen)
        if team is None or len(teams) == q.top:
            break
        kept, left = _trimmed(search, team)
        # A team that lost members must still differ from the others in half of its own.
        if search.distinct(kept, chosen, len(kept)):
            teams.append((kept, _extras(pool, kept, reading), left))
        chosen.append(frozenset(kept))
    # The greedy search is a heuristic: a later, more constrained team can still score higher.
    proposals = tuple(
        sorted(
            (
                replace(
                    _proposal(pool, pools, reading, kept, extra, left, codes),
                    provenance=provenance,
                )
                for kept, extra, left in teams
            ),
            key=lambda p: -p.score,
        )
    )
    filled = tuple(key for key in dict.fromkeys(slots) if pools[key].candidates)
    notices = _notices(q, proposals, empty, filled, codes)
    return ConsortiumResult(
        q.to_json(), proposals, empty, notices, _aspects_json(reading), provenance
    )


def _readable(reading: ThemeReading) -> bool:
    """Whether the theme names anything a profile could match: a key term or a named place."""
    return bool(reading.terms) or any(a.terms or a.prefectures for a in reading.aspects)


def _aspects_json(reading: ThemeReading) -> tuple[dict[str, Any], ...]:
    return tuple(a.to_json() for a in reading.aspects)


def _provenance(m: Matcher) -> dict[str, Any]:
    """What produced a result: the ranking model (or the unlearned weights), the encoder, and
    the index with the store's generation (imports and index runs so far), so a saved decision
    can be traced months later."""
    model = m.model.model
    out: dict[str, Any] = {
        "ranking_model": (
            {
                "source": Path(model.source).name,  # the shipped or the home's model
                "trained_at": model.manifest.get("trained_at"),
                "files": model.manifest.get("files", {}),
            }
            if model
            else None
        ),
        "consortium_weights": dict(team_weights(m)),
        "encoder": m.search.encoder.fingerprint,
        "index_texts": len(m.search.index),
        "store_generation": m.store.generation(),
    }
    return out


def _trimmed(search: TeamSearch, team: list[int]) -> tuple[list[int], list[int]]:
    """(members kept, members left out): the members that fit no better than noise leave,
    weakest first, as long as the rest keeps the constraints."""
    kept = list(team)
    left = []
    pool = search.pool
    unrelated = [i for i in team if pool.fit[i] < WEAK_FIT]
    for i in sorted(unrelated, key=lambda i: pool.fit[i]):
        rest = [j for j in kept if j != i]
        if search.feasible(rest, 0):
            kept, left = rest, [*left, i]
    return kept, left


def _extras(pool: TeamPool, team: list[int], reading: ThemeReading) -> list[int]:
    """Members brought in for the theme's tasks that no member of ``team`` covers: the best
    coverer of each such task, strongest first (EXTRA_COVER, MAX_EXTRA)."""
    need = pool.needed_cover
    found: dict[int, float] = {}
    for k, aspect in enumerate(reading.aspects):
        if aspect.kind != "task" or pool.cover[team, k].max() >= need[k]:
            continue
        doers = [
            i
            for i in range(len(pool.cands))
            if i not in team and pool.cands[i].org.kind != "municipality"
        ]
        if not doers:
            continue
        best = max(doers, key=lambda i: pool.cover[i, k])
        cover = float(pool.cover[best, k])
        if cover >= max(need[k], EXTRA_COVER) and pool.fit[best] >= WEAK_FIT:
            found[best] = max(found.get(best, 0.0), cover)
    return sorted(found, key=lambda i: -found[i])[:MAX_EXTRA]


def _proposal(
    pool: TeamPool,
    pools: dict[str, RolePool],
    reading: ThemeReading,
    core: list[int],
    extra: list[int],
    left: list[int],
    codes: tuple[int, ...],
) -> Proposal:
    """The team ``core`` (scored: the search's objective) with the members brought in for tasks
    it does not cover (``extra``) and the roles it left open (``left``)."""
    features = pool.features(core)
    team = core + extra
    contributions = {k: pool.weights[k] * v for k, v in features.items()}
    need = pool.needed_cover
    members = tuple(
        replace(
            _flagged(pool.cands[i], pools[pool.cands[i].role], reading),
            covers=tuple(
                a.label for k, a in enumerate(reading.aspects) if pool.cover[i, k] >= need[k]
            ),
            added_for=_added_for(pool, reading, core, i) if i in extra else "",
        )
        for i in team
    )
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
    aspects = _coverage(pool, pools, reading, team)
    return Proposal(
        sum(contributions.values()),
        members,
        TeamExplanation(
            features,
            contributions,
            tuple(links),
            collaborations,
            _facts(members),
            aspects,
            tuple(EmptyRole(pool.cands[i].role, _open_reason(pool.cands[i], codes)) for i in left),
        ),
    )


def _added_for(pool: TeamPool, reading: ThemeReading, core: list[int], i: int) -> str:
    """The task ``i`` was brought in for: of those ``core`` does not cover, the one it covers
    best."""
    need = pool.needed_cover
    tasks = [
        k
        for k, a in enumerate(reading.aspects)
        if a.kind == "task" and pool.cover[core, k].max() < need[k]
    ]
    return reading.aspects[max(tasks, key=lambda k: pool.cover[i, k])].label


def _open_reason(c: RoleCandidate, codes: tuple[int, ...]) -> Notice:
    """Why a role was left open: its best candidate fits the theme no better than noise."""
    mb = c.member
    return Notice(
        f"no {c.role} in {_places_label(codes)} fits the theme: the closest, {mb.name} "
        f"({mb.id}), fits {mb.fit:.2f}, no better than an unrelated text; the team keeps its "
        "kinds and prefectures without it — look for one elsewhere",
        "role_left_open",
        {
            "role": c.role,
            "places": codes,
            "name": mb.name,
            "org": mb.id,
            "fit": f"{mb.fit:.2f}",
        },
    )


def _flagged(c: RoleCandidate, role_pool: RolePool, reading: ThemeReading) -> Member:
    """The candidate as a member: flagged weak, with the reason, when its fit is low or little
    above the fit of the role's typical candidate."""
    fit = c.member.fit
    if fit >= WEAK_FIT and fit - role_pool.median_fit >= WEAK_MARGIN:
        return c.member
    best = int(np.argmax(c.cover)) if len(c.cover) else -1
    aspect = reading.aspects[best].label if best >= 0 and c.cover[best] > 0 else ""
    params = {
        "name": c.member.name,
        "org": c.member.id,
        "fit": f"{c.member.fit:.2f}",
        "typical": f"{role_pool.median_fit:.2f}",
        "aspect": aspect,
        "cover": f"{c.cover[best]:.2f}" if aspect else "0.00",
    }
    needed = fit < WEAK_FIT  # still here: the team needs it for its kinds or prefectures
    params["needed"] = needed
    text = (
        f"weak fit: {c.member.name} ({c.member.id}) fits the theme {c.member.fit:.2f}"
        + (f" and covers {aspect} {c.cover[best]:.2f}" if aspect else " and covers no aspect")
        + f" (the role's typical candidate: {role_pool.median_fit:.2f}); "
        + (
            "kept because the team needs its kind or prefecture — "
            if needed
            else "the best there is here — "
        )
        + "check it, or look for one elsewhere"
    )
    return replace(c.member, weak=Notice(text, "weak_member", params))


def _coverage(
    pool: TeamPool, pools: dict[str, RolePool], reading: ThemeReading, team: list[int]
) -> tuple[AspectCover, ...]:
    """Per aspect: the member that covers it best, or — when no member does — the closest
    organisation of any role's pool."""
    out = []
    need = pool.needed_cover
    everyone = [c for p in pools.values() for c in p.candidates]
    for k, aspect in enumerate(reading.aspects):
        best = max(team, key=lambda i: pool.cover[i, k])
        cover = float(pool.cover[best, k])
        c = pool.cands[best]
        if cover >= need[k]:
            out.append(
                AspectCover(aspect, c.member.id, cover, c.org.evidence(*c.cover_text[k]), True)
            )
            continue
        closest = max(everyone, key=lambda x: x.cover[k], default=None)
        if closest is None or closest.cover[k] <= cover:
            out.append(AspectCover(aspect, None, cover, "", False))
        else:
            out.append(
                AspectCover(
                    aspect,
                    None,
                    cover,
                    closest.org.evidence(*closest.cover_text[k]),
                    False,
                    closest.member.id,
                    float(closest.cover[k]),
                )
            )
    return tuple(out)


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
        a.org.evidence(need_role, int(n)),
        b.org.ext_id,
        b.org.evidence(offer_role, int(o)),
        float(pool.gain[i, j]),
        terms.shared(pool.key_terms(need_text), offer_text),
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


def _empty_reason(key: str, codes: tuple[int, ...]) -> Notice:
    """Why a role has no member: no organisation of its kinds is indexed where members may
    come from (a role with any candidate is always filled, if weakly)."""
    kinds = kinds_of(ROLES[key])
    where = _places_label(codes)
    return Notice(
        f"no indexed {' or '.join(kinds)} in {where}",
        "role_none_indexed",
        {"role": key, "kind": kinds, "places": codes},
    )


def _notices(
    q: ConsortiumQuery,
    proposals: tuple[Proposal, ...],
    empty: tuple[EmptyRole, ...],
    filled: tuple[str, ...],
    codes: tuple[int, ...],
) -> tuple[Notice, ...]:
    """Why there is no proposal or fewer than asked, and what the first one lacks."""
    out = []
    if empty:
        roles = tuple(e.role for e in empty)
        out.append(
            Notice("roles left empty: " + ", ".join(roles), "roles_left_empty", {"role": roles})
        )
    if not proposals:
        if len(filled) < q.min_kinds:
            found = ", ".join(filled) or "none"
            out.append(
                Notice(
                    f"no proposal: in {_places_label(codes)} only {len(filled)} role(s) have "
                    f"any candidate ({found}) and a consortium spans {q.min_kinds} kinds; "
                    "widen the region or lower --min-kinds",
                    "too_few_kinds",
                    {
                        "count": len(filled),
                        "role": filled,
                        "min": q.min_kinds,
                        "places": codes,
                    },
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
        return tuple(out)
    first = proposals[0]
    weak = [mb for mb in first.members if mb.weak]
    if weak:
        names = tuple(f"{mb.name} ({mb.id})" for mb in weak)
        out.append(
            Notice(
                "weak fit in the first proposal: "
                + ", ".join(names)
                + " (the best of their roles here, little above a typical candidate)",
                "weak_members",
                {"names": names, "count": len(weak)},
            )
        )
    open_roles = tuple(r.role for r in first.explanation.open_roles)
    if open_roles:
        out.append(
            Notice(
                "roles left open in the first proposal (nobody fits them better than an "
                "unrelated text): " + ", ".join(open_roles),
                "roles_left_open",
                {"role": open_roles, "count": len(open_roles)},
            )
        )
    uncovered = first.explanation.uncovered
    if uncovered:
        labels = tuple(a.aspect.label for a in uncovered)
        out.append(
            Notice(
                "no member of the first proposal covers: " + ", ".join(labels),
                "aspects_uncovered",
                {"aspects": labels, "count": len(labels)},
            )
        )
    if len(proposals) < q.top:
        out.append(
            Notice(
                f"{len(proposals)} distinct proposal(s) of {q.top} asked: no further team differs "
                "from these in at least half its members",
                "fewer_proposals",
                {"count": len(proposals), "top": q.top},
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
    reading = read_theme(m, check_text(theme, "theme"))
    return role_candidate(m, org, ROLES[role], reading).member


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
    reading = read_theme(m, check_text(theme, "theme"))
    keep = [
        (ext, r)
        for ext, r in members
        if ext != replacing and ext in m.catalogue.by_ext_id and r in ROLES
    ]
    exclude = tuple(
        m.catalogue.by_ext_id[ext].id for ext, _ in members if ext in m.catalogue.by_ext_id
    )
    found = role_pools(m, [role], codes, reading, exclude)[role].candidates
    current = [role_candidate(m, m.catalogue.by_ext_id[ext], ROLES[r], reading) for ext, r in keep]
    replaced = None
    if replacing and replacing in m.catalogue.by_ext_id:
        old_role = dict(members).get(replacing, role)
        if old_role in ROLES:
            replaced = role_candidate(m, m.catalogue.by_ext_id[replacing], ROLES[old_role], reading)
    cands = current + ([replaced] if replaced else []) + found
    pool = TeamPool(m, cands, len(reading.aspects), team_weights(m))
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

"""Consortium results: the query, members, proposals and their explanations, as frozen data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from matcher.facts import prefectures
from matcher.modes.consortium.aspects import Aspect
from matcher.modes.consortium.project_roles import project_role_label
from matcher.ranking.explain import Link, Notice, joined


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


@dataclass(frozen=True)
class Member:
    """One member of a proposal: its slot (``role``, by kind), its fit to the theme and the
    evidence for it, what it does in the project (``project_role``: 実証フィールド, 技術提供 …), the
    aspects of the theme it covers, and ``weak`` — why its fit is weak, when it is."""

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
    project_role: str = ""  # key of matcher/modes/consortium/project_roles.toml
    project_role_basis: str = ""  # the title of the text it was read from
    covers: tuple[str, ...] = ()  # labels of the theme's aspects it covers
    weak: Notice | None = None
    added_for: str = ""  # an aspect no other member covered: why a role has a second member

    @property
    def flags(self) -> tuple[str, ...]:
        return ("weak_fit",) if self.weak else ()

    def evidence(self) -> dict[str, Any]:
        """What is saved with a member and shown as its evidence."""
        out: dict[str, Any] = {
            "matched": self.matched,
            "text": self.matched_text,
            "similarity": round(self.similarity, 4),
            "shared_terms": list(self.shared_terms),
        }
        if self.project_role:
            out["project_role"] = self.project_role
            out["project_role_label"] = project_role_label(self.project_role)
            out["project_role_basis"] = self.project_role_basis
        if self.covers:
            out["covers"] = list(self.covers)
        if self.weak:
            out["weak"] = {"reason": self.weak.text, **self.weak.to_json()}
        if self.added_for:
            out["added_for"] = self.added_for
        return out

    def to_json(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "role": self.role,
            "prefecture": prefectures.name(self.prefecture),
            "fit": round(self.fit, 4),
            "evidence": self.evidence(),
        }
        if self.project_role:
            out["project_role"] = self.project_role
            out["project_role_label"] = project_role_label(self.project_role)
        if self.weak:
            out["flags"] = list(self.flags)
        return out


@dataclass(frozen=True)
class AspectCover:
    """One aspect of the theme in a proposal: the member that covers it and through which of
    its texts, or — nobody covering it — the closest organisation outside the team."""

    aspect: Aspect
    member: str | None  # the covering member's id; None when no member covers it
    cover: float  # the best member's cover, 0–1
    text: str = ""  # the title of the text that covers it (or the closest one's)
    covered: bool = False
    closest: str | None = None  # the best outside the team, when better than any member
    closest_cover: float = 0.0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            **self.aspect.to_json(),
            "covered": self.covered,
            "cover": round(self.cover, 4),
        }
        if self.covered:
            out.update(member=self.member, text=self.text)
        elif self.closest:
            out.update(closest=self.closest, closest_cover=round(self.closest_cover, 4))
            out["text"] = self.text
        return out


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
class TeamExplanation:
    """Why this team: feature values and contributions, why each member (``members`` holds
    their evidence), the need→offer links between members, past collaborations, place facts,
    and which member covers which aspect of the theme (and which aspect nobody covers)."""

    features: dict[str, float]
    contributions: dict[str, float]
    links: tuple[Link, ...] = ()
    collaborations: tuple[tuple[str, str], ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)
    aspects: tuple[AspectCover, ...] = ()
    open_roles: tuple[EmptyRole, ...] = ()  # roles left open: their best fits no better than noise

    @property
    def uncovered(self) -> tuple[AspectCover, ...]:
        return tuple(a for a in self.aspects if not a.covered)

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
            "aspects": [a.to_json() for a in self.aspects],
            "missing": _missing(members, self.uncovered, self.open_roles),
        }


def _missing(
    members: Sequence[Member], uncovered: Sequence[AspectCover], open_roles: Sequence[EmptyRole]
) -> dict[str, Any]:
    """What the proposal lacks, as data: aspects nobody covers, members that fit weakly, roles
    left open (with the closest candidate and why it was left out)."""
    return {
        "aspects": [a.aspect.label for a in uncovered if a.aspect.kind != "place"],
        "places": [a.aspect.label for a in uncovered if a.aspect.kind == "place"],
        "weak_members": [mb.id for mb in members if mb.weak],
        "roles": [r.to_json() for r in open_roles],
    }


@dataclass(frozen=True)
class Proposal:
    score: float
    members: tuple[Member, ...]
    explanation: TeamExplanation
    # What produced it (the ranking model, the team weights, the encoder, the store generation
    # the index was read at): saved with it in the audit log, to justify a decision later.
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)

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
class ConsortiumResult:
    query: dict[str, Any]
    proposals: tuple[Proposal, ...]
    empty_roles: tuple[EmptyRole, ...] = ()
    notices: tuple[Notice, ...] = ()  # why there are none or fewer than asked, what is missing
    aspects: tuple[dict[str, Any], ...] | list[dict[str, Any]] = ()  # the theme, as read
    provenance: dict[str, Any] = field(default_factory=dict)  # the model and index generation

    @property
    def note(self) -> str | None:
        return joined(self.notices)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "query": self.query,
            "proposals": [p.to_json() for p in self.proposals],
        }
        if self.aspects:
            out["aspects"] = list(self.aspects)
        if self.empty_roles:
            out["empty_roles"] = [e.to_json() for e in self.empty_roles]
        if self.provenance:
            out["provenance"] = self.provenance
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

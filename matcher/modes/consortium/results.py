"""Consortium results: the query, members, proposals and their explanations, as frozen data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from matcher.facts import prefectures
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

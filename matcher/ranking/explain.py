"""Explanations: why an item ranks where it does — features, contributions and evidence, as data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from matcher.facts import prefectures


@dataclass(frozen=True)
class Link:
    """Evidence tying two parties: a need (or the query) and the text that meets or shares it.

    ``relation`` is "need→offer" (the target's offer meets the source's need) or "need↔need"
    (the same challenge on both sides); ``gains`` says who benefits: "query", "origin" (the
    organisation asking) or "candidate" (the one proposed).
    """

    relation: str
    gains: str
    source_org: str | None
    source: str
    target_org: str
    target: str
    similarity: float
    shared_terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouteHint:
    """A procurement route a municipality could take with this supplier (or, for
    joint_procurement, with this challenge), and why: ``reason`` in Japanese for the CLI, and
    as data (``code`` and ``params``) for a page to say in its language. ``applies`` says
    whether the route is open to this buyer: True, or None when the buyer or the facts it
    turns on are unknown (a route known to be closed is not hinted at all)."""

    route: str  # trial_order | negotiated_contract | joint_procurement
    label: str
    reason: str
    basis: str | None = None
    municipalities: tuple[str, ...] = ()
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    applies: bool | None = None


@dataclass(frozen=True)
class Explanation:
    """Why an item ranks where it does: feature values, their contributions, the evidence."""

    features: dict[str, float]
    contributions: dict[str, float]
    links: tuple[Link, ...] = ()
    shared_terms: tuple[str, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)
    route_hints: tuple[RouteHint, ...] = ()
    flags: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["features"] = {k: round(v, 4) for k, v in self.features.items()}
        data["contributions"] = {k: round(v, 4) for k, v in self.contributions.items()}
        for link in data["links"]:
            link["similarity"] = round(link["similarity"], 4)
        return data


@dataclass(frozen=True)
class ScoredMatch:
    id: str
    name: str
    kind: str
    prefecture: int
    score: float
    explanation: Explanation

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "prefecture": prefectures.name(self.prefecture),
            "score": round(self.score, 4),
            "explanation": self.explanation.to_json(),
        }


@dataclass(frozen=True)
class Notice:
    """A remark on a result (why a list is empty or short) as data, like ``MatchError``: the
    English ``text`` for the CLI and API, a stable ``code`` and the ``params`` it quotes, from
    which the web words it in the page's language."""

    text: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}


def joined(notices: Sequence[Notice]) -> str | None:
    """The notices' English texts as one note, or None when there are none."""
    return "; ".join(n.text for n in notices) or None


@dataclass(frozen=True)
class MatchResult:
    query: dict[str, Any]
    results: tuple[ScoredMatch, ...]
    note: str | None = None  # why the list is empty or short, in words a user can act on
    notices: tuple[Notice, ...] = ()  # the same, as codes and params (the note joins their texts)
    ranked_by: dict[str, Any] = field(default_factory=dict)  # learned weights, or unlearned
    # Routes that are facts about the query, not about one result (共同調達: other
    # municipalities with the same challenge), said once above the list.
    route_hints: tuple[RouteHint, ...] = ()

    @classmethod
    def empty(cls, query: dict[str, Any], text: str, code: str, /, **params: Any) -> MatchResult:
        """No results, and why: ``text`` for the CLI, ``code`` and ``params`` for the web."""
        return cls(query, (), text, (Notice(text, code, params),))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "query": self.query,
            "results": [r.to_json() for r in self.results],
        }
        if self.note:
            out["note"] = self.note
        if self.notices:
            out["notices"] = [n.to_json() for n in self.notices]
        if self.ranked_by:
            out["ranked_by"] = self.ranked_by
        if self.route_hints:
            out["route_hints"] = [asdict(h) for h in self.route_hints]
        return out

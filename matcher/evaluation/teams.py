"""Evaluation of consortium themes: the first proposal's members against the labels of good
members per role, the constraints it keeps, and the aspects of the theme its members cover.

A consortium line holds its theme and either ``relevant`` ({id: grade}) or ``roles`` ({kind:
[ids of good members]}); optionally ``aspects`` ([{"label", "covered_by": [ids]}]): the aspects
a person read in the theme, each with the organisations of the corpus that cover it. Weak-flagged
members count as members: a weak member that is wrong lowers precision like any other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.evaluation.metrics import role_precision
from matcher.modes.consortium.results import ConsortiumQuery, ConsortiumResult


class TeamLabelError(ValueError):
    """A consortium line whose labels cannot be read; the message says which field."""


def team_labels(line: Mapping[str, Any]) -> dict[str, int]:
    """The line's good members ({id: grade}), from ``relevant`` or from ``roles`` of id lists."""
    if line.get("relevant"):
        return {str(k): int(v) for k, v in line["relevant"].items()}
    roles = line.get("roles")
    if isinstance(roles, dict) and all(isinstance(v, list) for v in roles.values()):
        return {str(i): 1 for ids in roles.values() for i in ids}
    return {}


def query_fields(line: Mapping[str, Any]) -> dict[str, Any]:
    """The line as query fields: ``roles`` of id lists are labels, not the roles asked for."""
    out = dict(line)
    roles = out.get("roles")
    if isinstance(roles, dict) and any(isinstance(v, list) for v in roles.values()):
        del out["roles"]
    return out


def aspect_labels(line: Mapping[str, Any]) -> list[tuple[str, frozenset[str]]]:
    """(label, ids that cover it) of each labelled aspect some organisation covers."""
    aspects = line.get("aspects") or []
    if not isinstance(aspects, list):
        raise TeamLabelError('"aspects" is a list of {"label", "covered_by"} objects')
    out = []
    for k, aspect in enumerate(aspects):
        if not isinstance(aspect, dict) or not isinstance(aspect.get("covered_by", []), list):
            raise TeamLabelError(f'aspect {k + 1}: expected {{"label", "covered_by": [ids]}}')
        ids = frozenset(str(i) for i in aspect.get("covered_by", []))
        if ids:  # an aspect nobody in the corpus covers cannot be asked of a team
            out.append((str(aspect.get("label", k + 1)), ids))
    return out


@dataclass(frozen=True)
class TeamScore:
    """One theme's figures for one system; ``aspects`` is None when the line labels none."""

    proposed: bool
    precision: float  # of the first team's members, weak ones included
    precision3: float  # mean over the first three teams
    compliant: float  # share of the teams that keep both constraints
    aspects: tuple[int, int] | None  # (covered, labelled) aspects by the first team
    weak: int  # weak-flagged members of the first team
    weak_wrong: int  # of them, those not labelled good


def score_team(
    teams: Sequence[Sequence[str]],
    kinds_places: Sequence[Sequence[tuple[str, int]]],
    labels: Mapping[str, int],
    aspects: Sequence[tuple[str, frozenset[str]]],
    query: ConsortiumQuery,
    weak: Sequence[str] = (),
) -> TeamScore:
    """``teams``: member ids of each proposal, best first; ``kinds_places``: (kind, prefecture
    code) of each of their members."""
    if not teams:
        return TeamScore(False, 0.0, 0.0, 0.0, (0, len(aspects)) if aspects else None, 0, 0)
    precisions = [role_precision(list(t), dict(labels)) for t in teams]
    compliant = [
        len({p for _, p in kp}) >= query.min_prefectures
        and len({k for k, _ in kp}) >= query.min_kinds
        for kp in kinds_places
    ]
    first = set(teams[0])
    covered = sum(bool(ids & first) for _, ids in aspects)
    return TeamScore(
        True,
        precisions[0],
        float(np.mean(precisions[:3])),
        float(np.mean(compliant)),
        (covered, len(aspects)) if aspects else None,
        len(weak),
        sum(labels.get(i, 0) < 1 for i in weak),
    )


def musubi_score(
    result: ConsortiumResult,
    labels: Mapping[str, int],
    aspects: Sequence[tuple[str, frozenset[str]]],
    query: ConsortiumQuery,
) -> TeamScore:
    proposals = result.proposals
    teams = [[mb.id for mb in p.members] for p in proposals]
    kinds_places = [[(mb.kind, mb.prefecture) for mb in p.members] for p in proposals]
    weak = [mb.id for mb in proposals[0].members if mb.weak] if proposals else []
    return score_team(teams, kinds_places, labels, aspects, query, weak)


def summary(scores: Sequence[TeamScore]) -> dict[str, Any]:
    """Means over themes (a theme without a proposal counts 0); aspect coverage pooled over
    the labelled aspects of every theme."""
    with_aspects = [s.aspects for s in scores if s.aspects is not None]
    proposed = [s for s in scores if s.proposed]
    out: dict[str, Any] = {
        "role_precision@1": round(float(np.mean([s.precision for s in scores])), 4),
        "role_precision@3": round(float(np.mean([s.precision3 for s in scores])), 4),
        "with_proposal": round(len(proposed) / len(scores), 4),
        "constraints_kept": round(float(np.mean([s.compliant for s in proposed])), 4)
        if proposed
        else 0.0,
        "weak_members": sum(s.weak for s in scores),
        "weak_members_wrong": sum(s.weak_wrong for s in scores),
    }
    if with_aspects:
        covered, labelled = (sum(x) for x in zip(*with_aspects, strict=True))
        out["aspect_coverage"] = round(covered / labelled, 4)
        out["aspects"] = labelled
    return out

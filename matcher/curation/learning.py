"""Curation → training: coordinators' member changes on saved proposals become pairs of teams
(the team they made ≻ the team they had), from which the consortium team objective's weights
are learned (`musubi train --from-curation`).

Position bias: a coordinator mostly keeps what was shown first, so a member kept says little.
The signal is what they changed — a member removed (with its reason), added, or swapped for a
shown alternative — each compared with the team before the change. A declined proposal names no
better team and gives no pair (it is counted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.curation.proposals import audit_log, list_proposals
from matcher.modes.consortium.roles import ROLES
from matcher.modes.consortium.team import (
    FEATURES,
    TeamPool,
    read_theme,
    role_candidate,
)
from matcher.retrieval.matcher import Matcher
from matcher.store.session import Store

Team = tuple[tuple[str, str], ...]  # (external id, role) of each member


@dataclass(frozen=True)
class Decision:
    """One change a coordinator made: the team after it is preferred to the team before."""

    proposal_id: int
    theme: str
    action: str
    better: Team
    worse: Team


def decisions(store: Store) -> tuple[list[Decision], int]:
    """Every member change of every saved proposal, replayed from the audit log; and how many
    proposals were declined (no pair)."""
    out: list[Decision] = []
    declined = 0
    for summary in list_proposals(store):
        team: Team | None = None
        theme = ""
        for entry in audit_log(store, summary.id):
            details = entry.details or {}
            if entry.action == "saved":
                theme = details.get("theme", "")
                team = tuple((m["id"], m["role"]) for m in details.get("members", ()))
                continue
            if team is None:
                continue
            if entry.action == "status_changed" and details.get("to") == "declined":
                declined += 1
            after = _replayed(team, entry.action, details)
            if after is not None and after != team:
                out.append(Decision(summary.id, theme, entry.action, after, team))
                team = after
    return out, declined


def _replayed(team: Team, action: str, details: dict[str, Any]) -> Team | None:
    removed = (details.get("removed") or {}).get("id")
    added = details.get("added") or {}
    if action == "member_removed":
        return tuple(m for m in team if m[0] != removed)
    if action == "member_added":
        return (*team, (added["id"], added["role"]))
    if action == "member_swapped":
        return tuple((added["id"], added["role"]) if m[0] == removed else m for m in team)
    return None


def differences(m: Matcher, found: list[Decision]) -> np.ndarray:
    """Array of shape (n_pairs, n_features): team features of the better team minus the worse,
    in FEATURES order; decisions naming an organisation no longer indexed are left out."""
    rows = []
    for d in found:
        members = list(dict.fromkeys(d.better + d.worse))
        if any(ext not in m.catalogue.by_ext_id or role not in ROLES for ext, role in members):
            continue
        reading = read_theme(m, d.theme)
        cands = [
            role_candidate(m, m.catalogue.by_ext_id[ext], ROLES[role], reading)
            for ext, role in members
        ]
        slots = max(len(d.better), len(d.worse))
        pool = TeamPool(m, cands, len(reading.aspects), FEATURES, slots)
        better = pool.features([members.index(x) for x in d.better])
        worse = pool.features([members.index(x) for x in d.worse])
        rows.append([better[k] - worse[k] for k in FEATURES])
    return np.asarray(rows, dtype=np.float64).reshape(-1, len(FEATURES))


def learn_weights(diffs: np.ndarray, C: float = 1.0) -> dict[str, float] | None:
    """Team weights from pairwise differences: logistic regression without intercept (each
    pair both ways, L2 with ``C``) moves the unlearned weights — a few decisions nudge them
    rather than replace them — kept non-negative and scaled to the unlearned total; None when
    the pairs say nothing."""
    # scikit-learn takes half a second to import: only training needs it.
    from sklearn.linear_model import LogisticRegression

    if not len(diffs) or not np.abs(diffs).sum():
        return None
    x = np.vstack([diffs, -diffs])
    y = np.r_[np.ones(len(diffs)), np.zeros(len(diffs))]
    coef = LogisticRegression(C=C, fit_intercept=False).fit(x, y).coef_[0]
    weights = np.clip(np.array(list(FEATURES.values())) + coef, 0.0, None)
    if not weights.sum():
        return None
    weights *= sum(FEATURES.values()) / weights.sum()
    return {k: round(float(w), 4) for k, w in zip(FEATURES, weights, strict=True)}

"""Project roles: what a member does in a consortium (実証フィールド, 技術提供, 評価・検証,
人材育成, 資金 …), read from what it offers that fits the theme — a university can be the field,
a company the one that evaluates. The roles, their words and their kinds' usual parts are data
(project_roles.toml)."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from embeddings import normalise_text
from matcher.retrieval.catalogue import OrgFacts

ROLES_FILE = Path(__file__).with_name("project_roles.toml")
TITLE_WEIGHT = 2.0  # a word in an offer's title says more than one in its description
USUAL = 0.75  # what a kind's usual part weighs against one word in one description
# Kinds whose part is their kind whatever they write: a municipality is where the project is
# tried, a financial institution funds it.
FIXED = {"municipality": "field", "financial_institution": "funding"}


@dataclass(frozen=True)
class ProjectRole:
    key: str
    label: str
    words: tuple[str, ...]
    kinds: tuple[str, ...]


def _load(path: Path = ROLES_FILE) -> tuple[ProjectRole, ...]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        ProjectRole(r["key"], r["label"], tuple(r["words"]), tuple(r["kinds"]))
        for r in data["role"]
    )


PROJECT_ROLES: tuple[ProjectRole, ...] = _load()
PROJECT_ROLE_LABELS = {r.key: r.label for r in PROJECT_ROLES}


def project_role_label(key: str) -> str:
    """The Japanese label of a project role (the web translates it)."""
    return PROJECT_ROLE_LABELS.get(key, key)


def project_role_of(
    org: OrgFacts, texts: Sequence[tuple[str, int]], weights: Sequence[float]
) -> tuple[str, str]:
    """(project role, the title it was read from) of ``org``, from its ``texts`` (text role,
    position) weighted by how well each fits the theme (0–1; the texts under half the best
    weight are not read)."""
    fixed = FIXED.get(org.kind)
    if fixed:
        k = max(range(len(texts)), key=lambda i: weights[i]) if texts else None
        return fixed, org.title(*texts[k]) if k is not None else org.name
    scores = {r.key: (USUAL if org.kind in r.kinds else 0.0) for r in PROJECT_ROLES}
    basis = dict.fromkeys(scores, "")
    strongest = dict.fromkeys(scores, 0.0)
    top = max(weights, default=0.0)
    for (role, position), weight in zip(texts, weights, strict=True):
        if role == "need" or top <= 0 or weight < top / 2:
            continue  # what it seeks is not what it brings
        title = normalise_text(org.title(role, position))
        body = normalise_text(org.text(role, position))
        for r in PROJECT_ROLES:
            hits = sum(TITLE_WEIGHT if word in title else 1.0 for word in r.words if word in body)
            if not hits:
                continue
            gained = weight / top * hits
            scores[r.key] += gained
            if gained > strongest[r.key]:
                strongest[r.key], basis[r.key] = gained, org.title(role, position)
    best = max(PROJECT_ROLES, key=lambda r: scores[r.key])  # first listed wins a tie
    return best.key, basis[best.key] or org.name

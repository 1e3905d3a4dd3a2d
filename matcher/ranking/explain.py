"""Ranking: named features → a linear scorer → MMR diversification → explanations as data."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

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
    """A procurement route a municipality could take with this supplier, and why."""

    route: str  # trial_order | negotiated_contract | joint_procurement
    label: str
    reason: str
    basis: str | None = None
    municipalities: tuple[str, ...] = ()


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
        return out


class LinearScorer:
    """Score = Σ weight × feature, following scikit-learn's estimator conventions.

    ``weights`` are the configured defaults; ``fit`` learns ``coef_`` from labelled pairs
    (e.g. coordinators' accept/reject decisions) and then takes precedence.
    """

    def __init__(self, weights: Mapping[str, float], C: float = 1.0) -> None:  # noqa: N803
        self.weights = weights
        self.C = C

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(self.weights)

    def fit(self, X: np.ndarray, y: np.ndarray) -> LinearScorer:  # noqa: N803
        """Learn weights from X of shape (n_pairs, n_features) and binary labels y (n_pairs,)."""
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=self.C, max_iter=1000).fit(X, y)
        self.coef_ = model.coef_[0].astype(np.float64)
        return self

    @property
    def _coef(self) -> np.ndarray:
        coef = getattr(self, "coef_", None)
        return coef if coef is not None else np.array(list(self.weights.values()), dtype=float)

    def contributions(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """Per-feature contributions, array of shape (n_candidates, n_features)."""
        return np.asarray(X, dtype=float) * self._coef

    def decision_function(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """Scores, array of shape (n_candidates,)."""
        return self.contributions(X).sum(axis=1)


def min_max(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """``values`` scaled to 0–1 within themselves (all 0 when they are all equal).

    Cosines and BM25 live on different scales that vary by query; scaled within the pool,
    a weight means the same thing for every query.
    """
    values = np.asarray(values, dtype=np.float64)
    span = values.max() - values.min() if len(values) else 0.0
    return (values - values.min()) / span if span > 0 else np.zeros(len(values))


_LEGAL_FORMS = re.compile(
    r"(株式会社|有限会社|合同会社|一般社団法人|公益財団法人|一般財団法人|国立研究開発法人|"
    r"地方独立行政法人|\(株\)|㈱)"
)
_BRANCH = re.compile(r"\s*(\S+(支社|支店|営業所|事業所|研究所|センター|キャンパス))$")


@lru_cache(maxsize=65_536)
def family(name: str) -> str:
    """Supplier family: the name without legal form or branch (北星精機 札幌支社 → 北星精機)."""
    stem = _LEGAL_FORMS.sub("", name).strip()
    return _BRANCH.sub("", stem).strip() or stem


def mmr(
    scores: np.ndarray,
    vectors: np.ndarray,
    groups: Sequence[Sequence[str]],
    k: int,
    lambda_: float = 0.8,
    group_penalty: float = 0.35,
) -> list[int]:
    """Maximal marginal relevance: pick ``k`` indices, trading score against redundancy.

    Redundancy with the picked items is the larger of the cosine of ``vectors`` (unit rows)
    and ``group_penalty`` per shared group label (prefecture, supplier family), so one theme,
    one family or one prefecture cannot fill the list.
    """
    n = len(scores)
    if n == 0 or k <= 0:
        return []
    scale = float(scores.max() - scores.min()) or 1.0
    relevance = (scores - scores.min()) / scale
    # How redundant each item is with each other, computed once: a pick then costs one row.
    labels, which = np.unique([g for row in groups for g in row], return_inverse=True)
    members = np.zeros((n, len(labels)))
    members[np.repeat(np.arange(n), [len(row) for row in groups]), which] = 1.0
    similar = vectors @ vectors.T if len(vectors) else np.zeros((n, n))
    overlap = np.maximum(similar, group_penalty * (members @ members.T))
    chosen: list[int] = []
    redundancy = np.zeros(n)
    for _ in range(min(k, n)):
        value = lambda_ * relevance - (1 - lambda_) * redundancy
        value[chosen] = -np.inf
        best = int(np.argmax(value))
        chosen.append(best)
        redundancy = np.maximum(redundancy, overlap[best])
    return chosen

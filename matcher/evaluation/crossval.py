"""Cross-validation by theme: the learned ranking scored on queries whose themes it never saw.

Folds are grouped by theme (dataset.theme_groups), so a theme is never in both the training and
the test folds. Inside each training fold a second, inner cross-validation (nested) chooses the
regularisation: the folds reported never took part in choosing. (Choosing feature groups there
too, by backward elimination, was measured: no better on eval-dev, worse for partners and joint,
ten times slower.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import GroupKFold

from matcher.evaluation.dataset import LabelError, Labelled
from matcher.evaluation.metrics import ndcg, recall, reciprocal_rank
from matcher.modes.queries import RANKED
from matcher.ranking.learning import fit_pairs, pair_index

C_GRID = (0.03, 0.3, 3.0)
INNER_FOLDS = 3


@dataclass(frozen=True)
class QueryScore:
    qid: str
    ndcg: float
    recall: float
    rr: float


@dataclass(frozen=True)
class Learned:
    """What training chose: the weights and the regularisation."""

    weights: dict[str, float]
    C: float  # noqa: N815


class Stack:
    """A mode's labelled queries stacked for fitting: every candidate row in one matrix and
    every query's pairs as row indices, so a fit on some queries and some features is slicing."""

    def __init__(self, mode: str, items: Sequence[Labelled], names: Sequence[str]) -> None:
        self.mode = mode
        self.items = list(items)
        self.names = tuple(names)
        blocks = [_columns(it, self.names) for it in self.items]
        self.X = np.vstack(blocks) if blocks else np.zeros((0, len(self.names)))  # noqa: N815
        starts = np.cumsum([0] + [len(b) for b in blocks])
        self.rows = [np.arange(starts[k], starts[k + 1]) for k in range(len(blocks))]
        self.pairs = []
        for k, it in enumerate(self.items):
            better, worse, weights = pair_index(it.grades, np.zeros(len(it.grades)))
            self.pairs.append((better + starts[k], worse + starts[k], weights))

    def fit(self, queries: Sequence[int], features: Sequence[str], c: float) -> dict[str, float]:
        cols = [self.names.index(f) for f in features]
        rows = np.concatenate([self.rows[q] for q in queries])
        better = np.concatenate([self.pairs[q][0] for q in queries])
        worse = np.concatenate([self.pairs[q][1] for q in queries])
        weights = np.concatenate([self.pairs[q][2] for q in queries])
        # Fitted on these queries' rows alone (standardised over them): a held-out query
        # informs nothing.
        local = np.full(len(self.X), -1)
        local[rows] = np.arange(len(rows))
        coef = fit_pairs(self.X[np.ix_(rows, cols)], local[better], local[worse], weights, c)
        return dict(zip(features, coef.tolist(), strict=True))

    def mean_ndcg(self, queries: Sequence[int], weights: Mapping[str, float]) -> float:
        """Mean nDCG@10 of plain score order (no diversification: the inner loop compares)."""
        cols = [self.names.index(f) for f in weights]
        w = np.array(list(weights.values()))
        found = []
        for q in queries:
            scores = self.X[np.ix_(self.rows[q], cols)] @ w
            ids = self.items[q].pool.rows.ids
            order = np.argsort(-scores, kind="stable")
            found.append(ndcg([ids[i] for i in order], self.items[q].relevant))
        return float(np.mean(found)) if found else 0.0

    def inner_score(self, queries: Sequence[int], features: Sequence[str], c: float) -> float:
        groups = [self.items[q].group for q in queries]
        if len(set(groups)) < 2:
            return 0.0
        folds = GroupKFold(n_splits=min(INNER_FOLDS, len(set(groups))))
        found = []
        for train, test in folds.split(queries, groups=groups):
            weights = self.fit([queries[i] for i in train], features, c)
            found.append(self.mean_ndcg([queries[i] for i in test], weights))
        return float(np.mean(found))

    def learn(self, queries: Sequence[int]) -> Learned:
        """Weights learned on ``queries``, the regularisation chosen by grouped inner
        cross-validation on nDCG@10 (on a tie, the stronger regularisation)."""
        scores = {c: self.inner_score(queries, self.names, c) for c in C_GRID}
        c = max(C_GRID, key=lambda k: (scores[k], -k))
        return Learned(self.fit(list(queries), self.names, c), c)


def cross_validate(
    mode: str,
    items: Sequence[Labelled],
    k: int,
    names: Sequence[str] | None = None,
) -> list[QueryScore]:
    """Each query's nDCG@10, recall@10 and reciprocal rank, ranked by weights learned (with
    nested selection) on the folds without its theme; ``names`` restricts the features."""
    stack = Stack(mode, items, names or tuple(RANKED[mode].features))
    groups = [it.group for it in items]
    if len(set(groups)) < k:
        raise LabelError(
            f"{mode}: {len(items)} labelled queries in {len(set(groups))} theme group(s), "
            f"fewer than the {k} folds asked; label more themes or ask for fewer folds"
        )
    scores: dict[str, QueryScore] = {}
    for train, test in GroupKFold(n_splits=k).split(items, groups=groups):
        learned = stack.learn(list(train))
        for i in test:
            ranked = shown(mode, items[i], learned.weights)
            rel = items[i].relevant
            scores[items[i].qid] = QueryScore(
                items[i].qid, ndcg(ranked, rel), recall(ranked, rel), reciprocal_rank(ranked, rel)
            )
    return [scores[it.qid] for it in items]


def shown(mode: str, item: Labelled, weights: Mapping[str, float]) -> list[str]:
    """The external ids a query shows when its pool is scored by ``weights``."""
    rows = item.pool.rows
    scores = _columns(item, tuple(weights)) @ np.array(list(weights.values()))
    return [rows.ids[i] for i in RANKED[mode].rank(item.pool, scores)]


def _columns(item: Labelled, names: Sequence[str]) -> np.ndarray:
    rows = item.pool.rows
    return rows.X[:, [rows.names.index(n) for n in names]]

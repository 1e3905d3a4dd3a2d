"""Learning to rank: a linear scorer learned from graded labels, one query's candidates at a time.

Imported only to train and to cross-validate: scikit-learn takes half a second to import, and
serving reads the learned weights from a model file (ranking/model.py) without it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

from matcher.ranking.calibration import INPUTS, Calibration


class PairwiseRanker(BaseEstimator):
    """A linear ranker fitted on pairs: within each query, every candidate graded above
    another gives the difference of their feature rows, and a logistic regression learns to
    tell which of the two is better (RankNet with a linear model; a RankSVM with the logistic
    loss). Its weights then say how far a feature moves a candidate past another.

    Pairs are weighted by the gain between their grades (2 over 0 counts more than 1 over 0)
    and each query counts once however many pairs it has, so a query with many relevant
    candidates does not outvote the others. Features are standardised before fitting (``C``
    means the same for every feature) and the weights are returned in the features' own units.

    Parameters follow scikit-learn: ``C`` is the inverse regularisation strength.
    """

    def __init__(self, C: float = 1.0) -> None:  # noqa: N803
        self.C = C

    def fit(self, X: np.ndarray, y: np.ndarray, groups: Sequence) -> PairwiseRanker:  # noqa: N803
        """Learn from X of shape (n_candidates, n_features), grades y (n_candidates,) and the
        query each candidate belongs to (``groups``, n_candidates)."""
        X = np.asarray(X, dtype=np.float64)  # noqa: N806
        better, worse, weights = pair_index(np.asarray(y), np.asarray(groups))
        self.coef_ = fit_pairs(X, better, worse, weights, self.C)
        self.n_features_in_ = X.shape[1]
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """Scores, array of shape (n_candidates,): higher ranks first."""
        return np.asarray(X, dtype=np.float64) @ self.coef_

    predict = decision_function


def pair_index(y: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows (better, worse) of every pair of candidates of one query with different grades, and
    each pair's weight: its gain difference (2^grade − 1) over the query's total."""
    better, worse, weights = [], [], []
    for g in np.unique(groups):
        rows = np.flatnonzero(groups == g)
        gain = 2.0 ** y[rows] - 1.0
        i, j = np.nonzero(gain[:, None] > gain[None, :])
        if len(i):
            w = gain[i] - gain[j]
            better.append(rows[i])
            worse.append(rows[j])
            weights.append(w / w.sum())
    if not better:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0)
    return np.concatenate(better), np.concatenate(worse), np.concatenate(weights)


def fit_pairs(
    X: np.ndarray,  # noqa: N803
    better: np.ndarray,
    worse: np.ndarray,
    weights: np.ndarray,
    C: float,  # noqa: N803
) -> np.ndarray:
    """Weights of shape (n_features,) in X's units, from the pairs (better, worse) of X's rows."""
    if not len(better):
        raise ValueError("no pair of candidates with different grades to learn from")
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    diffs = (X[better] - X[worse]) / scale
    signs = np.ones(len(diffs))
    # Few features and many pairs: Newton steps on the Cholesky factor converge in a handful.
    model = LogisticRegression(C=C, fit_intercept=False, solver="newton-cholesky")
    model.fit(
        np.vstack([diffs, -diffs]),
        np.concatenate([signs, -signs]),
        sample_weight=np.concatenate([weights, weights]),
    )
    return model.coef_[0] / scale


def fit_calibration(
    lists: Sequence[tuple[np.ndarray, np.ndarray, bool]],
    *,
    inputs: tuple[str, ...] = INPUTS["procurement"],
    relevant_flagged: float = 0.05,
    answered_flagged: float = 0.05,
) -> Calibration:
    """Match strength from shown lists: for each query, the shown results' calibration inputs
    (n × len(inputs)), which of them are relevant, and whether the query has an answer at all.

    A logistic regression reads P(relevant) from the inputs; ``weak`` flags at most
    ``relevant_flagged`` of the relevant results, ``strong`` is the median relevant result, and
    ``nothing`` says "nothing fits" of at most ``answered_flagged`` of the answerable lists.
    """
    X = np.vstack([inputs for inputs, _, _ in lists])  # noqa: N806
    y = np.concatenate([relevant for _, relevant, _ in lists])
    if not 0 < y.sum() < len(y):
        raise ValueError("calibration needs relevant and irrelevant shown results")
    model = LogisticRegression(C=1.0).fit(X, y)
    coef, intercept = model.coef_[0], float(model.intercept_[0])

    def probability(inputs: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(inputs @ coef + intercept)))

    relevant = probability(X)[y == 1]
    answered = [probability(inputs).max() for inputs, _, has in lists if has and len(inputs)]
    return Calibration(
        tuple(float(c) for c in coef),
        intercept,
        weak=float(np.quantile(relevant, relevant_flagged)),
        strong=float(np.median(relevant)),
        nothing=float(np.quantile(answered, answered_flagged)) if answered else 0.0,
        inputs=tuple(inputs),
    )


def flagged_rates(
    calibration: Calibration, lists: Sequence[tuple[np.ndarray, np.ndarray, bool]]
) -> dict[str, float]:
    """How often "nothing fits" is said: of the lists without an answer (the more the better)
    and of the lists with one (the fewer the better); and the share of relevant results
    flagged weak_fit."""
    said = {True: [], False: []}
    weak = []
    for inputs, relevant, has in lists:
        if not len(inputs):
            continue
        p = calibration.probability(inputs)
        said[has].append(p.max() < calibration.nothing)
        weak += (p[relevant == 1] < calibration.weak).tolist()
    rate = lambda values: round(float(np.mean(values)), 4) if values else 0.0  # noqa: E731
    return {
        "no_answer_flagged": rate(said[False]),
        "answered_flagged": rate(said[True]),
        "relevant_weak": rate(weak),
    }

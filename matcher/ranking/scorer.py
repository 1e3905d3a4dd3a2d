"""Scoring: a linear scorer over named features, following scikit-learn's estimator conventions."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


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
        # scikit-learn's linear models take about half a second to import; only fitting needs them.
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

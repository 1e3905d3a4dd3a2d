"""Scoring: a linear scorer over named features — learned weights (`musubi train`) or, where no
learned model fits, each mode's documented unlearned weights."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


class LinearScorer:
    """Score = Σ weight × feature over the features ``weights`` names, in their order.

    ``learned`` says whether the weights were learned from labelled queries (a ranking model
    trained by `musubi train`) or are the mode's hand-set defaults; results say which.
    """

    def __init__(
        self,
        weights: Mapping[str, float],
        *,
        learned: bool = False,
        source: str = "",
        passed_over: tuple[str, ...] = (),
    ) -> None:
        self.weights = dict(weights)
        self.learned = learned
        self.source = source  # the model file the weights come from
        self.passed_over = passed_over  # models trained on other features, and why
        self.coef_ = np.array(list(self.weights.values()), dtype=np.float64)

    def provenance(self) -> dict[str, Any]:
        """What ranked a result, as results carry it: learned weights (and their model file)
        or the mode's unlearned defaults, and any model passed over for its features."""
        out: dict[str, Any] = {"learned": self.learned, "model": self.source or None}
        if self.passed_over:
            out["passed_over"] = list(self.passed_over)
        return out

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(self.weights)

    def contributions(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """Per-feature contributions, array of shape (n_candidates, n_features)."""
        return np.asarray(X, dtype=np.float64) * self.coef_

    def decision_function(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """Scores, array of shape (n_candidates,)."""
        return self.contributions(X).sum(axis=1)

"""Features: a query's candidates as rows of named features — what a scorer reads, the same rows
for serving, training and evaluation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.facts import terms


@dataclass(frozen=True)
class Rows:
    """One row per candidate (``ids``, external ids) and one column per feature (``names``):
    ``X`` is an array of shape (n_candidates, n_features)."""

    names: tuple[str, ...]
    X: np.ndarray  # noqa: N815 - scikit-learn's name for a feature matrix
    ids: tuple[str, ...]

    @classmethod
    def of(cls, columns: Mapping[str, Sequence[float] | np.ndarray], ids: Iterable[str]) -> Rows:
        """Rows from named columns of equal length, in the mapping's order."""
        ids = tuple(ids)
        X = np.column_stack([np.asarray(c, dtype=np.float64) for c in columns.values()])  # noqa: N806
        return cls(tuple(columns), X.reshape(len(ids), len(columns)), ids)

    def column(self, name: str) -> np.ndarray:
        return self.X[:, self.names.index(name)]

    def row(self, i: int) -> dict[str, float]:
        return dict(zip(self.names, self.X[i].tolist(), strict=True))


def min_max(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """``values`` scaled to 0–1 within themselves (all 0 when they are all equal).

    Cosines and BM25 live on different scales that vary by query; scaled within the pool,
    a weight means the same thing for every query.
    """
    values = np.asarray(values, dtype=np.float64)
    span = values.max() - values.min() if len(values) else 0.0
    return (values - values.min()) / span if span > 0 else np.zeros(len(values))


def idf_coverage(query_terms: Sequence[str], docs: Sequence[str]) -> np.ndarray:
    """Share of the query's key-term weight found in each doc (0–1), array of shape
    (len(docs),); a term weighs its rarity within the pool, so a term every candidate shares
    counts little."""
    if not query_terms:
        return np.zeros(len(docs))
    present = np.array(
        [[t in d for t in query_terms] for d in map(terms.normalised, docs)], dtype=float
    ).reshape(len(docs), len(query_terms))
    idf = np.log((len(docs) + 1) / (present.sum(axis=0) + 0.5))
    total = idf.sum()
    return present @ idf / total if total else np.zeros(len(docs))

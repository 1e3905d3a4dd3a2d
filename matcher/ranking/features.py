"""Features: the rows a scorer reads, scaled so that a weight means the same for every query."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def min_max(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """``values`` scaled to 0–1 within themselves (all 0 when they are all equal).

    Cosines and BM25 live on different scales that vary by query; scaled within the pool,
    a weight means the same thing for every query.
    """
    values = np.asarray(values, dtype=np.float64)
    span = values.max() - values.min() if len(values) else 0.0
    return (values - values.min()) / span if span > 0 else np.zeros(len(values))

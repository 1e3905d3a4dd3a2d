"""Diversification: maximal marginal relevance, so one theme, family or prefecture cannot fill a
list."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

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

"""Evaluation metrics: nDCG@10, recall@10, MRR and role precision over graded labels."""

from __future__ import annotations

import math
from dataclasses import dataclass

K = 10


def ndcg(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    gains = [(2 ** relevant.get(i, 0) - 1) / math.log2(r + 2) for r, i in enumerate(ranked[:k])]
    ideal = sorted(relevant.values(), reverse=True)[:k]
    best = sum((2**g - 1) / math.log2(r + 2) for r, g in enumerate(ideal))
    return sum(gains) / best if best else 0.0


def recall(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    wanted = {i for i, g in relevant.items() if g > 0}
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def reciprocal_rank(ranked: list[str], relevant: dict[str, int]) -> float:
    for rank, item in enumerate(ranked, start=1):
        if relevant.get(item, 0) > 0:
            return 1.0 / rank
    return 0.0


def role_precision(members: list[str], relevant: dict[str, int]) -> float:
    """Share of a team's members that a person accepted for their role (graded ≥ 1)."""
    return sum(relevant.get(i, 0) >= 1 for i in members) / len(members) if members else 0.0


@dataclass(frozen=True)
class Scores:
    ndcg: float
    recall: float
    mrr: float

    def to_json(self) -> dict[str, float]:
        return {
            "ndcg@10": round(self.ndcg, 4),
            "recall@10": round(self.recall, 4),
            "mrr": round(self.mrr, 4),
        }

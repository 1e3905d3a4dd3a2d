"""Match strength: how likely a result is to be a real answer, read from signals that mean the
same for every query (how far above unrelated text its best offer sits, how much of the
challenge's words it covers, the share of key terms it names) — not from the score, which only
orders one query's candidates.

One calibration per mode serves three things: the strength label a page shows (strong, medium,
weak), the weak_fit flag, and (procurement) the notice that nothing fits. `musubi train` fits it
(ranking/learning.py) on the labelled queries and, for procurement, on challenges nobody
answers, and stores it with the model; without a model, DEFAULTS read the relative fit alone
(weak under 0.1).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

# What each mode's strength reads. Joint procurement: how far the best pair of needs sits above
# unrelated text, and the share of the asking need's key terms the other need names. Partners:
# how far their nearest pair of texts sits above it, the key terms of a need the partner's offer
# names, and whether each side is the kind the other seeks.
INPUTS = {
    "procurement": ("relative_fit", "word_cover", "term_coverage"),
    "partners": ("relative_fit", "term_coverage", "sought"),
    "joint": ("relative_fit", "term_coverage"),
}


@dataclass(frozen=True)
class Calibration:
    """P(relevant) = logistic(coef · inputs + intercept), and the thresholds read from it:
    below ``weak`` a result is flagged weak_fit; from ``strong`` it is a strong match; when no
    shown result reaches ``nothing``, the list says that nothing fits."""

    coef: tuple[float, ...]
    intercept: float
    weak: float
    strong: float
    nothing: float
    inputs: tuple[str, ...] = INPUTS["procurement"]

    def probability(self, inputs: np.ndarray) -> np.ndarray:
        """P(relevant) per row of ``inputs``, array of shape (n, len(self.inputs))."""
        z = np.asarray(inputs, dtype=np.float64) @ np.array(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def facts(self, probability: float) -> dict[str, Any]:
        """What a result says of its strength: the probability and its label."""
        return {"strength": round(float(probability), 3), "strength_label": self.label(probability)}

    def label(self, probability: float) -> str:
        if probability >= self.strong:
            return "strong"
        return "medium" if probability >= self.weak else "weak"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "coef": list(self.coef), "inputs": list(self.inputs)}

    @classmethod
    def from_json(cls, data: dict[str, Any], mode: str = "procurement") -> Calibration:
        wanted = INPUTS.get(mode)
        if wanted is None:
            raise ValueError(f"{mode} has no match strength")
        if list(data.get("inputs", ())) != list(wanted) or len(data["coef"]) != len(wanted):
            raise ValueError(f"a {mode} calibration reads {', '.join(wanted)}")
        return cls(
            tuple(float(c) for c in data["coef"]),
            float(data["intercept"]),
            float(data["weak"]),
            float(data["strong"]),
            float(data["nothing"]),
            tuple(wanted),
        )


def _relative_fit_alone(inputs: tuple[str, ...]) -> Calibration:
    """The relative fit alone, read as before calibration was learned: weak under 0.1, strong
    from 0.3, and nothing fits when no shown result is above weak."""
    coef = tuple(10.0 if name == "relative_fit" else 0.0 for name in inputs)
    return Calibration(coef, -1.0, 0.5, 1.0 / (1.0 + np.exp(-2.0)), 0.5, inputs)


DEFAULTS = {mode: _relative_fit_alone(inputs) for mode, inputs in INPUTS.items()}

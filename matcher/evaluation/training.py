"""Training: learn each mode's weights from labelled queries and save them as a ranking model.

    musubi train LABELLED.jsonl … [--cv K] [--out FILE]

Every labelled query of a ranked mode (procurement, partners, joint) is run through the feature
stage in this home's store and index; the weights are learned on all of them, the regularisation
chosen by grouped inner cross-validation. With ``cv`` the report adds each mode's
cross-validated figures. The model carries a manifest: the command, the SHA-256 of every file it
read, when, and with which encoder and features; it is written atomically, and only when
training succeeded, so a failed run leaves the model in place as it was.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from matcher.evaluation.crossval import Stack, cross_validate
from matcher.evaluation.dataset import LabelError, labelled_pools, relevant_of
from matcher.evaluation.runner import read_queries
from matcher.modes.queries import MODES, RANKED
from matcher.ranking.model import RankingModel
from matcher.retrieval.matcher import Matcher


@dataclass(frozen=True)
class Training:
    """A trained model and what training saw, per mode."""

    model: RankingModel
    modes: dict[str, dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"modes": self.modes, "manifest": self.model.manifest}


def train(
    m: Matcher, paths: list[str | Path], *, cv: int | None = None, command: str = ""
) -> Training:
    """The model learned from the labelled queries in ``paths``; LabelError when they cannot
    teach one (no labels, labels naming unknown organisations, fewer themes than folds)."""
    lines = []
    for path in paths:
        for number, line in read_queries(path):
            where = f"{path}: line {number}"
            if line.get("mode") not in MODES:
                raise LabelError(f"{where}: unknown mode {line.get('mode')!r}")
            if line["mode"] in RANKED and not relevant_of(line):
                raise LabelError(f'{where}: a {line["mode"]} query without "relevant" labels')
            lines.append(
                (len(lines) + 1, line | {"qid": f"{Path(path).name}:{line.get('qid', number)}"})
            )
    pools = labelled_pools(m, lines, strict=True)
    if not pools:
        raise LabelError(
            f"no labelled procurement, partners or joint query in {', '.join(map(str, paths))}"
        )
    modes: dict[str, dict[str, Any]] = {}
    weights: dict[str, dict[str, Any]] = {}
    for mode, items in pools.items():
        learned = Stack(mode, items, tuple(RANKED[mode].features)).learn(range(len(items)))
        info: dict[str, Any] = {
            "queries": len(items),
            "themes": len({it.group for it in items}),
            "C": learned.C,
        }
        if cv:
            found = cross_validate(mode, items, cv)
            info[f"cv{cv}"] = {
                "ndcg@10": round(float(np.mean([q.ndcg for q in found])), 4),
                "recall@10": round(float(np.mean([q.recall for q in found])), 4),
                "mrr": round(float(np.mean([q.rr for q in found])), 4),
            }
        modes[mode] = info
        weights[mode] = {
            "features": {name: round(w, 6) for name, w in learned.weights.items()},
            **info,
        }
    manifest = {
        "command": command,
        "files": {str(path): _sha256(path) for path in paths},
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "musubi": _version(),
        "encoder": m.settings.encoder,
    }
    model = RankingModel(m.search.encoder.fingerprint, weights, manifest)
    return Training(model, modes)


def _sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _version() -> str:
    try:
        return version("musubi")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"

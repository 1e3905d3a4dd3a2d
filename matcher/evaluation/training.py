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
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold

from matcher.evaluation.crossval import Stack, cross_validate
from matcher.evaluation.dataset import LabelError, labelled_pools, relevant_of
from matcher.evaluation.metrics import K
from matcher.evaluation.runner import read_queries
from matcher.modes.queries import MODES, RANKED, build_query
from matcher.ranking.calibration import INPUTS
from matcher.ranking.learning import fit_calibration, flagged_rates
from matcher.ranking.model import RankingModel
from matcher.retrieval.matcher import Matcher, MatchError


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
    lines, no_answer = [], []
    for path in paths:
        for number, line in read_queries(path):
            where = f"{path}: line {number}"
            if line.get("mode") not in MODES:
                raise LabelError(f"{where}: unknown mode {line.get('mode')!r}")
            if line.get("no_answer"):
                if line["mode"] != "procurement" or relevant_of(line):
                    raise LabelError(
                        f'{where}: "no_answer" marks a procurement challenge nobody answers, '
                        'without "relevant" labels'
                    )
                no_answer.append((where, line))
                continue
            if line["mode"] in RANKED and not relevant_of(line):
                raise LabelError(
                    f'{where}: a {line["mode"]} query without "relevant" labels '
                    '(or "no_answer": true for a challenge nobody answers)'
                )
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
        entry: dict[str, Any] = {
            "features": {name: round(w, 6) for name, w in learned.weights.items()},
            **info,
        }
        unanswered = no_answer if mode == "procurement" else []
        lists = _shown_lists(m, mode, items, unanswered, learned.weights)
        calibration = fit_calibration(lists, inputs=INPUTS[mode])
        info["calibration"] = {"no_answer_queries": len(unanswered)} | flagged_rates(
            calibration, lists
        )
        if cv:
            info["calibration"][f"cv{cv}"] = _calibration_cv(lists, items, cv, INPUTS[mode])
        entry["calibration"] = calibration.to_json()
        entry["calibration_rates"] = info["calibration"]
        modes[mode] = info
        weights[mode] = entry
    manifest = {
        "command": command,
        "files": {str(path): _sha256(path) for path in paths},
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "musubi": _version(),
        "encoder": m.settings.encoder,
    }
    model = RankingModel(m.search.encoder.query_fingerprint, weights, manifest)
    return Training(model, modes)


def _shown_lists(
    m: Matcher,
    mode: str,
    items: list,
    no_answer: list[tuple[str, dict[str, Any]]],
    weights: dict[str, float],
) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """What calibration learns from: each challenge's shown list ranked by ``weights`` — its
    strength inputs, which results are relevant, and whether the challenge has an answer."""
    w = np.array(list(weights.values()))
    ranked = RANKED[mode]
    out = []
    for it in items:
        shown = ranked.rank(it.pool, it.pool.rows.X @ w)
        out.append((ranked.strength(it.pool)[shown], (it.grades[shown] > 0).astype(int), True))
    for where, line in no_answer:  # procurement challenges nobody answers
        try:
            pool = ranked.pool(m, replace(build_query(mode, line), top=K))
        except (MatchError, TypeError, ValueError) as error:
            raise LabelError(f"{where}: {error}") from None
        shown = ranked.rank(pool, pool.rows.X @ w)
        out.append((ranked.strength(pool)[shown], np.zeros(len(shown), int), False))
    return out


def _calibration_cv(
    lists: list[tuple[np.ndarray, np.ndarray, bool]],
    items: list,
    k: int,
    inputs: tuple[str, ...],
) -> dict[str, float]:
    """The flagged rates of calibrations fitted on the other folds (answered challenges by
    theme, unanswered ones each its own group)."""
    groups = [it.group for it in items] + [f"none:{n}" for n in range(len(lists) - len(items))]
    folds = GroupKFold(n_splits=min(k, len(set(groups))))
    fitted = []
    for train, test in folds.split(lists, groups=groups):
        calibration = fit_calibration([lists[i] for i in train], inputs=inputs)
        fitted += [(calibration, lists[i]) for i in test]
    said = {True: [], False: []}
    for calibration, (inputs, _, has) in fitted:
        if len(inputs):
            said[has].append(calibration.probability(inputs).max() < calibration.nothing)
    return {
        "no_answer_flagged": round(float(np.mean(said[False])), 4) if said[False] else 0.0,
        "answered_flagged": round(float(np.mean(said[True])), 4) if said[True] else 0.0,
    }


def _sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _version() -> str:
    try:
        return version("musubi")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"

"""Evaluation runner: labelled queries run through Musubi and both baselines, scored per mode.

Without ``cv`` Musubi ranks as it serves (the learned model that fits, else the unlearned
weights): on queries a model was trained on, that flatters it. With ``cv`` Musubi's figures are
cross-validated by theme (evaluation/crossval.py): each query is ranked by weights learned on
the other themes, and the report adds, per mode, Musubi without each feature group and the
paired bootstrap interval of its difference to the better baseline.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from matcher.evaluation.baselines import Baselines
from matcher.evaluation.dataset import LabelError, labelled_pools, relevant_of
from matcher.evaluation.metrics import Scores, ndcg, recall, reciprocal_rank
from matcher.evaluation.teams import (
    TeamLabelError,
    TeamScore,
    aspect_labels,
    musubi_score,
    query_fields,
    score_team,
    summary,
    team_labels,
)
from matcher.modes.queries import MODES, RANKED, build_query, run
from matcher.retrieval.matcher import Matcher, MatchError


class QueryError(ValueError):
    """A line of a queries file that cannot be run; the message names the line."""


def read_queries(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, query object) for each non-blank line; QueryError for bad JSON."""
    with Path(path).open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                raise QueryError(f"line {number}: invalid JSON: {error.msg}") from None
            if not isinstance(value, dict):
                raise QueryError(f"line {number}: expected a JSON object")
            yield number, value


def evaluate(m: Matcher, path: str | Path, cv: int | None = None) -> dict[str, Any]:
    """Per mode and system: mean nDCG@10, recall@10 and MRR over the labelled queries; with
    ``cv`` folds, Musubi cross-validated, its ablations and its difference to the baselines."""
    lines = list(read_queries(path))
    baselines = Baselines(m)
    per: dict[str, dict[str, dict[str, tuple[float, float, float]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    skipped = []
    teams: dict[str, list[TeamScore]] = defaultdict(list)
    crossed = _cross_validated(m, lines, cv) if cv else {}
    for number, line in lines:
        is_team = line.get("mode") == "consortium"
        relevant = team_labels(line) if is_team else relevant_of(line)
        qid = str(line.get("qid", number))
        if not relevant or line.get("mode") not in MODES:
            skipped.append({"line": number, "qid": line.get("qid"), "mode": line.get("mode")})
            continue
        try:
            query = build_query(line.get("mode"), query_fields(line) if is_team else line)
            if is_team:
                aspects = aspect_labels(line)
                result = run(m, query)
                naive = baselines.team(query)
            else:
                ranked = baselines.rank(query)
                if line["mode"] not in crossed:
                    ranked["musubi"] = [r.id for r in run(m, query).results]
        except (MatchError, TeamLabelError) as error:
            raise QueryError(f"line {number} ({line.get('qid')}): {error}") from None
        if is_team:
            teams["musubi"].append(musubi_score(result, relevant, aspects, query))
            for system, ids in naive.items():
                orgs = [m.catalogue.by_ext_id[i] for i in ids]
                places = [[(o.kind, o.prefecture) for o in orgs]] if ids else []
                teams[system].append(
                    score_team([ids] if ids else [], places, relevant, aspects, query)
                )
            continue
        for system, ids in ranked.items():
            per[line["mode"]][system][qid] = _metrics(ids, relevant)
    report: dict[str, Any] = {"modes": {}, "skipped": skipped, "ranked_by": _ranked_by(m, cv)}
    for mode, systems in per.items():
        qids = list(systems["bm25"])
        musubi = crossed[mode]["musubi"] if mode in crossed else systems["musubi"]
        entry: dict[str, Any] = {
            "queries": len(qids),
            "musubi": _mean(musubi, qids),
            "bm25": _mean(systems["bm25"], qids),
            "dense": _mean(systems["dense"], qids),
        }
        if mode in crossed:
            best = max(("bm25", "dense"), key=lambda s: entry[s]["ndcg@10"])
            differences = [musubi[q][0] - systems[best][q][0] for q in qids]
            low, high = bootstrap_interval(differences)
            entry["difference"] = {
                "baseline": best,
                "ndcg@10": round(float(np.mean(differences)), 4),
                "interval95": [round(low, 4), round(high, 4)],
            }
            entry["without"] = {
                group: _mean(scores, qids) for group, scores in crossed[mode]["without"].items()
            }
            entry["weights"] = crossed[mode]["weights"]
        report["modes"][mode] = entry
    if teams:
        report["modes"]["consortium"] = {
            "queries": len(teams["musubi"]),
            **{system: summary(scores) for system, scores in teams.items()},
        }
    return report


def _cross_validated(
    m: Matcher, lines: list[tuple[int, dict[str, Any]]], k: int
) -> dict[str, dict[str, Any]]:
    """Per ranked mode with labels: Musubi's cross-validated per-query metrics, the same
    without each feature group, and the weights learned on every labelled query."""
    # scikit-learn takes half a second to import: only cross-validation needs it.
    from matcher.evaluation.crossval import Stack, cross_validate

    try:
        pools = labelled_pools(m, lines)
    except LabelError as error:
        raise QueryError(str(error)) from None
    out: dict[str, dict[str, Any]] = {}
    for mode, items in pools.items():
        features = tuple(RANKED[mode].features)

        def scores(names: tuple[str, ...], mode: str = mode, items: list = items) -> dict:
            try:
                found = cross_validate(mode, items, k, names)
            except LabelError as error:
                raise QueryError(str(error)) from None
            return {q.qid: (q.ndcg, q.recall, q.rr) for q in found}

        out[mode] = {
            "musubi": scores(features),
            "without": {
                group: scores(tuple(f for f in features if f not in names))
                for group, names in RANKED[mode].groups.items()
            },
            "weights": {
                name: round(w, 4)
                for name, w in Stack(mode, items, features).learn(range(len(items))).weights.items()
            },
        }
    return out


def bootstrap_interval(
    differences: list[float], rounds: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """95% interval of the mean of paired per-query differences, by resampling queries."""
    values = np.asarray(differences, dtype=np.float64)
    if not len(values):
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(rounds, len(values)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def _ranked_by(m: Matcher, cv: int | None) -> str:
    if cv:
        return f"weights learned in {cv}-fold cross-validation by theme"
    sources = {mode: m.scorer(mode, ranked.features).source for mode, ranked in RANKED.items()}

    def named(source: str) -> str:
        return f"the ranking model {source}" if source else "unlearned weights"

    if len(set(sources.values())) == 1:
        (source,) = set(sources.values())
        return named(source) if source else "unlearned weights (no ranking model fits this encoder)"
    return "; ".join(f"{mode}: {named(source)}" for mode, source in sources.items())


def _metrics(ids: list[str], relevant: dict[str, int]) -> tuple[float, float, float]:
    return ndcg(ids, relevant), recall(ids, relevant), reciprocal_rank(ids, relevant)


def _mean(scores: dict[str, tuple[float, float, float]], qids: list[str]) -> dict[str, float]:
    return Scores(*np.mean([scores[q] for q in qids], axis=0)).to_json()

"""Evaluation runner: labelled queries run through Musubi and both baselines, scored per mode."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from matcher.evaluation.baselines import Baselines
from matcher.evaluation.metrics import Scores, ndcg, recall, reciprocal_rank, role_precision
from matcher.modes.queries import MODES, build_query, run
from matcher.retrieval.matcher import Matcher, MatchError

SYSTEMS = ("musubi", "bm25", "dense")


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


# ---- metrics ---------------------------------------------------------------------------


# ---- baselines -------------------------------------------------------------------------


# ---- evaluation ------------------------------------------------------------------------


def evaluate(m: Matcher, path: str | Path) -> dict[str, Any]:
    """Per mode and system: mean nDCG@10, recall@10 and MRR over the labelled queries."""
    baselines = Baselines(m)
    per: dict[str, dict[str, list[tuple[float, float, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    skipped = []
    teams: dict[str, list[float]] = defaultdict(list)
    for number, line in read_queries(path):
        relevant = {str(k): int(v) for k, v in (line.get("relevant") or {}).items()}
        if not relevant or line.get("mode") not in MODES:
            skipped.append({"line": number, "qid": line.get("qid"), "mode": line.get("mode")})
            continue
        if line["mode"] == "consortium":
            try:
                query = build_query(line.get("mode"), line)
                result = run(m, query)
                naive = baselines.team(query)
            except MatchError as error:
                raise QueryError(f"line {number} ({line.get('qid')}): {error}") from None
            precisions = [
                role_precision([x.id for x in p.members], relevant) for p in result.proposals
            ]
            teams["musubi@1"].append(precisions[0] if precisions else 0.0)
            teams["musubi@3"].append(float(np.mean(precisions[:3])) if precisions else 0.0)
            for system, ids in naive.items():
                teams[system].append(role_precision(ids, relevant))
            continue
        try:
            query = build_query(line.get("mode"), line)
            ranked = {"musubi": [r.id for r in run(m, query).results]} | baselines.rank(query)
        except MatchError as error:
            raise QueryError(f"line {number} ({line.get('qid')}): {error}") from None
        for system, ids in ranked.items():
            per[line["mode"]][system].append(
                (ndcg(ids, relevant), recall(ids, relevant), reciprocal_rank(ids, relevant))
            )
    report: dict[str, Any] = {"modes": {}, "skipped": skipped}
    for mode, systems in per.items():
        report["modes"][mode] = {
            "queries": len(next(iter(systems.values()))),
            **{s: Scores(*np.mean(v, axis=0)).to_json() for s, v in systems.items()},
        }
    if teams:
        report["modes"]["consortium"] = {
            "queries": len(teams["musubi@1"]),
            "musubi": {
                "role_precision@1": round(float(np.mean(teams["musubi@1"])), 4),
                "role_precision@3": round(float(np.mean(teams["musubi@3"])), 4),
            },
            **{
                s: {"role_precision@1": round(float(np.mean(teams[s])), 4)}
                for s in ("bm25", "dense")
            },
        }
    return report

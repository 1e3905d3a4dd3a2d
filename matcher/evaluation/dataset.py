"""Labelled queries as training data: each query's candidate pool, a grade per candidate, and
the theme group it belongs to (so that cross-validation never splits a theme)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from matcher.evaluation.metrics import K
from matcher.modes.queries import RANKED, build_query
from matcher.retrieval.matcher import Matcher, MatchError


class LabelError(ValueError):
    """Labels that cannot be learned from; the message names the line and what is wrong."""


@dataclass(frozen=True)
class Labelled:
    """One labelled query: its candidates as rows (``pool.rows``) and each candidate's grade."""

    qid: str
    mode: str
    group: str
    pool: Any
    grades: np.ndarray  # (n_candidates,), 0 for a candidate nobody labelled
    relevant: dict[str, int]


def relevant_of(line: dict[str, Any]) -> dict[str, int]:
    """A line's graded labels ({id: 0|1|2}); {} when it has none."""
    labels = line.get("relevant") or {}
    if not isinstance(labels, dict):
        return {}
    return {str(k): int(v) for k, v in labels.items()}


def theme_groups(lines: Iterable[tuple[int, dict[str, Any]]]) -> dict[int, str]:
    """The theme group of each labelled line: its own ``group`` (or ``theme``) when it names
    one, else the lines joined by a shared directly-fitting (grade 2) organisation or by the
    organisation they start from — queries about the same suppliers are one theme."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    numbered = list(lines)
    for number, line in numbered:
        node = f"line:{number}"
        find(node)
        named = line.get("group") or line.get("theme_group")
        links = (
            [f"group:{named}"]
            if named
            else [f"org:{i}" for i, g in relevant_of(line).items() if g >= 2]
            + ([f"org:{line['org']}"] if line.get("org") else [])
        )
        for other in links:
            parent[find(node)] = find(other)
    return {number: find(f"line:{number}") for number, _ in numbered}


def labelled_pools(
    m: Matcher, lines: Iterable[tuple[int, dict[str, Any]]], *, strict: bool = False
) -> dict[str, list[Labelled]]:
    """Per ranked mode, the labelled queries of ``lines`` with their candidate pools.

    Lines of other modes or without labels are left out. ``strict`` (training) refuses labels
    naming organisations the store does not know: LabelError names them.
    """
    numbered = [(n, line) for n, line in lines if line.get("mode") in RANKED and relevant_of(line)]
    groups = theme_groups(numbered)
    out: dict[str, list[Labelled]] = {}
    for number, line in numbered:
        relevant = relevant_of(line)
        qid = str(line.get("qid", number))
        if strict:
            unknown = sorted(i for i in relevant if i not in m.catalogue.by_ext_id)
            if unknown:
                raise LabelError(
                    f"line {number} ({qid}): labels name organisations this store does not "
                    f"have: {', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''} "
                    "(import the corpus the labels were written for)"
                )
        mode = line["mode"]
        try:
            query = replace(build_query(mode, line), top=K)
            pool = RANKED[mode].pool(m, query)
        except (MatchError, TypeError, ValueError) as error:
            raise LabelError(f"line {number} ({qid}): {error}") from None
        grades = np.array([relevant.get(i, 0) for i in pool.rows.ids], dtype=np.float64)
        out.setdefault(mode, []).append(Labelled(qid, mode, groups[number], pool, grades, relevant))
    return out

"""Checks of the hand-labelled evaluation set (seeds/labelled_queries.jsonl) against the corpus."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import seeds

PATH = Path(seeds.__file__).parent / "labelled_queries.jsonl"
MINIMUMS = {"procurement": 22, "partners": 12, "joint": 10, "consortium": 4}
KEYS = {
    "procurement": ({"qid", "mode", "text", "kinds", "relevant"}, set()),
    "partners": ({"qid", "mode", "org", "relevant"}, set()),
    "joint": ({"qid", "mode", "org", "relevant"}, {"need"}),
    "consortium": ({"qid", "mode", "theme", "relevant"}, set()),
}
SUPPLIER_KINDS = {"startup", "company"}
SECTOR = {
    "municipality": "government",
    "company": "industry",
    "startup": "industry",
    "university": "academia",
    "research_institute": "academia",
}


@pytest.fixture(scope="module")
def queries() -> list[dict[str, Any]]:
    with PATH.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="module")
def corpus() -> dict[str, dict[str, Any]]:
    return {record["id"]: record for record in seeds.build_corpus()}


def _of_mode(queries: list[dict[str, Any]], mode: str) -> list[dict[str, Any]]:
    return [q for q in queries if q["mode"] == mode]


def test_every_line_is_a_json_object() -> None:
    with PATH.open(encoding="utf-8") as f:
        lines = [line for line in f if line.strip()]
    assert lines
    for n, line in enumerate(lines, start=1):
        assert isinstance(json.loads(line), dict), f"line {n} is not an object"


def test_qids_are_unique(queries: list[dict[str, Any]]) -> None:
    counts = Counter(q["qid"] for q in queries)
    assert not [qid for qid, n in counts.items() if n > 1]


def test_counts_per_mode_meet_the_minimums(queries: list[dict[str, Any]]) -> None:
    counts = Counter(q["mode"] for q in queries)
    assert set(counts) <= set(MINIMUMS), counts
    for mode, minimum in MINIMUMS.items():
        assert counts[mode] >= minimum, (mode, counts[mode])


def test_keys_are_those_of_the_mode(queries: list[dict[str, Any]]) -> None:
    for q in queries:
        required, optional = KEYS[q["mode"]]
        assert required <= set(q) <= required | optional, q["qid"]
        for key in ("text", "theme"):
            if key in q:
                assert isinstance(q[key], str) and q[key].strip(), q["qid"]


def test_grades_are_0_1_or_2_and_ids_exist(
    queries: list[dict[str, Any]], corpus: dict[str, dict[str, Any]]
) -> None:
    for q in queries:
        assert isinstance(q["relevant"], dict), q["qid"]
        for org_id, grade in q["relevant"].items():
            assert org_id in corpus, (q["qid"], org_id)
            assert type(grade) is int and grade in (0, 1, 2), (q["qid"], org_id, grade)
        if "org" in q:
            assert q["org"] in corpus, q["qid"]
            assert q["org"] not in q["relevant"], q["qid"]


def test_each_query_has_at_least_three_relevant_ids(queries: list[dict[str, Any]]) -> None:
    for q in queries:
        assert sum(1 for g in q["relevant"].values() if g >= 1) >= 3, q["qid"]


def test_procurement_relevant_ids_are_of_the_query_kinds(
    queries: list[dict[str, Any]], corpus: dict[str, dict[str, Any]]
) -> None:
    for q in _of_mode(queries, "procurement"):
        kinds = q["kinds"]
        assert kinds and set(kinds) <= SUPPLIER_KINDS and len(set(kinds)) == len(kinds), q["qid"]
        for org_id in q["relevant"]:
            assert corpus[org_id]["kind"] in kinds, (q["qid"], org_id)


def test_partners_are_of_another_sector_and_prefecture(
    queries: list[dict[str, Any]], corpus: dict[str, dict[str, Any]]
) -> None:
    for q in _of_mode(queries, "partners"):
        origin = corpus[q["org"]]
        for org_id in q["relevant"]:
            candidate = corpus[org_id]
            other_sector = SECTOR[candidate["kind"]] != SECTOR[origin["kind"]]
            both_industry = SECTOR[candidate["kind"]] == SECTOR[origin["kind"]] == "industry"
            assert other_sector or both_industry, (q["qid"], org_id)
            assert candidate["prefecture"] != origin["prefecture"], (q["qid"], org_id)


def test_joint_queries_point_at_municipal_needs_elsewhere(
    queries: list[dict[str, Any]], corpus: dict[str, dict[str, Any]]
) -> None:
    for q in _of_mode(queries, "joint"):
        origin = corpus[q["org"]]
        assert origin["kind"] == "municipality", q["qid"]
        if "need" in q:
            need = q["need"]
            assert type(need) is int and 0 <= need < len(origin["needs"]), q["qid"]
        for org_id in q["relevant"]:
            candidate = corpus[org_id]
            assert candidate["kind"] == "municipality", (q["qid"], org_id)
            assert candidate["prefecture"] != origin["prefecture"], (q["qid"], org_id)

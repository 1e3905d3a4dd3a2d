"""Embeddings tests: the grouped index (one graph per group, searched as one)."""

import json
from pathlib import Path

import numpy as np
import pytest

from embeddings import IndexCorruptError, IndexMismatchError, VectorIndex
from embeddings.grouped import GroupedIndex

DIM = 32
N = 2_000
IDS = np.arange(N, dtype=np.int64) * 7 + 3


@pytest.fixture(scope="module")
def data(clustered_vectors):
    return clustered_vectors(N, DIM, seed=4)


def groups_of(data: np.ndarray) -> np.ndarray:
    # Two groups that live apart, as needs and offers do: the nearest vectors of a "need"
    # are needs.
    return np.where(data[:, 0] > np.median(data[:, 0]), "need", "offer")


def build(data: np.ndarray, **options) -> GroupedIndex:
    index = GroupedIndex(DIM, fingerprint="test-encoder", **options)
    index.add(IDS, data, groups_of(data))
    return index


def exact(data: np.ndarray, query: np.ndarray, allowed: np.ndarray, k: int) -> np.ndarray:
    rows = np.isin(IDS, allowed)
    scores = data[rows] @ query
    return IDS[rows][np.argsort(-scores, kind="stable")[:k]]


def test_a_filter_of_one_group_searches_that_groups_graph_only(data, monkeypatch):
    index = build(data, kind="hnsw")
    assert index.index_type == "hnsw" and sorted(index.parts) == ["need", "offer"]

    def no_scan(*args, **kwargs):
        raise AssertionError("a probe of one group's graph came up short")

    monkeypatch.setattr(VectorIndex, "_exhaustive", no_scan)
    needs = np.flatnonzero(groups_of(data) == "need")
    offers = IDS[groups_of(data) == "offer"]
    found = index.search_many(data[needs[:50]], 20, allowed_ids=offers)
    agree = [
        len(set(hits.ids) & set(exact(data, data[row], offers, 20))) / 20
        for row, hits in zip(needs[:50], found, strict=True)
    ]
    assert all(len(hits) == 20 for hits in found) and np.mean(agree) > 0.95


def test_a_filter_across_groups_returns_the_best_of_both(data):
    index = build(data, kind="flat")
    rng = np.random.default_rng(1)
    allowed = rng.choice(IDS, size=300, replace=False)
    for row in range(0, N, 97):
        hits = index.search(data[row], 10, allowed_ids=allowed)
        np.testing.assert_array_equal(hits.ids, exact(data, data[row], allowed, 10))
        assert list(hits.scores) == sorted(hits.scores, reverse=True)
    whole = index.search(data[5], 10)
    np.testing.assert_array_equal(whole.ids, exact(data, data[5], IDS, 10))


def test_adding_under_another_group_moves_the_id(data):
    index = build(data, kind="flat")
    first = IDS[0]
    old = str(groups_of(data)[0])
    new = "profile"
    index.add([first], data[:1], [new])
    assert first not in index.parts[old] and first in index.parts[new] and len(index) == N
    np.testing.assert_allclose(index.vectors([first, IDS[1]])[0], data[0], atol=1e-6)
    assert index.remove([first, 999_999]) == 1 and first not in index and len(index) == N - 1
    with pytest.raises(KeyError, match=str(first)):
        index.vectors([first])


def test_bad_inputs_are_refused(data):
    index = GroupedIndex(DIM, fingerprint="test-encoder")
    with pytest.raises(ValueError, match="groups"):
        index.add(IDS[:3], data[:3], ["need"])
    with pytest.raises(ValueError, match="k="):
        index.search(data[0], 0)
    assert index.index_type == "flat" and len(index.search(data[0], 3)) == 0


def test_save_and_load_round_trip(tmp_path, data):
    index = build(data, kind="hnsw", ef_search=64)
    path = index.save(tmp_path / "index.faiss")
    meta = json.loads(Path(str(path) + ".json").read_text())
    assert meta["count"] == N and sorted(meta["groups"]) == ["need", "offer"]
    loaded = GroupedIndex.load(path, fingerprint="test-encoder", dim=DIM)
    assert loaded.checksum == meta["sha256"] and loaded.index_type == "hnsw"
    np.testing.assert_array_equal(loaded.ids, np.sort(IDS))
    for name, part in index.parts.items():
        np.testing.assert_array_equal(loaded.parts[name].ids, part.ids)
    offers = IDS[groups_of(data) == "offer"]
    before = index.search_many(data[:5], 10, allowed_ids=offers)
    after = loaded.search_many(data[:5], 10, allowed_ids=offers)
    for a, b in zip(before, after, strict=True):
        np.testing.assert_array_equal(a.ids, b.ids)
    # A group first seen after loading is built with the saved options.
    loaded.add([10**9], data[:1], ["profile"])
    assert loaded.parts["profile"].kind == "hnsw" and loaded.parts["profile"].ef_search == 64


def test_an_index_of_the_ungrouped_format_is_refused_with_the_rebuild_hint(tmp_path, data):
    path = VectorIndex(DIM, fingerprint="test-encoder").save(tmp_path / "index.faiss")
    with pytest.raises(IndexMismatchError, match=r"format version 1.*musubi index --rebuild"):
        GroupedIndex.load(path, fingerprint="test-encoder", dim=DIM)


def test_a_damaged_file_is_refused(tmp_path, data):
    path = build(data, kind="flat").save(tmp_path / "index.faiss")
    size = path.stat().st_size
    path.write_bytes(path.read_bytes()[: size // 2] + b"\x00" * (size - size // 2))
    with pytest.raises(IndexCorruptError, match="truncated or damaged"):
        GroupedIndex.load(path, fingerprint="test-encoder", dim=DIM)
    with pytest.raises(IndexCorruptError, match="FAISS cannot read group"):
        GroupedIndex.load(path, fingerprint="test-encoder", dim=DIM, verify_checksum=False)

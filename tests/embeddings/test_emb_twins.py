"""Embeddings tests: twins — ids whose vector equals a stored id's are kept beside FAISS and
found through it, with the same results as storing every copy."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from embeddings import IndexCorruptError, VectorIndex
from embeddings.grouped import GroupedIndex
from embeddings.index import twins_path

DIM = 16


@pytest.fixture(scope="module")
def corpus(clustered_vectors) -> tuple[np.ndarray, np.ndarray]:
    """300 distinct vectors, each copied 1–6 times under its own id: 1,050 ids."""
    distinct = clustered_vectors(300, DIM, seed=11)
    rng = np.random.default_rng(3)
    copies = rng.integers(1, 7, size=len(distinct))
    vectors = np.repeat(distinct, copies, axis=0)
    ids = rng.permutation(len(vectors)).astype(np.int64) * 5 + 2
    return ids, vectors


def build(corpus, *, twins: bool, **options) -> VectorIndex:
    ids, vectors = corpus
    index = VectorIndex(DIM, fingerprint="test", twins=twins, **options)
    for start in range(0, len(ids), 200):  # in batches, as indexing adds them
        index.add(ids[start : start + 200], vectors[start : start + 200])
    return index


def same_results(a, b) -> None:
    """Equal scores in order, and the same ids within each run of equal scores (copies tie,
    and either order of them is right)."""
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x.scores, y.scores, atol=1e-6)
        cut = x.scores > x.scores[-1] + 1e-6  # the last score's run may be cut differently
        assert set(x.ids[cut]) == set(y.ids[cut])


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_copies_are_stored_once_and_found_as_before(corpus, kind: str) -> None:
    ids, vectors = corpus
    options = {"kind": kind, "ef_search": 256} if kind != "ivf" else {"kind": kind, "nprobe": 64}
    plain, deduped = build(corpus, twins=False, **options), build(corpus, twins=True, **options)
    assert len(deduped) == len(plain) == len(ids)
    assert len(deduped._ids) == 300 and deduped.twins == len(ids) - 300
    np.testing.assert_array_equal(deduped.ids, np.sort(ids))
    assert all(int(i) in deduped for i in ids[:20]) and 1 not in deduped
    queries = vectors[::50] + 0.01
    same_results(plain.search_many(queries, 15), deduped.search_many(queries, 15))
    allowed = np.sort(ids[::3])
    same_results(
        plain.search_many(queries, 15, allowed_ids=allowed),
        deduped.search_many(queries, 15, allowed_ids=allowed),
    )
    np.testing.assert_allclose(deduped.vectors(ids[:40]), plain.vectors(ids[:40]), atol=1e-6)


def test_a_filter_admitting_only_a_twin_finds_it_and_not_its_holder(corpus) -> None:
    ids, vectors = corpus
    index = build(corpus, twins=True, kind="flat")
    copies = ids[(vectors == vectors[0]).all(axis=1)]
    assert len(copies) >= 2
    holder = int(index._twins.holder_of(copies[:1])[0])
    twin = int(next(c for c in copies if c != holder))
    hits = index.search(vectors[0], 5, allowed_ids=np.array([twin, 999_999]))
    assert hits.ids.tolist() == [twin] and hits.scores[0] == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_removing_a_holder_hands_its_vector_to_a_twin(corpus, kind: str) -> None:
    ids, vectors = corpus
    index = build(corpus, twins=True, kind=kind, nprobe=64)
    assert index.index_type == kind
    copies = ids[(vectors == vectors[0]).all(axis=1)]
    assert len(copies) >= 3
    holder = int(index._twins.holder_of(copies[:1])[0])
    other = int(next(c for c in copies if c != holder))
    assert index.remove([holder, other]) == 2  # a holder and one of its twins at once
    rest = sorted(int(c) for c in copies if c not in (holder, other))
    assert holder not in index and other not in index and all(c in index for c in rest)
    hits = index.search(vectors[0], len(rest) + 3)
    assert set(rest) <= set(hits.ids.tolist()) and not {holder, other} & set(hits.ids.tolist())
    np.testing.assert_allclose(index.vectors(rest), vectors[[0] * len(rest)], atol=1e-6)
    index.remove(rest)
    assert not set(copies.tolist()) & set(index.search(vectors[0], 20).ids.tolist())
    assert len(index) == len(ids) - len(copies)


def test_an_id_given_another_vector_is_no_twin_any_more(corpus) -> None:
    ids, vectors = corpus
    index = build(corpus, twins=True, kind="flat")
    copies = ids[(vectors == vectors[0]).all(axis=1)]
    moved = int(copies[-1])
    index.add([moved], -vectors[:1])
    assert index.search(-vectors[0], 1).ids.tolist() == [moved]
    assert moved not in index.search(vectors[0], len(copies)).ids
    assert len(index) == len(ids)


def test_twins_are_saved_beside_the_index_and_checked(tmp_path: Path, corpus) -> None:
    ids, vectors = corpus
    index = GroupedIndex(DIM, fingerprint="test", kind="flat", twins=True)
    groups = np.where(np.arange(len(ids)) % 2, "offer", "need")
    index.add(ids, vectors, groups)
    path = tmp_path / "index.faiss"
    index.save(path)
    assert twins_path(path).is_file()
    loaded = GroupedIndex.load(path, fingerprint="test", dim=DIM)
    assert len(loaded) == len(ids)
    queries = vectors[::100]
    same_results(index.search_many(queries, 10), loaded.search_many(queries, 10))
    loaded.add(ids[:5], vectors[:5] * -1, groups[:5])  # keeps recognising copies after a load
    assert loaded.search(-vectors[0], 1).ids[0] in ids[:5]

    twins_path(path).write_bytes(twins_path(path).read_bytes()[:-40])
    with pytest.raises(IndexCorruptError, match="twins.*musubi index --rebuild"):
        GroupedIndex.load(path, fingerprint="test", dim=DIM)
    twins_path(path).unlink()
    with pytest.raises(IndexCorruptError, match="twins"):
        GroupedIndex.load(path, fingerprint="test", dim=DIM)


def test_a_single_index_saves_its_twins_too(tmp_path: Path, corpus) -> None:
    index = build(corpus, twins=True, kind="flat")
    path = tmp_path / "one.faiss"
    index.save(path)
    loaded = VectorIndex.load(path, fingerprint="test", dim=DIM)
    assert loaded.twins == index.twins and len(loaded) == len(index)
    vectors = corpus[1][::90]
    same_results(index.search_many(vectors, 8), loaded.search_many(vectors, 8))


def test_a_save_failing_on_a_full_disk_leaves_the_previous_index_usable(
    tmp_path: Path, corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids, vectors = corpus
    path = tmp_path / "index.faiss"
    first = GroupedIndex(DIM, fingerprint="test", kind="flat", twins=True)
    first.add(ids[:500], vectors[:500], ["need"] * 500)
    first.save(path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    second = GroupedIndex(DIM, fingerprint="test", kind="flat", twins=True)
    second.add(ids, vectors, ["need"] * len(ids))

    def full(index, writer):
        raise OSError("No space left on device")

    monkeypatch.setattr(faiss, "write_index", full)
    with pytest.raises(OSError, match="No space"):
        second.save(path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    loaded = GroupedIndex.load(path, fingerprint="test", dim=DIM)
    assert len(loaded) == 500 and loaded.parts["need"].twins == first.parts["need"].twins

"""Embeddings tests: HNSW over a PCA copy re-scored from SQ8 vectors (storage "pca-sq8")."""

import numpy as np
import pytest

import embeddings.index
from embeddings import VectorIndex

DIM = 32
N = 3_000
IDS = np.arange(N, dtype=np.int64) * 10 + 5


@pytest.fixture(scope="module")
def data(clustered_vectors):
    return clustered_vectors(N, DIM, seed=1)


def build(data, **options):
    index = VectorIndex(
        DIM, fingerprint="test-encoder", kind="hnsw", storage="pca-sq8", reduce_dim=16, **options
    )
    index.add(IDS, data)
    return index


@pytest.fixture(scope="module")
def reduced(data):
    return build(data)


def recall(found, truth):
    return np.mean([len(set(a.ids) & set(b.ids)) / 10 for a, b in zip(truth, found, strict=True)])


def test_agrees_with_exact_and_scores_are_true_cosines(reduced, data):
    exact = VectorIndex(DIM, fingerprint="t", kind="flat")
    exact.add(IDS, data)
    # Held-out queries near the data (a 16-d PCA of 32-d isotropic clusters keeps little else).
    queries = data[::30] + 0.1 * np.random.default_rng(2).standard_normal((100, DIM))
    queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)
    truth = exact.search_many(queries, 10)
    found = reduced.search_many(queries, 10)
    assert recall(found, truth) >= 0.9
    rows = {int(i): r for r, i in enumerate(IDS)}
    for hits, query in zip(found, queries, strict=True):
        exact_scores = data[[rows[int(i)] for i in hits.ids]] @ query
        # re-scored from the 8-bit full vectors, not from the 16-d PCA copy
        np.testing.assert_allclose(hits.scores, exact_scores, atol=5e-3)
    assert reduced.metadata()["built_storage"] == "pca-sq8"
    assert reduced.index_type == "hnsw"


def test_vectors_are_usable_for_cosine(reduced, data):
    vectors = reduced._vectors(IDS[:50])
    assert vectors.shape == (50, DIM)
    norms = np.linalg.norm(vectors, axis=1)
    assert np.abs(norms - 1).max() < 5e-3  # 8-bit reconstructions: near unit, not exactly
    cosines = np.einsum("ij,ij->i", vectors, data[:50]) / norms
    assert cosines.min() > 0.999


@pytest.mark.parametrize("share", [0.002, 0.3])
def test_filters(reduced, data, share, monkeypatch):
    monkeypatch.setattr(embeddings.index, "SMALL_FILTER", 10)  # force the FAISS selector
    allowed = np.random.default_rng(0).choice(IDS, size=int(N * share), replace=False)
    for hits in reduced.search_many(data[:20], k=5, allowed_ids=allowed):
        assert set(hits.ids) <= set(allowed.tolist()) and len(hits) == 5


def test_filter_result_matches_exact_over_the_subset(reduced, data):
    allowed = IDS[::3]
    rows = np.arange(N)[::3]
    for query in data[1:10]:
        hits = reduced.search(query, 5, allowed_ids=allowed)
        best = allowed[np.argsort(-(data[rows] @ query))[:5]]
        assert len(set(hits.ids) & set(best.tolist())) >= 4


def test_removals_are_tombstones_then_compacted(data, tmp_path):
    index = build(data)
    graph = index._index
    assert index.remove(IDS[:100]) == 100
    assert index._index is graph and index.metadata()["tombstones"] == 100
    for hits in index.search_many(data[:100], k=5):
        assert len(hits) == 5 and not set(hits.ids) & set(IDS[:100].tolist())
    index.add(IDS[:1], data[:1])
    assert index.search(data[0], k=1).ids[0] == IDS[0]
    path = index.save(tmp_path / "index.faiss")
    loaded = VectorIndex.load(path, fingerprint="test-encoder", dim=DIM)
    assert loaded.metadata()["built_storage"] == "pca-sq8" and loaded.metadata()["reduce_dim"] == 16
    assert loaded.metadata()["tombstones"] == 100 and len(loaded) == N - 99
    np.testing.assert_array_equal(loaded.search(data[9], 5).ids, index.search(data[9], 5).ids)
    assert IDS[1] not in loaded.search(data[1], k=5).ids
    loaded.remove(IDS[100:700])
    assert loaded.metadata()["tombstones"] == 0 and loaded._index.ntotal == len(loaded)
    assert loaded.metadata()["built_storage"] == "pca-sq8"
    assert loaded.search(data[800], k=1).ids[0] == IDS[800]


def test_update_replaces_the_vector(data):
    index = build(data)
    index.add(IDS[:1], data[1:2])
    assert set(index.search(data[1], k=2).ids) == {IDS[0], IDS[1]}


def test_refuses_another_encoder(reduced, tmp_path):
    path = reduced.save(tmp_path / "index.faiss")
    with pytest.raises(embeddings.IndexMismatchError, match="musubi index --rebuild"):
        VectorIndex.load(path, fingerprint="other", dim=DIM)


def test_grows_and_retrains(data):
    index = VectorIndex(DIM, fingerprint="t", kind="hnsw", storage="pca-sq8", reduce_dim=16)
    index.add(IDS[:500], data[:500])
    assert index.metadata()["trained_on"] == 500
    index.add(IDS[500:], data[500:])  # 6× the training set: PCA and SQ8 retrained
    assert index.metadata()["trained_on"] == N and len(index) == N
    assert index.search(data[2999], k=1).ids[0] == IDS[2999]


@pytest.mark.parametrize("storage", ["flat", "pca-sq8"])
def test_a_filter_that_starves_the_graph_probe_is_answered_in_full(storage, monkeypatch):
    """Needs lie near needs: a need searching offers finds its whole neighbourhood filtered out.
    The probe widens, then every admitted vector is compared, in the graph's own storage."""
    rng = np.random.default_rng(3)
    centre = np.eye(DIM, dtype=np.float32)[0]
    near = centre + 0.05 * rng.standard_normal((N, DIM)).astype(np.float32)  # filtered out
    far = rng.standard_normal((N, DIM)).astype(np.float32)  # admitted, none of them close
    vectors = np.vstack([near, far])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(2 * N, dtype=np.int64) * 7 + 1
    index = VectorIndex(
        DIM, fingerprint="t", kind="hnsw", storage=storage, reduce_dim=16, ef_search=4
    )
    index.add(ids, vectors)
    monkeypatch.setattr(embeddings.index, "SMALL_FILTER", 10)  # no copying the subset out
    scanned = []
    exhaustive = VectorIndex._exhaustive
    monkeypatch.setattr(
        VectorIndex, "_exhaustive", lambda self, *a: scanned.append(1) or exhaustive(self, *a)
    )
    hits = index.search(centre, 20, allowed_ids=ids[N:])
    assert scanned, "the probe was not starved: the test no longer tests the fallback"
    cosines = dict(zip(ids[N:].tolist(), (vectors[N:] @ centre).tolist(), strict=True))
    truth = sorted(cosines, key=cosines.get, reverse=True)[:20]
    if storage == "flat":
        assert hits.ids.tolist() == truth
    else:  # 8-bit scores may swap near-ties at the edge of the list
        assert len(set(hits.ids.tolist()) & set(truth)) >= 18
    np.testing.assert_allclose(hits.scores, [cosines[i] for i in hits.ids.tolist()], atol=5e-3)

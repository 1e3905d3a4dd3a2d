"""Embeddings tests: the FAISS index store (search, filters, updates, persistence, refusals)."""

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import faiss
import numpy as np
import pytest

import embeddings.index
from embeddings import (
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    VectorIndex,
    VectorIndexError,
)
from embeddings.index import limit_threads

DIM = 32
N = 3_000
IDS = np.arange(N, dtype=np.int64) * 10 + 5  # database ids, not row numbers


@pytest.fixture(scope="module")
def data(clustered_vectors):
    return clustered_vectors(N, DIM, seed=1)


def build(data, kind="flat", **options):
    index = VectorIndex(DIM, fingerprint="test-encoder", kind=kind, **options)
    index.add(IDS, data)
    return index


@pytest.fixture(params=["flat", "ivf", "hnsw"])
def index(request, data):
    return build(data, request.param)


def test_search_returns_the_vector_itself_first(index, data):
    hits = index.search(data[7], k=5)
    assert hits.ids[0] == IDS[7] and hits.scores[0] == pytest.approx(1.0, abs=1e-4)
    assert len(hits) == 5 and hits.ids.dtype == np.int64
    assert list(hits.scores) == sorted(hits.scores, reverse=True)


def test_search_is_search_many_of_one(index, data):
    single = index.search(data[3], k=10)
    batch = index.search_many(data[[3, 4]], k=10)
    assert len(batch) == 2
    np.testing.assert_array_equal(single.ids, batch[0].ids)


@pytest.mark.parametrize("share", [0.002, 0.3])  # small filter (exact path) and large (selector)
def test_filters_apply_inside_the_search_and_still_fill_k(index, data, share):
    rng = np.random.default_rng(0)
    allowed = rng.choice(IDS, size=int(N * share), replace=False)
    for hits in index.search_many(data[:20], k=5, allowed_ids=allowed):
        assert set(hits.ids) <= set(allowed.tolist())
        assert len(hits) == 5


def test_large_filter_uses_faiss_selector_and_fills_k(data, monkeypatch):
    # Above the exact-subset size, an IVF probe must widen until k allowed hits are found.
    index = build(data, "ivf", nprobe=1)
    allowed = IDS[::2]
    # 1,500 allowed ids would take the exact-subset path; lower its bound to force the selector.
    monkeypatch.setattr(embeddings.index, "SMALL_FILTER", 10)
    for hits in index.search_many(data[1::2][:30], k=10, allowed_ids=allowed):
        assert len(hits) == 10 and set(hits.ids) <= set(allowed.tolist())


@pytest.mark.parametrize("spread", [10, 10_000])  # ids 10 apart: a bitmap; 10,000: a hash set
def test_a_graph_filter_skips_tombstones_whichever_selector_it_uses(data, monkeypatch, spread):
    monkeypatch.setattr(embeddings.index, "SMALL_FILTER", 10)  # the selector, not the subset
    ids = np.arange(N, dtype=np.int64) * spread + 5
    index = VectorIndex(DIM, fingerprint="test-encoder", kind="hnsw")
    index.add(ids, data)
    index.remove(ids[:50])
    allowed = ids[:600]  # the 50 removed among them, and ids above the largest admitted one
    found = index.search_many(data[:60], k=10, allowed_ids=allowed)
    for hits in found:
        assert len(hits) == 10 and set(hits.ids) <= set(ids[50:600].tolist())
    exact = [np.argsort(-(data[50:600] @ q))[:10] + 50 for q in data[:60]]
    shared = [len(set(h.ids) & set(ids[e])) for h, e in zip(found, exact, strict=True)]
    recall = np.mean(shared) / 10
    assert recall >= 0.9
    (known,) = index._filters.values()
    used = faiss.IDSelectorAnd if spread == 10 else faiss.IDSelectorBatch  # bitmap and range
    assert isinstance(known.selector(), used)


def test_filter_with_unknown_or_too_few_ids(index, data):
    assert len(index.search(data[0], k=5, allowed_ids=[999_999])) == 0
    hits = index.search(data[0], k=5, allowed_ids=[IDS[1], IDS[2], 999_999])
    assert sorted(hits.ids) == sorted([IDS[1], IDS[2]])


def test_k_larger_than_the_index(data):
    index = VectorIndex(DIM, fingerprint="t")
    index.add(IDS[:3], data[:3])
    assert len(index.search(data[0], k=10)) == 3
    assert len(VectorIndex(DIM, fingerprint="t").search(data[0], k=3)) == 0


def test_add_update_remove(index, data):
    assert len(index) == N and IDS[0] in index
    index.add(IDS[:1], data[1:2])  # update: id 5 now holds row 1's vector
    assert len(index) == N
    hits = index.search(data[1], k=2)
    assert set(hits.ids) == {IDS[0], IDS[1]}
    assert index.remove([IDS[0], IDS[1], 123_456_789]) == 2
    assert len(index) == N - 2 and IDS[0] not in index
    assert not {IDS[0], IDS[1]} & set(index.search(data[1], k=10).ids.tolist())
    index.add([IDS[1]], data[1:2])
    assert index.search(data[1], k=1).ids[0] == IDS[1]


def test_bad_inputs_are_refused(data):
    index = VectorIndex(DIM, fingerprint="t")
    with pytest.raises(ValueError, match=r"shape \(n, 32\)"):
        index.add([1], np.zeros((1, 8), np.float32))
    with pytest.raises(ValueError, match="duplicates"):
        index.add([1, 1], data[:2])
    with pytest.raises(ValueError, match="NaN"):
        index.add([1], np.full((1, DIM), np.nan, np.float32))
    with pytest.raises(ValueError, match="kind='lsh'.*flat, ivf, hnsw"):
        VectorIndex(DIM, fingerprint="t", kind="lsh")
    with pytest.raises(ValueError, match="k=0"):
        build(data).search(data[0], k=0)


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_approximate_agrees_with_exact(data, kind, clustered_vectors):
    exact = build(data, "flat")
    approximate = build(data, kind)
    queries = clustered_vectors(100, DIM, seed=2)
    truth = exact.search_many(queries, 10)
    found = approximate.search_many(queries, 10)
    recall = np.mean([len(set(a.ids) & set(b.ids)) / 10 for a, b in zip(truth, found, strict=True)])
    assert recall >= 0.9


def test_auto_goes_hnsw_then_reduced_hnsw(data):
    index = VectorIndex(
        DIM, fingerprint="t", ann_threshold=1_000, compress_threshold=2_000, reduce_dim=16
    )
    index.add(IDS[:500], data[:500])
    assert index.index_type == "flat"
    index.add(IDS[500:1500], data[500:1500])
    assert index.index_type == "hnsw" and index.metadata()["built_storage"] == "flat"
    index.add(IDS[1500:], data[1500:])
    assert index.index_type == "hnsw" and len(index) == N
    assert index.metadata()["built_storage"] == "pca-sq8"
    assert isinstance(faiss.downcast_index(index._index.index), faiss.IndexRefine)
    assert index.search(data[2500], k=1).ids[0] == IDS[2500]


def test_explicit_ivf_above_the_threshold_stores_sq8(data):
    index = VectorIndex(DIM, fingerprint="t", kind="ivf", compress_threshold=2_000)
    index.add(IDS, data)
    assert isinstance(index._index, faiss.IndexIVFScalarQuantizer)


def test_hnsw_removal_leaves_tombstones_that_searches_skip(tmp_path, data):
    index = build(data, "hnsw")
    graph = index._index
    assert index.remove(IDS[:100]) == 100
    assert index._index is graph and index.metadata()["tombstones"] == 100  # not rebuilt
    assert IDS[0] not in index and len(index) == N - 100
    for hits in index.search_many(data[:100], k=5):
        assert len(hits) == 5 and not set(hits.ids) & set(IDS[:100].tolist())
    index.add(IDS[:1], data[:1])  # a removed id comes back with its vector
    assert index.search(data[0], k=1).ids[0] == IDS[0]
    path = index.save(tmp_path / "index.faiss")
    loaded = VectorIndex.load(path, fingerprint="test-encoder", dim=DIM)
    assert len(loaded) == N - 99 and loaded.metadata()["tombstones"] == 100
    assert IDS[1] not in loaded.search(data[1], k=5).ids
    loaded.remove(IDS[100:700])  # tombstones past TOMBSTONE_SHARE: compacted
    assert loaded.metadata()["tombstones"] == 0 and loaded._index.ntotal == len(loaded)
    assert loaded.search(data[800], k=1).ids[0] == IDS[800]


@pytest.mark.parametrize("storage", ["sq8", "fp16"])
def test_compressed_storage_keeps_neighbours(data, storage, clustered_vectors):
    exact = build(data, "flat")
    compressed = build(data, "hnsw", storage=storage)
    queries = clustered_vectors(100, DIM, seed=2)
    truth = exact.search_many(queries, 10)
    found = compressed.search_many(queries, 10)
    recall = np.mean([len(set(a.ids) & set(b.ids)) / 10 for a, b in zip(truth, found, strict=True)])
    assert recall >= 0.9


@pytest.mark.parametrize("kind", ["flat", "ivf", "hnsw"])
def test_save_and_load_round_trip(tmp_path, data, kind):
    index = build(data, kind)
    path = index.save(tmp_path / "index.faiss")
    meta = json.loads(Path(str(path) + ".json").read_text())
    assert meta["encoder_fingerprint"] == "test-encoder" and meta["count"] == N
    assert meta["dimension"] == DIM and meta["index_type"] == kind and meta["built_at"]
    loaded = VectorIndex.load(path, fingerprint="test-encoder", dim=DIM)
    assert loaded.index_type == kind and len(loaded) == N
    np.testing.assert_array_equal(loaded.ids, np.sort(IDS))
    np.testing.assert_array_equal(loaded.search(data[9], 5).ids, index.search(data[9], 5).ids)
    loaded.remove(IDS[:10])  # a loaded index stays updatable
    assert len(loaded) == N - 10


def test_save_is_atomic(tmp_path, data, monkeypatch):
    path = build(data).save(tmp_path / "index.faiss")
    before = path.read_bytes()

    def crash(index, filename):
        Path(filename).write_bytes(b"half an ind")
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", crash)
    with pytest.raises(OSError, match="disk full"):
        build(data).save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.faiss", "index.faiss.json"]
    VectorIndex.load(path, fingerprint="test-encoder", dim=DIM)


def test_refuses_an_index_of_another_encoder(tmp_path, data):
    path = build(data).save(tmp_path / "index.faiss")
    with pytest.raises(IndexMismatchError, match=r"other-encoder.*musubi index --rebuild"):
        VectorIndex.load(path, fingerprint="other-encoder", dim=DIM)
    with pytest.raises(IndexMismatchError, match="64"):
        VectorIndex.load(path, fingerprint="test-encoder", dim=64)


def test_missing_index(tmp_path):
    with pytest.raises(IndexMissingError, match="musubi index --rebuild"):
        VectorIndex.load(tmp_path / "nothing.faiss", fingerprint="x", dim=DIM)
    assert issubclass(IndexMissingError, VectorIndexError)


def test_truncated_index_file(tmp_path, data):
    path = build(data).save(tmp_path / "index.faiss")
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(IndexCorruptError, match="truncated or damaged.*--rebuild"):
        VectorIndex.load(path, fingerprint="test-encoder", dim=DIM)


def test_faiss_read_errors_become_ours(tmp_path, data):
    path = build(data).save(tmp_path / "index.faiss")
    size = path.stat().st_size
    path.write_bytes(b"\x00" * size)  # same size, so only FAISS itself can notice
    with pytest.raises(IndexCorruptError, match="FAISS cannot read"):
        VectorIndex.load(path, fingerprint="test-encoder", dim=DIM, verify_checksum=False)


def test_corrupt_metadata(tmp_path, data):
    path = build(data).save(tmp_path / "index.faiss")
    Path(str(path) + ".json").write_text("{not json")
    with pytest.raises(IndexCorruptError, match="metadata"):
        VectorIndex.load(path, fingerprint="test-encoder", dim=DIM)


def test_real_pipeline_with_the_test_encoder(hashing, tmp_path):
    texts = ["独居高齢者の見守り", "道路の除雪", "交通空白の解消", "高齢者の見守りサービス"]
    index = VectorIndex(hashing.dim, fingerprint=hashing.fingerprint)
    index.add([11, 12, 13, 14], hashing.encode(texts))
    hits = index.search(hashing.encode("高齢者の見守り", role="query")[0], k=2)
    assert set(hits.ids) == {11, 14}
    path = index.save(tmp_path / "i.faiss")
    VectorIndex.load(path, fingerprint=hashing.fingerprint, dim=hashing.dim)


def test_limit_threads_holds_for_the_calling_thread_only() -> None:
    before = faiss.omp_get_max_threads()
    with ThreadPoolExecutor(1, initializer=limit_threads, initargs=(1,)) as worker:
        assert worker.submit(faiss.omp_get_max_threads).result() == 1
    assert faiss.omp_get_max_threads() == before


def test_small_batches_search_on_one_thread_and_leave_the_setting_as_it_was(index, data):
    seen = []

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003
        seen.append(faiss.omp_get_max_threads())
        return search(*args, **kwargs)

    search = index._index.search
    index._index.search = spy
    before = faiss.omp_get_max_threads()
    small = index.search_many(data[:2], k=10)
    large = index.search_many(data[: embeddings.index.PARALLEL_QUERIES], k=10)
    assert seen == [1, before]
    assert faiss.omp_get_max_threads() == before
    np.testing.assert_array_equal(small[1].ids, large[1].ids)


def test_a_large_graph_probes_wider(data, monkeypatch):
    index = VectorIndex(DIM, fingerprint="test-encoder", kind="hnsw", ef_search=32)
    index.add(IDS[:500], data[:500])
    assert index._params(None, 2, []).efSearch == 64
    monkeypatch.setattr(embeddings.index, "LARGE_GRAPH", 499)
    assert index._params(None, 2, []).efSearch == 64 * embeddings.index.LARGE_GRAPH_WIDTH
    hits = index.search(data[3], 5)  # and searches with it
    assert hits.ids[0] == IDS[3]


def test_a_filtered_probe_starts_as_wide_as_the_share_it_admits(data, monkeypatch):
    monkeypatch.setattr(embeddings.index, "SMALL_FILTER", 10)  # the selector, not the subset
    index = VectorIndex(DIM, fingerprint="test-encoder", kind="hnsw", ef_search=32)
    index.add(IDS, data)
    widths = []
    params = index._params
    monkeypatch.setattr(index, "_params", lambda s, w, k: widths.append(w) or params(s, w, k))
    for allowed, width in ((None, 1), (IDS[::2], 2), (IDS[::4], 4), (IDS[:300], 10)):
        widths.clear()
        found = index.search_many(data[:1], k=10, allowed_ids=allowed)[0]
        assert widths[0] == width and len(found) == 10
        assert allowed is None or set(found.ids) <= set(allowed.tolist())

"""Embeddings tests: the embedding cache (hits, misses, invalidation, persistence)."""

import numpy as np
import pytest

from embeddings import EmbeddingCache, encode_cached, load_encoder

TEXTS = ["独居高齢者の見守り", "道路の除雪", "交通空白の解消", "snow removal"]


@pytest.fixture
def cache(tmp_path):
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        yield cache


def test_second_run_encodes_nothing(hashing, cache):
    first = encode_cached(hashing, TEXTS, cache)
    assert (first.n_encoded, first.n_reused) == (4, 0)
    second = encode_cached(hashing, TEXTS, cache)
    assert (second.n_encoded, second.n_reused) == (0, 4)
    np.testing.assert_array_equal(first.vectors, second.vectors)
    np.testing.assert_array_equal(first.vectors, hashing.encode(TEXTS))


def test_only_new_texts_are_encoded_and_duplicates_once(hashing, cache):
    encode_cached(hashing, TEXTS[:2], cache)
    vectors, n_encoded, n_reused = encode_cached(hashing, [*TEXTS, TEXTS[3], "道路の除雪"], cache)
    assert (n_encoded, n_reused) == (2, 4)
    np.testing.assert_array_equal(vectors[5], vectors[1])


def test_keys_are_normalised_texts(hashing, cache):
    encode_cached(hashing, ["ＡＢＣ　除雪"], cache)
    assert encode_cached(hashing, ["ABC 除雪 "], cache).n_reused == 1


def test_changing_the_encoder_invalidates_exactly_its_entries(hashing, cache):
    other = load_encoder("hashing", dim=32)
    encode_cached(hashing, TEXTS, cache)
    changed = encode_cached(other, TEXTS, cache)
    assert changed.n_encoded == 4 and changed.vectors.shape == (4, 32)
    assert encode_cached(hashing, TEXTS, cache).n_encoded == 0  # old entries untouched
    assert cache.count(hashing.fingerprint) == cache.count(other.fingerprint) == 4
    assert cache.prune(keep=[other.fingerprint]) == 4
    assert cache.fingerprints() == [other.fingerprint]


def test_roles_are_cached_separately(hashing, cache):
    encode_cached(hashing, TEXTS, cache, role="document")
    assert encode_cached(hashing, TEXTS, cache, role="query").n_encoded == 4


def test_cache_persists_across_reopening(hashing, tmp_path):
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        encode_cached(hashing, TEXTS, cache)
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        assert encode_cached(hashing, TEXTS, cache).n_reused == 4


def test_progress_adds_up(hashing, cache):
    encode_cached(hashing, TEXTS[:1], cache)
    seen = []
    encode_cached(hashing, TEXTS * 2, cache, batch_size=2, progress=seen.append)
    assert sum(seen) == 8


def test_empty_and_awkward_texts(hashing, cache):
    result = encode_cached(hashing, ["", "見守り🚨\x00", "x" * 100_000], cache)
    assert result.vectors.shape == (3, hashing.dim) and not result.vectors[0].any()

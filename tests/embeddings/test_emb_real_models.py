"""Embeddings tests: the real bundled models load and work with the network unreachable."""

import socket

import numpy as np
import pytest

from embeddings.hybrid import HybridEncoder

pytestmark = pytest.mark.slow

PARAPHRASE = ("独居高齢者の見守り", "一人暮らしのお年寄りの安否確認", "道路の除雪")


def test_socket_guard_blocks_the_network(no_network):
    with pytest.raises(OSError, match="network access attempted"):
        socket.create_connection(("huggingface.co", 443), timeout=1)


@pytest.mark.parametrize("name", ["ginza", "hybrid"])
def test_japanese_paraphrases_are_closer_than_unrelated_texts(real_encoders, name):
    anchor, paraphrase, unrelated = real_encoders[name].encode(PARAPHRASE)
    assert anchor @ paraphrase > anchor @ unrelated + 0.1


@pytest.mark.parametrize("name", ["minilm", "ginza", "lexical", "hybrid"])
def test_real_encoders_encode_japanese_and_english(real_encoders, name):
    encoder = real_encoders[name]
    texts = ["独居高齢者の見守り", "watching over elderly people who live alone", "", "ゆきかき"]
    vectors = encoder.encode(texts, role="query")
    assert vectors.shape == (4, encoder.dim) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors[[0, 1]], axis=1), 1.0, rtol=1e-4)
    assert not vectors[2].any()  # empty text: zero vector, matches nothing


def test_minilm_reads_english(real_encoders):
    anchor, paraphrase, unrelated = real_encoders["minilm"].encode(
        [
            "monitoring elderly people living alone",
            "checking on seniors who live by themselves",
            "snow removal on roads",
        ]
    )
    assert anchor @ paraphrase > anchor @ unrelated + 0.2


def test_hybrid_routes_english_to_minilm_and_japanese_away_from_it(real_encoders):
    hybrid = real_encoders["hybrid"]
    block = hybrid.component_slices()["minilm"]
    japanese, english, mixed = hybrid.encode(["道路の除雪", "snow removal", "除雪 snow removal"])
    assert not japanese[block].any()
    assert np.linalg.norm(english[block]) > np.linalg.norm(mixed[block]) > 0
    assert hybrid.read_in_english(np.vstack([japanese, english, mixed])).tolist() == [
        False,
        True,
        True,
    ]
    ginza = real_encoders["ginza"]
    assert not ginza.read_in_english(ginza.encode(["道路の除雪", "snow removal"])).any()
    en_query, en_doc, en_other = hybrid.encode(
        [
            "monitoring elderly people living alone",
            "checking on seniors who live by themselves",
            "snow removal on roads",
        ]
    )
    assert en_query @ en_doc > en_query @ en_other


def test_only_the_averages_of_word_vectors_are_centred(real_encoders):
    assert real_encoders["ginza"].centred_blocks() == (slice(0, 300),)
    assert real_encoders["hybrid"].centred_blocks() == (
        real_encoders["hybrid"].component_slices()["ginza-sif"],
    )
    assert (
        real_encoders["lexical"].centred_blocks() == real_encoders["minilm"].centred_blocks() == ()
    )
    # A component's block moves with it: chiVe after the character block.
    behind = HybridEncoder([(real_encoders["lexical"], 0.5), (real_encoders["ginza"], 0.5)])
    start = real_encoders["lexical"].dim
    assert behind.centred_blocks() == (slice(start, start + 300),)


def test_fingerprints_name_the_weights(real_encoders):
    fingerprints = {name: e.fingerprint for name, e in real_encoders.items()}
    assert len(set(fingerprints.values())) == len(fingerprints)
    assert "minilm" in fingerprints["minilm"] and "ja_ginza" in fingerprints["ginza"]
    assert fingerprints["minilm"] in fingerprints["hybrid"]

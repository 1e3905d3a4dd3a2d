"""Embeddings tests: the Encoder contract, the registry and the lexical encoder's state."""

import numpy as np
import pytest

from embeddings import EncoderUnavailableError, load_encoder
from embeddings.lexical import LexicalEncoder
from embeddings.normalise import normalise_text

AWKWARD = {
    "empty": "",
    "blank": "  \n ",
    "huge": "独居高齢者の見守り。" * 10_000,  # 100,000 characters
    "emoji": "見守り🚨👵 alert",
    "controls": "除雪\x00\x1b[31m作業\u202e",
    "kana": "ひとりぐらしのおとしよりのみまもり",
    "katakana": "スマートシティ",
    "english": "snow removal on rural roads",
}


def test_shape_dtype_and_unit_rows(hashing):
    vectors = hashing.encode(["独居高齢者の見守り", "道路の除雪", "snow"])
    assert vectors.shape == (3, hashing.dim) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_a_single_string_is_one_text(hashing):
    one = hashing.encode("道路の除雪")
    assert one.shape == (1, hashing.dim)
    np.testing.assert_array_equal(one, hashing.encode(["道路の除雪"]))


def test_deterministic_and_normalised_input(hashing):
    np.testing.assert_array_equal(hashing.encode("ＡＢＣ"), hashing.encode("ABC"))


@pytest.mark.parametrize("kind", sorted(AWKWARD))
def test_awkward_texts_never_crash(hashing, kind):
    vector = hashing.encode(AWKWARD[kind])
    assert np.isfinite(vector).all()
    norm = np.linalg.norm(vector)
    assert norm == 0.0 if kind in ("empty", "blank") else abs(norm - 1) < 1e-5


def test_empty_sequence(hashing):
    assert hashing.encode([]).shape == (0, hashing.dim)


def test_progress_counts_every_text(hashing):
    seen = []
    hashing.encode(["a"] * 10, batch_size=3, progress=seen.append)
    assert seen == [3, 3, 3, 1]


def test_bad_role_names_the_choices(hashing):
    with pytest.raises(ValueError, match=r"role='answer'.*query, document"):
        hashing.encode("x", role="answer")


def test_bad_input_type(hashing):
    with pytest.raises(TypeError):
        hashing.encode(42)


def test_unknown_encoder_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown encoder 'bert'.*hybrid.*ginza.*st:<model>"):
        load_encoder("bert")


def test_unknown_option_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown option\(s\) colour.*valid options: dim"):
        load_encoder("hashing", colour="red")


def test_bad_lexical_option_value():
    with pytest.raises(ValueError, match=r"analyzer='bytes'.*char"):
        LexicalEncoder(analyzer="bytes")


def test_st_model_not_on_disk_is_refused_without_network(no_network, tmp_path):
    with pytest.raises(EncoderUnavailableError, match="never downloads"):
        load_encoder("st:musubi-test/does-not-exist")
    with pytest.raises(EncoderUnavailableError):
        load_encoder(f"st:{tmp_path / 'empty-dir'}")


def test_fingerprint_tracks_vector_changing_options():
    a = LexicalEncoder(analyzer="char", dim=64)
    assert a.fingerprint == LexicalEncoder(analyzer="char", dim=64).fingerprint
    assert a.fingerprint != LexicalEncoder(analyzer="char", dim=128).fingerprint
    assert a.fingerprint != LexicalEncoder(analyzer="char", dim=64, tf="raw").fingerprint


def test_lexical_idf_state_round_trip(tmp_path):
    corpus = ["道路の除雪", "独居高齢者の見守り", "高齢者の移動支援", "除雪車の運行管理"]
    unfitted = LexicalEncoder(analyzer="char", dim=128)
    fitted = LexicalEncoder(analyzer="char", dim=128).fit(corpus)
    assert fitted.fingerprint != unfitted.fingerprint
    fitted.save_state(tmp_path / "idf.npz")
    reloaded = LexicalEncoder(analyzer="char", dim=128, state=tmp_path / "idf.npz")
    assert reloaded.fingerprint == fitted.fingerprint
    np.testing.assert_array_equal(reloaded.encode(corpus), fitted.encode(corpus))
    with pytest.raises(ValueError, match="not fitted"):
        unfitted.save_state(tmp_path / "none.npz")


def test_lexical_word_analyzer_finds_shared_words():
    encoder = LexicalEncoder(analyzer="word", dim=256)
    a, b, c = encoder.encode(["高齢者の見守りサービス", "高齢者向けの見守りサービス", "道路の除雪"])
    assert a @ b > 0.5 > a @ c


def test_content_queries_read_a_query_by_its_content_characters_and_documents_whole():
    plain = LexicalEncoder(analyzer="char", ngram_range=(1, 3), dim=256)
    content = LexicalEncoder(analyzer="char", ngram_range=(1, 3), dim=256, content_queries=True)
    text = "除雪をしたい、ＩｏＴで"  # 全角 Latin letters are normalised to ASCII first
    kept = content._analyse_query(normalise_text(text))  # as encode reads it
    assert "除雪" in kept and "雪を" in kept and "iot" in kept
    assert not {"を", "した", "たい", "い、"} & set(kept)
    # A query with no content character keeps every n-gram rather than reading as nothing.
    assert content._analyse_query("ゆきかき") == plain._analyse("ゆきかき")
    # Documents are read whole, so the index, the cache and their fingerprint stay as they are.
    np.testing.assert_array_equal(content.encode([text]), plain.encode([text]))
    assert content.fingerprint == plain.fingerprint
    assert content.query_fingerprint != plain.query_fingerprint == plain.fingerprint
    query = content.encode([text], role="query")[0]
    np.testing.assert_array_equal(plain.encode([text], role="query")[0], plain.encode([text])[0])
    assert 0 < query @ content.encode(["除雪 iot"])[0] and query @ content.encode([text])[0] < 1
    # Grammar alone no longer meets grammar: 「をしたい、」 shares no n-gram with the query.
    assert query @ content.encode(["をしたい、"])[0] == pytest.approx(0.0, abs=1e-6)


def test_the_hybrid_reads_queries_by_content_characters_and_says_so():
    hybrid = load_encoder("hybrid")
    assert hybrid.query_fingerprint == f"{hybrid.fingerprint}|query=lexical-char:content-ngrams"
    assert load_encoder("hybrid", lexical_content_queries=False).query_fingerprint == (
        load_encoder("hybrid").fingerprint
    )
    assert load_encoder("hashing").query_fingerprint == load_encoder("hashing").fingerprint

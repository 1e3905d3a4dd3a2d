"""Word alignment with the word rows `musubi index` stores: the same coverage as tokenising,
read from the file; a file that cannot serve is passed over."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from embeddings import load_encoder
from embeddings.align import WordAligner
from embeddings.word_rows import WordRows, text_key
from matcher.index.texts import Text, iter_texts
from matcher.index.words import refresh_word_rows, words_path
from matcher.modes.procurement import ProcurementQuery, candidate_pool
from matcher.retrieval.matcher import Matcher
from matcher.settings import Settings, load_settings
from matcher.store.session import Store, open_store
from tests.support import Musubi

TEXTS = [
    "高齢者の見守りをセンサーで行う",
    "除雪車の運行を最適化するシステム",
    "AIでクマの出没を検知して通知",
    "",
]


@pytest.fixture(scope="module")
def aligner() -> WordAligner:
    found = WordAligner.of(load_encoder("hybrid"))
    assert found is not None
    return found


def test_saved_rows_come_back_by_text(tmp_path: Path, aligner: WordAligner) -> None:
    entries = {text_key(t): aligner.tokenise(t) for t in TEXTS}
    path = tmp_path / "index.words"
    WordRows.of(entries).save(path, "fp")
    loaded = WordRows.load(path, "fp")
    assert loaded is not None and len(loaded) == len(TEXTS)
    for text in TEXTS:
        np.testing.assert_array_equal(loaded.find(text_key(text)), aligner.tokenise(text))
    assert loaded.find(text_key("どこにもない文")) is None
    keys = np.array([text_key(TEXTS[1]), text_key("ない")], dtype=np.uint64)
    assert list(loaded.entries(keys)) == [text_key(TEXTS[1])]
    assert loaded.rows.dtype == np.uint16  # chiVe's 20,000 rows fit in two bytes


def test_a_file_that_cannot_serve_is_passed_over(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "index.words"
    assert WordRows.load(path, "fp") is None  # none yet: no warning
    WordRows.of({text_key("a"): np.array([1, 2])}).save(path, "fp")
    with caplog.at_level(logging.WARNING):
        assert WordRows.load(path, "other") is None
        path.write_bytes(path.read_bytes()[:-70])
        assert WordRows.load(path, "fp") is None
        path.write_bytes(b"not rows")
        assert WordRows.load(path, "fp") is None
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "other word vectors" in messages and "truncated" in messages
    assert "not a word rows file" in messages


def test_words_are_read_from_the_file_before_tokenising(
    tmp_path: Path, aligner: WordAligner
) -> None:
    path = tmp_path / "index.words"
    # A stored entry that differs from the tokenised words shows which one was read.
    WordRows.of({text_key(TEXTS[0]): np.array([7, 8, 9])}).save(path, aligner.ginza.fingerprint)
    stored = WordAligner(aligner.ginza, WordRows.load(path, aligner.ginza.fingerprint))
    np.testing.assert_array_equal(stored.words(TEXTS[0]), [7, 8, 9])
    np.testing.assert_array_equal(stored.words(TEXTS[1]), aligner.tokenise(TEXTS[1]))


def test_coverage_is_each_query_words_best_twin(aligner: WordAligner) -> None:
    query = aligner.tokenise("独居高齢者の見守りと安否確認")
    documents = [aligner.tokenise(t) for t in TEXTS] + [query, np.zeros(0, dtype=np.int64)]
    found = aligner.coverage(query, documents)
    weights = aligner.ginza._vectors.sif[query]
    for doc, value in zip(documents, found, strict=True):
        expected = 0.0
        if len(doc):
            best = (aligner.unit[query] @ aligner.unit[doc].T).max(axis=1)
            expected = float(best @ weights / weights.sum())
        assert value == pytest.approx(expected, abs=1e-6)
    assert found[-2] == pytest.approx(1.0) and found[-1] == 0.0
    assert found[0] > found[1]  # 見守り against 除雪
    assert not aligner.coverage(np.zeros(0, dtype=np.int64), documents).any()


def _indexed(home: Path) -> tuple[Settings, Store, list[Text]]:
    """A seed store of 100 organisations indexed with GiNZA's encoder, and its texts."""
    musubi = Musubi(home, encoder="ginza")
    assert musubi("demo", "--size", "100").exit_code == 0
    assert musubi("index").exit_code == 0
    settings = load_settings({"home": str(home), "encoder": "ginza"}, environ={})
    store = open_store(settings)
    return settings, store, list(iter_texts(store))


def test_index_saves_every_offer_and_profile_and_procurement_reads_them(tmp_path: Path) -> None:
    settings, store, texts = _indexed(tmp_path / "home")
    m = Matcher(store, settings)
    aligner = m.aligner
    assert aligner is not None and aligner.stored is not None
    wanted = {t.content for t in texts if t.role in ("offer", "profile")}
    assert len(aligner.stored) == len(wanted)
    for content in list(wanted)[:50]:
        np.testing.assert_array_equal(
            aligner.stored.find(text_key(content)), aligner.tokenise(content)
        )
    # Current: nothing is tokenised again.
    assert refresh_word_rows(settings, m.search.encoder, texts) == 0

    q = ProcurementQuery(text="一人暮らしの高齢者の安否を毎日確認したい")
    stored = candidate_pool(m, q).rows
    aligner.stored, aligner._cache = None, type(aligner._cache)()
    tokenised = candidate_pool(m, q).rows
    assert stored.ids == tokenised.ids
    np.testing.assert_allclose(stored.column("word_fit"), tokenised.column("word_fit"))
    assert stored.column("word_fit").max() > 0


def test_a_changed_text_is_tokenised_again(tmp_path: Path) -> None:
    settings, _, texts = _indexed(tmp_path / "home")
    encoder = load_encoder("ginza")
    before = WordRows.load(words_path(settings), WordAligner.of(encoder).ginza.fingerprint)
    changed = [
        type(t)(t.org_id, t.role, t.position, t.content + "。ドローンで配送", t.kind)
        if t.role == "offer"
        else t
        for t in texts
    ]
    offers = len({t.content for t in changed if t.role == "offer"})
    assert refresh_word_rows(settings, encoder, changed) == offers
    after = WordRows.load(words_path(settings), WordAligner.of(encoder).ginza.fingerprint)
    assert before is not None and after is not None
    assert len(after) == len({t.content for t in changed if t.role in ("offer", "profile")})
    assert after.find(text_key(texts[0].content)) is not None  # a profile, kept

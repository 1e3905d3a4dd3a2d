"""Embeddings tests: text normalisation and script detection."""

from embeddings import MAX_CHARS, japanese_share, normalise_text, text_hash


def test_nfkc_folds_full_and_half_width():
    assert normalise_text("ＡＢＣ１２３　ｶﾀｶﾅ") == "ABC123 カタカナ"


def test_controls_and_format_characters_are_removed_whitespace_collapsed():
    text = "\ufeff独居\u0000高齢者\x07の\u200b見守り\t\r\n  サービス "
    assert normalise_text(text) == "独居高齢者の見守り サービス"


def test_emoji_are_kept():
    assert normalise_text("見守り👵🏻 👨\u200d👩\u200d👧") == "見守り👵🏻 👨\u200d👩\u200d👧"


def test_lone_surrogates_do_not_break_hashing():
    text = normalise_text("壊れた\ud800文字")
    assert text == "壊れた文字"
    assert len(text_hash(text)) == 16


def test_empty_and_none():
    assert normalise_text("") == ""
    assert normalise_text(None) == ""
    assert normalise_text(" \n\t ") == ""


def test_long_texts_are_cut_to_the_documented_limit():
    text = "除雪" * 50_000  # 100,000 characters, 300 kB of UTF-8
    assert len(normalise_text(text)) == MAX_CHARS


def test_japanese_share():
    assert japanese_share("独居高齢者の見守り") == 1.0
    assert japanese_share("snow removal") == 0.0
    assert japanese_share("IoT見守り") == 0.5
    assert japanese_share("123 !!") == 0.0

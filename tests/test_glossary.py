"""English challenges glossed into Japanese terms for cross-language matching."""

from matcher.glossary import gloss


def test_words_and_their_inflections_are_glossed():
    reading = gloss("Bears keep wandering into residential streets at dawn").split()
    for term in ("熊", "クマ", "徘徊", "住宅地", "道路", "早朝"):
        assert term in reading


def test_a_phrase_wins_over_its_words():
    reading = gloss("snow removal on rural roads").split()
    assert reading[:2] == ["除雪", "排雪"]
    assert "雪" not in reading  # “snow” was read as part of the phrase, not again alone


def test_possessives_and_curly_apostrophes_are_read_as_the_word():
    assert gloss("the children’s way to school").split()[:2] == ["子ども", "児童"]
    assert "通学路" in gloss("the children's way to school")


def test_japanese_and_unknown_text_have_no_gloss():
    assert gloss("独居高齢者の見守り") == ""
    assert gloss("IoT見守りサービス") == ""  # Japanese with Latin acronyms stays Japanese
    assert gloss("lorem ipsum dolor") == ""


def test_each_term_is_given_once():
    reading = gloss("elderly residents and elderly visitors").split()
    assert reading.count("高齢者") == 1

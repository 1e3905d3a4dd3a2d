"""English challenges glossed into Japanese terms for cross-language matching."""

from types import SimpleNamespace

import numpy as np
import pytest

from embeddings import load_encoder
from matcher.facts import terms
from matcher.facts.glossary import GLOSSARY_FILE, GlossaryError, gloss, key_terms_of, load_glossary
from matcher.retrieval.matcher import Matcher, blended


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


def test_the_key_terms_of_english_text_are_japanese_words_acronyms_and_the_reading():
    english = key_terms_of("We need AI and IoT sensors that detect water leaks early")
    assert {"漏水", "センサー", "AI", "IoT"} <= set(english)
    # No English word: Japanese profiles never contain them, and no run of words glued together.
    assert not [t for t in english if t.isascii() and t not in ("AI", "IoT")]
    mixed = key_terms_of("除雪 robots for mountain roads")
    assert "除雪" in mixed and "道路" in mixed and not [t for t in mixed if t.isascii()]
    assert key_terms_of("独居高齢者の見守り") == terms.key_terms("独居高齢者の見守り")


def test_a_space_ends_a_compound():
    assert terms.key_terms("除雪 担い手") == ("除雪", "担い手")
    assert terms.key_terms("独居高齢者の見守り")[:3] == ("独居高齢者", "独居", "高齢者")


def test_the_glossary_file_loads_in_order() -> None:
    entries = load_glossary()
    assert len(entries) >= 400
    assert list(entries)[:2] == ["elderly", "older people"]
    assert entries["snow removal"] == "除雪 排雪"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("snow plough 除雪車", "expected English, a tab and Japanese terms"),
        ("snow plough\t除雪車\tmore", "expected English, a tab and Japanese terms"),
        ("snow plough\t ", "empty Japanese"),
        ("\t除雪車", "empty English"),
        ("Snow Plough\t除雪車", "is not lower-case words"),
        ("snow  plough\t除雪車", "is not lower-case words"),
        ("snow removal\t除雪", "'snow removal' is already on line"),
    ],
)
def test_a_malformed_glossary_line_is_named(tmp_path, line: str, problem: str) -> None:
    text = GLOSSARY_FILE.read_text(encoding="utf-8")
    broken = tmp_path / "glossary.tsv"
    broken.write_text(text + line + "\n", encoding="utf-8")
    with pytest.raises(GlossaryError) as caught:
        load_glossary(broken)
    assert str(caught.value).startswith(f"{broken}, line {text.count(chr(10)) + 1}: ")
    assert problem in str(caught.value)


def test_an_empty_glossary_is_refused(tmp_path) -> None:
    empty = tmp_path / "glossary.tsv"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match="no entries"):
        load_glossary(empty)


def test_an_english_query_is_read_as_itself_and_as_its_gloss() -> None:
    encoder = load_encoder("hashing")
    m = Matcher.__new__(Matcher)  # only the encoder is read
    m.search = SimpleNamespace(encode_queries=lambda texts: encoder.encode(texts, role="query"))
    text = "We cannot find enough workers to clear snow from the roads"
    own, glossed = m.query_readings(text)
    np.testing.assert_allclose(own, encoder.encode([text], role="query")[0], atol=1e-6)
    np.testing.assert_allclose(glossed, encoder.encode([gloss(text)], role="query")[0], atol=1e-6)
    both = m.query_vector(text)
    np.testing.assert_allclose(both, blended(np.vstack([own, glossed])), atol=1e-6)
    assert abs(np.linalg.norm(both) - 1) < 1e-5 and 0 < both @ own < 1 and 0 < both @ glossed < 1
    (japanese,) = m.query_readings("除雪の担い手が足りない")
    np.testing.assert_allclose(m.query_vector("除雪の担い手が足りない"), japanese, atol=1e-6)

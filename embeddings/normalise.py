"""Embeddings stage, step 0: the one text normalisation every encoder, cache and index uses."""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = [
    "MAX_CHARS",
    "NORMALISATION_VERSION",
    "holds_content",
    "japanese_share",
    "normalise_text",
    "text_hash",
]

#: Characters kept after normalisation. Profiles and challenges are a few hundred characters;
#: 10,000 keeps any real document whole while bounding tokenisation cost (SudachiPy, char n-grams)
#: for pasted 100 kB blobs. Dense transformer models read far less anyway (MiniLM: 256 tokens).
MAX_CHARS = 10_000

#: Bump whenever normalise_text changes its output: it is part of every encoder fingerprint,
#: so cached vectors and saved indexes built with the old rules are invalidated.
NORMALISATION_VERSION = 1

# Zero-width joiner stays: emoji sequences (👨‍👩‍👧) are built with it and are harmless.
_KEEP_FORMAT = {"\u200d"}


def _keep(char: str) -> bool:
    category = unicodedata.category(char)
    if category == "Cc":
        return char in "\t\n\r"  # become spaces below; other controls are noise from bad exports
    if category == "Cf":
        return char in _KEEP_FORMAT  # BOM, zero-width space, bidi marks: invisible, split words
    return category != "Cs"  # lone surrogates cannot be UTF-8 encoded (hashing, SQLite)


def _breaks_as_spaces(text: str) -> str:
    return text.replace("\n", " ").replace("\t", " ").replace("\r", " ")


def normalise_text(text: str | None, *, max_chars: int = MAX_CHARS) -> str:
    """Return the canonical form of ``text`` that every encoder sees.

    NFKC (全角英数 → ASCII, 半角カナ → 全角カナ, ① → 1), control and format characters
    removed, whitespace runs collapsed to one space, stripped, and cut to ``max_chars``
    characters. ``None`` becomes ``""``. Emoji are kept.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}: {text!r:.60}")
    # Cut early (with slack for characters NFKC or the filter removes) so 100 kB inputs stay cheap.
    text = text[: max_chars * 2]
    text = unicodedata.normalize("NFKC", text)
    # Nearly every text is printable apart from its line breaks; only the rest need the
    # character-by-character filter (which costs more than all the other steps together).
    if not text.isprintable() and not _breaks_as_spaces(text).isprintable():
        text = "".join(char for char in text if _keep(char))
    text = " ".join(text.split())  # str.split() splits on exactly the characters \s matches
    return text[:max_chars].rstrip()


def text_hash(normalised: str) -> bytes:
    """16-byte digest of an already normalised text (the embedding cache key)."""
    return hashlib.blake2b(normalised.encode("utf-8"), digest_size=16).digest()


def _is_japanese(char: str) -> bool:
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0x31F0 <= code <= 0x31FF  # katakana phonetic extensions
        or code == 0x3005  # 々
    )


#: Kanji (with 々 〆 ヶ), katakana (with ー), Latin letters and digits, as normalise_text leaves
#: them: what carries content in Japanese business text. Hiragana and punctuation alone are
#: grammar (する, ている, 、) that every text shares.
_CONTENT_CHARACTER = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff々〆ヶ\u30a1-\u30fa\u30fcA-Za-z0-9]")


def holds_content(term: str) -> bool:
    """Whether any character of ``term`` (a character, an n-gram, a word) carries content
    (see _CONTENT_CHARACTER) rather than grammar."""
    return _CONTENT_CHARACTER.search(term) is not None


def japanese_share(text: str) -> float:
    """Share of letters that are kana or kanji, in [0, 1]; 0.0 when ``text`` has no letters.

    Digits, punctuation, symbols and emoji are ignored, so 「IoT見守り」 counts 3 Latin and
    3 Japanese letters. Used by the hybrid encoder to route English and mixed text to MiniLM.
    """
    japanese = latin = 0
    for char in text:
        if _is_japanese(char):
            japanese += 1
        elif char.isalpha():
            latin += 1
    letters = japanese + latin
    return japanese / letters if letters else 0.0

"""Embeddings stage, Japanese tokenisation: SudachiPy words for the ginza and lexical encoders."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from embeddings.base import EncoderUnavailableError

__all__ = ["CONTENT_POS", "SudachiTokenizer", "Token", "shared_dictionary"]

#: Sudachi part-of-speech heads that carry meaning; particles, auxiliaries and symbols do not.
CONTENT_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞", "副詞", "接頭辞", "接尾辞"})

# Sudachi refuses inputs above ~49 kB of UTF-8; chunks of 4,000 characters (≤ 16 kB) stay far
# below it even for 4-byte emoji, and split on sentence ends where possible.
_CHUNK_CHARS = 4_000


@dataclass(frozen=True, slots=True)
class Token:
    surface: str
    normalized: (
        str  # Sudachi 正規化形: the form chiVe is trained on (附属 → 付属, 打込む → 打ち込む)
    )
    pos: str  # POS head: 名詞, 動詞, …
    pos_detail: str  # second POS level: 普通名詞, 非自立可能, 数詞, …

    @property
    def is_content(self) -> bool:
        if self.pos not in CONTENT_POS:
            return False
        # する/ある/いる and 数詞 are everywhere and say nothing about a challenge or a supplier.
        return self.pos_detail not in {"非自立可能", "数詞"}


def _chunks(text: str) -> list[str]:
    chunks = []
    while len(text) > _CHUNK_CHARS:
        cut = max(text.rfind(mark, 0, _CHUNK_CHARS) for mark in "。.!?! ")
        cut = cut + 1 if cut > _CHUNK_CHARS // 2 else _CHUNK_CHARS
        chunks.append(text[:cut])
        text = text[cut:]
    chunks.append(text)
    return chunks


_dictionary = None
_dictionary_lock = threading.Lock()


def shared_dictionary():  # -> sudachipy.Dictionary (imported on first use)
    """The process's one SudachiPy core dictionary, loaded on first use (~70 MB).

    A ``Dictionary`` may be shared by threads; a ``Tokenizer`` may not (SudachiPy raises when
    two threads use one). So every thread makes its own tokenizer from this dictionary: a
    tokenizer costs well under a megabyte, a dictionary loaded per thread cost ~70 MB each,
    3 GB under `musubi serve`'s threads.
    """
    global _dictionary
    if _dictionary is None:
        with _dictionary_lock:
            if _dictionary is None:
                try:  # deferred: importing SudachiPy and reading the dictionary are heavy
                    from sudachipy import Dictionary
                except ImportError as error:  # pragma: no cover - dependency of the project
                    raise EncoderUnavailableError(
                        "SudachiPy is not installed: pip install 'sudachipy<0.7' sudachidict_core"
                    ) from error
                _dictionary = Dictionary(dict="core")
    return _dictionary


class SudachiTokenizer:
    """SudachiPy with the core dictionary, split mode C (GiNZA's default): one dictionary per
    process, one lightweight tokenizer per thread."""

    def __init__(self, mode: str = "C") -> None:
        if mode not in {"A", "B", "C"}:
            raise ValueError(f"mode={mode!r} is not valid; choose one of A, B, C")
        self.mode = mode
        self._local = threading.local()

    def _tokenizer(self):
        tokenizer = getattr(self._local, "tokenizer", None)
        if tokenizer is None:
            tokenizer = shared_dictionary().create(mode=self.mode)
            self._local.tokenizer = tokenizer
        return tokenizer

    def tokenize(self, text: str) -> list[Token]:
        """All tokens of ``text`` except whitespace."""
        tokenizer = self._tokenizer()
        tokens = []
        for chunk in _chunks(text):
            for morpheme in tokenizer.tokenize(chunk):
                pos = morpheme.part_of_speech()
                if pos[0] == "空白":
                    continue
                tokens.append(Token(morpheme.surface(), morpheme.normalized_form(), pos[0], pos[1]))
        return tokens

    def reading(self, text: str) -> str:
        """The reading of ``text`` in katakana (鯖江市 → サバエシ); words without one are kept as
        written."""
        tokenizer = self._tokenizer()
        return "".join(
            morpheme.reading_form() or morpheme.surface()
            for chunk in _chunks(text)
            for morpheme in tokenizer.tokenize(chunk)
        )

    def content_words(self, text: str) -> list[str]:
        """Normalised forms of the content words of ``text`` (lower-cased for Latin script)."""
        return [token.normalized.lower() for token in self.tokenize(text) if token.is_content]

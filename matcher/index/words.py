"""Indexing, word rows: the content words of every offer and profile as chiVe vector rows,
saved beside the index (``embeddings.word_rows``) by a run that reads every text, so that
procurement's word alignment reads them instead of tokenising its candidates."""

from __future__ import annotations

from pathlib import Path

from embeddings.align import WordAligner
from embeddings.base import Encoder
from embeddings.word_rows import refresh
from matcher.index.texts import Text
from matcher.settings import Settings

ROLES = ("offer", "profile")  # what a challenge is aligned with


def words_path(settings: Settings) -> Path:
    return settings.home_path / "index.words"


def refresh_word_rows(settings: Settings, encoder: Encoder, texts: list[Text]) -> int:
    """Save the word rows of ``texts``' offers and profiles (every text in the store), the
    saved file's reused; returns how many texts were tokenised. An encoder without chiVe
    vectors saves nothing."""
    aligner = WordAligner.of(encoder)
    if aligner is None:
        return 0
    contents = (t.content for t in texts if t.role in ROLES)
    return refresh(words_path(settings), aligner.ginza.fingerprint, contents, aligner.tokenise)

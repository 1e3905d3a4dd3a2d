"""Indexing, word rows: the content words of every offer and profile as chiVe vector rows,
saved beside the index (``embeddings.word_rows``) by a run that reads every text, so that
procurement's word alignment reads them instead of tokenising its candidates."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from embeddings.align import WordAligner
from embeddings.base import Encoder
from embeddings.word_rows import WordRows, text_key
from matcher.index.texts import Text
from matcher.settings import Settings

log = logging.getLogger(__name__)

ROLES = ("offer", "profile")  # what a challenge is aligned with


def words_path(settings: Settings) -> Path:
    return settings.home_path / "index.words"


def refresh_word_rows(settings: Settings, encoder: Encoder, texts: list[Text]) -> int:
    """Save the word rows of ``texts``' offers and profiles (every text in the store), the
    saved file's reused; returns how many texts were tokenised. An encoder without chiVe
    vectors saves nothing. A failed save (a full disk) leaves the previous file, which only
    costs queries the time of tokenising what it lacks."""
    aligner = WordAligner.of(encoder)
    if aligner is None:
        return 0
    path = words_path(settings)
    fingerprint = aligner.ginza.fingerprint
    saved = WordRows.load(path, fingerprint)
    wanted = {text_key(t.content): t.content for t in texts if t.role in ROLES}
    keys = np.fromiter(wanted, dtype=np.uint64, count=len(wanted))
    entries = saved.entries(keys) if saved is not None else {}
    if saved is not None and len(entries) == len(wanted) == len(saved):
        return 0
    missing = [key for key in wanted if key not in entries]
    for key in missing:
        entries[key] = aligner.tokenise(wanted[key])
    try:
        WordRows.of(entries).save(path, fingerprint)
    except OSError as error:
        log.warning("word rows not saved to %s: %s", path, error)
    return len(missing)

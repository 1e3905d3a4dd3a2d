"""Indexing, key terms of needs: every need's key terms (``facts.terms.key_terms``) saved beside
the index by a run that reads every text, so that joint (both needs of each pair) and partners
(the needs their coverage and shared terms read) do not tokenise them (SudachiPy, ~0.5 ms a
need: at 100,000 organisations the candidates' needs doubled a joint match's p95 while the memo
of key terms warmed up).

The terms are stored as code points in the word rows' layout (``embeddings.word_rows``), one
entry per need by a hash of its content; a need the file lacks is tokenised as before, and a
file made by other code or another dictionary (another fingerprint) is passed over.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from pathlib import Path

import numpy as np

from embeddings.word_rows import WordRows, refresh, text_key
from matcher.facts import terms
from matcher.index.texts import Text
from matcher.settings import Settings

SEPARATOR = "\n"  # never inside a term: normalising makes every whitespace a space


def terms_path(settings: Settings) -> Path:
    return settings.home_path / "index.terms"


def fingerprint() -> str:
    """Changes with the code that finds key terms and with the dictionary it reads."""
    digest = hashlib.sha256(Path(terms.__file__).read_bytes())
    for package in ("sudachipy", "sudachidict_core"):
        digest.update(importlib.metadata.version(package).encode())
    return f"key-terms|{digest.hexdigest()[:16]}"


def _encoded(found: tuple[str, ...]) -> np.ndarray:
    return np.frombuffer(SEPARATOR.join(found).encode("utf-32-le"), dtype=np.uint32)


def _decoded(rows: np.ndarray) -> tuple[str, ...]:
    text = rows.astype(np.uint32).tobytes().decode("utf-32-le")
    return tuple(text.split(SEPARATOR)) if text else ()


class NeedTerms:
    """Key terms of texts, read from the saved file where it holds them."""

    def __init__(self, saved: WordRows | None) -> None:
        self.saved = saved

    @classmethod
    def load(cls, path: Path) -> NeedTerms:
        return cls(WordRows.load(path, fingerprint()))

    def key_terms(self, text: str) -> tuple[str, ...]:
        found = self.saved.find(text_key(text)) if self.saved is not None else None
        return _decoded(found) if found is not None else terms.key_terms(text)


def refresh_need_terms(settings: Settings, texts: list[Text]) -> int:
    """Save the key terms of ``texts``' needs (every text in the store), the saved file's
    reused; returns how many needs were tokenised."""
    needs = (t.content for t in texts if t.role == "need")
    return refresh(
        terms_path(settings), fingerprint(), needs, lambda need: _encoded(terms.key_terms(need))
    )

"""Embeddings stage, word alignment: how much of one text's meaning another text covers, word
by word (each content word of the first finds its nearest word in the second, by chiVe cosine).

A sentence vector averages its words, so a supplier's offer that names the remedy in other words
than the challenge blurs into everything else it says; aligning words keeps each of the
challenge's words in view. Weighted like the SIF sentence vectors (rare words count most).
Indexed texts' words are read from the rows ``musubi index`` stored (``word_rows``); other texts
are tokenised.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from embeddings.base import Encoder
from embeddings.ginza import GinzaEncoder
from embeddings.hybrid import HybridEncoder
from embeddings.normalise import normalise_text
from embeddings.word_rows import WordRows, text_key

CACHE = 262_144  # texts whose words are kept (candidates recur from query to query): ~60 MB


class WordAligner:
    """Word alignment over the chiVe vectors of a GinzaEncoder (``words`` are vector rows)."""

    def __init__(self, ginza: GinzaEncoder, stored: WordRows | None = None) -> None:
        self.ginza = ginza
        self.stored = stored
        self._unit: np.ndarray | None = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def of(cls, encoder: Encoder, stored: Path | None = None) -> WordAligner | None:
        """The aligner of ``encoder``'s chiVe vectors, None when it has none (MiniLM, hashing);
        with the word rows saved at ``stored`` when they were made for those vectors."""
        parts = encoder.encoders if isinstance(encoder, HybridEncoder) else [encoder]
        for part in parts:
            if isinstance(part, GinzaEncoder):
                rows = WordRows.load(stored, part.fingerprint) if stored is not None else None
                return cls(part, rows)
        return None

    @property
    def unit(self) -> np.ndarray:
        """The vector table with unit rows, made once."""
        if self._unit is None:
            table = self.ginza._vectors.table
            norms = np.linalg.norm(table, axis=1, keepdims=True)
            self._unit = table / np.where(norms > 0, norms, 1.0)
        return self._unit

    def words(self, text: str) -> np.ndarray:
        """The distinct vector rows of ``text``'s content words, remembered per text."""
        with self._lock:
            found = self._cache.get(text)
            if found is not None:
                self._cache.move_to_end(text)
                return found
        rows = self.stored.find(text_key(text)) if self.stored is not None else None
        if rows is None:
            rows = self.tokenise(text)
        with self._lock:
            self._cache[text] = rows
            while len(self._cache) > CACHE:
                self._cache.popitem(last=False)
        return rows

    def tokenise(self, text: str) -> np.ndarray:
        """The distinct vector rows of ``text``'s content words, sorted, read afresh."""
        return np.array(
            sorted({row for _, row in self.ginza._words(normalise_text(text))}), dtype=np.int64
        )

    def coverage(self, query: np.ndarray, documents: list[np.ndarray]) -> np.ndarray:
        """For each document (word rows), the weighted mean over the query's words of their
        best cosine with a word of the document: 1 when every word has its twin. Array of
        shape (len(documents),); 0 for an empty query or document."""
        out = np.zeros(len(documents))
        lengths = np.array([len(doc) for doc in documents], dtype=np.int64)
        if not len(query) or not lengths.sum():
            return out
        # Each distinct word of the documents is compared with the query's words once: the
        # candidates of one query share most of their words.
        vocabulary, inverse = np.unique(np.concatenate(documents), return_inverse=True)
        sims = self.unit[query] @ self.unit[vocabulary].T
        present = lengths > 0
        starts = (np.cumsum(lengths) - lengths)[present]
        best = np.maximum.reduceat(sims[:, inverse], starts, axis=1)
        weights = self.ginza._vectors.sif[query]
        out[present] = weights @ best / weights.sum()
        return out

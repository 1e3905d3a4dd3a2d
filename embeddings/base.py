"""Embeddings stage, step 1: the Encoder interface every text → vector implementation follows."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from embeddings.normalise import NORMALISATION_VERSION, normalise_text

__all__ = [
    "ENCODING_ROLES",
    "Encoder",
    "EncoderUnavailableError",
    "Progress",
    "Role",
    "coerce_texts",
    "check_role",
    "file_digest",
    "l2_normalise",
]

Role = Literal["query", "document"]
ENCODING_ROLES: tuple[str, ...] = ("query", "document")

#: Called after each batch with the number of texts just finished (``tqdm.update`` fits).
Progress = Callable[[int], object]


class EncoderUnavailableError(RuntimeError):
    """An encoder cannot be built here: a model is not on disk or a package is missing."""


def coerce_texts(texts: str | Sequence[str | None]) -> list[str]:
    """Accept one text or a sequence of texts; return a new list (``None`` items become "")."""
    if isinstance(texts, str):
        return [texts]
    if isinstance(texts, bytes) or not isinstance(texts, Sequence):
        raise TypeError(f"texts must be a str or a sequence of str, got {type(texts).__name__}")
    return ["" if text is None else text for text in texts]


def check_role(role: str) -> str:
    if role not in ENCODING_ROLES:
        raise ValueError(f"role={role!r} is not valid; choose one of {', '.join(ENCODING_ROLES)}")
    return role


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Scale rows to unit length in place; all-zero rows (empty texts) stay zero."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


_DIGESTS: dict[tuple[str, int, int], str] = {}


def file_digest(path: str | Path, length: int = 12) -> str:
    """Short SHA-256 of a weights file, memoised per (path, size, mtime) within the process."""
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        _DIGESTS[key] = digest.hexdigest()
    return _DIGESTS[key][:length]


class Encoder(ABC):
    """Turns texts into float32, L2-normalised vectors of shape (n_texts, dim).

    Subclasses set ``name`` and ``dim`` and implement ``_encode_batch`` on already
    normalised texts; ``encode`` does coercion, normalisation, batching, progress and the
    final normalisation, so every encoder behaves the same at the boundary.
    Empty texts give all-zero rows (cosine 0 with everything) rather than an error.

    Building an encoder and reading ``name``, ``dim`` and ``fingerprint`` must stay cheap
    (milliseconds): encoders backed by a model read its config and digest its files, and load
    the model on the first ``encode`` that needs it (``is_loaded`` says whether that happened).
    """

    name: str
    dim: int

    @property
    def is_loaded(self) -> bool:
        """Whether the heavy model behind this encoder is in memory (True when there is none)."""
        return True

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything that changes the vectors changes (cache and index key)."""
        return f"{self._fingerprint_parts()}|norm=v{NORMALISATION_VERSION}"

    @property
    def query_fingerprint(self) -> str:
        """``fingerprint``, and how queries are read where they are read unlike documents: what
        a ranking learned from query vectors was learned for. Documents' vectors, the cache and
        the index go by ``fingerprint`` alone."""
        reading = self._query_reading()
        return f"{self.fingerprint}|query={reading}" if reading else self.fingerprint

    def _query_reading(self) -> str:
        """How this encoder reads a query unlike a document ("" when it reads both alike)."""
        return ""

    @abstractmethod
    def _fingerprint_parts(self) -> str:
        """Model identity, weights digest and every vector-changing option."""

    @abstractmethod
    def _encode_batch(self, texts: list[str], role: str) -> np.ndarray:
        """Encode normalised texts; return an array of shape (len(texts), dim)."""

    def encode(
        self,
        texts: str | Sequence[str],
        *,
        role: Role = "document",
        batch_size: int = 64,
        progress: Progress | None = None,
    ) -> np.ndarray:
        """Encode ``texts`` (one str or a sequence) into an array of shape (n_texts, dim).

        ``role`` is "query" or "document": asymmetric models (e5 and friends) prefix them
        differently; symmetric models ignore it.
        """
        items = [normalise_text(text) for text in coerce_texts(texts)]
        check_role(role)
        if batch_size < 1:
            raise ValueError(f"batch_size={batch_size!r} must be a positive integer")
        out = np.zeros((len(items), self.dim), dtype=np.float32)
        for start in range(0, len(items), batch_size):
            batch = items[start : start + batch_size]
            # Empty texts are never sent to a model: transformers embed "" as something, and
            # that something would match every other empty text.
            rows = [i for i, text in enumerate(batch) if text]
            if rows:
                out[[start + i for i in rows]] = self._encode_batch([batch[i] for i in rows], role)
            if progress is not None:
                progress(len(batch))
        return l2_normalise(out)

    def read_in_english(self, vectors: np.ndarray) -> np.ndarray:
        """Which of ``vectors`` (this encoder's) a part reading English alone made, array of
        bool of shape (len(vectors),): none, for an encoder that reads every text alike."""
        return np.zeros(len(np.atleast_2d(vectors)), dtype=bool)

    def centred_blocks(self) -> tuple[slice, ...]:
        """The parts of this encoder's vectors that averages of word vectors fill: such averages
        share a common direction, which fits may read centred (``Matcher.centred``). None here."""
        return ()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} dim={self.dim}>"

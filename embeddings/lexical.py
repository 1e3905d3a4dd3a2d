"""Embeddings stage, lexical encoder: hashed character n-gram / Sudachi word TF(-IDF) vectors."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from murmurhash.mrmr import hash as murmurhash3  # spaCy's dependency; imports in 1 ms

from embeddings.base import Encoder
from embeddings.japanese import SudachiTokenizer
from embeddings.normalise import holds_content, normalise_text

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import HashingVectorizer

__all__ = ["ANALYZERS", "TF_WEIGHTINGS", "LexicalEncoder"]

ANALYZERS = ("char", "word", "char+word")
TF_WEIGHTINGS = ("raw", "sublinear", "bm25")

# Features are hashed at high resolution first (IDF statistics live here, with few collisions)
# and folded to ``dim`` only at the end, so one fitted IDF table serves every output dimension.
_HASH_FEATURES = 1 << 20

#: Batches of at most this many texts (queries) are hashed here in Python instead of by
#: scikit-learn's HashingVectorizer, which gives the same features but takes 0.5 s to import:
#: a third of a cold one-shot query. Larger batches (indexing) use scikit-learn's Cython loop.
_SMALL_BATCH = 16


class LexicalEncoder(Encoder):
    """Sparse lexical evidence as a fixed-size dense vector, so it lives in the FAISS index.

    Each text becomes signed-hashed counts of character n-grams (``analyzer="char"``), of
    SudachiPy content words (``"word"``) or both; term frequencies are damped (``tf``:
    "raw", "sublinear" = 1 + log tf, "bm25" = tf·(k1+1)/(tf+k1)), optionally multiplied by an
    IDF table learned with :meth:`fit`, then folded into ``dim`` buckets with random signs.
    The fold is a sparse Johnson–Lindenstrauss projection: inner products between two texts
    are preserved up to noise of order 1/sqrt(dim) (see benchmarks/bench_encoders.py).

    State: the IDF table (``idf_``) when fitted. Persist it with :meth:`save_state` and pass
    ``state=PATH`` to reload; its digest is part of the fingerprint, so refitting on another
    corpus invalidates cached vectors and saved indexes, as it must.
    """

    def __init__(
        self,
        *,
        analyzer: str = "char",
        ngram_range: tuple[int, int] = (2, 3),
        dim: int = 1024,
        tf: str = "sublinear",
        k1: float = 1.2,
        state: str | os.PathLike | None = None,
        content_queries: bool = False,
    ) -> None:
        if analyzer not in ANALYZERS:
            raise ValueError(f"analyzer={analyzer!r} is not valid; choose one of {ANALYZERS}")
        if tf not in TF_WEIGHTINGS:
            raise ValueError(f"tf={tf!r} is not valid; choose one of {TF_WEIGHTINGS}")
        low, high = ngram_range
        if not 1 <= low <= high:
            raise ValueError(
                f"ngram_range={ngram_range!r} must be (low, high) with 1 <= low <= high"
            )
        if not 1 <= dim <= _HASH_FEATURES:
            raise ValueError(f"dim={dim!r} must be between 1 and {_HASH_FEATURES}")
        self.analyzer = analyzer
        self.ngram_range = (low, high)
        self.dim = dim
        self.tf = tf
        self.k1 = k1
        self.content_queries = content_queries
        self.name = f"lexical-{analyzer}"
        self.idf_: np.ndarray | None = None
        self._words = SudachiTokenizer() if "word" in analyzer else None
        self._hasher_: HashingVectorizer | None = None
        if state is not None:
            self.load_state(state)

    @property
    def _hasher(self) -> HashingVectorizer:
        # scikit-learn takes ~0.5 s to import: pay it on the first encode, not on construction.
        if self._hasher_ is None:
            from sklearn.feature_extraction.text import HashingVectorizer

            self._hasher_ = HashingVectorizer(
                analyzer=self._analyse,
                n_features=_HASH_FEATURES,
                alternate_sign=True,
                norm=None,
                dtype=np.float32,
            )
        return self._hasher_

    def _analyse(self, text: str) -> list[str]:
        text = text.lower()
        terms: list[str] = []
        if "char" in self.analyzer:
            low, high = self.ngram_range
            for n in range(low, high + 1):
                terms.extend(text[i : i + n] for i in range(len(text) - n + 1))
        if self._words is not None:
            terms.extend("w:" + word for word in self._words.content_words(text))
        return terms

    def _analyse_query(self, text: str) -> list[str]:
        """A query's terms, with ``content_queries`` only the character n-grams that hold a
        content character (all of them when none does). A challenge's する, ている and したい
        met every document's grammar: on eval-dev, procurement's nDCG@10 under cross-validation
        rose from 0.851 to 0.863 over ten random assignments of themes to folds, higher in
        each; documents keep every n-gram (read so, partners and joint lost 0.01)."""
        terms = self._analyse(text)
        if not self.content_queries:
            return terms
        kept = [t for t in terms if t.startswith("w:") or holds_content(t)]
        return kept or terms

    def _counts(self, texts: list[str], role: str = "document") -> sp.csr_matrix:
        """Signed hashed counts, shape (n_texts, 2**20)."""
        if role == "query":
            return _hashed_counts([self._analyse_query(text) for text in texts])
        if len(texts) <= _SMALL_BATCH:
            return _hashed_counts([self._analyse(text) for text in texts])
        return self._hasher.transform(texts).tocsr()

    def fit(self, texts: list[str]) -> LexicalEncoder:
        """Learn smoothed IDF weights (as scikit-learn's TfidfTransformer) from a corpus."""
        counts = self._counts([normalise_text(text) for text in texts])
        document_frequency = np.bincount(counts.indices, minlength=_HASH_FEATURES)
        n_documents = counts.shape[0]
        self.idf_ = (np.log((1 + n_documents) / (1 + document_frequency)) + 1).astype(np.float32)
        return self

    def save_state(self, path: str | os.PathLike) -> None:
        """Write the fitted IDF table atomically (compressed .npz)."""
        if self.idf_ is None:
            raise ValueError("this LexicalEncoder is not fitted; call fit(texts) first")
        path = Path(path)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
            np.savez_compressed(handle, idf=self.idf_)
        os.replace(handle.name, path)

    def load_state(self, path: str | os.PathLike) -> None:
        with np.load(Path(path)) as data:
            idf = data["idf"].astype(np.float32)
        if idf.shape != (_HASH_FEATURES,):
            raise ValueError(
                f"{path}: IDF table has shape {idf.shape}, expected ({_HASH_FEATURES},)"
            )
        self.idf_ = idf

    def _fingerprint_parts(self) -> str:
        idf = "none" if self.idf_ is None else hashlib.sha256(self.idf_.tobytes()).hexdigest()[:12]
        low, high = self.ngram_range
        return (
            f"lexical:v1:analyzer={self.analyzer}:ngram={low}-{high}:tf={self.tf}:k1={self.k1}"
            f":dim={self.dim}:idf={idf}"
        )

    def sparse(self, texts: list[str], role: str = "document") -> sp.csr_matrix:
        """Weighted, unfolded features of normalised texts, shape (n_texts, 2**20).

        Exact (collision-free up to 2**20 buckets) reference used by the benchmarks.
        """
        counts = self._counts(texts, role)
        counts.sum_duplicates()
        signs = np.sign(counts.data)
        magnitude = np.abs(counts.data)
        if self.tf == "sublinear":
            # Opposite-signed collisions can cancel to 0; those stay 0 instead of log(0).
            magnitude = np.where(magnitude > 0, 1.0 + np.log(np.maximum(magnitude, 1e-30)), 0.0)
        elif self.tf == "bm25":
            magnitude = magnitude * (self.k1 + 1.0) / (magnitude + self.k1)
        counts.data = (signs * magnitude).astype(np.float32)
        if self.idf_ is not None:
            counts.data *= self.idf_[counts.indices]
        return counts

    def _query_reading(self) -> str:
        return "content-ngrams" if self.content_queries else ""

    def _encode_batch(self, texts: list[str], role: str) -> np.ndarray:
        features = self.sparse(texts, role).tocoo()
        folded = sp.csr_matrix(
            (features.data, (features.row, features.col % self.dim)),
            shape=(len(texts), self.dim),
            dtype=np.float32,
        )
        return folded.toarray()


def _hashed_counts(documents: list[list[str]]) -> sp.csr_matrix:
    """What ``HashingVectorizer(n_features=2**20, alternate_sign=True, norm=None)`` makes of
    analysed documents: each term's signed 32-bit MurmurHash3 of its UTF-8 (seed 0) picks the
    column by its absolute value and the sign by its own; duplicates summed."""
    indices: list[int] = []
    values: list[float] = []
    indptr = [0]
    for terms in documents:
        for term in terms:
            h = murmurhash3(term.encode("utf-8"))
            if h == -(2**31):  # abs() would overflow in C: scikit-learn's own special case
                indices.append((2**31 - 1 - (_HASH_FEATURES - 1)) % _HASH_FEATURES)
            else:
                indices.append(abs(h) % _HASH_FEATURES)
            values.append(1.0 if h >= 0 else -1.0)
        indptr.append(len(indices))
    counts = sp.csr_matrix(
        (np.array(values, dtype=np.float32), np.array(indices, dtype=np.int32), indptr),
        shape=(len(documents), _HASH_FEATURES),
    )
    counts.sum_duplicates()
    return counts

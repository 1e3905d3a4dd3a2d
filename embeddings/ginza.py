"""Embeddings stage, Japanese dense encoder: pooled chiVe word vectors from GiNZA's ja_ginza."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import math
import os
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

try:
    import srsly  # spaCy's serialiser (0.1 s to import), installed with ja-ginza
except ImportError:  # the encoder says what to install when it is built
    srsly = None

from embeddings.base import Encoder, EncoderUnavailableError, file_digest
from embeddings.japanese import SudachiTokenizer
from embeddings.normalise import normalise_text

__all__ = ["POOLINGS", "GinzaEncoder", "ginza_vectors_dir"]

POOLINGS = ("mean", "sif", "idf")
ROW_MEMO = 1 << 20  # word forms whose vector row is remembered (~100 MB at most)


def ginza_vectors_dir() -> Path:
    """The ``vocab`` directory of the installed ja_ginza package (chiVe, 20,000 rows × 300)."""
    spec = importlib.util.find_spec("ja_ginza")
    if spec is None or spec.origin is None:
        raise EncoderUnavailableError("ja_ginza is not installed: pip install 'ja-ginza>=5.2,<6'")
    candidates = sorted(Path(spec.origin).parent.glob("ja_ginza-*/vocab"))
    if not candidates or not (candidates[-1] / "vectors").is_file():
        raise EncoderUnavailableError(f"no word vectors found in {Path(spec.origin).parent}")
    return candidates[-1]


def _stored_shape(path: Path) -> tuple[int, ...] | None:
    """Shape of the table spaCy saved with numpy.save, from the header alone (no data read)."""
    try:
        with path.open("rb") as handle:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                shape = np.lib.format.read_array_header_1_0(handle)[0]
            else:
                shape = np.lib.format.read_array_header_2_0(handle)[0]
    except (OSError, ValueError):
        return None
    return shape if len(shape) == 2 else None


_M64 = 0xC6A4A7935BD1E995
_MASK64 = (1 << 64) - 1


def murmurhash64a(data: bytes, seed: int = 1) -> int:
    """MurmurHash64A of ``data``: the key spaCy gives a string (``spacy.strings.hash_string``
    is this over its UTF-8 with seed 1). Pure Python, so reading chiVe needs no spaCy: importing
    it took 1.4 s of a cold query (it imports thinc, and thinc torch)."""
    n = len(data)
    h = (seed ^ (n * _M64)) & _MASK64
    end = n - n % 8
    for i in range(0, end, 8):
        k = (int.from_bytes(data[i : i + 8], "little") * _M64) & _MASK64
        k ^= k >> 47
        h = ((h ^ ((k * _M64) & _MASK64)) * _M64) & _MASK64
    if n % 8:
        h = ((h ^ int.from_bytes(data[end:], "little")) * _M64) & _MASK64
    h ^= h >> 47
    h = (h * _M64) & _MASK64
    return h ^ (h >> 47)


def spacy_key(text: str) -> int:
    """The key spaCy's vector table files a string under."""
    return murmurhash64a(text.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True)
class _Vectors:
    """The loaded chiVe table: key → row, rows as float32, and per-row SIF weights."""

    key2row: dict
    table: np.ndarray
    sif: np.ndarray

    @classmethod
    def load(cls, vocab_dir: Path, sif_a: float) -> _Vectors:
        # What spaCy's Vectors.from_disk reads (the .npy table and the msgpack key → row map),
        # without importing spaCy: srsly is spaCy's own serialiser.
        table = np.ascontiguousarray(np.load(vocab_dir / "vectors"), dtype=np.float32)
        key2row = srsly.read_msgpack(vocab_dir / "key2row")
        # Rows are in chiVe's frequency order (row 0 = の, 1 = 、): Zipf p(rank) ∝ 1 / (rank + 1).
        ranks = np.arange(1, len(table) + 1, dtype=np.float64)
        probability = 1.0 / (ranks * math.log(len(table) * 50))
        sif = (sif_a / (sif_a + probability)).astype(np.float32)
        return cls(key2row, table, sif)


class GinzaEncoder(Encoder):
    """Weighted mean of the chiVe vectors of a text's content words (SudachiPy, mode C).

    chiVe is trained on Sudachi normalised forms, so words are looked up by
    ``normalized_form`` and then by surface. Poolings:

    - "mean": plain mean of content-word vectors;
    - "sif": smooth inverse frequency a / (a + p(w)) (Arora et al. 2017) with p(w) from the
      Zipf law on the vector table's row, which is frequency-ordered — no corpus needed;
    - "idf": IDF learned with :meth:`fit` on the corpus (state persisted with
      :meth:`save_state`; unseen words get the largest IDF).

    Texts with no known content word fall back to all known tokens; texts with none give a
    zero vector. The vector table is read on the first encode; ``dim`` comes from its
    header and the fingerprint from its digest, so neither loads it.
    """

    dim = 300

    def __init__(
        self,
        *,
        pooling: str = "sif",
        sif_a: float = 1e-3,
        state: str | os.PathLike | None = None,
    ) -> None:
        if pooling not in POOLINGS:
            raise ValueError(f"pooling={pooling!r} is not valid; choose one of {POOLINGS}")
        if srsly is None:
            raise EncoderUnavailableError("srsly is not installed: pip install 'ja-ginza>=5.2,<6'")
        self.pooling = pooling
        self.sif_a = sif_a
        self.name = f"ginza-{pooling}"
        self._vocab_dir = ginza_vectors_dir()
        self._lock = threading.Lock()
        self._loaded: _Vectors | None = None
        self._rows: dict[str, int] = {}  # word form → vector row (-1: none), see _row
        shape = _stored_shape(self._vocab_dir / "vectors")
        # The table's width is in the .npy header; an unreadable header means loading it now.
        self.dim = shape[1] if shape else self._vectors.table.shape[1]
        self._tokenizer = SudachiTokenizer("C")
        self.idf_: dict[str, float] | None = None
        self._default_idf = 1.0
        if state is not None:
            self.load_state(state)
        if pooling == "idf" and self.idf_ is None:
            self.idf_ = {}

    @property
    def is_loaded(self) -> bool:
        return self._loaded is not None

    def centred_blocks(self) -> tuple[slice, ...]:
        # SIF's other half: Arora et al. take the corpus's common component off the weighted
        # averages. Here the matcher centres them on its background sample (Matcher.centred).
        return (slice(0, self.dim),)

    @property
    def _vectors(self) -> _Vectors:
        """The chiVe table (0.2 s to read), loaded by the first encode or fit."""
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = _Vectors.load(self._vocab_dir, self.sif_a)
        return self._loaded

    def _row(self, token_form: str) -> int:
        # A word's row is remembered: hashing in Python costs 2 µs, a dictionary hit 50 ns, and
        # a corpus repeats its few ten thousand words millions of times.
        row = self._rows.get(token_form)
        if row is None:
            row = self._vectors.key2row.get(spacy_key(token_form), -1)
            if len(self._rows) < ROW_MEMO:
                self._rows[token_form] = row
        return row

    def _words(self, text: str) -> list[tuple[str, int]]:
        """(word, vector row) of the content words of ``text`` that have a vector."""
        tokens = self._tokenizer.tokenize(text)
        found: list[tuple[str, int, bool]] = []
        for token in tokens:
            form = token.normalized.lower()
            row = self._row(form)
            if row < 0:
                row = self._row(token.surface)
            if row >= 0:
                found.append((form, row, token.is_content))
        content = [(form, row) for form, row, is_content in found if is_content]
        return content or [(form, row) for form, row, _ in found]

    def fit(self, texts: list[str]) -> GinzaEncoder:
        """Learn IDF weights of content words (used by pooling="idf")."""
        document_frequency: Counter[str] = Counter()
        for text in texts:
            document_frequency.update({form for form, _ in self._words(normalise_text(text))})
        n = len(texts)
        self.idf_ = {w: math.log((1 + n) / (1 + df)) + 1 for w, df in document_frequency.items()}
        self._default_idf = math.log(1 + n) + 1
        return self

    def save_state(self, path: str | os.PathLike) -> None:
        """Write the fitted IDF table atomically as JSON."""
        if not self.idf_:
            raise ValueError("this GinzaEncoder is not fitted; call fit(texts) first")
        path = Path(path)
        payload = {"default_idf": self._default_idf, "idf": self.idf_}
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
        ) as handle:
            json.dump(payload, handle, ensure_ascii=False, sort_keys=True)
        os.replace(handle.name, path)

    def load_state(self, path: str | os.PathLike) -> None:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
        self.idf_ = {str(k): float(v) for k, v in payload["idf"].items()}
        self._default_idf = float(payload["default_idf"])

    def _fingerprint_parts(self) -> str:
        version = importlib.metadata.version("ja_ginza")
        weights = file_digest(self._vocab_dir / "vectors")
        state = ""
        if self.pooling == "sif":
            state = f":a={self.sif_a}"
        elif self.pooling == "idf":
            table = json.dumps([self._default_idf, sorted((self.idf_ or {}).items())])
            state = f":idf={file_digest_text(table)}"
        return f"ginza:v1:ja_ginza-{version}:{weights}:sudachi-C:pool={self.pooling}{state}"

    def _weights(self, words: list[tuple[str, int]]) -> np.ndarray:
        if self.pooling == "mean":
            return np.ones(len(words), dtype=np.float32)
        if self.pooling == "sif":
            return self._vectors.sif[[row for _, row in words]]
        idf = self.idf_ or {}
        return np.array([idf.get(w, self._default_idf) for w, _ in words], dtype=np.float32)

    def _encode_batch(self, texts: list[str], role: str) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            words = self._words(text) if text else []
            if words:
                weights = self._weights(words)
                rows = self._vectors.table[[row for _, row in words]]
                out[i] = weights @ rows / max(weights.sum(), 1e-9)
        return out


def file_digest_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

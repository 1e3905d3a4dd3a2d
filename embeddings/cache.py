"""Embeddings stage, cache: vectors keyed by (encoder fingerprint, role, normalised-text hash)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from embeddings.base import Encoder, Progress, Role, check_role, coerce_texts
from embeddings.normalise import normalise_text, text_hash

__all__ = ["CachedEncoding", "EmbeddingCache", "encode_cached"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embedding (
    fingerprint TEXT NOT NULL,
    role TEXT NOT NULL,
    text_hash BLOB NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (fingerprint, role, text_hash)
) WITHOUT ROWID
"""
# SQLite caps host parameters per statement (32,766 on current builds, 999 on old ones).
_CHUNK = 900


class CachedEncoding(NamedTuple):
    vectors: np.ndarray  # float32, shape (n_texts, dim)
    n_encoded: int  # distinct texts sent to the encoder
    n_reused: int  # texts answered from the cache (or duplicates within this call)


class EmbeddingCache:
    """A SQLite file of float32 vectors; one row per (fingerprint, role, text hash).

    Changing the encoder changes its fingerprint, so its old rows are simply never hit
    again (and :meth:`prune` deletes them); other encoders' rows are untouched.
    ``":memory:"`` gives a throw-away cache.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        self._db.execute("PRAGMA journal_mode=WAL")  # readers (web) never block the indexer
        self._db.execute(_SCHEMA)
        self._db.commit()

    def get_many(self, fingerprint: str, role: str, hashes: Sequence[bytes], dim: int) -> dict:
        """{hash: vector} for the hashes present with the right dimension."""
        found: dict[bytes, np.ndarray] = {}
        for start in range(0, len(hashes), _CHUNK):
            chunk = list(hashes[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT text_hash, vector FROM embedding WHERE fingerprint = ? AND role = ? "
                f"AND text_hash IN ({marks})",
                [fingerprint, role, *chunk],
            )
            for key, blob in rows:
                if len(blob) == 4 * dim:  # a wrong-sized blob is treated as a miss, not trusted
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(
        self, fingerprint: str, role: str, items: Iterable[tuple[bytes, np.ndarray]]
    ) -> None:
        rows = [
            (fingerprint, role, key, np.ascontiguousarray(v, dtype=np.float32).tobytes())
            for key, v in items
        ]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO embedding VALUES (?, ?, ?, ?)", rows)

    def count(self, fingerprint: str | None = None) -> int:
        if fingerprint is None:
            return self._db.execute("SELECT COUNT(*) FROM embedding").fetchone()[0]
        query = "SELECT COUNT(*) FROM embedding WHERE fingerprint = ?"
        return self._db.execute(query, [fingerprint]).fetchone()[0]

    def fingerprints(self) -> list[str]:
        rows = self._db.execute("SELECT DISTINCT fingerprint FROM embedding ORDER BY 1")
        return [row[0] for row in rows]

    def prune(self, keep: Iterable[str]) -> int:
        """Delete the rows of every fingerprint not in ``keep``; return how many went."""
        keep = list(keep)
        marks = ",".join("?" * len(keep)) or "NULL"
        with self._db:
            cursor = self._db.execute(
                f"DELETE FROM embedding WHERE fingerprint NOT IN ({marks})", keep
            )
        return cursor.rowcount

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def encode_cached(
    encoder: Encoder,
    texts: str | Sequence[str],
    cache: EmbeddingCache,
    *,
    role: Role = "document",
    batch_size: int = 64,
    progress: Progress | None = None,
) -> CachedEncoding:
    """Encode ``texts`` through ``cache``: only texts not cached for this encoder are encoded.

    Duplicates within ``texts`` are encoded once. ``progress`` receives counts that add up
    to ``len(texts)`` (cached ones at once, the rest batch by batch). New vectors are
    written batch by batch, so an interrupted run keeps what it paid for.
    """
    items = [normalise_text(text) for text in coerce_texts(texts)]
    check_role(role)
    fingerprint = encoder.fingerprint
    hashes = [text_hash(text) for text in items]
    found = cache.get_many(fingerprint, role, sorted(set(hashes)), encoder.dim)
    missing: dict[bytes, str] = {}
    for key, text in zip(hashes, items, strict=True):
        if key not in found and key not in missing:
            missing[key] = text
    if progress is not None and len(items) - len(missing):
        progress(len(items) - len(missing))
    keys = list(missing)
    for start in range(0, len(keys), batch_size):
        batch = keys[start : start + batch_size]
        vectors = encoder.encode([missing[k] for k in batch], role=role, batch_size=batch_size)
        cache.put_many(fingerprint, role, zip(batch, vectors, strict=True))
        found.update(zip(batch, vectors, strict=True))
        if progress is not None:
            progress(len(batch))
    out = np.zeros((len(items), encoder.dim), dtype=np.float32)
    for row, key in enumerate(hashes):
        out[row] = found[key]
    return CachedEncoding(out, len(missing), len(items) - len(missing))

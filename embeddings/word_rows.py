"""Embeddings stage, stored word rows: each indexed text's content words as chiVe vector rows,
saved at index time so that a query's word alignment reads its candidates' words instead of
tokenising them. At 100,000 organisations tokenising the candidates GiNZA had not seen took
a third of a procurement match.

The file is only a shortcut: texts are found by a hash of their content, so a text it lacks
(imported since, or changed) is tokenised as before, and a file for other word vectors or
another tokeniser (another fingerprint), or a damaged one, is passed over with a warning.

Layout: ``arrays_file``'s, the header naming format and fingerprint, the arrays ``keys`` (the
texts' hashes, sorted), ``ends`` (where each text's rows end) and ``rows``. Any integers per
text fit it: the key terms of needs are kept so too, as code points (``matcher/index/need_terms``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from embeddings.arrays_file import read_arrays, write_arrays

log = logging.getLogger(__name__)

MAGIC = b"MUSUBI-WORDS\n"
FORMAT = 1


def text_key(text: str) -> int:
    """A text's key in the file: 64 bits of BLAKE2b over its UTF-8."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


class WordRows:
    """Texts' word rows by key, sorted by key (``rows[ends[i-1]:ends[i]]`` are text i's)."""

    def __init__(self, keys: np.ndarray, ends: np.ndarray, rows: np.ndarray) -> None:
        self.keys, self.ends, self.rows = keys, ends, rows

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def of(cls, entries: dict[int, np.ndarray]) -> WordRows:
        keys = np.array(sorted(entries), dtype=np.uint64)
        parts = [entries[int(k)] for k in keys.tolist()]
        ends = np.cumsum([len(p) for p in parts], dtype=np.int64)
        rows = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        # chiVe has 20,000 rows: two bytes a word instead of eight.
        small = not len(rows) or int(rows.max()) < 1 << 16
        return cls(keys, ends, rows.astype(np.uint16 if small else np.int64))

    def find(self, key: int) -> np.ndarray | None:
        """The rows of the text with ``key``, None when the file lacks it."""
        at = int(np.searchsorted(self.keys, np.uint64(key)))
        if at == len(self.keys) or int(self.keys[at]) != key:
            return None
        return self.rows[(int(self.ends[at - 1]) if at else 0) : int(self.ends[at])]

    def entries(self, keys: np.ndarray) -> dict[int, np.ndarray]:
        """The rows of those ``keys`` (uint64) the file holds, by key."""
        at = np.minimum(np.searchsorted(self.keys, keys), max(len(self.keys) - 1, 0))
        held = self.keys[at] == keys if len(self.keys) else np.zeros(len(keys), dtype=bool)
        starts = np.concatenate(([0], self.ends[:-1]))
        return {
            key: self.rows[start:end]
            for key, start, end in zip(
                keys[held].tolist(),
                starts[at[held]].tolist(),
                self.ends[at[held]].tolist(),
                strict=True,
            )
        }

    def save(self, path: Path, fingerprint: str) -> None:
        """Write atomically (a temporary file, fsync, rename)."""
        arrays = {"keys": self.keys, "ends": self.ends, "rows": self.rows}
        write_arrays(path, MAGIC, {"format": FORMAT, "fingerprint": fingerprint}, arrays)

    @classmethod
    def load(cls, path: Path, fingerprint: str) -> WordRows | None:
        """The rows saved at ``path`` for ``fingerprint``, memory-mapped; None (with a warning
        unless there is no file) when the file cannot serve."""
        try:
            return cls._load(path, fingerprint)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("word rows %s passed over: %s", path, error)
            return None

    @classmethod
    def _load(cls, path: Path, fingerprint: str) -> WordRows:
        header, arrays = read_arrays(path, MAGIC, "word rows", FORMAT)
        if header.get("fingerprint") != fingerprint:
            raise ValueError("made for other word vectors or another tokeniser")
        keys, ends, rows = arrays["keys"], arrays["ends"], arrays["rows"]
        if len(ends) != len(keys) or (len(ends) and int(ends[-1]) != len(rows)):
            raise ValueError("its arrays do not hold together")
        return cls(keys, ends, rows)


def refresh(
    path: Path, fingerprint: str, texts: Iterable[str], rows_of: Callable[[str], np.ndarray]
) -> int:
    """Save the rows of ``texts`` at ``path``, the saved file's reused and ``rows_of`` run on
    the texts it lacks; returns how many those were. A failed save (a full disk) leaves the
    previous file, which only costs queries the time of finding the rows it lacks."""
    saved = WordRows.load(path, fingerprint)
    wanted = {text_key(text): text for text in texts}
    keys = np.fromiter(wanted, dtype=np.uint64, count=len(wanted))
    entries = saved.entries(keys) if saved is not None else {}
    if saved is not None and len(entries) == len(wanted) == len(saved):
        return 0
    missing = [key for key in wanted if key not in entries]
    for key in missing:
        entries[key] = rows_of(wanted[key])
    try:
        WordRows.of(entries).save(path, fingerprint)
    except OSError as error:
        log.warning("%s not saved: %s", path, error)
    return len(missing)

"""Embeddings stage, twins: ids whose vector is the same as a stored id's, kept beside FAISS
instead of in it.

Texts repeat word for word (boilerplate offers, a company's one offer copied into each of its
branches), and equal texts have equal vectors. In an HNSW graph hundreds of copies of one vector
fill each other's neighbour lists, and the probe walks among them instead of towards the query:
on 300,000 offer vectors of the million-organisation seed corpus (74,029 distinct), recall@10
was 0.766 with every copy in the graph against 0.903 over the distinct vectors alone. A twin is
found through the one stored id that holds its vector (its *holder*) and has its scores.

Copies are recognised by a 64-bit digest of the vector's bytes; removing a holder promotes one
of its twins to hold the vector in its place.
"""

from __future__ import annotations

import hashlib

import numpy as np


def digests(vectors: np.ndarray) -> np.ndarray:
    """64 bits of BLAKE2b of each row's bytes (float32), as uint64."""
    rows = np.ascontiguousarray(vectors, dtype=np.float32)
    return np.fromiter(
        (
            int.from_bytes(hashlib.blake2b(row.tobytes(), digest_size=8).digest(), "little")
            for row in rows
        ),
        dtype=np.uint64,
        count=len(rows),
    )


class Twins:
    """The twins of one index: ``ids`` (sorted) and the ``holders`` that hold their vectors, and
    the digests of the stored (held) vectors with the id holding each."""

    def __init__(
        self,
        ids: np.ndarray | None = None,
        holders: np.ndarray | None = None,
        keys: np.ndarray | None = None,
        keyed: np.ndarray | None = None,
    ) -> None:
        empty = np.zeros(0, dtype=np.int64)
        self.ids = empty if ids is None else np.asarray(ids, dtype=np.int64)
        self.holders = empty if holders is None else np.asarray(holders, dtype=np.int64)
        self.keys = np.zeros(0, np.uint64) if keys is None else np.asarray(keys, dtype=np.uint64)
        self.keyed = empty if keyed is None else np.asarray(keyed, dtype=np.int64)
        self._grouped: tuple[np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return int(self.ids.size)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"ids": self.ids, "holders": self.holders, "keys": self.keys, "keyed": self.keyed}

    def holds(self, ids: np.ndarray) -> np.ndarray:
        """Which of ``ids`` are twins: a boolean mask."""
        return in_sorted(self.ids, ids)

    def holder_of(self, ids: np.ndarray) -> np.ndarray:
        """Each id's holder; an id that is no twin is its own."""
        if not len(self.ids):
            return ids
        at = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        return np.where(self.ids[at] == ids, self.holders[at], ids)

    # ---- changes -----------------------------------------------------------------------

    def split(self, ids: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        """For vectors about to be added under ``ids`` (none of them present): which to store,
        a boolean mask; the others become twins of the stored id with the same vector."""
        found = digests(vectors)
        unique, first, inverse = np.unique(found, return_index=True, return_inverse=True)
        at = np.minimum(np.searchsorted(self.keys, unique), max(len(self.keys) - 1, 0))
        known = self.keys[at] == unique if len(self.keys) else np.zeros(len(unique), bool)
        holder = np.where(known, self.keyed[at] if len(self.keyed) else 0, ids[first])[inverse]
        store = np.zeros(len(ids), dtype=bool)
        store[first[~known]] = True
        self._add(ids[~store], holder[~store])
        self._key(unique[~known], ids[first[~known]])
        return store

    def forget(self, ids: np.ndarray, stored: np.ndarray) -> dict[int, int]:
        """Drop the twins among ``ids`` (sorted); of the ``stored`` ids among them (holders,
        removed), each that still has twins hands its vector to its smallest twin, its heir.
        Returns {holder: heir}: the caller relabels those in FAISS and removes the others."""
        if len(self.ids):
            keep = ~in_sorted(ids, self.ids)
            if not keep.all():
                self._set(self.ids[keep], self.holders[keep])
        heirs: dict[int, int] = {}
        if len(self.ids) and len(stored):
            holders, members = self._by_holder()
            starts = np.searchsorted(holders, stored, "left")
            counts = np.searchsorted(holders, stored, "right") - starts
            for holder, start, count in zip(
                stored.tolist(), starts.tolist(), counts.tolist(), strict=True
            ):
                if count:
                    heirs[holder] = int(members[start : start + count].min())
        old = np.fromiter(heirs, dtype=np.int64, count=len(heirs))
        if heirs:
            new = np.fromiter(heirs.values(), dtype=np.int64, count=len(heirs))
            order = np.argsort(old)
            old, new = old[order], new[order]
            # The twins of a holder now belong to its heir, which is a twin no more, and the
            # digest of the vector names the heir.
            holders = self.holders.copy()
            moved = in_sorted(old, holders)
            holders[moved] = new[np.searchsorted(old, holders[moved])]
            keep = ~in_sorted(np.sort(new), self.ids)
            self._set(self.ids[keep], holders[keep])
            self.keyed = self.keyed.copy()
            moved = in_sorted(old, self.keyed)
            self.keyed[moved] = new[np.searchsorted(old, self.keyed[moved])]
        gone = np.sort(stored[~np.isin(stored, old)])
        if len(gone) and len(self.keyed):
            keep = ~in_sorted(gone, self.keyed)
            self.keys, self.keyed = self.keys[keep], self.keyed[keep]
        return heirs

    def _add(self, ids: np.ndarray, holders: np.ndarray) -> None:
        if len(ids):
            # Inserted, not re-sorted: an index run adds 2,048 vectors at a time to arrays of
            # millions.
            order = np.argsort(ids)
            at = np.searchsorted(self.ids, ids[order])
            self.ids = np.insert(self.ids, at, ids[order])
            self.holders = np.insert(self.holders, at, holders[order])
            self._grouped = None

    def _set(self, ids: np.ndarray, holders: np.ndarray) -> None:
        order = np.argsort(ids, kind="stable")
        self.ids, self.holders = ids[order], holders[order]
        self._grouped = None

    def _key(self, keys: np.ndarray, ids: np.ndarray) -> None:
        if len(keys):  # ``keys`` sorted and new
            at = np.searchsorted(self.keys, keys)
            self.keys = np.insert(self.keys, at, keys)
            self.keyed = np.insert(self.keyed, at, ids)

    # ---- search ------------------------------------------------------------------------

    def expand(
        self, ids: np.ndarray, scores: np.ndarray, k: int, admitted: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Stored ids found (best first), each followed by its twins with its score, less those
        ``admitted`` (sorted ids, None: all) leaves out; the first ``k``."""
        if not len(self.ids):
            return ids, scores
        holders, members = self._by_holder()
        starts = np.searchsorted(holders, ids, "left")
        counts = np.searchsorted(holders, ids, "right") - starts
        sizes = counts + 1
        ends = np.cumsum(sizes)
        out = np.empty(int(ends[-1]) if len(ends) else 0, dtype=np.int64)
        heads = ends - sizes
        out[heads] = ids
        at_twin = np.ones(len(out), dtype=bool)
        at_twin[heads] = False
        out[at_twin] = members[np.repeat(starts, counts) + _ranges(counts)]
        repeated = np.repeat(scores, sizes)
        if admitted is not None:
            keep = in_sorted(admitted, out)
            out, repeated = out[keep], repeated[keep]
        return out[:k], repeated[:k]

    def _by_holder(self) -> tuple[np.ndarray, np.ndarray]:
        """The holders sorted, and the twins in that order."""
        if self._grouped is None:
            order = np.argsort(self.holders, kind="stable")
            self._grouped = (self.holders[order], self.ids[order])
        return self._grouped


def in_sorted(sorted_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Which of ``ids`` are in ``sorted_ids`` (sorted): a boolean mask over ``ids``."""
    if not len(sorted_ids):
        return np.zeros(len(ids), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return sorted_ids[at] == ids


def _ranges(counts: np.ndarray) -> np.ndarray:
    """0 … c−1 for each count c, concatenated."""
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    return np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)

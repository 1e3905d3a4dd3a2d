"""Index delta: the vectors added, replaced and removed since the main index file was saved.

At 328,000 vectors the main HNSW file is 570 MB: a change of a few vectors cost 1.3 s to load
it and 2 s to write it again. The delta is a small exact index of the new vectors and a list of
removed ids in a file of its own, written in milliseconds. A reader applies it to the main index
as it loads it (``WithDelta``: searches merge the two), and a run that saves the main index
folds the delta in (GroupedIndex.remove, then add) and deletes it.

A delta names the main file it applies to by that file's SHA-256 (``base``). A delta for another
main file is a leftover of a run that saved the main index and died before deleting the delta:
the main file already holds its changes, so it is ignored.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embeddings.grouped import GroupedIndex
from embeddings.index import (
    KNOWN_FILTERS,
    IndexMissingError,
    SearchHits,
    SingleSearch,
    VectorIndex,
    merge_hits,
)


def delta_path(path: str | os.PathLike) -> Path:
    """Where the delta of the main index at ``path`` lives."""
    path = Path(path)
    return path.with_name(path.name + ".delta")


class IndexDelta:
    """Changes to the main index whose file has SHA-256 ``base``."""

    def __init__(self, dim: int, *, fingerprint: str, base: str) -> None:
        self.base = base
        self.added = VectorIndex(dim, fingerprint=fingerprint, kind="flat", storage="flat")
        self.groups: dict[int, str] = {}  # of the added ids: the main index's group for each
        self.removed = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        """How many ids it changes."""
        return len(self.added) + len(self.removed)

    def add(self, ids: np.ndarray, vectors: np.ndarray, groups: Sequence[str]) -> None:
        self.added.add(ids, vectors)
        self.groups.update(zip(np.asarray(ids).tolist(), groups, strict=True))
        self.removed = np.setdiff1d(self.removed, ids)

    def remove(self, ids: np.ndarray) -> None:
        self.added.remove(ids)
        for i in np.asarray(ids).tolist():
            self.groups.pop(i, None)
        self.removed = np.union1d(self.removed, np.asarray(ids, dtype=np.int64))

    def apply(self, index: GroupedIndex) -> None:
        """Make ``index`` (the main index, loaded) what the changes make it."""
        index.remove(self.removed)
        ids = self.added.ids
        index.add(ids, self.added.vectors(ids), [self.groups[i] for i in ids.tolist()])

    def save(self, path: Path) -> None:
        """Write the delta atomically to ``path`` (see ``delta_path``)."""
        extra = {
            "base": self.base,
            "removed": self.removed.tolist(),
            "groups": [[i, group] for i, group in self.groups.items()],
        }
        self.added.save(path, extra)

    @classmethod
    def load(cls, path: Path, *, fingerprint: str, dim: int, base: str) -> IndexDelta | None:
        """The delta at ``path`` if it applies to the main file ``base``, else None; raises
        IndexMismatchError or IndexCorruptError as VectorIndex.load does."""
        try:
            meta = VectorIndex.read_metadata(path)
        except IndexMissingError:
            return None
        if meta.get("base") != base:
            return None
        delta = cls(dim, fingerprint=fingerprint, base=base)
        delta.added = VectorIndex.load(path, fingerprint=fingerprint, dim=dim)
        delta.removed = np.asarray(meta.get("removed", []), dtype=np.int64)
        delta.groups = {int(i): str(group) for i, group in meta.get("groups", [])}
        return delta

    @staticmethod
    def discard(path: Path) -> None:
        """Delete the delta at ``path`` (after the main file took its changes in)."""
        for file in (path, VectorIndex.metadata_path(path)):
            file.unlink(missing_ok=True)


class WithDelta(SingleSearch):
    """The main index as its delta changes it, searched without changing it.

    Adding the delta's vectors to a loaded HNSW index grew every array of the graph: 0.3–3 s
    for a few vectors at 328,000, in every process loading it. Searched side by side instead,
    the main index stays as read from disk, and a process reloading after an import keeps the
    main index it already has (``open_main``) and reads only the delta.
    """

    def __init__(self, main: GroupedIndex, delta: IndexDelta) -> None:
        self.main, self.delta = main, delta
        self.dim, self.fingerprint, self.checksum = main.dim, main.fingerprint, main.checksum
        added = delta.added.ids
        # Main vectors the delta replaced or removed are hidden from the main index's searches.
        # (isin and one sort: set operations on 10^5 ids hashed for 0.3 s.)
        main_ids = main.ids
        self._live = main_ids[~np.isin(main_ids, np.concatenate([delta.removed, added]))]
        self._live.setflags(write=False)
        self._ids = np.sort(np.concatenate([self._live, added]))
        self._allowed: OrderedDict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def index_type(self) -> str:
        return self.main.index_type

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> np.ndarray:
        return self._ids.copy()

    def vectors(self, ids: np.ndarray | list[int] | tuple[int, ...]) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        new = np.isin(ids, self.delta.added.ids)
        out[new] = self.delta.added.vectors(ids[new])
        out[~new] = self.main.vectors(ids[~new])
        return out

    def search_many(
        self, queries: np.ndarray, k: int, allowed_ids: np.ndarray | None = None
    ) -> list[SearchHits]:
        """As VectorIndex.search_many: the best ``k`` of the main index's live vectors and the
        delta's, for each query."""
        main_allowed, delta_allowed = self._split(allowed_ids)
        main_hits = self.main.search_many(queries, k, allowed_ids=main_allowed)
        if delta_allowed is not None and not len(delta_allowed):
            return main_hits
        delta_hits = self.delta.added.search_many(queries, k, allowed_ids=delta_allowed)
        return [merge_hits(pair, k) for pair in zip(main_hits, delta_hits, strict=True)]

    def _split(self, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        """The main index's and the delta's share of a filter (None: all of the delta's),
        remembered for the last few filters: matching asks the same few again and again."""
        if allowed is None:
            return self._live, None
        key = id(allowed)
        with self._lock:
            known = self._allowed.get(key)
            if known is not None and known[0] is allowed:
                self._allowed.move_to_end(key)
                return known[1], known[2]
        allowed = np.asarray(allowed, dtype=np.int64)
        main = np.intersect1d(allowed, self._live)
        main.setflags(write=False)
        delta = np.intersect1d(allowed, self.delta.added.ids)
        with self._lock:
            # The filter itself is kept too, so its id cannot be another array's while here.
            self._allowed[key] = (allowed, main, delta)
            while len(self._allowed) > KNOWN_FILTERS:
                self._allowed.popitem(last=False)
        return main, delta


#: Main indexes in use, by path: the file's identity and a weak reference (an index no
#: Matcher uses any more is freed).
_MAIN: dict[Path, tuple[tuple, weakref.ref[GroupedIndex]]] = {}
_MAIN_LOCK = threading.Lock()


def open_main(path: Path, *, fingerprint: str, dim: int) -> GroupedIndex:
    """The main index at ``path``, shared with the callers still using it while the file is
    the same one (a server reloading after an import reads only the delta); callers only
    search it. Raises as GroupedIndex.load does."""
    meta = VectorIndex.read_metadata(path)
    stat = path.stat()
    identity = (meta.get("sha256"), stat.st_size, stat.st_mtime_ns, stat.st_ino, fingerprint)
    with _MAIN_LOCK:
        identity_then, ref = _MAIN.get(path, (None, lambda: None))
        index = ref() if identity_then == identity else None
    if index is None:
        index = GroupedIndex.load(path, fingerprint=fingerprint, dim=dim)
        with _MAIN_LOCK:
            _MAIN[path] = (identity, weakref.ref(index))
    return index

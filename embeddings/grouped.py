"""Grouped index: one VectorIndex per named group of vectors, searched as one.

A filtered HNSW probe walks the graph near the query and keeps the vectors the filter admits.
When the query's neighbourhood is made of vectors the filter rejects — a need looking for
offers, whose nearest texts are other needs — every probe comes up short, is widened 16×, and
ends in an exhaustive scan (30–68 ms a search at 100,000 organisations, in 45 of 55 partners
queries), or returns the wrong neighbours. With a graph per group (Musubi's: a text's role and
its organisation's sector), a filter that admits whole groups is answered by their graphs
alone, where every neighbour is one the filter admits.

The groups share one file: each group's FAISS index in turn, with the groups' metadata in the
JSON beside it (format 2). Each group decides its own kind and storage from its own size.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from embeddings.index import (
    _REBUILD_HINT,
    IndexCorruptError,
    SearchHits,
    SingleSearch,
    VectorIndex,
    _as_ids,
    _as_matrix,
    checked_metadata,
    load_twins,
    merge_hits,
    save_with_metadata,
)

FORMAT_VERSION = 2


class GroupedIndex(SingleSearch):
    """Inner-product search over unit vectors with int64 ids, each id in one named group.

    ``options`` are VectorIndex's keyword arguments, used for every group. Adding an id under
    another group moves it there. A search runs in every group the filter admits ids of and
    returns the best ``k`` of all of them.
    """

    def __init__(self, dim: int, *, fingerprint: str, **options: Any) -> None:
        self.dim = int(dim)
        self.fingerprint = fingerprint
        self.options = options
        self.parts: dict[str, VectorIndex] = {}
        self.checksum: str | None = None  # SHA-256 of the file last saved or loaded

    def _part(self, group: str) -> VectorIndex:
        if group not in self.parts:
            self.parts[group] = VectorIndex(self.dim, fingerprint=self.fingerprint, **self.options)
        return self.parts[group]

    # ---- contents ----------------------------------------------------------------------

    @property
    def index_type(self) -> str:
        """ "hnsw" or "ivf" when any group is built so (small groups stay exact), else "flat"."""
        kinds = {part.index_type for part in self.parts.values()}
        return next((kind for kind in ("hnsw", "ivf") if kind in kinds), "flat")

    def __len__(self) -> int:
        return sum(len(part) for part in self.parts.values())

    def __contains__(self, item: object) -> bool:
        return any(item in part for part in self.parts.values())

    @property
    def ids(self) -> np.ndarray:
        """Stored ids, sorted (a copy)."""
        parts = [part.ids for part in self.parts.values()]
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def add(
        self, ids: Iterable[int] | np.ndarray, vectors: np.ndarray, groups: Sequence[str]
    ) -> None:
        """Add vectors of shape (n, dim) under ``ids``, each in its group; ids already present
        are updated (and moved, if their group is another)."""
        ids = _as_ids(ids)
        vectors = _as_matrix(vectors, self.dim)
        groups = np.asarray(groups, dtype=object)
        if not (len(ids) == len(vectors) == len(groups)):
            raise ValueError(f"{len(ids)} ids, {len(vectors)} vectors and {len(groups)} groups")
        for name, part in self.parts.items():
            part.remove(ids[groups != name])
        for name in dict.fromkeys(groups.tolist()):
            chosen = groups == name
            self._part(str(name)).add(ids[chosen], vectors[chosen])

    def remove(self, ids: Iterable[int] | np.ndarray) -> int:
        """Remove ``ids`` (absent ones are ignored); return how many were removed."""
        ids = _as_ids(ids)
        return sum(part.remove(ids) for part in self.parts.values())

    def vectors(self, ids: Iterable[int] | np.ndarray) -> np.ndarray:
        """Stored vectors of ``ids`` (all present), shape (len(ids), dim)."""
        ids = _as_ids(ids)
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        found = np.zeros(len(ids), dtype=bool)
        for part in self.parts.values():
            here = part.holds(ids)
            out[here] = part.vectors(ids[here])
            found |= here
        if not found.all():
            raise KeyError(f"ids not in the index: {ids[~found][:5].tolist()}")
        return out

    # ---- search ------------------------------------------------------------------------

    def search_many(
        self,
        queries: np.ndarray,
        k: int,
        allowed_ids: Iterable[int] | np.ndarray | None = None,
    ) -> list[SearchHits]:
        """As VectorIndex.search_many, over every group."""
        queries = _as_matrix(queries, self.dim)
        if k < 1:
            raise ValueError(f"k={k!r} must be a positive integer")
        if allowed_ids is not None and not isinstance(allowed_ids, np.ndarray):
            allowed_ids = _as_ids(allowed_ids)  # each group reads it
        found = [part.search_many(queries, k, allowed_ids) for part in self.parts.values()]
        if not found:
            return [SearchHits.empty() for _ in queries]
        return [merge_hits(hits, k) for hits in zip(*found, strict=True)]

    # ---- persistence -------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "encoder_fingerprint": self.fingerprint,
            "dimension": self.dim,
            "count": len(self),
            "index_type": self.index_type,
            "options": self.options,
            "groups": {name: part.metadata() for name, part in self.parts.items()},
            "built_at": time.time(),
            "faiss_version": faiss.__version__,
        }

    def save(self, path: str | os.PathLike, extra: dict[str, Any] | None = None) -> Path:
        """Write every group to ``path``, one FAISS index after another, and the metadata (with
        ``extra`` entries) to ``path + ".json"``, each atomically and the metadata last, as
        VectorIndex.save does."""
        path = Path(path)

        def write(temporary: str) -> None:
            with open(temporary, "wb") as stream:
                writer = faiss.PyCallbackIOWriter(stream.write)
                for name in sorted(self.parts):  # the order load reads them in
                    faiss.write_index(self.parts[name]._index, writer)
                del writer  # flushes its buffer into the stream

        meta = (extra or {}) | self.metadata()
        self.checksum = save_with_metadata(path, write, meta, self.parts)
        return path

    read_metadata = staticmethod(VectorIndex.read_metadata)
    metadata_path = staticmethod(VectorIndex.metadata_path)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike,
        *,
        fingerprint: str,
        dim: int,
        verify_checksum: bool = True,
    ) -> GroupedIndex:
        """Load an index saved by :meth:`save`; raises IndexMissingError, IndexMismatchError
        (another encoder, dimension or format: an index of format 1 has no groups) or
        IndexCorruptError, each message suggesting ``musubi index --rebuild``."""
        path = Path(path)
        meta = checked_metadata(path, FORMAT_VERSION, fingerprint, dim, verify_checksum)
        groups = meta.get("groups")
        if not isinstance(groups, dict):
            raise IndexCorruptError(f"index metadata of {path} lists no groups. {_REBUILD_HINT}")
        self = cls(dim, fingerprint=fingerprint, **meta.get("options", {}))
        with path.open("rb") as stream:
            reader = faiss.PyCallbackIOReader(stream.read)
            for name, part_meta in sorted(groups.items()):
                try:
                    index = faiss.read_index(reader)
                except RuntimeError as error:
                    raise IndexCorruptError(
                        f"FAISS cannot read group {name!r} of index {path}: {error}. "
                        f"{_REBUILD_HINT}"
                    ) from error
                self.parts[name] = VectorIndex.from_faiss(
                    index, part_meta, path=path, fingerprint=fingerprint, dim=dim
                )
            del reader
        parts = {name: (part, groups[name]) for name, part in self.parts.items()}
        load_twins(path, meta, parts, verify_checksum)
        self.checksum = meta.get("sha256")
        return self

"""Embeddings stage, index store: FAISS inner-product search over caller-supplied int64 ids."""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from embeddings.arrays_file import atomic_write as _atomic_write
from embeddings.arrays_file import read_arrays, write_arrays
from embeddings.twins import Twins, in_sorted

__all__ = [
    "ANN_THRESHOLD",
    "COMPRESS_THRESHOLD",
    "FORMAT_VERSION",
    "STORAGES",
    "INDEX_KINDS",
    "IndexCorruptError",
    "IndexMismatchError",
    "IndexMissingError",
    "SearchHits",
    "SingleSearch",
    "VectorIndex",
    "VectorIndexError",
    "limit_threads",
]

INDEX_KINDS = ("auto", "flat", "ivf", "hnsw")
STORAGES = ("auto", "flat", "sq8", "fp16", "pca-sq8")
FORMAT_VERSION = 1

#: Above this many vectors ``kind="auto"`` switches from exact search to HNSW. Measured at 940-d
#: on 2 cores (benchmarks/bench_index.py, clustered data, spread 0.3): exact single query
#: 1.5 ms at 10k, 17 ms at 100k; HNSW ef=128 0.9 ms at recall@10 0.994 at 100k, where IVF
#: needs nprobe > 64 (0.6 ms, recall 0.82) on the same data. Removals are tombstones.
ANN_THRESHOLD = 20_000

#: Above this many vectors ``storage="auto"`` switches HNSW to "pca-sq8": the graph is built over
#: a PCA-reduced copy (``reduce_dim``, float32) and every hit list is re-scored from the full
#: vectors stored as 8-bit scalars (``IndexRefine``). At 940-d, 1M vectors take ~1.7 GiB instead
#: of ~3.8 GiB, build in minutes on 2 cores, and keep recall@10 ≥ 0.98 where IVF-SQ8 reached
#: 0.49–0.63 (benchmarks/bench_index.py, embeddings/README.md).
COMPRESS_THRESHOLD = 250_000

#: "pca-sq8": dimension of the reduced copy the HNSW graph is built on, how many candidates per
#: requested hit are re-scored from the SQ8 vectors, and how many vectors train PCA and SQ8.
REDUCE_DIM = 128
REFINE_FACTOR = 8
TRAIN_SAMPLE = 100_000

#: Removed HNSW vectors stay in the graph as tombstones until they exceed this share of it;
#: then the index is rebuilt from the live vectors (HNSW cannot delete in place).
TOMBSTONE_SHARE = 0.2

#: How far an HNSW probe widens (efSearch × this) when a filter leaves it short of k hits,
#: before every admitted vector is compared instead. A filter that excludes the query's whole
#: neighbourhood (a need searching offers: needs lie near needs) starves any probe; past 16×
#: a probe costs more than the comparison (at 328k vectors: ~2 ms at 16×, ~10 ms at 64×,
#: ~10 ms to compare all, against ~200 ms to copy the admitted vectors out and compare those).
MAX_WIDEN = 16

#: An HNSW graph holding more than ``LARGE_GRAPH`` vectors probes ``LARGE_GRAPH_WIDTH`` times
#: wider: at a given efSearch a graph finds less of the true top 10 the larger it grows. At a
#: million organisations (offers of industry 131,191 vectors, profiles of industry 500,000 in
#: pca-sq8) procurement's supplier search found 0.884 of the exact top 10 at ef 128 and 0.958
#: at 512, its own searches taking 11.8 ms a query against 8.0; at 100,000 no graph is this
#: large.
LARGE_GRAPH = 100_000
LARGE_GRAPH_WIDTH = 4

#: FAISS id of a tombstone: never a caller id (ids are database keys, >= 0).
_DEAD = -1

#: In an ANN index, filters allowing at most this many present ids are answered by exact search
#: over just those vectors: cheaper than any ANN probe and always complete. A flat index never
#: takes this path: its own scan with an IDSelector skips the vectors filtered out, while
#: copying thousands of vectors out by id costs twice as much as the search itself.
SMALL_FILTER = 4_096

_REBUILD_HINT = "Run `musubi index --rebuild` to build a fresh index."


def limit_threads(n: int) -> None:
    """Let FAISS calls made from the calling thread use at most ``n`` cores.

    OpenMP keeps this setting per thread, so a background builder can run on one core while
    other threads keep FAISS's default.
    """
    faiss.omp_set_num_threads(n)


#: Batches of fewer queries are searched on the calling thread alone. FAISS spreads a batch
#: over OpenMP threads, which buys nothing for a few queries and costs a great deal when the
#: other core is busy (another request, an index build): the team waits at a barrier for a
#: descheduled thread. Measured on the demo corpus with the machine loaded, partner matching
#: took 46–69 ms with the default team and 19–26 ms with one thread.
PARALLEL_QUERIES = 16


@contextmanager
def _serial_when_small(n_queries: int) -> Iterator[None]:
    if n_queries >= PARALLEL_QUERIES:
        yield
        return
    before = faiss.omp_get_max_threads()
    limit_threads(1)
    try:
        yield
    finally:
        limit_threads(before)


class VectorIndexError(Exception):
    """A saved index cannot be used; the message says why and how to recover."""


class IndexMissingError(VectorIndexError, FileNotFoundError):
    """No index (or no metadata) at the given path."""


class IndexCorruptError(VectorIndexError):
    """The index or its metadata is truncated, unreadable or inconsistent."""


class IndexMismatchError(VectorIndexError):
    """The index was built with another encoder (fingerprint) or dimension."""


@dataclass(frozen=True, slots=True)
class SearchHits:
    """Results for one query, best first: ``ids`` int64 and ``scores`` float32 (inner product)."""

    ids: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def empty(cls) -> SearchHits:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.float32))


def merge_hits(hits: Iterable[SearchHits], k: int) -> SearchHits:
    """The best ``k`` of several searches' hits for one query (of disjoint ids), best first."""
    hits = list(hits)
    if len(hits) == 1:
        return hits[0]
    ids = np.concatenate([h.ids for h in hits])
    scores = np.concatenate([h.scores for h in hits])
    best = np.argsort(-scores, kind="stable")[:k]
    return SearchHits(ids[best], scores[best])


def _as_ids(ids: Iterable[int] | np.ndarray) -> np.ndarray:
    array = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids)
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"ids must be a 1-D sequence of integers, got {array.dtype} {array.shape}")
    return array.astype(np.int64, copy=False)


def _as_matrix(vectors: np.ndarray | Sequence[Sequence[float]], dim: int) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    if matrix.ndim != 2 or matrix.shape[1] != dim:
        raise ValueError(f"vectors must have shape (n, {dim}), got {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError("vectors contain NaN or infinity")
    return np.ascontiguousarray(matrix)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


#: The file beside an index that keeps its twins (embeddings/twins.py); the index metadata pins
#: it by SHA-256, so its header names no format.
TWINS_MAGIC = b"MUSUBI-TWINS\n"


def twins_path(path: Path) -> Path:
    return path.with_name(path.name + ".twins")


def save_twins(path: Path, parts: dict[str, VectorIndex]) -> dict[str, Any]:
    """Write the twins of those ``parts`` that keep them beside the index file ``path``,
    atomically; returns the metadata entry that pins the file (none, and no file, when no part
    keeps twins)."""
    arrays = {
        f"{name}/{key}": array
        for name, part in parts.items()
        if part._twins is not None
        for key, array in part._twins.arrays().items()
    }
    sidecar = twins_path(path)
    if not arrays:
        sidecar.unlink(missing_ok=True)
        return {}
    write_arrays(sidecar, TWINS_MAGIC, {}, arrays)
    return {"twins_sha256": _sha256(sidecar)}


def load_twins(
    path: Path,
    meta: dict[str, Any],
    parts: dict[str, tuple[VectorIndex, dict[str, Any]]],
    verify_checksum: bool,
) -> None:
    """Give each part that keeps twins (with its metadata) those saved beside ``path``;
    IndexCorruptError when the file is missing, damaged or not the one ``meta`` pins."""
    keeping = {name: pair for name, pair in parts.items() if pair[0]._twins is not None}
    if not keeping:
        return
    sidecar = twins_path(path)
    try:
        if verify_checksum and _sha256(sidecar) != meta.get("twins_sha256"):
            raise ValueError("it is not the one the index metadata names")
        _, arrays = read_arrays(sidecar, TWINS_MAGIC, "index twins", None)
        for name, (part, part_meta) in keeping.items():
            keys = ("ids", "holders", "keys", "keyed")
            twins = Twins(*(np.array(arrays[f"{name}/{key}"]) for key in keys))
            if len(twins) != int(part_meta.get("twins", 0)):
                raise ValueError(f"{len(twins)} twins where the metadata says otherwise")
            part._twins = twins
    except (OSError, ValueError, KeyError) as error:
        raise IndexCorruptError(
            f"twins of index {path} unreadable in {sidecar} ({error}). {_REBUILD_HINT}"
        ) from None


def save_with_metadata(
    path: Path, write: Any, meta: dict[str, Any], parts: dict[str, VectorIndex] | None = None
) -> str:
    """Write an index file through ``write(temporary_path)``, then the twins of ``parts``, then
    ``meta`` with the file's size and SHA-256 beside it (``path + ".json"``), each atomically;
    returns the SHA-256. A save that fails writing the index file (a full disk) leaves the
    previous three as they were."""
    _atomic_write(path, write)
    meta = meta | save_twins(path, parts or {})
    checksum = _sha256(path)
    meta = meta | {"file_size": path.stat().st_size, "sha256": checksum}
    text = json.dumps(meta, indent=2, sort_keys=True)
    meta_path = path.with_name(path.name + ".json")
    _atomic_write(meta_path, lambda t: Path(t).write_text(text, "utf-8"))
    return checksum


#: Filters each index remembers. Partners alone ask eighteen (three sets of roles, each with
#: every kind but the asking one's); remembering 16 missed most of them at a million
#: organisations, where a filter met afresh costs up to 0.1 s in one graph.
KNOWN_FILTERS = 32

#: A filter's selector is a bitmap over ids unless it would hold this many bits or more per
#: admitted id (ids far apart): then a hash set of the ids.
SPARSE_IDS = 64


class _Allowed:
    """A filter's admitted ids among those stored, and its FAISS selector, made when needed."""

    def __init__(self, generation: int, ids: np.ndarray, asked: object) -> None:
        self.generation = generation  # of the index it was checked against
        self.ids = ids  # the stored ids searched (holders of admitted twins too)
        self.members = ids  # the ids admitted
        self.asked = asked  # the filter as given: kept alive while it is known by identity
        self._selector: faiss.IDSelector | None = None
        self._parts: tuple[Any, ...] = ()

    def selector(self) -> faiss.IDSelector:
        """A bit per id up to the largest admitted one, unless ids are too sparse for that (a
        bitmap over 64 ids or more per admitted one: then a hash set, IDSelectorBatch). With
        hash sets, a server at a million organisations held 1.26 GiB more for its remembered
        filters and partners' searches took 23% longer (a probe tests every vector it visits)."""
        if self._selector is None:
            size = int(self.ids.max()) + 1
            if size > SPARSE_IDS * len(self.ids):
                self._selector = faiss.IDSelectorBatch(self.ids)  # never _DEAD: not stored
                return self._selector
            mask = np.zeros(size, dtype=bool)
            mask[self.ids] = True
            bits = np.packbits(mask, bitorder="little")
            bitmap = faiss.IDSelectorBitmap(size, faiss.swig_ptr(bits))
            # The bitmap reads past its end for ids beyond it (FAISS checks bytes against
            # bits), and tombstones are -1: the range keeps both out.
            inside = faiss.IDSelectorRange(0, size)
            self._parts = (bits, bitmap, inside)  # referenced by the selector, kept alive here
            self._selector = faiss.IDSelectorAnd(inside, bitmap)
        return self._selector


class SingleSearch:
    """``search``: one query through ``search_many``, for every kind of index."""

    dim: int

    def search_many(
        self, queries: np.ndarray, k: int, allowed_ids: Iterable[int] | np.ndarray | None = None
    ) -> list[SearchHits]:
        raise NotImplementedError

    def search(
        self, query: np.ndarray, k: int, allowed_ids: Iterable[int] | np.ndarray | None = None
    ) -> SearchHits:
        """``search_many([query], k, allowed_ids)[0]``."""
        query = np.asarray(query, dtype=np.float32)
        if query.ndim != 1:
            raise ValueError(f"query must be one vector of shape ({self.dim},), got {query.shape}")
        return self.search_many(query[None, :], k, allowed_ids)[0]


class VectorIndex(SingleSearch):
    """Inner-product search over unit vectors with caller-supplied int64 ids.

    ``kind``: "flat" (exact, ``IndexIDMap2(IndexFlatIP)``), "ivf" (``IndexIVFFlat``, or
    ``IndexIVFScalarQuantizer``), "hnsw" (``IndexHNSWFlat``, ``IndexHNSWSQ`` or, for
    "pca-sq8", ``IndexRefine(IndexPreTransform(PCA, IndexHNSWFlat), IndexScalarQuantizer)``, in
    an ``IndexIDMap2``), or "auto": flat until ``ann_threshold`` vectors, HNSW above.
    ``storage``: "flat" (float32), "sq8" (8-bit per dimension, 4× smaller), "fp16" (2×),
    "pca-sq8" (HNSW only: graph over a ``reduce_dim`` PCA copy, the best
    ``refine_factor · k`` candidates re-scored from SQ8 full vectors) or "auto": float32 until
    ``compress_threshold`` vectors, above it pca-sq8 for HNSW and sq8 for IVF.
    Scores are inner products of the query with the stored vectors: exact for float32, within
    ~2e-3 of the true cosine for sq8 and pca-sq8 (pca-sq8 ranks by L2 and returns the inner
    products with the 8-bit reconstructions of the hits, never PCA-space scores); ``_vectors``
    then returns the 8-bit reconstructions (norm within ~5e-3 of 1).
    Adding an id that is present replaces its vector; removing works for every kind. With
    ``twins``, an id whose vector equals a stored one's is kept beside FAISS and found through it.
    HNSW cannot delete in place: removed vectors become tombstones (their FAISS id is set to
    -1 and searches skip them) and the graph is rebuilt from the live vectors once they
    exceed ``TOMBSTONE_SHARE`` of it.
    Filters (``allowed_ids``) run inside FAISS through ``IDSelectorBatch``; when an ANN probe
    finds fewer than k allowed neighbours it is repeated with a wider probe, and filters that
    allow few vectors are answered exactly, so a filtered search returns k hits whenever k
    allowed ids exist.
    """

    def __init__(
        self,
        dim: int,
        *,
        fingerprint: str,
        kind: str = "auto",
        ann_threshold: int = ANN_THRESHOLD,
        storage: str = "auto",
        compress_threshold: int = COMPRESS_THRESHOLD,
        nprobe: int = 16,
        hnsw_m: int = 32,
        ef_search: int = 128,
        ef_construction: int = 80,
        reduce_dim: int = REDUCE_DIM,
        refine_factor: int = REFINE_FACTOR,
        random_state: int = 0,
        twins: bool = False,
    ) -> None:
        if kind not in INDEX_KINDS:
            raise ValueError(f"kind={kind!r} is not valid; choose one of {', '.join(INDEX_KINDS)}")
        if storage not in STORAGES:
            raise ValueError(
                f"storage={storage!r} is not valid; choose one of {', '.join(STORAGES)}"
            )
        if dim < 1:
            raise ValueError(f"dim={dim!r} must be a positive integer")
        self.dim = int(dim)
        self.fingerprint = fingerprint
        self.kind = kind
        self.ann_threshold = ann_threshold
        self.storage = storage
        self.compress_threshold = compress_threshold
        self.nprobe = nprobe
        self.hnsw_m = hnsw_m
        self.ef_search = ef_search
        self.ef_construction = ef_construction
        self.reduce_dim = reduce_dim
        self.refine_factor = refine_factor
        self.random_state = random_state
        self.built_at: float | None = None
        self.checksum: str | None = None  # SHA-256 of the file last saved or loaded
        self._trained_on = 0
        self._ids = np.zeros(0, dtype=np.int64)  # in FAISS, sorted, unique
        # With ``twins``, a vector equal to a stored one is not stored again (embeddings/twins.py).
        self._twins: Twins | None = Twins() if twins else None
        self._generation = 0  # counts changes: a remembered filter is for one generation
        self._filters: OrderedDict[bytes | int, _Allowed] = OrderedDict()
        self._filters_lock = threading.Lock()
        self._dead = 0  # HNSW tombstones still in the graph
        self._built_storage = "flat"
        # IVF and SQ8 need training vectors, so every index starts flat and takes its kind
        # on the first add.
        self._index = self._new_index("flat", None)

    # ---- construction ------------------------------------------------------------------

    @property
    def index_type(self) -> str:
        """What is built now: "flat", "ivf" or "hnsw"."""
        inner = self._index
        if isinstance(inner, faiss.IndexIVF):
            return "ivf"
        if isinstance(faiss.downcast_index(inner.index), faiss.IndexHNSW | faiss.IndexRefine):
            return "hnsw"
        return "flat"

    @property
    def _refined(self) -> bool:
        return self._built_storage == "pca-sq8" and self.index_type == "hnsw"

    def _auto_kind(self, n: int) -> str:
        return "flat" if n <= self.ann_threshold else "hnsw"

    def _storage_for(self, n: int, kind: str | None = None) -> str:
        kind = kind or self.index_type
        if self.storage != "auto":
            if self.storage == "pca-sq8" and kind != "hnsw":
                return "sq8"  # IVF has no re-scoring variant: the nearest is 8-bit lists
            return self.storage
        if n <= self.compress_threshold:
            return "flat"
        return "pca-sq8" if kind == "hnsw" else "sq8"

    def _training_sample(self, vectors: np.ndarray, size: int) -> np.ndarray:
        if len(vectors) <= size:
            return vectors
        rng = np.random.default_rng(self.random_state)
        return vectors[np.sort(rng.choice(len(vectors), size, replace=False))]

    def _new_refined_hnsw(self, training: np.ndarray) -> faiss.Index:
        """HNSW over a PCA copy, hits re-scored from SQ8 full vectors, all owned by FAISS."""
        # L2, not IP: for unit vectors ‖x − q‖² = 2 − 2·x·q ranks as the inner product does,
        # while IP between PCA projections favours the vectors that keep most of their norm
        # (a vector is then not even its own nearest neighbour). Scores are converted back.
        metric = faiss.METRIC_L2
        sample = self._training_sample(training, TRAIN_SAMPLE)
        reduced = min(self.reduce_dim, self.dim)
        pca = faiss.PCAMatrix(self.dim, reduced)
        pca.train(sample)
        graph = faiss.IndexHNSWFlat(reduced, self.hnsw_m, metric)
        graph.hnsw.efConstruction = self.ef_construction
        base = faiss.IndexPreTransform(pca, graph)
        base.own_fields = True
        pca.this.disown()
        graph.this.disown()
        full = faiss.IndexScalarQuantizer(self.dim, faiss.ScalarQuantizer.QT_8bit, metric)
        full.train(sample)
        refine = faiss.IndexRefine(base, full)
        refine.own_fields = True
        base.this.disown()
        full.this.disown()
        refine.k_factor = self.refine_factor
        self._trained_on = len(training)
        index = faiss.IndexIDMap2(refine)
        index.own_fields = True
        refine.this.disown()
        return index

    def _new_index(self, kind: str, training: np.ndarray | None) -> faiss.Index:
        metric = faiss.METRIC_INNER_PRODUCT
        self._dead = 0
        n = 0 if training is None else len(training)
        storage = self._built_storage = "flat" if kind == "flat" else self._storage_for(n, kind)
        quantiser = {"sq8": faiss.ScalarQuantizer.QT_8bit, "fp16": faiss.ScalarQuantizer.QT_fp16}
        if kind == "flat":
            return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        if kind == "hnsw" and storage == "pca-sq8":
            if training is None:
                raise ValueError("a pca-sq8 index needs vectors to train on")
            return self._new_refined_hnsw(training)
        if kind == "hnsw":
            if storage != "flat":
                inner = faiss.IndexHNSWSQ(self.dim, quantiser[storage], self.hnsw_m, metric)
            else:
                inner = faiss.IndexHNSWFlat(self.dim, self.hnsw_m, metric)
            inner.hnsw.efConstruction = self.ef_construction
            if training is not None and not inner.is_trained:
                inner.train(training)
            return faiss.IndexIDMap2(inner)
        # ~4·sqrt(n) lists balances probe cost against list length; FAISS wants ≥ 39 points per
        # centroid, so tiny training sets get fewer lists.
        nlist = max(1, min(int(4 * math.sqrt(max(n, 1))), n // 39 or 1))
        quantizer = faiss.IndexFlatIP(self.dim)
        if storage != "flat":
            index = faiss.IndexIVFScalarQuantizer(
                quantizer, self.dim, nlist, quantiser[storage], metric
            )
        else:
            index = faiss.IndexIVFFlat(quantizer, self.dim, nlist, metric)
        index.own_fields = True
        quantizer.this.disown()
        index.cp.seed = self.random_state
        if training is None:
            raise ValueError("an IVF index needs vectors to train on")
        sample = training
        if len(training) > 64 * nlist:
            rng = np.random.default_rng(self.random_state)
            sample = training[rng.choice(len(training), 64 * nlist, replace=False)]
        index.train(sample)
        index.set_direct_map_type(faiss.DirectMap.Hashtable)  # reconstruct and remove by id
        self._trained_on = n
        return index

    def vectors(self, ids: Iterable[int] | np.ndarray) -> np.ndarray:
        """Stored vectors of ``ids`` (all present), shape (len(ids), dim); see the class notes
        on compressed storage for how close they are to the vectors added."""
        ids = _as_ids(ids)
        return self._vectors(self._twins.holder_of(ids) if self._twins is not None else ids)

    def _vectors(self, ids: np.ndarray) -> np.ndarray:
        if len(ids) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Chunks bound the temporary copy when rebuilding a million-vector index.
        chunks = [
            self._index.reconstruct_batch(np.ascontiguousarray(ids[start : start + 65_536]))
            for start in range(0, len(ids), 65_536)
        ]
        return np.vstack(chunks).astype(np.float32, copy=False)

    def rebuild(self, kind: str | None = None) -> None:
        """Rebuild from the stored vectors (no re-encoding), optionally as another kind."""
        if kind is not None:
            if kind not in INDEX_KINDS:
                raise ValueError(
                    f"kind={kind!r} is not valid; choose one of {', '.join(INDEX_KINDS)}"
                )
            self.kind = kind
        ids = self._ids.copy()
        vectors = self._vectors(ids)
        target = self.kind
        if target == "auto":
            target = self._auto_kind(len(ids))
        self._index = self._new_index(target, vectors if target != "flat" else None)
        if len(ids):
            self._index.add_with_ids(vectors, ids)

    # ---- contents ----------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self._ids.size) + (len(self._twins) if self._twins is not None else 0)

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, int | np.integer):
            return False
        return bool(self.holds(np.array([item], dtype=np.int64))[0])

    @property
    def ids(self) -> np.ndarray:
        """Stored ids (twins too), sorted (a copy)."""
        if self._twins is None or not len(self._twins):
            return self._ids.copy()
        return np.union1d(self._ids, self._twins.ids)

    def holds(self, ids: np.ndarray) -> np.ndarray:
        """Which of ``ids`` (int64) are stored (twins too): a boolean mask."""
        found = self._in_faiss(ids)
        if self._twins is not None:
            found |= self._twins.holds(ids)
        return found

    def _in_faiss(self, ids: np.ndarray) -> np.ndarray:
        return in_sorted(self._ids, ids)

    @property
    def twins(self) -> int:
        """How many ids are twins (found through another id's vector)."""
        return len(self._twins) if self._twins is not None else 0

    def add(self, ids: Iterable[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors of shape (n, dim) under ``ids``; ids already present are updated."""
        ids = _as_ids(ids)
        vectors = _as_matrix(vectors, self.dim)
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
        if len(np.unique(ids)) != len(ids):
            raise ValueError("ids contain duplicates")
        if len(ids) == 0:
            return
        present = ids[self.holds(ids)]
        if len(present):
            self.remove(present)
        self._generation += 1
        if self._twins is not None:
            store = self._twins.split(ids, vectors)
            ids, vectors = ids[store], vectors[store]
            if not len(ids):
                self.built_at = time.time()
                return
        if self.index_type == "flat" and self.kind in ("ivf", "hnsw") and not len(self._ids):
            self._index = self._new_index(self.kind, vectors)
        elif self.index_type == "ivf" and not self._index.is_trained:
            self._index = self._new_index("ivf", vectors)
        self._index.add_with_ids(vectors, ids)
        self._ids = np.union1d(self._ids, ids)
        self.built_at = time.time()
        # Grow past the threshold → go approximate; grow 4× past the IVF training → retrain;
        # grow past the compression threshold → re-store compressed.
        stored = len(self._ids)
        if self.kind == "auto" and self.index_type == "flat" and stored > self.ann_threshold:
            self.rebuild()
        elif (self.index_type == "ivf" or self._refined) and stored > 4 * max(self._trained_on, 1):
            self.rebuild()  # IVF lists, PCA and SQ8 ranges were trained on far fewer vectors
        elif self.index_type != "flat" and (
            self._storage_for(stored) != self._built_storage
            or (self.kind == "auto" and self._auto_kind(stored) != self.index_type)
        ):
            self.rebuild()

    def remove(self, ids: Iterable[int] | np.ndarray) -> int:
        """Remove ``ids`` (absent ones are ignored); return how many were removed."""
        ids = _as_ids(ids)
        ids = np.unique(ids[self.holds(ids)])
        if not len(ids):
            return 0
        self._generation += 1
        removed = len(ids)
        if self._twins is not None:
            stored = ids[self._in_faiss(ids)]
            heirs = self._twins.forget(ids, stored)
            if heirs:
                self._hand_over(heirs)
            ids = stored[~np.isin(stored, list(heirs))]
            if not len(ids):
                self.built_at = time.time()
                return removed
        if self.index_type == "hnsw":
            self._ids = np.setdiff1d(self._ids, ids)
            id_map = faiss.rev_swig_ptr(self._index.id_map.data(), self._index.id_map.size())
            id_map[np.isin(id_map, ids)] = _DEAD
            self._index.construct_rev_map()
            self._dead += len(ids)
            if self._dead > TOMBSTONE_SHARE * self._index.ntotal:
                self.rebuild()
        else:
            # IVF's hashtable direct map only accepts IDSelectorArray for removal.
            self._index.remove_ids(faiss.IDSelectorArray(ids))
            self._ids = np.setdiff1d(self._ids, ids)
        self.built_at = time.time()
        return removed

    def _hand_over(self, heirs: dict[int, int]) -> None:
        """Store each removed holder's vector under its heir (a twin of it) instead."""
        old = np.fromiter(heirs, dtype=np.int64, count=len(heirs))
        new = np.fromiter(heirs.values(), dtype=np.int64, count=len(heirs))
        if isinstance(self._index, faiss.IndexIDMap):
            # Flat and HNSW: relabel in place, as tombstones are made.
            id_map = faiss.rev_swig_ptr(self._index.id_map.data(), self._index.id_map.size())
            order = np.argsort(old)
            moved = np.isin(id_map, old)
            id_map[moved] = new[order][np.searchsorted(old[order], id_map[moved])]
            self._index.construct_rev_map()
        else:  # IVF keeps ids in its lists
            vectors = self._vectors(old)
            self._index.remove_ids(faiss.IDSelectorArray(old))
            self._index.add_with_ids(vectors, new)
        self._ids = np.union1d(np.setdiff1d(self._ids, old), new)

    # ---- search ------------------------------------------------------------------------

    def _params(
        self, selector: faiss.IDSelector | None, widen: int, keep: list[Any]
    ) -> faiss.SearchParameters:
        """Search parameters; ``keep`` holds the SWIG objects they point to until the search."""
        kind = self.index_type
        ef = self.ef_search * widen
        if len(self._ids) > LARGE_GRAPH:
            ef *= LARGE_GRAPH_WIDTH
        if self._refined:
            # IndexIDMap2 translates only a top-level selector, and IndexRefine ignores that:
            # the selector goes to the graph, translated to FAISS's internal ids by hand.
            inner = None
            if selector is not None:
                inner = faiss.IDSelectorTranslated(self._index.id_map, selector)
            graph = faiss.SearchParametersHNSW(sel=inner, efSearch=ef)
            params = faiss.IndexRefineSearchParameters(
                k_factor=self.refine_factor, base_index_params=graph
            )
            keep.extend([inner, graph])
            return params
        if kind == "ivf":
            nprobe = min(self.nprobe * widen, self._index.nlist)
            return faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)
        if kind == "hnsw":
            return faiss.SearchParametersHNSW(sel=selector, efSearch=ef)
        return faiss.SearchParameters(sel=selector)

    def _exact_subset(self, queries: np.ndarray, ids: np.ndarray, k: int) -> list[SearchHits]:
        vectors = self._vectors(ids)
        scores = queries @ vectors.T
        out = []
        for row in scores:
            order = np.argsort(-row, kind="stable")[:k]
            out.append(SearchHits(ids[order].copy(), row[order].astype(np.float32)))
        return out

    def _rescore(self, queries: np.ndarray, found: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Inner products with the 8-bit full vectors for hits ranked by L2, best first."""
        scores = np.full(found.shape, -np.inf, dtype=np.float32)
        valid = found >= 0
        if valid.any():
            vectors = self._index.reconstruct_batch(np.ascontiguousarray(found[valid]))
            rows = np.nonzero(valid)[0]
            scores[valid] = np.einsum("ij,ij->i", vectors, queries[rows])
        order = np.argsort(-scores, axis=1, kind="stable")
        return np.take_along_axis(scores, order, 1), np.take_along_axis(found, order, 1)

    def _allowed(self, allowed_ids: Iterable[int] | np.ndarray) -> _Allowed:
        """The stored ids among ``allowed_ids``, remembered for the last few filters.

        Matching asks the same few filters again and again, and checking, sorting and hashing
        10^4–10^5 ids into a selector costs as much as the search itself.
        """
        allowed = _as_ids(allowed_ids)
        # A read-only filter is known by its identity (it is kept below, so the identity is not
        # another array's while remembered): hashing 10^5 ids' bytes cost 0.8 ms a search.
        key = allowed.tobytes() if allowed.flags.writeable else id(allowed)
        with self._filters_lock:
            known = self._filters.get(key)
            if known is not None and known.generation == self._generation:
                self._filters.move_to_end(key)
                return known
        if len(allowed) > 1 and not (allowed[1:] > allowed[:-1]).all():
            allowed = np.unique(allowed)
        found = _Allowed(self._generation, allowed[self._in_faiss(allowed)], allowed_ids)
        if self._twins is not None and len(self._twins):
            # A holder is searched when it or one of its twins is admitted; expanding its hit
            # keeps only the admitted.
            twins = allowed[self._twins.holds(allowed)]
            if len(twins):
                found.members = np.union1d(found.ids, twins)
                found.ids = np.union1d(found.ids, self._twins.holder_of(twins))
        with self._filters_lock:
            self._filters[key] = found
            while len(self._filters) > KNOWN_FILTERS:
                self._filters.popitem(last=False)
        return found

    def search_many(
        self,
        queries: np.ndarray,
        k: int,
        allowed_ids: Iterable[int] | np.ndarray | None = None,
    ) -> list[SearchHits]:
        """Nearest ids for each row of ``queries`` (shape (n_queries, dim), or one 1-D vector).

        ``allowed_ids`` restricts results to those ids, inside the search.
        """
        queries = _as_matrix(queries, self.dim)
        if k < 1:
            raise ValueError(f"k={k!r} must be a positive integer")
        if len(queries) == 0:
            return []
        selector = None
        available = len(self._ids)
        subset = self._ids
        allowed = None
        if allowed_ids is not None:
            allowed = self._allowed(allowed_ids)
            subset = allowed.ids
            available = len(subset)
            if available == 0:
                return [SearchHits.empty() for _ in queries]
            if self.index_type != "flat" and (available <= SMALL_FILTER or available <= k):
                return self._with_twins(self._exact_subset(queries, subset, k), k, allowed)
            selector = allowed.selector()
        elif self._dead:
            dead = faiss.IDSelectorRange(_DEAD, _DEAD + 1)
            selector = faiss.IDSelectorNot(dead)  # `dead` stays referenced until we return
        if available == 0:
            return [SearchHits.empty() for _ in queries]
        k_eff = min(k, available)
        hits: list[SearchHits | None] = [None] * len(queries)
        # A probe of efSearch candidates meets about share × efSearch admitted vectors, so a
        # filter admitting half the graph starts twice as wide: with partners leaving out the
        # asking kind, a company's candidates among startups' offers and profiles found 0.89
        # of the exact 80 at efSearch 128 and 0.93–0.96 starting from the admitted share.
        widen = min(MAX_WIDEN, round(len(self._ids) / available)) if allowed is not None else 1
        with _serial_when_small(len(queries)):
            self._search_pending(queries, k_eff, selector, subset, hits, widen)
        return self._with_twins([h for h in hits if h is not None], k, allowed)

    def _with_twins(
        self, hits: list[SearchHits], k: int, allowed: _Allowed | None
    ) -> list[SearchHits]:
        """Each hit followed by the twins of its vector the filter admits, the first ``k``."""
        if self._twins is None or not len(self._twins):
            return hits
        admitted = allowed.members if allowed is not None else None
        return [SearchHits(*self._twins.expand(h.ids, h.scores, k, admitted)) for h in hits]

    def _search_pending(
        self,
        queries: np.ndarray,
        k_eff: int,
        selector: faiss.IDSelector | None,
        subset: np.ndarray,
        hits: list[SearchHits | None],
        widen: int,
    ) -> None:
        """Fill ``hits``, probing ``widen`` times wider than unfiltered and widening again
        for queries the filter left short of ``k_eff``."""
        pending = np.arange(len(queries))
        while len(pending):
            keep: list[Any] = []
            params = self._params(selector, widen, keep)
            scores, found = self._index.search(queries[pending], k_eff, params=params)
            if self._refined:
                scores, found = self._rescore(queries[pending], found)
            retry = []
            for row, query in enumerate(pending):
                keep = found[row] >= 0
                if keep.sum() < k_eff and self.index_type != "flat":
                    retry.append(query)
                    continue
                hits[query] = SearchHits(found[row][keep].copy(), scores[row][keep].copy())
            pending = np.array(retry, dtype=np.int64)
            widen *= 4
            if len(pending) and (
                (self.index_type == "ivf" and self.nprobe * widen >= 4 * self._index.nlist)
                or (self.index_type == "hnsw" and widen > MAX_WIDEN)
            ):
                # The widest probe still came up short: finish those queries exhaustively.
                rest = self._exhaustive(queries[pending], subset, selector, k_eff)
                for query, result in zip(pending, rest, strict=True):
                    hits[query] = result
                break

    def _exhaustive(
        self, queries: np.ndarray, subset: np.ndarray, selector: faiss.IDSelector | None, k: int
    ) -> list[SearchHits]:
        """Hits from every admitted vector, for queries no probe could fill.

        An HNSW graph's own storage is compared in FAISS under the filter, with nothing copied
        out. For "pca-sq8" that storage is the PCA copy: its best ``refine_factor · k`` are
        re-scored from the 8-bit vectors, as a probe's hits are. IVF copies the subset out.
        """
        if self.index_type != "hnsw":
            return self._exact_subset(queries, subset, k)
        params = None
        if selector is not None:
            params = faiss.SearchParameters(
                sel=faiss.IDSelectorTranslated(self._index.id_map, selector)
            )
        inner = faiss.downcast_index(self._index.index)
        if self._refined:
            pre = faiss.downcast_index(inner.base_index)
            reduced = queries
            for i in range(pre.chain.size()):
                reduced = faiss.downcast_VectorTransform(pre.chain.at(i)).apply(reduced)
            storage = faiss.downcast_index(faiss.downcast_index(pre.index).storage)
            _, internal = storage.search(reduced, k * self.refine_factor, params=params)
            scores, found = self._rescore(queries, self._external(internal))
            scores, found = scores[:, :k], found[:, :k]
        else:
            storage = faiss.downcast_index(inner.storage)
            scores, internal = storage.search(queries, k, params=params)
            found = self._external(internal)
        return [
            SearchHits(row[row >= 0].copy(), row_scores[row >= 0].astype(np.float32))
            for row, row_scores in zip(found, scores, strict=True)
        ]

    def _external(self, internal: np.ndarray) -> np.ndarray:
        """Caller ids of FAISS's internal positions (-1 stays -1)."""
        id_map = faiss.rev_swig_ptr(self._index.id_map.data(), self._index.id_map.size())
        return np.where(internal >= 0, id_map[np.maximum(internal, 0)], -1)

    # ---- persistence -------------------------------------------------------------------

    @staticmethod
    def metadata_path(path: str | os.PathLike) -> Path:
        path = Path(path)
        return path.with_name(path.name + ".json")  # as save_with_metadata writes it

    def metadata(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "encoder_fingerprint": self.fingerprint,
            "dimension": self.dim,
            "count": len(self),
            "index_type": self.index_type,
            "kind": self.kind,
            "storage": self.storage,
            "built_storage": self._built_storage,
            "compress_threshold": self.compress_threshold,
            "tombstones": self._dead,
            "dedupe": self._twins is not None,
            "twins": self.twins,
            "ann_threshold": self.ann_threshold,
            "nprobe": self.nprobe,
            "ef_search": self.ef_search,
            "hnsw_m": self.hnsw_m,
            "reduce_dim": self.reduce_dim,
            "refine_factor": self.refine_factor,
            "trained_on": self._trained_on,
            "built_at": self.built_at,
            "faiss_version": faiss.__version__,
        }

    def save(self, path: str | os.PathLike, extra: dict[str, Any] | None = None) -> Path:
        """Write the index to ``path`` and its metadata (with ``extra`` entries) to
        ``path + ".json"``, each atomically.

        The metadata is written last and records the index file's size and SHA-256, so a
        crash between the two renames leaves a pair that :meth:`load` refuses, never a
        silently mismatched one.
        """
        path = Path(path)
        write = lambda temporary: faiss.write_index(self._index, temporary)  # noqa: E731
        meta = (extra or {}) | self.metadata()
        self.checksum = save_with_metadata(path, write, meta, {"": self})
        return path

    @staticmethod
    def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
        """The metadata saved beside ``path``; raises IndexMissingError or IndexCorruptError."""
        path = Path(path)
        meta_path = VectorIndex.metadata_path(path)
        if not path.is_file() or not meta_path.is_file():
            missing = path if not path.is_file() else meta_path
            raise IndexMissingError(f"no index at {missing}. {_REBUILD_HINT}")
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            if not isinstance(meta, dict):
                raise ValueError("not a JSON object")
        except (ValueError, UnicodeDecodeError) as error:
            raise IndexCorruptError(
                f"index metadata {meta_path} is unreadable ({error}). {_REBUILD_HINT}"
            ) from error
        return meta

    @classmethod
    def load(
        cls,
        path: str | os.PathLike,
        *,
        fingerprint: str,
        dim: int,
        verify_checksum: bool = True,
    ) -> VectorIndex:
        """Load an index saved by :meth:`save`, refusing anything it cannot trust.

        Raises IndexMissingError (no files), IndexMismatchError (another encoder fingerprint
        or dimension, or another format version) and IndexCorruptError (truncated or
        damaged file); every message suggests ``musubi index --rebuild``.
        """
        path = Path(path)
        meta = checked_metadata(path, FORMAT_VERSION, fingerprint, dim, verify_checksum)
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as error:
            raise IndexCorruptError(
                f"FAISS cannot read index {path}: {error}. {_REBUILD_HINT}"
            ) from error
        self = cls.from_faiss(index, meta, path=path, fingerprint=fingerprint, dim=dim)
        load_twins(path, meta, {"": (self, meta)}, verify_checksum)
        return self

    @classmethod
    def from_faiss(
        cls, index: faiss.Index, meta: dict[str, Any], *, path: Path, fingerprint: str, dim: int
    ) -> VectorIndex:
        """An index around ``index`` as read from ``path``, with the settings ``meta`` (its
        :meth:`metadata`) recorded; raises IndexCorruptError when the two disagree."""
        tombstones = int(meta.get("tombstones", 0))
        twins = int(meta.get("twins", 0))
        if index.d != dim or index.ntotal != meta.get("count", 0) - twins + tombstones:
            raise IndexCorruptError(
                f"index {path} holds {index.ntotal} vectors of dimension {index.d}, its metadata "
                f"says {meta.get('count')} of {meta.get('dimension', dim)}. {_REBUILD_HINT}"
            )
        self = cls(
            dim,
            fingerprint=fingerprint,
            kind=meta.get("kind", "auto"),
            ann_threshold=meta.get("ann_threshold", ANN_THRESHOLD),
            storage=meta.get("storage", "flat"),
            compress_threshold=meta.get("compress_threshold", COMPRESS_THRESHOLD),
            nprobe=meta.get("nprobe", 16),
            hnsw_m=meta.get("hnsw_m", 32),
            ef_search=meta.get("ef_search", 64),
            reduce_dim=meta.get("reduce_dim", REDUCE_DIM),
            refine_factor=meta.get("refine_factor", REFINE_FACTOR),
            twins=bool(meta.get("dedupe", False)),  # read from their file by the loader
        )
        self._index = index
        self._dead = tombstones
        self._built_storage = meta.get("built_storage", meta.get("storage", "flat"))
        self._trained_on = int(meta.get("trained_on", 0))
        self.built_at = meta.get("built_at")
        self.checksum = meta.get("sha256")
        stored = _stored_ids(index)
        self._ids = np.sort(stored[stored != _DEAD])
        if isinstance(index, faiss.IndexIVF):
            index.set_direct_map_type(faiss.DirectMap.Hashtable)
        return self


def _stored_ids(index: faiss.Index) -> np.ndarray:
    if isinstance(index, faiss.IndexIDMap):  # IndexIDMap2 downcasts to a subclass of it
        return faiss.vector_to_array(index.id_map).astype(np.int64)
    ivf = faiss.extract_index_ivf(index)
    lists = ivf.invlists
    parts = [
        faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
        for i in range(ivf.nlist)
        if lists.list_size(i)
    ]
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


def checked_metadata(
    path: Path, format_version: int, fingerprint: str, dim: int, verify_checksum: bool = True
) -> dict[str, Any]:
    """The metadata saved beside the index file ``path``, once the file is shown to be what it
    says: of ``format_version``, for this encoder and dimension, of the recorded size and
    SHA-256. Raises IndexMissingError, IndexMismatchError or IndexCorruptError."""
    meta = VectorIndex.read_metadata(path)
    if meta.get("format_version") != format_version:
        raise IndexMismatchError(
            f"index {path} has format version {meta.get('format_version')!r}, this Musubi "
            f"reads version {format_version}. {_REBUILD_HINT}"
        )
    if meta.get("encoder_fingerprint") != fingerprint:
        raise IndexMismatchError(
            f"index {path} was built with encoder {meta.get('encoder_fingerprint')!r}, "
            f"but the configured encoder is {fingerprint!r}. {_REBUILD_HINT}"
        )
    if meta.get("dimension") != dim:
        raise IndexMismatchError(
            f"index {path} holds {meta.get('dimension')!r}-dimensional vectors, the encoder "
            f"makes {dim}. {_REBUILD_HINT}"
        )
    size = path.stat().st_size
    if size != meta.get("file_size") or (verify_checksum and _sha256(path) != meta.get("sha256")):
        raise IndexCorruptError(
            f"index {path} does not match its metadata (size {size}, expected "
            f"{meta.get('file_size')}): truncated or damaged. {_REBUILD_HINT}"
        )
    return meta

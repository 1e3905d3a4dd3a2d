"""Encoding on Dask: texts/s in this process against a local Dask cluster of 1 and 2 workers.

    python benchmarks/bench_dask.py [--texts 16384] [--encoder hybrid] [--workers 1 2]
    python benchmarks/bench_dask.py --scheduler tls://HOST:8786   # a real cluster as well

Each run encodes the same texts of the seed corpus into an empty embedding cache, as an index
run does (the cluster's wall time includes starting it and loading the encoder on its
workers). Numbers only: nothing here fails.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import seeds
from embeddings import EmbeddingCache, encode_cached
from matcher.index.distributed import encode_on_cluster
from matcher.index.indexing import ENCODE_BATCH, encoder_for
from matcher.index.texts import profile_text


def corpus_texts(n: int) -> list[str]:
    """Profiles of the seed corpus, as many as asked (distinct organisations)."""
    texts: list[str] = []
    size = 2_000
    while len(texts) < n:
        records = seeds.build_corpus(size)
        texts = [profile_text(r["name"], r["description"], r.get("tags", [])) for r in records]
        size *= 2
    return texts[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=16_384)
    parser.add_argument("--encoder", default="hybrid")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--scheduler", help="Also a running scheduler at this address.")
    args = parser.parse_args()
    texts = corpus_texts(args.texts)
    encoder = encoder_for(args.encoder)
    encoder.encode(texts[:8])  # load the model: this process's start is not encoding
    runs: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        with EmbeddingCache(Path(tmp) / "local.sqlite") as cache:
            encode_cached(encoder, texts, cache, batch_size=ENCODE_BATCH)
        runs.append(("this process", time.perf_counter() - started))
        addresses = [(f"local cluster, {n} worker(s)", f"local:{n}") for n in args.workers]
        if args.scheduler:
            addresses.append((args.scheduler, args.scheduler))
        for i, (name, address) in enumerate(addresses):
            started = time.perf_counter()
            with EmbeddingCache(Path(tmp) / f"cluster{i}.sqlite") as cache:
                encode_on_cluster(address, args.encoder, encoder, texts, cache)
            runs.append((name, time.perf_counter() - started))
    print(f"{len(texts):,} texts, encoder {args.encoder}")
    for name, seconds in runs:
        print(f"  {name:<32} {seconds:>7.1f} s  {len(texts) / seconds:>7,.0f} texts/s")


if __name__ == "__main__":
    main()

"""Benchmarks, encoders: Spearman correlation of every candidate encoder on JGLUE JSTS (valid).

Reads ``$MUSUBI_SHARED_DATA/jglue-jsts/valid-v1.3.json`` (default ../shared/data beside the
repository) at run time; nothing is copied into the project. Prints one line per candidate.

    HF_HUB_OFFLINE=1 python benchmarks/bench_encoders.py [--limit N] [--skip-minilm]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from itertools import product
from pathlib import Path

import numpy as np
from scipy.stats import pearsonr, spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embeddings import HybridEncoder, load_encoder, normalise_text  # noqa: E402
from embeddings.lexical import LexicalEncoder  # noqa: E402


def shared_data() -> Path:
    default = Path(__file__).resolve().parents[2] / "shared" / "data"
    return Path(os.environ.get("MUSUBI_SHARED_DATA", default))


def read_jsts(path: Path, limit: int | None) -> tuple[list[str], list[str], np.ndarray]:
    left, right, labels = [], [], []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                pair = json.loads(line)
                left.append(pair["sentence1"])
                right.append(pair["sentence2"])
                labels.append(float(pair["label"]))
    if limit:
        left, right, labels = left[:limit], right[:limit], labels[:limit]
    return left, right, np.array(labels)


def pair_cosines(encoder, left: list[str], right: list[str]) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    unique = sorted(set(left) | set(right))
    vectors = encoder.encode(unique, batch_size=128)
    seconds = time.perf_counter() - started
    row = {text: i for i, text in enumerate(unique)}
    a = vectors[[row[t] for t in left]]
    b = vectors[[row[t] for t in right]]
    return np.einsum("ij,ij->i", a, b), len(unique) / seconds


def sparse_cosines(encoder: LexicalEncoder, left: list[str], right: list[str]) -> np.ndarray:
    """Unhashed (2**20 buckets) reference for a lexical encoder: the cost of folding to dim."""
    a = encoder.sparse([normalise_text(t) for t in left])
    b = encoder.sparse([normalise_text(t) for t in right])
    dots = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    norms_a = np.sqrt(np.asarray(a.multiply(a).sum(axis=1)).ravel())
    norms_b = np.sqrt(np.asarray(b.multiply(b).sum(axis=1)).ravel())
    return dots / np.maximum(norms_a * norms_b, 1e-12)


def report(name: str, scores: np.ndarray, labels: np.ndarray, rate: float | None = None) -> float:
    rho = spearmanr(scores, labels).statistic
    r = pearsonr(scores, labels).statistic
    speed = f"{rate:8.0f} texts/s" if rate else " " * 15
    print(f"{name:<52} spearman {rho:.4f}  pearson {r:.4f}  {speed}", flush=True)
    return rho


def pipeline(encoder, texts: list[str]) -> None:
    """Raw encoder vs cache + index pipeline on the same texts, cold and unchanged re-run."""
    import tempfile

    from embeddings import EmbeddingCache, VectorIndex, encode_cached

    started = time.perf_counter()
    encoder.encode(texts, batch_size=128)
    raw = time.perf_counter() - started
    ids = np.arange(len(texts), dtype=np.int64)
    with tempfile.TemporaryDirectory() as home:
        runs = []
        for _ in range(2):
            started = time.perf_counter()
            with EmbeddingCache(Path(home) / "cache.sqlite") as cache:
                vectors, n_encoded, n_reused = encode_cached(encoder, texts, cache, batch_size=128)
            index = VectorIndex(encoder.dim, fingerprint=encoder.fingerprint)
            index.add(ids, vectors)
            index.save(Path(home) / "index.faiss")
            runs.append((time.perf_counter() - started, n_encoded, n_reused))
    (cold, encoded, _), (warm, _, reused) = runs
    print(f"\nPipeline ({encoder.name}, {len(texts)} texts; cache + index + atomic save):")
    print(f"  raw encoder            {raw:7.2f} s  {len(texts) / raw:8.0f} texts/s")
    print(
        f"  first build            {cold:7.2f} s  {len(texts) / cold:8.0f} texts/s  "
        f"({encoded} encoded) = {raw / cold:.2f}× raw throughput"
    )
    print(
        f"  unchanged re-index     {warm:7.2f} s  ({reused} reused, 0 encoded) "
        f"= {cold / warm:.0f}× faster than the first build"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="use only the first N pairs")
    parser.add_argument("--skip-minilm", action="store_true", help="skip the transformer model")
    parser.add_argument("--pipeline-only", action="store_true", help="only the pipeline timing")
    args = parser.parse_args()
    path = shared_data() / "jglue-jsts" / "valid-v1.3.json"
    left, right, labels = read_jsts(path, args.limit)
    corpus = sorted(set(left) | set(right))
    print(f"JGLUE JSTS valid: {len(labels)} pairs, {len(corpus)} unique sentences ({path})")
    print("IDF tables (idf pooling / tf-idf) are fitted on those sentences, unsupervised.\n")
    if args.pipeline_only:
        pipeline(load_encoder("hybrid"), corpus)
        pipeline(load_encoder("minilm"), [t + " (English text routed to MiniLM)" for t in corpus])
        return

    cosines: dict[str, np.ndarray] = {}
    if not args.skip_minilm:
        cosines["minilm"], rate = pair_cosines(load_encoder("minilm"), left, right)
        report("minilm (all-MiniLM-L6-v2, bundled)", cosines["minilm"], labels, rate)

    for pooling in ("mean", "sif", "idf"):
        encoder = load_encoder("ginza", pooling=pooling)
        if pooling == "idf":
            encoder.fit(corpus)
        cosines[f"ginza-{pooling}"], rate = pair_cosines(encoder, left, right)
        report(f"ginza chiVe, {pooling} pooling", cosines[f"ginza-{pooling}"], labels, rate)

    lexical_grid = [
        ("char", (2, 3), "sublinear", False),
        ("char", (2, 3), "sublinear", True),
        ("char", (1, 3), "sublinear", True),
        ("char", (2, 3), "bm25", True),
        ("word", (1, 1), "sublinear", False),
        ("word", (1, 1), "sublinear", True),
        ("word", (1, 1), "bm25", True),
        ("char+word", (2, 3), "sublinear", True),
    ]
    for analyzer, ngrams, tf, idf in lexical_grid:
        label = f"lexical {analyzer} {ngrams[0]}-{ngrams[1]} tf={tf}{' +idf' if idf else ''}"
        encoder = LexicalEncoder(analyzer=analyzer, ngram_range=ngrams, tf=tf, dim=1024)
        if idf:
            encoder.fit(corpus)
        report(label + " exact sparse", sparse_cosines(encoder, left, right), labels)
        for dim in (256, 1024, 4096):
            encoder.dim = dim
            key = f"{analyzer}-{ngrams}-{tf}-{idf}-{dim}"
            cosines[key], rate = pair_cosines(encoder, left, right)
            report(f"{label} hashed dim={dim}", cosines[key], labels, rate)

    print("\nFusion: weighted sum of component cosines = hybrid inner product (Japanese texts)")
    lexicals = {
        "char-tf 1024": "char-(2, 3)-sublinear-False-1024",
        "char-tfidf 4096": "char-(1, 3)-sublinear-True-4096",
        "word-tf 256": "word-(1, 1)-sublinear-False-256",
    }
    for ngrams in ((1, 2), (1, 3), (2, 3)):
        key = f"char-{ngrams}-sublinear-False-256"
        if key not in cosines:
            encoder = LexicalEncoder(analyzer="char", ngram_range=ngrams, dim=256)
            cosines[key], _ = pair_cosines(encoder, left, right)
        lexicals[f"char {ngrams[0]}-{ngrams[1]} tf 256"] = key
    for dense, (lexical, key), w_lex in product(
        ("ginza-sif", "ginza-idf"), lexicals.items(), (0.0, 0.25, 0.35, 0.5, 0.75, 1.0)
    ):
        if w_lex == 0 and lexical != "char-tf 1024":
            continue
        fused = (cosines[dense] + w_lex * cosines[key]) / (1.0 + w_lex)
        report(f"fusion {dense}×1 + {lexical}×{w_lex:g}", fused, labels)
    lexical_key = lexicals["char 1-3 tf 256"]
    if "minilm" in cosines:
        for w_en in (0.25, 0.5):
            fused = (
                cosines["ginza-sif"] + 0.35 * cosines[lexical_key] + w_en * cosines["minilm"]
            ) / (1.5 + w_en)
            report(
                f"fusion ginza-sif×1 + char 1-3×0.35 + minilm×{w_en:g} (no routing)", fused, labels
            )

    print("\nThe shipped hybrid encoder, end to end (routing puts 0 weight on MiniLM for these):")
    hybrid = load_encoder("hybrid")
    assert isinstance(hybrid, HybridEncoder)
    scores, rate = pair_cosines(hybrid, left, right)
    report(f"hybrid default ({hybrid.dim}-d)", scores, labels, rate)
    pipeline(hybrid, corpus)


if __name__ == "__main__":
    main()

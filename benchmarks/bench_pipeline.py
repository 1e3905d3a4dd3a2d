"""Benchmarks, indexing pipeline: refresh_index against the raw encoder on the same seed texts.

For each corpus size: import the seed corpus into a fresh store, load the encoder's models
(timed apart), encode every text with the raw ``encoder.encode`` (the ceiling), then run the
real pipeline — ``matcher.index.indexing.refresh_index`` — for the first build, an unchanged
re-index (in this process, and in a fresh process as ``musubi index`` would run it: imports,
encoder construction and all), and a ``--rebuild`` served from the embedding cache.

    python benchmarks/bench_pipeline.py [--sizes 10000] [--encoder hybrid]

Targets: pipeline ≥ 0.9× raw encoder throughput; unchanged re-index ≥ 20× faster than the
first build.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import seeds  # noqa: E402
from matcher.index.indexing import encoder_for, refresh_index  # noqa: E402
from matcher.index.texts import iter_texts  # noqa: E402
from matcher.ingest.importer import load_records, write_records  # noqa: E402
from matcher.settings import load_settings  # noqa: E402
from matcher.store.session import open_store  # noqa: E402

# Run in a fresh interpreter: what `musubi index` costs when nothing changed.
_FRESH_REINDEX = """
import json, sys, time
started = time.perf_counter()
from matcher.index.indexing import refresh_index
from matcher.settings import load_settings
from matcher.store.session import open_store
imported = time.perf_counter()
settings = load_settings({"home": sys.argv[1], "encoder": sys.argv[2]}, environ={})
store = open_store(settings)
summary = refresh_index(store, settings)
store.close()
done = time.perf_counter()
print(json.dumps({"imports": imported - started, "refresh": done - imported,
                  "encoded": summary.encoded, "unchanged": summary.unchanged}))
"""


def fresh_reindex(home: Path, encoder: str) -> dict:
    environment = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    output = subprocess.run(
        [sys.executable, "-c", _FRESH_REINDEX, str(home), encoder],
        check=True,
        capture_output=True,
        text=True,
        env=environment,
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - started
    return result


def run(n_orgs: int, encoder_name: str, workdir: Path) -> dict:
    home = workdir / f"home-{n_orgs}"
    settings = load_settings({"home": str(home), "encoder": encoder_name}, environ={})
    path = workdir / f"seed-{n_orgs}.jsonl"
    seeds.write_jsonl(path, seeds.build_corpus(n_orgs, random_state=0))
    store = open_store(settings)
    records, _, _ = load_records(path)
    write_records(store, records)
    texts = [t.content for t in iter_texts(store)]

    started = time.perf_counter()
    encoder = encoder_for(encoder_name)  # the instance refresh_index will use
    constructed = time.perf_counter() - started
    started = time.perf_counter()
    encoder.encode(["独居高齢者の見守り", "snow removal"])  # loads every model it has
    loaded = time.perf_counter() - started

    started = time.perf_counter()
    encoder.encode(texts)
    raw = time.perf_counter() - started

    first = refresh_index(store, settings)
    again = refresh_index(store, settings, full=True)
    rebuilt = refresh_index(store, settings, rebuild=True)
    store.close()
    fresh = fresh_reindex(home, encoder_name)
    assert first.encoded > 0 and again.encoded == 0 and rebuilt.encoded == 0
    assert fresh["encoded"] == 0 and fresh["unchanged"] == len(texts)
    return {
        "orgs": n_orgs,
        "texts": len(texts),
        "distinct": len(set(texts)),
        "construct": constructed,
        "load": loaded,
        "raw": raw,
        "first": first.seconds,
        "index_type": first.index_type,
        "again": again.seconds,
        "fresh_refresh": fresh["refresh"],
        "fresh_wall": fresh["wall"],
        "rebuild": rebuilt.seconds,
        "index_mib": first.path.stat().st_size / 2**20,
    }


def report(row: dict) -> None:
    raw_rate = row["texts"] / row["raw"]
    first_rate = row["texts"] / row["first"]
    print(
        f"\n## {row['orgs']:,} organisations, {row['texts']:,} texts "
        f"({row['distinct']:,} distinct), encoder {ENCODER}, index {row['index_type']} "
        f"{row['index_mib']:.0f} MiB"
    )
    print(f"{'step':<44}{'seconds':>10}{'texts/s':>10}{'ratio':>10}")
    speedup = f"{first_rate / raw_rate:.2f}× raw"
    lines = [
        ("encoder construction (lazy)", row["construct"], None, None),
        ("model load (first encode)", row["load"], None, None),
        ("raw encoder.encode(texts)", row["raw"], raw_rate, "1.00× raw"),
        ("refresh_index: first build", row["first"], first_rate, speedup),
        ("refresh_index: unchanged, same process", row["again"], None,
         f"{row['first'] / row['again']:.0f}× faster"),
        ("refresh_index: unchanged, fresh process", row["fresh_refresh"], None,
         f"{row['first'] / row['fresh_refresh']:.0f}× faster"),
        ("  … wall incl. interpreter + imports", row["fresh_wall"], None,
         f"{row['first'] / row['fresh_wall']:.0f}× faster"),
        ("refresh_index --rebuild (from cache)", row["rebuild"], row["texts"] / row["rebuild"], ""),
    ]  # fmt: skip
    for label, seconds, rate, ratio in lines:
        rate_text = f"{rate:>10,.0f}" if rate else f"{'':>10}"
        print(f"{label:<44}{seconds:>10.2f}{rate_text}{ratio or '':>14}")


ENCODER = "hybrid"


def main() -> None:
    global ENCODER
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated organisation counts")
    parser.add_argument("--encoder", default="hybrid", help="encoder name (settings `encoder`)")
    parser.add_argument("--workdir", type=Path, help="keep stores and indexes here")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    ENCODER = args.encoder
    with tempfile.TemporaryDirectory(prefix="musubi-bench-") as temporary:
        workdir = args.workdir or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        for size in (int(s) for s in args.sizes.split(",")):
            report(run(size, args.encoder, workdir))


if __name__ == "__main__":
    main()

"""Benchmark: import throughput (organisations/second) for seed corpora of 10k and 100k."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import seeds
from matcher.ingest.importer import load_records, write_records
from matcher.settings import load_settings
from matcher.store.session import open_store


def run(size: int, workdir: Path) -> dict[str, float]:
    path = workdir / f"seed-{size}.jsonl"
    seeds.write_jsonl(path, seeds.build_corpus(size))
    store = open_store(load_settings({"home": str(workdir / f"home-{size}")}, environ={}))

    started = time.perf_counter()
    records, _, _ = load_records(path)
    validated = time.perf_counter()
    write_records(store, records)
    written = time.perf_counter()
    write_records(store, records)  # the same file again: every record is an update
    rewritten = time.perf_counter()
    store.close()
    return {
        "validate": validated - started,
        "insert": written - validated,
        "total": written - started,
        "reimport": rewritten - written,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated corpus sizes")
    args = parser.parse_args()
    print(
        f"{'orgs':>8} {'validate s':>11} {'insert s':>9} {'total s':>8} {'orgs/s':>8} "
        f"{'re-import s':>12}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            t = run(size, Path(tmp))
            print(
                f"{size:>8,} {t['validate']:>11.2f} {t['insert']:>9.2f} {t['total']:>8.2f} "
                f"{size / t['total']:>8,.0f} {t['reimport']:>12.2f}"
            )


if __name__ == "__main__":
    main()

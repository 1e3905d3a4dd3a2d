"""Seed corpus stage: command line, ``python -m seeds [-n N] [--random-state S] OUT.jsonl``."""

from __future__ import annotations

import argparse
import json
import sys

from . import DEFAULT_SIZE, build_corpus, write_jsonl


def main(argv: list[str] | None = None) -> int:
    """Write the seed corpus as JSON Lines to OUT (``-`` for stdout)."""
    parser = argparse.ArgumentParser(prog="python -m seeds", description=main.__doc__)
    parser.add_argument("out", help="output file, or - for stdout")
    parser.add_argument("-n", "--n-orgs", type=int, default=DEFAULT_SIZE)
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    if args.n_orgs < 0:
        parser.error(f"--n-orgs must be >= 0, got {args.n_orgs}")
    records = build_corpus(args.n_orgs, random_state=args.random_state)
    if args.out == "-":
        for record in records:
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        return 0
    n = write_jsonl(args.out, records)
    print(f"wrote {n} organisations to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

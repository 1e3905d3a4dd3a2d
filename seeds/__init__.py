"""Seed corpus stage: a deterministic demo corpus of organisations in the import format.

    >>> from seeds import build_corpus, write_jsonl
    >>> records = build_corpus(1600, random_state=0)
    >>> write_jsonl("seed.jsonl", records)

Places are real (47 prefectures, hand-picked municipalities); companies, startups, universities
and institutes are fictional. Themes are not stored in the records (the import format has no
such field); ``build_labelled_corpus`` returns them beside the records for evaluations.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from typing import Any

from matcher.facts.kinds import KINDS

from .builder import ID_PREFIXES, KIND_SHARES, build_labelled_corpus, kind_counts
from .places import PREFECTURE_NAMES, PREFECTURES
from .themes import THEME_BY_KEY, THEMES

__all__ = [
    "DEFAULT_SIZE",
    "ID_PREFIXES",
    "KINDS",
    "KIND_SHARES",
    "PREFECTURES",
    "PREFECTURE_NAMES",
    "THEMES",
    "THEME_BY_KEY",
    "build_corpus",
    "build_labelled_corpus",
    "kind_counts",
    "read_jsonl",
    "write_jsonl",
]

DEFAULT_SIZE = 1600


def build_corpus(n_orgs: int = DEFAULT_SIZE, random_state: int = 0) -> list[dict[str, Any]]:
    """Build ``n_orgs`` organisation records (DESIGN.md §3) and, beside them, 3% more financial
    institutions; identical for identical arguments.

    The ``n_orgs`` follow KIND_SHARES (30% municipalities, 25% companies, 25% startups, 12%
    universities, 8% research institutes); financial institutions (regional banks, shinkin
    banks, a government lender's branches) come from a random stream of their own, so the other
    records are those built before they existed. Ids are "mu-00001", "co-00001", …, "fi-00001";
    names are unique.
    """
    return build_labelled_corpus(n_orgs, random_state)[0]


def write_jsonl(path: str | os.PathLike[str], records: Iterable[dict[str, Any]]) -> int:
    """Write records as UTF-8 JSON Lines (one object per line, Japanese unescaped); return count."""
    n = 0
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False))
            f.write("\n")
            n += 1
    return n


def read_jsonl(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Yield the records of a JSON Lines file written by ``write_jsonl`` (blank lines skipped)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)

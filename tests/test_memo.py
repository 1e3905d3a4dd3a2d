"""Memos: bounded per-object caches that hold results, never their owner, so a dropped
Matcher's search, BM25 index and catalogue are freed with it."""

from __future__ import annotations

import gc
import threading
import weakref
from pathlib import Path

import pytest

from matcher.retrieval.dense import Filters
from matcher.retrieval.matcher import Matcher
from matcher.retrieval.memo import Memo
from matcher.settings import Settings, load_settings
from matcher.store.session import open_store
from support import SAMPLE, Musubi, write_jsonl


def test_a_memo_computes_once_and_forgets_the_least_recent() -> None:
    memo: Memo[int] = Memo(2)
    calls: list[str] = []

    def compute(key: str):  # noqa: ANN202
        return lambda: calls.append(key) or len(calls)

    assert memo.get("a", compute("a")) == 1
    assert memo.get("a", compute("a")) == 1  # remembered
    memo.get("b", compute("b"))
    memo.get("a", compute("a"))  # a is now the most recent
    memo.get("c", compute("c"))  # b goes
    assert len(memo) == 2
    memo.get("b", compute("b"))
    assert calls == ["a", "b", "c", "b"]


def test_a_memo_is_shared_by_threads() -> None:
    memo: Memo[int] = Memo(8)
    start = threading.Barrier(8)
    seen: list[int] = []

    def work(i: int) -> None:
        start.wait()
        for k in range(200):
            seen.append(memo.get(k % 16, lambda k=k: k % 16))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 1600 and len(memo) <= 8
    assert sorted(set(seen)) == list(range(16))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    home = tmp_path / "home"
    musubi = Musubi(home, encoder="hashing")
    assert musubi("import", str(write_jsonl(tmp_path / "sample.jsonl", SAMPLE))).exit_code == 0
    assert musubi("index").exit_code == 0
    return load_settings({"home": str(home), "encoder": "hashing"}, environ={})


def test_a_dropped_matcher_is_freed_with_its_memos(settings: Settings) -> None:
    matcher = Matcher(open_store(settings), settings)  # not a fixture: pytest would keep it
    filters = Filters(kinds=("startup",))
    matcher.search.allowed_ids(filters)
    matcher.lexical.mask(filters)
    matcher.lexical.scores("supply", "見守り")
    matcher.lexical_candidates("supply", "見守り", filters, 3)
    parts = (matcher, matcher.catalogue, matcher.search, matcher.lexical, matcher.search.index)
    refs = [weakref.ref(p) for p in parts]
    store = matcher.store
    del matcher, parts
    gc.collect()
    store.close()
    assert [r() for r in refs] == [None] * len(refs)

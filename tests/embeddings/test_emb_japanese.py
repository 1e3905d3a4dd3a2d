"""Japanese tokenisation: one SudachiPy dictionary per process, however many threads tokenise."""

from __future__ import annotations

import threading

import pytest
import sudachipy

from embeddings import japanese
from embeddings.japanese import SudachiTokenizer

TEXT = "独居高齢者の見守りを、訪問に頼らない仕組みで行いたい"


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list:
    """Every SudachiPy dictionary loaded from now on, in a process that has loaded none."""
    loaded: list = []
    real = sudachipy.Dictionary

    def counting(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        loaded.append(real(*args, **kwargs))
        return loaded[-1]

    monkeypatch.setattr(sudachipy, "Dictionary", counting)
    monkeypatch.setattr(japanese, "_dictionary", None)
    return loaded


def test_threads_share_one_dictionary_and_each_has_its_own_tokenizer(loads: list) -> None:
    tokenizers = [SudachiTokenizer("C"), SudachiTokenizer("C"), SudachiTokenizer("A")]
    threads = 8
    start = threading.Barrier(threads)
    words: list[list[str]] = [[] for _ in range(threads)]
    used: list[dict[int, object]] = [{} for _ in range(threads)]  # held, so ids stay unique
    failures: list[BaseException] = []

    def work(i: int) -> None:
        try:
            start.wait()  # every thread tokenises at once, as waitress's workers do
            for _ in range(20):
                for tokenizer in tokenizers[:2]:
                    words[i] = tokenizer.content_words(TEXT)
                    made = tokenizer._tokenizer()
                    used[i][id(made)] = made
            tokenizers[2].tokenize(TEXT)
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()

    assert failures == []
    assert len(loads) == 1, "the dictionary must load once per process"
    assert japanese.shared_dictionary() is loads[0]
    assert all(w == words[0] for w in words) and "高齢者" in words[0]
    # Two tokenizers per thread, none shared between threads: a Tokenizer is not thread-safe.
    assert all(len(u) == 2 for u in used)
    assert len({key for u in used for key in u}) == 2 * threads


def test_split_modes_still_differ(loads: list) -> None:
    coarse = [t.surface for t in SudachiTokenizer("C").tokenize("独居高齢者")]
    fine = [t.surface for t in SudachiTokenizer("A").tokenize("独居高齢者")]
    assert len(fine) > len(coarse)
    assert len(loads) == 1

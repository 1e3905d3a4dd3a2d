"""Retrieval memos: small LRU caches owned by one object, so they die with it.

``functools.lru_cache`` on a method is one cache for the class, keyed by ``self``: it kept every
Matcher a web process had replaced (after each import) alive with its catalogue, BM25 matrices
and index. A ``Memo`` is an attribute of its owner and holds results only, never the owner.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class Memo(Generic[T]):
    """The last ``maxsize`` results by key, safe to share between threads."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._results: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The result remembered for ``key``, else ``compute()`` (outside the lock), kept."""
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        result = compute()
        with self._lock:
            self._results[key] = result
            while len(self._results) > self.maxsize:
                self._results.popitem(last=False)
        return result

    def __len__(self) -> int:
        return len(self._results)

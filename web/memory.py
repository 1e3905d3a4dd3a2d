"""Process memory of `musubi serve`: fewer malloc arenas, and freed heap handed back to the OS.

A server replaces its whole Matcher (catalogue, BM25 matrices, FAISS index: tens of MB at the
demo's size) after every import. Python frees the old one, but glibc keeps freed memory in the
arena of the thread that used it, one arena per thread up to 8 per core: across 30 one-record
imports with 16 threads answering queries the demo server grew from 842 to 1,507 MB while one
Matcher was alive and the memory Python traced stayed flat. Two arenas and a trim after each
swap keep it flat (in one process with 16 query threads: 733–773 MB across 30 imports, against
841 → 1,001 MB across 15 without). Elsewhere (another C library, another system) both calls
are skipped.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)


def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    if not (hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")):
        return None  # musl, macOS: no arenas to tune
    return libc


_LIBC = _glibc()


def limit_arenas(count: int) -> bool:
    """Let malloc create at most ``count`` arenas from now on; whether it was possible."""
    if _LIBC is None:
        return False
    done = bool(_LIBC.mallopt(M_ARENA_MAX, count))
    if not done:
        log.warning("mallopt(M_ARENA_MAX, %d) was refused", count)
    return done


def trim() -> bool:
    """Hand the free memory at the top of malloc's heaps back to the OS; whether any was."""
    return bool(_LIBC.malloc_trim(0)) if _LIBC is not None else False

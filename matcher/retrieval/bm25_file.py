"""The BM25 matrices on disk, beside the FAISS index, so a process starts without fitting them.

Fitting them read every organisation's facts and took 16 s at 100,000 organisations; the file
is memory-mapped in milliseconds. It is keyed by ``Catalogue.content_key`` (which texts of which
organisations are ready, as last indexed): a file for other texts is stale and is rebuilt, as
is a damaged one, with a message and never a traceback. It is replaced atomically, as the
index is, so a reader never sees half a file.

Layout: ``MAGIC``, the header's length (8 bytes, little-endian), the header (JSON: format, key,
shape, and each array's dtype, length and offset), then the arrays, each at a 64-byte boundary.
"""

from __future__ import annotations

import json
import logging
import mmap
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy import sparse

from embeddings import normalise_text
from embeddings.index import _atomic_write
from matcher.index.texts import Text
from matcher.retrieval.bm25 import VIEWS, Bigrams, LexicalIndex
from matcher.retrieval.catalogue import Catalogue
from matcher.settings import Settings
from matcher.store.session import Store

log = logging.getLogger(__name__)

MAGIC = b"MUSUBI-BM25\n"
FORMAT = 1  # counts the layout and what the matrices hold (bigrams, k1 = 1.2, b = 0.75)
ALIGN = 64
ROLES = VIEWS["all"]


class Bm25FileError(Exception):
    """The file cannot serve this catalogue; the message says why."""


def bm25_path(settings: Settings) -> Path:
    return settings.home_path / "index.bm25"


def open_lexical(catalogue: Catalogue, path: Path) -> LexicalIndex:
    """The BM25 matrices of ``catalogue``: from ``path`` when it holds them, else fitted (and
    saved for the next process; a home it cannot write to only costs the next start time)."""
    try:
        return load(path, catalogue)
    except FileNotFoundError:
        reason = None
    except Bm25FileError as error:
        reason = str(error)
    except OSError as error:  # unreadable: a directory in its place, no permission
        reason = f"BM25 matrices {path} cannot be read ({error})"
    started = time.perf_counter()
    lexical = LexicalIndex.build(catalogue)
    try:
        save(path, lexical, catalogue.content_key())
    except OSError as error:
        log.warning("BM25 matrices not saved to %s: %s", path, error)
    if reason:
        log.warning("%s: rebuilt it in %.1f s", reason, time.perf_counter() - started)
    return lexical


def is_current(path: Path, catalogue: Catalogue) -> bool:
    """Whether ``path`` holds the matrices of ``catalogue`` (its header says so)."""
    try:
        header, _ = _read_header(path)
    except (OSError, Bm25FileError):
        return False
    return header.get("key") == catalogue.content_key()


def save(path: Path, lexical: LexicalIndex, key: str) -> None:
    """Write the matrices atomically: a temporary file, fsync, rename."""
    arrays: dict[str, np.ndarray] = {"org_ids": lexical.org_ids}
    if lexical.bigrams is not None:
        arrays |= {"chars": lexical.bigrams.chars, "keys": lexical.bigrams.keys}
    for view, matrix in lexical.columns.items():
        arrays |= {f"{view}.data": matrix.data, f"{view}.indices": matrix.indices}
        arrays[f"{view}.indptr"] = matrix.indptr
    n_terms = len(lexical.bigrams.keys) if lexical.bigrams is not None else 0
    layout, offset = {}, 0
    for name, array in arrays.items():
        layout[name] = {"dtype": array.dtype.str, "length": len(array), "offset": offset}
        offset += _aligned(array.nbytes)
    header = {"format": FORMAT, "key": key, "shape": [len(lexical), n_terms], "arrays": layout}
    head = json.dumps(header).encode("utf-8")
    start = _aligned(len(MAGIC) + 8 + len(head))

    def write(temporary: str) -> None:
        with open(temporary, "wb") as stream:
            stream.write(MAGIC + len(head).to_bytes(8, "little") + head)
            stream.write(b"\0" * (start - stream.tell()))
            for array in arrays.values():
                stream.write(np.ascontiguousarray(array).tobytes())
                stream.write(b"\0" * (_aligned(array.nbytes) - array.nbytes))

    _atomic_write(path, write)


def load(path: Path, catalogue: Catalogue) -> LexicalIndex:
    """The matrices saved at ``path``, memory-mapped; FileNotFoundError when there are none,
    Bm25FileError when they are for other texts or do not hold together."""
    header, start = _read_header(path)
    if header.get("key") != catalogue.content_key():
        raise Bm25FileError(f"BM25 matrices {path} are for other texts than the store's (stale)")
    with path.open("rb") as stream:  # the header check saw a non-empty file
        mapped = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        arrays = {
            name: np.frombuffer(
                mapped, np.dtype(spec["dtype"]), int(spec["length"]), start + int(spec["offset"])
            )
            for name, spec in header["arrays"].items()
        }
        n_orgs, n_terms = (int(n) for n in header["shape"])
    except (KeyError, TypeError, ValueError) as error:
        raise Bm25FileError(f"BM25 matrices {path} are damaged ({error})") from None
    if not np.array_equal(arrays.get("org_ids"), catalogue.org_ids) or n_orgs != len(catalogue):
        raise Bm25FileError(f"BM25 matrices {path} are for other organisations (stale)")
    if n_orgs == 0:
        return LexicalIndex(catalogue, None, {})
    try:
        bigrams = Bigrams(arrays["chars"], arrays["keys"])
        columns = {view: _matrix(arrays, view, n_orgs, n_terms) for view in VIEWS}
    except (KeyError, ValueError, IndexError) as error:
        raise Bm25FileError(f"BM25 matrices {path} are damaged ({error})") from None
    if len(bigrams.keys) != n_terms:
        raise Bm25FileError(f"BM25 matrices {path} are damaged (vocabulary size)")
    return LexicalIndex(catalogue, bigrams, columns)


def _matrix(arrays: dict, view: str, n_orgs: int, n_terms: int) -> sparse.csc_matrix:
    """One view's matrix, checked so that a damaged file fails here and not inside scipy."""
    data, indices, indptr = (arrays[f"{view}.{part}"] for part in ("data", "indices", "indptr"))
    if (
        len(indptr) != n_terms + 1
        or indptr[0] != 0
        or indptr[-1] != len(indices)
        or len(data) != len(indices)
        or (np.diff(indptr) < 0).any()
        # One pass finds rows out of range both ways: a negative int32 is a huge uint32.
        or (len(indices) and indices.view(np.uint32).max() >= n_orgs)
    ):
        raise ValueError(f"{view} matrix does not hold together")
    return sparse.csc_matrix((data, indices, indptr), shape=(n_orgs, n_terms), copy=False)


def _read_header(path: Path) -> tuple[dict, int]:
    """The header, and where the arrays start; FileNotFoundError or Bm25FileError."""
    with path.open("rb") as stream:
        magic = stream.read(len(MAGIC) + 8)
        if len(magic) < len(MAGIC) + 8 or not magic.startswith(MAGIC):
            raise Bm25FileError(f"{path} is not a BM25 matrices file (damaged)")
        length = int.from_bytes(magic[len(MAGIC) :], "little")
        size = stream.seek(0, 2)
        if length > size:
            raise Bm25FileError(f"BM25 matrices {path} are truncated (damaged)")
        stream.seek(len(MAGIC) + 8)
        try:
            header = json.loads(stream.read(length).decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise Bm25FileError(f"BM25 matrices {path} are damaged ({error})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise Bm25FileError(f"BM25 matrices {path} are of another format (stale)")
    start = _aligned(len(MAGIC) + 8 + length)
    try:
        end = max(
            (start + int(s["offset"]) + int(s["length"]) * np.dtype(s["dtype"]).itemsize)
            for s in header["arrays"].values()
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise Bm25FileError(f"BM25 matrices {path} are damaged ({error})") from None
    if end > size:
        raise Bm25FileError(f"BM25 matrices {path} are truncated (damaged)")
    return header, start


def _aligned(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


def refresh_lexical(store: Store, settings: Settings, texts: list[Text]) -> bool:
    """After an index run: save the matrices of what is now indexed, unless the saved ones
    are current. ``texts`` are the store's texts the run read, so no organisation's facts
    need reading. Returns whether it saved; a failed save (a full disk) leaves the previous
    file, which the next process finds stale and rebuilds."""
    catalogue = Catalogue(store)
    path = bm25_path(settings)
    if is_current(path, catalogue):
        return False
    grouped: dict[int, dict[str, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
    for text in texts:
        grouped[text.org_id][text.role].append((text.position, text.content))
    docs = []
    for org_id in catalogue.org_ids.tolist():
        roles = grouped.get(org_id, {})
        normalised = {r: (normalise_text(c) for _, c in sorted(roles.get(r, ()))) for r in ROLES}
        docs.append({role: [t for t in found if t] for role, found in normalised.items()})
    try:
        save(path, LexicalIndex.build(catalogue, docs), catalogue.content_key())
    except OSError as error:
        log.warning("BM25 matrices not saved to %s: %s", path, error)
        return False
    return True

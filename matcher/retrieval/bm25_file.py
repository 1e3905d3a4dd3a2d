"""The BM25 matrices on disk, beside the FAISS index, so a process starts without fitting them.

Fitting them read every organisation's facts and took 16 s at 100,000 organisations; the file
is memory-mapped in milliseconds. It is keyed by ``Catalogue.content_key`` (which texts of which
organisations are ready, as last indexed): a file for other texts is stale and is rebuilt, as
is a damaged one, with a message and never a traceback. It is replaced atomically, as the
index is, so a reader never sees half a file.

An index run after a small import refits nothing: it writes the changed organisations' rows to
a delta file beside it (``LexicalIndex.rows_for``), which names the main file's key as its
``base`` and the content key it completes as its ``key``; a reader uses the pair when both
match. A run that saves the main file deletes the delta.

Layout: ``arrays_file``'s, the header naming format, key, the main file's mean document lengths
or the delta's base, and shape.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from scipy import sparse

from embeddings import normalise_text
from embeddings.arrays_file import read_arrays, read_header, write_arrays
from embeddings.delta import delta_path
from matcher.index.texts import Text, iter_texts
from matcher.retrieval.bm25 import VIEWS, Bigrams, LexicalIndex, Segment
from matcher.retrieval.catalogue import Catalogue
from matcher.settings import Settings
from matcher.store.session import Store

log = logging.getLogger(__name__)

MAGIC = b"MUSUBI-BM25\n"
FORMAT = 2  # counts the layout and what the matrices hold (bigrams, k1 = 1.2, b = 0.75)
ROLES = VIEWS["all"]


class Bm25FileError(Exception):
    """The file cannot serve this catalogue; the message says why."""


def bm25_path(settings: Settings) -> Path:
    return settings.home_path / "index.bm25"


def open_lexical(catalogue: Catalogue, path: Path) -> LexicalIndex:
    """The BM25 matrices of ``catalogue``: from ``path`` (and its delta) when they hold them,
    else fitted (and saved for the next process; a home it cannot write to only costs the next
    start time)."""
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
        save_main(path, lexical, catalogue.content_key())
    except OSError as error:
        log.warning("BM25 matrices not saved to %s: %s", path, error)
    if reason:
        log.warning("%s: rebuilt it in %.1f s", reason, time.perf_counter() - started)
    return lexical


def is_current(path: Path, catalogue: Catalogue, *, with_delta: bool = True) -> bool:
    """Whether ``path`` (with its delta, unless told otherwise) holds the matrices of
    ``catalogue``."""
    key = catalogue.content_key()
    try:
        header = _read_header(path)
        if header.get("key") == key:
            return True
        if not with_delta:
            return False
        delta = _read_header(delta_path(path))
    except (OSError, Bm25FileError):
        return False
    return delta.get("base") == header.get("key") and delta.get("key") == key


def save_main(path: Path, lexical: LexicalIndex, key: str) -> None:
    """Write the main matrices atomically, then drop the delta they make obsolete."""
    arrays: dict[str, np.ndarray] = {"org_ids": lexical.main.org_ids}
    if lexical.bigrams is not None:
        arrays |= {"chars": lexical.bigrams.chars, "keys": lexical.bigrams.keys}
    n_terms = len(lexical.bigrams.keys) if lexical.bigrams is not None else 0
    _write(path, {"key": key, "lengths": lexical.lengths}, arrays, lexical.main, n_terms)
    delta_path(path).unlink(missing_ok=True)


def save_delta(path: Path, lexical: LexicalIndex, base: str, key: str) -> None:
    """Write ``lexical``'s delta segment beside the main matrices (``base`` is their key)."""
    arrays = {"org_ids": lexical.delta.org_ids, "replaced": lexical.replaced}
    n_terms = len(lexical.bigrams.keys)
    _write(delta_path(path), {"key": key, "base": base}, arrays, lexical.delta, n_terms)


def _write(path: Path, header: dict, arrays: dict, segment: Segment, n_terms: int) -> None:
    """Write a header and arrays (with the segment's matrices) atomically."""
    for view, matrix in segment.columns.items():
        arrays |= {f"{view}.data": matrix.data, f"{view}.indices": matrix.indices}
        arrays[f"{view}.indptr"] = matrix.indptr
    shape = [len(segment.org_ids), n_terms]
    write_arrays(path, MAGIC, {"format": FORMAT} | header | {"shape": shape}, arrays)


def load(path: Path, catalogue: Catalogue) -> LexicalIndex:
    """The matrices saved at ``path`` (and its delta), memory-mapped; FileNotFoundError when
    there are none, Bm25FileError when they are for other texts or do not hold together."""
    key = catalogue.content_key()
    header, arrays = _mapped(path)
    if header.get("key") == key:
        if not np.array_equal(arrays.get("org_ids"), catalogue.org_ids):
            raise Bm25FileError(f"BM25 matrices {path} are for other organisations (stale)")
        return _index(path, catalogue, header, arrays)
    delta = _delta_of(path, header)
    if delta is None or delta[0].get("key") != key:
        raise Bm25FileError(f"BM25 matrices {path} are for other texts than the store's (stale)")
    return _index(path, catalogue, header, arrays, delta)


def _delta_of(path: Path, header: dict) -> tuple[dict, dict[str, np.ndarray]] | None:
    """The delta beside the matrices at ``path`` (whose header is ``header``), mapped; None
    when there is none, or it is a leftover for other main matrices."""
    try:
        delta = _mapped(delta_path(path))
    except FileNotFoundError:
        return None
    return delta if delta[0].get("base") == header.get("key") else None


def _mapped(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """A file's header and its arrays, memory-mapped."""
    try:
        header, arrays = read_arrays(path, MAGIC, "BM25 matrices", FORMAT)
        if len(header["shape"]) != 2 or any(int(n) < 0 for n in header["shape"]):
            raise ValueError(f"BM25 matrices {path} are damaged (shape)")
    except (KeyError, TypeError) as error:
        raise Bm25FileError(f"BM25 matrices {path} are damaged ({error})") from None
    except ValueError as error:
        raise Bm25FileError(str(error)) from None
    return header, arrays


def _index(
    path: Path,
    catalogue: Catalogue,
    header: dict,
    arrays: dict[str, np.ndarray],
    delta: tuple[dict, dict[str, np.ndarray]] | None = None,
) -> LexicalIndex:
    n_orgs, n_terms = (int(n) for n in header["shape"])
    if n_orgs == 0:
        return LexicalIndex(catalogue, None, Segment(catalogue.org_ids, {}), {})
    try:
        bigrams = Bigrams(arrays["chars"], arrays["keys"])
        main = _segment(arrays, n_terms)
        lengths = {view: float(header["lengths"][view]) for view in VIEWS}
        if delta is not None:
            delta_header, delta_arrays = delta
            if int(delta_header["shape"][1]) != n_terms:
                raise ValueError("the delta has another vocabulary")
            rows = _segment(delta_arrays, n_terms)
            replaced = np.asarray(delta_arrays["replaced"], dtype=np.int64)
    except (KeyError, ValueError, IndexError, TypeError) as error:
        raise Bm25FileError(f"BM25 matrices {path} are damaged ({error})") from None
    if len(bigrams.keys) != n_terms or len(main.org_ids) != n_orgs:
        raise Bm25FileError(f"BM25 matrices {path} are damaged (sizes)")
    if delta is None:
        return LexicalIndex(catalogue, bigrams, main, lengths)
    return LexicalIndex(catalogue, bigrams, main, lengths, rows, replaced)


def _segment(arrays: dict[str, np.ndarray], n_terms: int) -> Segment:
    org_ids = arrays["org_ids"]
    return Segment(org_ids, {view: _matrix(arrays, view, len(org_ids), n_terms) for view in VIEWS})


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


def _read_header(path: Path) -> dict:
    """The header; FileNotFoundError or Bm25FileError."""
    try:
        return read_header(path, MAGIC, "BM25 matrices", FORMAT)[0]
    except ValueError as error:
        raise Bm25FileError(str(error)) from None


def refresh_lexical(
    store: Store, settings: Settings, texts: list[Text], changed: Iterable[int] | None = None
) -> bool:
    """After an index run: save the matrices of what is now indexed, unless the saved ones
    are current. ``texts`` are the store's texts the run read, so no organisation's facts
    need reading: every text, or with ``changed`` only those of the organisations in it, whose
    rows then go to the delta. Returns whether it saved; a failed save (a full disk) leaves the
    previous files, which the next process finds stale and rebuilds."""
    catalogue = Catalogue(store)
    path = bm25_path(settings)
    if is_current(path, catalogue, with_delta=changed is not None):
        if changed is None:  # the main file holds everything: a delta is a leftover
            delta_path(path).unlink(missing_ok=True)
        return False
    try:
        if changed is not None:
            try:
                _save_changed(path, catalogue, texts, np.fromiter(changed, dtype=np.int64))
                return True
            except (FileNotFoundError, Bm25FileError) as error:
                log.warning("%s: fitting the BM25 matrices anew", error)
                texts = list(iter_texts(store))
        save_main(
            path, LexicalIndex.build(catalogue, _by_org(catalogue, texts)), catalogue.content_key()
        )
    except OSError as error:
        log.warning("BM25 matrices not saved to %s: %s", path, error)
        return False
    return True


def _save_changed(path: Path, catalogue: Catalogue, texts: list[Text], changed: np.ndarray) -> None:
    """Write the delta: its rows so far, less the ``changed`` organisations', plus theirs."""
    header, arrays = _mapped(path)
    # The main rows, wherever they now belong, and the delta written so far.
    saved = _index(path, catalogue, header, arrays, _delta_of(path, header))
    if saved.bigrams is None:
        raise Bm25FileError(f"BM25 matrices {path} hold no organisations")
    parts, replaced = [], changed
    if saved.delta is not None:
        parts.append(saved.delta.rows(~np.isin(saved.delta.org_ids, changed)))
        replaced = np.union1d(saved.replaced, changed)
    ready = changed[np.isin(changed, catalogue.org_ids)]
    grouped = {o: _texts_by_role(t) for o, t in _grouped(texts).items()}
    parts.append(
        saved.rows_for(ready, [grouped.get(o, _texts_by_role({})) for o in ready.tolist()])
    )
    delta = Segment.stacked(parts)
    lexical = LexicalIndex(catalogue, saved.bigrams, saved.main, saved.lengths, delta, replaced)
    save_delta(path, lexical, header["key"], catalogue.content_key())


def _grouped(texts: list[Text]) -> dict[int, dict[str, list[tuple[int, str]]]]:
    grouped: dict[int, dict[str, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
    for text in texts:
        grouped[text.org_id][text.role].append((text.position, text.content))
    return grouped


def _texts_by_role(roles: dict[str, list[tuple[int, str]]]) -> dict[str, list[str]]:
    """One organisation's texts by role, normalised, as ``texts_by_role`` gives them."""
    normalised = {r: (normalise_text(c) for _, c in sorted(roles.get(r, ()))) for r in ROLES}
    return {role: [t for t in found if t] for role, found in normalised.items()}


def _by_org(catalogue: Catalogue, texts: list[Text]) -> list[dict[str, list[str]]]:
    """Each ready organisation's texts by role, aligned with ``catalogue.org_ids``."""
    grouped = _grouped(texts)
    return [_texts_by_role(grouped.get(o, {})) for o in catalogue.org_ids.tolist()]

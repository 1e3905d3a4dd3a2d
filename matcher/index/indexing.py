"""Indexing: bring the FAISS index in line with the store, encoding only texts that changed."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from embeddings import (
    EmbeddingCache,
    Encoder,
    IndexMissingError,
    VectorIndex,
    encode_cached,
    load_encoder,
    normalise_text,
    text_hash,
)
from embeddings.delta import IndexDelta, WithDelta, delta_path, open_main
from embeddings.grouped import FORMAT_VERSION, GroupedIndex
from embeddings.index import VectorIndexError, limit_threads
from matcher.facts.kinds import SECTORS, SUPPLIER_KINDS
from matcher.index.distributed import check_address, encode_on_cluster
from matcher.index.need_terms import refresh_need_terms
from matcher.index.texts import Text, iter_texts
from matcher.index.words import refresh_word_rows
from matcher.retrieval.bm25_file import refresh_lexical
from matcher.settings import Settings
from matcher.store.models import IndexQueue, TextEntry
from matcher.store.session import Store, chunks

#: Texts per ``encode_cached`` call: each chunk's vectors go into the index on a background
#: thread while the next chunk is encoded (the encoders are mostly single-threaded Python, so
#: the graph build gets the other core instead of running after them).
ENCODE_CHUNK = 2_048

#: Chunks of vectors at most waiting for the graph (each ``ENCODE_CHUNK`` texts, 7.7 MB at 940-d).
MAX_WAITING = 8

#: Texts per encoder batch and per embedding-cache commit: at the default 64 the commits
#: (one fsync each) and per-batch costs took ~2 s of a 10k-organisation first build.
ENCODE_BATCH = 256

#: An index run reads only the organisations imports queued, and writes their vectors to the
#: delta beside the main index, while the delta holds at most this many changed texts; past
#: it, the run reads every text and saves the main index (at 328,000 vectors: 1.3 s to load
#: and 2 s to write 570 MB). Every search also scans the delta exactly, and its BM25 rows are
#: weighed with the main matrices' statistics, so the limit bounds both.
DELTA_LIMIT = 4_096


@dataclass(frozen=True)
class IndexSummary:
    """What one indexing run did; ``seconds`` is wall-clock time."""

    total: int
    encoded: int
    reused: int
    removed: int
    unchanged: int
    seconds: float
    index_type: str
    path: Path
    scope: str = "all"  # "queued": only the organisations imports queued were read

    def to_json(self) -> dict:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()}


def index_path(settings: Settings) -> Path:
    return settings.home_path / "index.faiss"


def cache_path(settings: Settings) -> Path:
    return settings.home_path / "embeddings.sqlite"


@cache
def encoder_for(name: str) -> Encoder:
    """One encoder per name and process: loading a model costs seconds, using it microseconds."""
    return load_encoder(name)


def open_index(settings: Settings, encoder: Encoder) -> GroupedIndex | WithDelta:
    """The saved index as its delta changes it, for searching: the main index is shared with
    earlier callers while its file is the same. Raises IndexMissingError, IndexMismatchError
    or IndexCorruptError."""
    main = open_main(index_path(settings), fingerprint=encoder.fingerprint, dim=encoder.dim)
    delta = _delta(settings, encoder, main.checksum)
    return main if delta is None else WithDelta(main, delta)


def _folded(settings: Settings, encoder: Encoder) -> GroupedIndex:
    """The saved index with its delta's changes made in it: this run's own copy to change."""
    index = GroupedIndex.load(
        index_path(settings), fingerprint=encoder.fingerprint, dim=encoder.dim
    )
    delta = _delta(settings, encoder, index.checksum)
    if delta is not None:
        delta.apply(index)
    return index


def _delta(settings: Settings, encoder: Encoder, base: str | None) -> IndexDelta | None:
    """The saved delta of the main index file ``base``, if there is one."""
    path = delta_path(index_path(settings))
    return IndexDelta.load(path, fingerprint=encoder.fingerprint, dim=encoder.dim, base=base)


def refresh_index(
    store: Store,
    settings: Settings,
    *,
    rebuild: bool = False,
    full: bool = False,
    progress: Callable[[int], object] | None = None,
    on_start: Callable[[int], object] | None = None,
    on_wait: Callable[[], object] | None = None,
    dask_scheduler: str | None = None,
) -> IndexSummary:
    """Encode new and changed texts, drop vanished ones, save the index atomically.

    By default the run reads only the organisations imports queued and writes their changes
    to the delta beside the main index, until the delta grows past ``DELTA_LIMIT``; with
    ``full`` it reads every text, checks the main index and folds the delta into it.
    ``on_start(n)`` is told how many texts will be encoded or read from the cache before
    ``progress(k)`` counts them off. With ``rebuild`` the index is made anew from every text
    (the embedding cache still spares re-encoding what it holds). With ``dask_scheduler``
    (default: the setting) the texts are encoded on that Dask cluster (``distributed``);
    DaskError when it cannot, and the saved index is left as it was.

    The whole run holds the store's writer lock: two runs at once both gave new texts ids and
    the second failed on the ``texts`` table's unique key, or saved an index without the
    other's vectors. ``on_wait()`` is told when another import or index run makes it wait.
    """
    scheduler = dask_scheduler or settings.dask_scheduler
    if scheduler:
        check_address(scheduler)  # a refused address fails before anything is written
    with store.writer(on_wait):
        return _refresh(store, settings, rebuild, progress, on_start, scheduler, full)


def _refresh(
    store: Store,
    settings: Settings,
    rebuild: bool,
    progress: Callable[[int], object] | None,
    on_start: Callable[[int], object] | None,
    scheduler: str | None,
    full: bool = False,
) -> IndexSummary:
    """One index run: over the queued organisations into the delta while it stays small, else
    (``full``, ``rebuild``, no main index yet) over every text into the main index."""
    started = time.perf_counter()
    encoder = encoder_for(settings.encoder)
    queued = _queued(store)
    small = not (rebuild or full) and len(queued) <= DELTA_LIMIT
    delta = _open_delta(settings, encoder) if small else None
    scope = queued if delta is not None else None
    texts = list(iter_texts(store, scope))
    # Raw content, not the normalised text: normalising every text took half of an unchanged
    # re-index, and the encoder fingerprint already pins the normalisation rules.
    hashes = [_content_hash(t.content) for t in texts]
    ids, indexed, gone = _sync_text_ids(store, texts, scope)

    if delta is not None:
        index, removed = delta, gone
        in_index = np.array([h is not None for h in indexed], dtype=bool)
    else:
        index = None
        if not rebuild and _saved_format(settings) == FORMAT_VERSION:
            index = _folded(settings, encoder)
        if index is None:
            # Copies of one text share one vector, stored once (embeddings/twins.py).
            index = GroupedIndex(
                encoder.dim,
                fingerprint=encoder.fingerprint,
                kind=settings.index_kind,
                ann_threshold=settings.ann_threshold,
                twins=True,
            )
        present = index.ids
        in_index = np.isin(ids, present)
        removed = np.setdiff1d(present, ids)
    changed = [i for i in range(len(texts)) if not in_index[i] or indexed[i] != hashes[i]]
    # Texts indexed before the hash covered raw content carry the normalised text's hash.
    relabel = [i for i in changed if in_index[i] and indexed[i] == _normalised_hash(texts[i])]
    relabelled = set(relabel)
    # Texts come grouped (all profiles, then needs, then offers); streamed in that order the
    # graph grows one kind at a time and recall@10 drops (0.991 against 0.998 at 100k real
    # vectors). A fixed shuffle gives streamed chunks the one-shot build's recall.
    rng = np.random.default_rng(0)
    stale = rng.permutation([i for i in changed if i not in relabelled]).tolist()
    if delta is not None and len(delta) + len(stale) + len(removed) > DELTA_LIMIT:
        return _refresh(store, settings, rebuild, progress, on_start, scheduler, full=True)

    main = index_path(settings)
    saved = bool(
        stale or len(removed) or not main.exists() or (delta is None and _has_delta(settings))
    )
    encoded = reused = 0
    if saved:
        if on_start is not None:
            on_start(len(stale))
        if len(removed):
            index.remove(removed)
        encoded, reused = _encode(
            index,
            [texts[i].content for i in stale],
            ids[stale],
            [_group(texts[i]) for i in stale],
            settings,
            encoder,
            progress,
            scheduler,
        )
        if delta is not None:
            delta.save(delta_path(main))
        else:
            index.save(main)
            IndexDelta.discard(delta_path(main))
    _mark_indexed(store, [(int(ids[i]), hashes[i]) for i in stale + relabel])
    index_type = index.index_type if delta is None else _main_type(settings)
    # Saved: at a million organisations the graph holds 6 GB that fitting BM25 needs.
    del index, delta
    lexical = refresh_lexical(store, settings, texts, scope)
    if scope is None:  # a run over the queued few leaves their words to be tokenised
        refresh_word_rows(settings, encoder, texts)
        refresh_need_terms(settings, texts)
    total = _finish(store, queued, changed=saved or lexical or bool(relabel))
    return IndexSummary(
        total=total,
        encoded=encoded,
        reused=reused,
        removed=len(removed),
        unchanged=total - len(stale),
        seconds=time.perf_counter() - started,
        index_type=index_type,
        path=main,
        scope="all" if scope is None else "queued",
    )


def _encode(
    index: GroupedIndex | IndexDelta,
    contents: list[str],
    ids: np.ndarray,
    groups: list[str],
    settings: Settings,
    encoder: Encoder,
    progress: Callable[[int], object] | None,
    scheduler: str | None,
) -> tuple[int, int]:
    """Encode ``contents`` (or read them from the cache) and add them to ``index`` under
    ``ids``, each in its group (``_group``); returns how many were encoded and how many were
    read from the cache."""
    encoded = reused = clustered = 0
    # One worker keeps the adds in order (GroupedIndex is not thread-safe) and one FAISS
    # thread leaves the other core to the encoder.
    with (
        EmbeddingCache(cache_path(settings)) as embedding_cache,
        ThreadPoolExecutor(1, initializer=limit_threads, initargs=(1,)) as builder,
    ):
        if scheduler and contents:
            # The cluster fills the cache; the loop below then reads every vector from it.
            clustered = encode_on_cluster(
                scheduler,
                settings.encoder,
                encoder,
                contents,
                embedding_cache,
                progress,
                ENCODE_BATCH,
            )
            progress = None  # the cluster counted every text off
        adds = []
        for start in range(0, len(contents), ENCODE_CHUNK):
            result = encode_cached(
                encoder,
                contents[start : start + ENCODE_CHUNK],
                embedding_cache,
                role="document",
                batch_size=ENCODE_BATCH,
                progress=progress,
            )
            encoded += result.n_encoded
            reused += result.n_reused
            part = slice(start, start + ENCODE_CHUNK)
            batch = (ids[part], result.vectors, groups[part])
            # A finished add needs its vectors no more: kept to the end they held every
            # vector of a first build (12 GiB for 3.4 million texts).
            waiting = []
            for add, kept in adds:
                if add.done():
                    add.result()  # raises what the add raised
                else:
                    waiting.append((add, kept))
            # Vectors read from the cache outrun the graph: queued without bound they held
            # every vector of a million-organisation rebuild (15 GiB). Past a few chunks the
            # reader waits, and the graph gets every core meanwhile.
            behind = len(waiting) >= MAX_WAITING
            threads = (os.cpu_count() or 1) if behind else 1
            adds = [*waiting, (builder.submit(_add, index, batch, threads), batch)]
            if behind:
                adds.pop(0)[0].result()
        # Encoding is over: the adds not yet started run here on every core, once the
        # worker's are done (chunks hold distinct ids, so their order does not matter).
        left = [batch for add, batch in adds if add.cancel()]
        for add, _ in adds:
            if not add.cancelled():
                add.result()
        for batch in left:
            index.add(*batch)
    return encoded + clustered, reused - clustered


def _group(text: Text) -> str:
    """A text's graph: its role and its organisation's sector ("offer:industry"); for a profile
    of any kind but startups and companies, its organisation's kind ("profile:university").

    A filtered HNSW probe keeps only the vectors its filter admits, and finds few where the
    query's neighbourhood is made of others: a need's nearest texts are needs, a challenge's
    nearest offers include universities' seeds. Procurement's suppliers (offers and profiles
    of startups and companies) and joint's municipalities' needs are then whole graphs,
    searched unfiltered. Universities' profiles read alike, and partners leave out the asking
    kind: in one graph of academia's profiles a university's probe widened to 16× and ended in
    comparing every admitted vector (5.2 / 8.7 ms a search at 100,000 organisations, 0.3
    unfiltered). Startups' and companies' profiles are unlike enough to share a graph (0.5 ms
    a search with either left out), which keeps procurement's suppliers in one. A filter is
    applied in every graph holding ids it admits, so a text left in another group (its
    organisation changed kind, its text did not) is still found.
    """
    if text.role == "profile" and text.kind not in SUPPLIER_KINDS:
        return f"profile:{text.kind}"
    return f"{text.role}:{SECTORS[text.kind]}"


def _add(index: GroupedIndex | IndexDelta, batch: tuple, threads: int) -> None:
    limit_threads(threads)
    index.add(*batch)


def _queued(store: Store) -> list[int]:
    """The organisations imports have queued for the index, in id order."""
    with store.session() as session:
        return list(session.scalars(sa.select(IndexQueue.org_id).order_by(IndexQueue.org_id)))


def _open_delta(settings: Settings, encoder: Encoder) -> IndexDelta | None:
    """The delta to add to (a new one if there is none), or None when the run must read the
    main index: there is none, or it is for another encoder (the full run says so)."""
    main = index_path(settings)
    try:
        meta = VectorIndex.read_metadata(main)
    except VectorIndexError:
        return None
    if (
        meta.get("encoder_fingerprint") != encoder.fingerprint
        or meta.get("format_version") != FORMAT_VERSION
        or not meta.get("sha256")
    ):
        return None
    base = meta["sha256"]
    found = _delta(settings, encoder, base)
    return found or IndexDelta(encoder.dim, fingerprint=encoder.fingerprint, base=base)


def _saved_format(settings: Settings) -> int | None:
    """The format of the saved main index (None: there is none). An index of an earlier
    format is made anew by the next full run: the embedding cache holds its vectors."""
    try:
        return VectorIndex.read_metadata(index_path(settings)).get("format_version")
    except IndexMissingError:
        return None


def _has_delta(settings: Settings) -> bool:
    return delta_path(index_path(settings)).exists()


def _main_type(settings: Settings) -> str:
    return VectorIndex.read_metadata(index_path(settings)).get("index_type", "flat")


def _finish(store: Store, queued: list[int], *, changed: bool) -> int:
    """Take the organisations this run read out of the queue, and count a store generation
    when what matching sees changed (an unchanged re-index must not make every server
    reload); returns how many texts the index holds.

    Last, once the index and BM25 files are saved: a run that dies before leaves the
    organisations queued for the next one, and servers reload only when both files are there.
    """
    table = IndexQueue.__table__
    with store.session.begin() as session:
        for chunk in chunks(queued):
            session.execute(sa.delete(table).where(table.c.org_id.in_(chunk)))
        if changed:
            store.bump_generation(session)
        return session.scalar(sa.select(sa.func.count()).where(TextEntry.indexed_hash.is_not(None)))


def _content_hash(content: str) -> str:
    # surrogatepass: a lone surrogate from a bad import must not stop indexing.
    return hashlib.blake2b(content.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _normalised_hash(text: Text) -> str:
    return text_hash(normalise_text(text.content)).hex()


def _sync_text_ids(
    store: Store, texts: list[Text], org_ids: list[int] | None
) -> tuple[np.ndarray, list[str | None], np.ndarray]:
    """Give every text a stable id in the ``texts`` table; forget the ids of vanished texts.
    ``texts`` are every text, or all those of ``org_ids``.

    Returns the ids aligned with ``texts``, the hash each one's vector was indexed under, and
    the ids forgotten.
    """
    select = sa.select(
        TextEntry.org_id, TextEntry.role, TextEntry.position, TextEntry.id, TextEntry.indexed_hash
    )
    if org_ids is None:
        selects = [select]
    else:
        selects = [select.where(TextEntry.org_id.in_(chunk)) for chunk in chunks(org_ids)]
    with store.session.begin() as session:
        known = {(o, r, p): (i, h) for query in selects for o, r, p, i, h in session.execute(query)}
        wanted = {t.key for t in texts}
        gone = [known[key][0] for key in known.keys() - wanted]
        for chunk in chunks(gone):
            session.execute(sa.delete(TextEntry).where(TextEntry.id.in_(chunk)))
        new = [
            {"org_id": t.org_id, "role": t.role, "position": t.position}
            for t in texts
            if t.key not in known
        ]
        for chunk in chunks(new):
            inserted = session.execute(
                sa.insert(TextEntry).returning(
                    TextEntry.org_id,
                    TextEntry.role,
                    TextEntry.position,
                    TextEntry.id,
                    sort_by_parameter_order=True,
                ),
                chunk,
            )
            known.update({(o, r, p): (i, None) for o, r, p, i in inserted})
    ids = np.fromiter((known[t.key][0] for t in texts), dtype=np.int64, count=len(texts))
    return ids, [known[t.key][1] for t in texts], np.array(sorted(gone), dtype=np.int64)


def _mark_indexed(store: Store, pairs: list[tuple[int, str]]) -> None:
    """Record what the saved index holds."""
    # A Core executemany: the ORM's bulk update by primary key took 3× as long (0.5 s for 33k).
    table = TextEntry.__table__
    update = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values(indexed_hash=sa.bindparam("row_hash"))
    )
    with store.session.begin() as session:
        for start in range(0, len(pairs), 5000):
            rows = [{"row_id": i, "row_hash": h} for i, h in pairs[start : start + 5000]]
            session.execute(update, rows)

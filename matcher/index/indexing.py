"""Indexing: bring the FAISS index in line with the store, encoding only texts that changed."""

from __future__ import annotations

import hashlib
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
from embeddings.index import limit_threads
from matcher.index.distributed import check_address, encode_on_cluster
from matcher.index.texts import Text, iter_texts
from matcher.retrieval.bm25_file import refresh_lexical
from matcher.settings import Settings
from matcher.store.models import TextEntry
from matcher.store.session import Store

CHUNK = 500

#: Texts per ``encode_cached`` call: each chunk's vectors go into the index on a background
#: thread while the next chunk is encoded (the encoders are mostly single-threaded Python, so
#: the graph build gets the other core instead of running after them).
ENCODE_CHUNK = 2_048

#: Texts per encoder batch and per embedding-cache commit: at the default 64 the commits
#: (one fsync each) and per-batch costs took ~2 s of a 10k-organisation first build.
ENCODE_BATCH = 256


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


def open_index(settings: Settings, encoder: Encoder) -> VectorIndex:
    """The saved index; raises IndexMissingError, IndexMismatchError or IndexCorruptError."""
    return VectorIndex.load(index_path(settings), fingerprint=encoder.fingerprint, dim=encoder.dim)


def refresh_index(
    store: Store,
    settings: Settings,
    *,
    rebuild: bool = False,
    progress: Callable[[int], object] | None = None,
    on_start: Callable[[int], object] | None = None,
    on_wait: Callable[[], object] | None = None,
    dask_scheduler: str | None = None,
) -> IndexSummary:
    """Encode new and changed texts, drop vanished ones, save the index atomically.

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
        return _refresh(store, settings, rebuild, progress, on_start, scheduler)


def _refresh(
    store: Store,
    settings: Settings,
    rebuild: bool,
    progress: Callable[[int], object] | None,
    on_start: Callable[[int], object] | None,
    scheduler: str | None,
) -> IndexSummary:
    started = time.perf_counter()
    encoder = encoder_for(settings.encoder)
    texts = list(iter_texts(store))
    # Raw content, not the normalised text: normalising every text took half of an unchanged
    # re-index, and the encoder fingerprint already pins the normalisation rules.
    hashes = [_content_hash(t.content) for t in texts]
    ids, indexed = _sync_text_ids(store, texts)

    index = None
    if not rebuild:
        try:
            index = open_index(settings, encoder)
        except IndexMissingError:
            index = None
    if index is None:
        index = VectorIndex(
            encoder.dim,
            fingerprint=encoder.fingerprint,
            kind=settings.index_kind,
            ann_threshold=settings.ann_threshold,
        )
    present = index.ids
    in_index = np.isin(ids, present)
    changed = [i for i in range(len(texts)) if not in_index[i] or indexed[i] != hashes[i]]
    # Texts indexed before the hash covered raw content carry the normalised text's hash.
    relabel = [i for i in changed if in_index[i] and indexed[i] == _normalised_hash(texts[i])]
    relabelled = set(relabel)
    # Texts come grouped (all profiles, then needs, then offers); streamed in that order the
    # graph grows one kind at a time and recall@10 drops (0.991 against 0.998 at 100k real
    # vectors). A fixed shuffle gives streamed chunks the one-shot build's recall.
    rng = np.random.default_rng(0)
    stale = rng.permutation([i for i in changed if i not in relabelled]).tolist()
    removed = np.setdiff1d(present, ids)

    encoded = reused = clustered = 0
    saved = bool(stale or len(removed) or not index_path(settings).exists())
    if saved:
        if on_start is not None:
            on_start(len(stale))
        # One worker keeps the adds in order (VectorIndex is not thread-safe) and one FAISS
        # thread leaves the other core to the encoder.
        with (
            EmbeddingCache(cache_path(settings)) as embedding_cache,
            ThreadPoolExecutor(1, initializer=limit_threads, initargs=(1,)) as builder,
        ):
            if scheduler and stale:
                # The cluster fills the cache; the loop below then reads every vector from it.
                clustered = encode_on_cluster(
                    scheduler,
                    settings.encoder,
                    encoder,
                    [texts[i].content for i in stale],
                    embedding_cache,
                    progress,
                    ENCODE_BATCH,
                )
                progress = None  # the cluster counted every text off
            if len(removed):
                index.remove(removed)
            adds = []
            for start in range(0, len(stale), ENCODE_CHUNK):
                rows = stale[start : start + ENCODE_CHUNK]
                result = encode_cached(
                    encoder,
                    [texts[i].content for i in rows],
                    embedding_cache,
                    role="document",
                    batch_size=ENCODE_BATCH,
                    progress=progress,
                )
                encoded += result.n_encoded
                reused += result.n_reused
                batch = (ids[rows], result.vectors)
                adds.append((builder.submit(index.add, *batch), batch))
            # Encoding is over: the adds not yet started run here on every core, once the
            # worker's are done (chunks hold distinct ids, so their order does not matter).
            left = [batch for add, batch in adds if add.cancel()]
            for add, _ in adds:
                if not add.cancelled():
                    add.result()
            for batch in left:
                index.add(*batch)
        encoded, reused = encoded + clustered, reused - clustered
        index.save(index_path(settings))
    _mark_indexed(store, [(int(ids[i]), hashes[i]) for i in stale + relabel], changed=saved)
    refresh_lexical(store, settings, texts)
    return IndexSummary(
        total=len(texts),
        encoded=encoded,
        reused=reused,
        removed=len(removed),
        unchanged=len(texts) - len(stale),
        seconds=time.perf_counter() - started,
        index_type=index.index_type,
        path=index_path(settings),
    )


def _content_hash(content: str) -> str:
    # surrogatepass: a lone surrogate from a bad import must not stop indexing.
    return hashlib.blake2b(content.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _normalised_hash(text: Text) -> str:
    return text_hash(normalise_text(text.content)).hex()


def _sync_text_ids(store: Store, texts: list[Text]) -> tuple[np.ndarray, list[str | None]]:
    """Give every text a stable id in the ``texts`` table; forget the ids of vanished texts.

    Returns the ids aligned with ``texts`` and the hash each one's vector was indexed under.
    """
    with store.session.begin() as session:
        rows = session.execute(
            sa.select(
                TextEntry.org_id,
                TextEntry.role,
                TextEntry.position,
                TextEntry.id,
                TextEntry.indexed_hash,
            )
        )
        known = {(o, r, p): (i, h) for o, r, p, i, h in rows}
        wanted = {t.key for t in texts}
        gone = [known[key][0] for key in known.keys() - wanted]
        for start in range(0, len(gone), CHUNK):
            session.execute(
                sa.delete(TextEntry).where(TextEntry.id.in_(gone[start : start + CHUNK]))
            )
        new = [
            {"org_id": t.org_id, "role": t.role, "position": t.position}
            for t in texts
            if t.key not in known
        ]
        for start in range(0, len(new), CHUNK):
            inserted = session.execute(
                sa.insert(TextEntry).returning(
                    TextEntry.org_id,
                    TextEntry.role,
                    TextEntry.position,
                    TextEntry.id,
                    sort_by_parameter_order=True,
                ),
                new[start : start + CHUNK],
            )
            known.update({(o, r, p): (i, None) for o, r, p, i in inserted})
    ids = np.fromiter((known[t.key][0] for t in texts), dtype=np.int64, count=len(texts))
    return ids, [known[t.key][1] for t in texts]


def _mark_indexed(store: Store, pairs: list[tuple[int, str]], *, changed: bool) -> None:
    """Record what the saved index holds; count a store generation when the index changed
    (an unchanged re-index must not make every server reload)."""
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
        if changed or pairs:
            store.bump_generation(session)

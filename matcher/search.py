"""Candidate retrieval: nearest texts from the index, filtered by role, kind, prefecture, region."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from embeddings import Encoder, VectorIndex
from matcher import prefectures
from matcher.indexing import encoder_for, open_index
from matcher.models import KINDS, Organisation, TextEntry
from matcher.settings import Settings
from matcher.store import Store
from matcher.texts import ROLES


@dataclass(frozen=True)
class Filters:
    """Which texts may be returned; an empty tuple means no restriction on that attribute."""

    roles: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    prefectures: tuple[int, ...] = ()
    exclude_orgs: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for name, values, valid in (("role", self.roles, ROLES), ("kind", self.kinds, KINDS)):
            bad = [v for v in values if v not in valid]
            if bad:
                raise ValueError(f"unknown {name} {bad[0]!r}; use one of: {', '.join(valid)}")


def region_codes(names: Iterable[str]) -> tuple[int, ...]:
    """Prefecture codes of the named regional blocks (九州, Kanto, 近畿 …)."""
    return tuple(code for name in names for code in prefectures.resolve_region(name).codes)


@dataclass(frozen=True)
class TextHit:
    text_id: int
    org_id: int
    role: str
    position: int
    score: float


class TextSearch:
    """The index together with each text's attributes, so filters become id sets in FAISS."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.encoder: Encoder = encoder_for(settings.encoder)
        self.index: VectorIndex = open_index(settings, self.encoder)
        with store.session() as session:
            rows = session.execute(
                sa.select(
                    TextEntry.id,
                    TextEntry.org_id,
                    TextEntry.role,
                    TextEntry.position,
                    Organisation.kind,
                    Organisation.prefecture,
                )
                .join(Organisation, Organisation.id == TextEntry.org_id)
                .where(TextEntry.indexed_hash.is_not(None))
                .order_by(TextEntry.id)
            ).all()
        self.ids = np.array([r[0] for r in rows], dtype=np.int64)
        self.org_ids = np.array([r[1] for r in rows], dtype=np.int64)
        self.roles = np.array([ROLES.index(r[2]) for r in rows], dtype=np.int8)
        self.positions = np.array([r[3] for r in rows], dtype=np.int16)
        self.kinds = np.array([KINDS.index(r[4]) for r in rows], dtype=np.int8)
        self.prefectures = np.array([r[5] for r in rows], dtype=np.int8)

    def allowed_ids(self, filters: Filters) -> np.ndarray | None:
        """The ids a filter admits (None when it admits everything)."""
        mask = np.ones(len(self.ids), dtype=bool)
        if filters.roles:
            mask &= np.isin(self.roles, [ROLES.index(r) for r in filters.roles])
        if filters.kinds:
            mask &= np.isin(self.kinds, [KINDS.index(k) for k in filters.kinds])
        if filters.prefectures:
            mask &= np.isin(self.prefectures, filters.prefectures)
        if filters.exclude_orgs:
            mask &= ~np.isin(self.org_ids, filters.exclude_orgs)
        return None if mask.all() else self.ids[mask]

    def search_many(
        self, queries: Sequence[str], k: int, filters: Filters = Filters()
    ) -> list[list[TextHit]]:
        """The ``k`` nearest admitted texts for each query text, best first."""
        vectors = self.encoder.encode(list(queries), role="query")
        return self.search_vectors(vectors, k, filters)

    def search_vectors(
        self, vectors: np.ndarray, k: int, filters: Filters = Filters()
    ) -> list[list[TextHit]]:
        allowed = self.allowed_ids(filters)
        if allowed is not None and len(allowed) == 0:
            return [[] for _ in vectors]
        results = self.index.search_many(vectors, k, allowed_ids=allowed)
        return [self._hits(found.ids, found.scores) for found in results]

    def search(self, query: str, k: int, filters: Filters = Filters()) -> list[TextHit]:
        return self.search_many([query], k, filters)[0]

    def _hits(self, ids: np.ndarray, scores: np.ndarray) -> list[TextHit]:
        rows = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        # An id the catalogue does not know (a store changed since indexing) is dropped.
        known = self.ids[rows] == ids
        ids, rows, scores = ids[known], rows[known], scores[known]
        return [
            TextHit(
                int(text_id),
                int(self.org_ids[row]),
                ROLES[self.roles[row]],
                int(self.positions[row]),
                float(score),
            )
            for text_id, row, score in zip(ids, rows, scores, strict=True)
        ]

"""Candidate retrieval: nearest texts from the index, filtered by role, kind, prefecture, region."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from embeddings import Encoder, SearchHits
from embeddings.delta import WithDelta
from embeddings.grouped import GroupedIndex
from matcher.facts import prefectures
from matcher.facts.kinds import KINDS
from matcher.index.indexing import encoder_for, open_index
from matcher.index.texts import TEXT_ROLES
from matcher.retrieval.catalogue import Catalogue
from matcher.retrieval.filters import Filters
from matcher.retrieval.memo import Memo
from matcher.settings import Settings


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
    """The index with the catalogue's text attributes, so filters become id sets inside FAISS."""

    def __init__(self, catalogue: Catalogue, settings: Settings) -> None:
        self.catalogue = catalogue
        self.encoder: Encoder = encoder_for(settings.encoder)
        self.index: GroupedIndex | WithDelta = open_index(settings, self.encoder)
        # Each mode asks the same few filters again and again.
        self._allowed: Memo[np.ndarray | None] = Memo(64)

    def allowed_ids(self, filters: Filters) -> np.ndarray | None:
        """The ids a filter admits (None when it admits everything), read-only."""
        return self._allowed.get(filters, lambda: self._admitted(filters))

    def _admitted(self, filters: Filters) -> np.ndarray | None:
        c = self.catalogue
        mask = np.ones(len(c.text_ids), dtype=bool)
        if filters.roles:
            mask &= np.isin(c.text_role, [TEXT_ROLES.index(r) for r in filters.roles])
        if filters.kinds:
            mask &= np.isin(c.text_kind, [KINDS.index(k) for k in filters.kinds])
        if filters.prefectures:
            mask &= np.isin(c.text_prefecture, filters.prefectures)
        if filters.exclude_orgs:
            mask &= ~np.isin(c.text_org, filters.exclude_orgs)
        if mask.all():
            return None
        ids = c.text_ids[mask]
        ids.setflags(write=False)
        return ids

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encoder.encode(list(texts), role="query")

    def search(self, query: str, k: int, filters: Filters = Filters()) -> list[TextHit]:
        """The ``k`` nearest admitted texts to ``query``, best first, one hit per text (the
        match modes read ``best_of`` their hits: one per organisation)."""
        found = self.nearest(self.encode_queries([query]), k, filters)[0]
        return self._hits(self.catalogue.rows_of(found.ids), found.scores)

    def nearest(self, vectors: np.ndarray, k: int, filters: Filters) -> list[SearchHits]:
        """The ``k`` nearest admitted texts of each of ``vectors``, as the index's ids."""
        return self.index.search_many(
            np.atleast_2d(vectors), k, allowed_ids=self.allowed_ids(filters)
        )

    def best_of(self, results: Sequence[SearchHits], limit: int) -> list[TextHit]:
        """Up to ``limit`` organisations' best hits among ``results`` (the nearest texts of
        several vectors), best first: one hit per organisation, its highest-scoring text."""
        if not results:
            return []
        rows = self.catalogue.rows_of(np.concatenate([f.ids for f in results]))
        scores = np.concatenate([f.scores for f in results])
        known = rows >= 0
        rows, scores = rows[known], scores[known]
        order = np.argsort(-scores, kind="stable")
        # The first occurrence of each organisation in score order is its best text.
        _, first = np.unique(self.catalogue.text_org[rows[order]], return_index=True)
        best = order[np.sort(first)[:limit]]
        return self._hits(rows[best], scores[best])

    def _hits(self, rows: np.ndarray, scores: np.ndarray) -> list[TextHit]:
        c = self.catalogue
        # A row of -1 is an id the catalogue does not know (the store changed since indexing).
        return [
            TextHit(
                int(c.text_ids[row]),
                int(c.text_org[row]),
                TEXT_ROLES[c.text_role[row]],
                int(c.text_position[row]),
                float(score),
            )
            for row, score in zip(rows, scores, strict=True)
            if row >= 0
        ]

"""Lexical retrieval: character-bigram BM25 over organisations, beside the dense index.

Japanese has no spaces, and character bigrams match 太陽光 in 太陽光発電 without a
dictionary; BM25 weighs rare bigrams up and long profiles down. Each organisation has one
document per *view* — what a mode compares the query with:
``supply`` (profile + offers: what it can provide), ``demand`` (needs), ``all``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from embeddings import normalise_text
from matcher.catalog import Catalogue, OrgFacts
from matcher.search import Filters

VIEWS = {"supply": ("profile", "offer"), "demand": ("need",), "all": ("profile", "need", "offer")}


def document(org: OrgFacts, roles: tuple[str, ...]) -> str:
    """The organisation's texts of these roles, joined and normalised."""
    parts = []
    for role in roles:
        count = 1 if role == "profile" else len(org.needs if role == "need" else org.offers)
        parts += [org.text(role, k) for k in range(count)]
    return normalise_text(" ".join(parts))


def bm25_weights(tf: sparse.csr_matrix, k1: float = 1.2, b: float = 0.75) -> sparse.csr_matrix:
    """Term-frequency matrix (n_docs, n_terms) → BM25 term weights of the same shape."""
    tf = tf.tocsr().astype(np.float32)
    n = tf.shape[0]
    df = np.bincount(tf.indices, minlength=tf.shape[1])
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    lengths = np.asarray(tf.sum(axis=1)).ravel()
    norm = k1 * (1 - b + b * lengths / max(float(lengths.mean()), 1e-9))
    rows = np.repeat(np.arange(n), np.diff(tf.indptr))
    tf.data = tf.data * (k1 + 1) / (tf.data + norm[rows]) * idf[tf.indices]
    return tf


def wants(org: OrgFacts) -> str:
    """What an organisation asks for: its needs, or its profile when it states none."""
    return document(org, ("need",) if org.needs else ("profile",))


def gives(org: OrgFacts) -> str:
    """What an organisation offers: its offers, or its profile when it states none."""
    return document(org, ("offer",) if org.offers else ("profile",))


class LexicalIndex:
    """BM25 matrices, one per view, with rows aligned to ``org_ids``."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.orgs = list(catalogue.orgs.values())
        self.org_ids = np.array([o.id for o in self.orgs], dtype=np.int64)
        self.row_of = {o.id: i for i, o in enumerate(self.orgs)}
        self.org_kinds = np.array([o.kind for o in self.orgs])
        self.org_prefectures = np.array([o.prefecture for o in self.orgs], dtype=np.int8)
        self.vectorizer = CountVectorizer(analyzer="char", ngram_range=(2, 2), dtype=np.float32)
        docs = {view: [document(o, roles) for o in self.orgs] for view, roles in VIEWS.items()}
        if not self.orgs:
            self.matrices = {}
            return
        all_tf = self.vectorizer.fit_transform(docs["all"])
        self.matrices = {"all": bm25_weights(all_tf)}
        for view in ("supply", "demand"):
            self.matrices[view] = bm25_weights(self.vectorizer.transform(docs[view]))
        # By column too: a query sums the columns of its few dozen bigrams, 20× faster than
        # multiplying every row by the query.
        self.columns = {view: matrix.tocsc() for view, matrix in self.matrices.items()}
        # Each organisation's wants as a query, analysed once: partner ranking asks for
        # dozens of them per query.
        self.wanted = self.vectorizer.transform([wants(o) for o in self.orgs]).tocsr()
        self.wanted.data[:] = 1.0

    def query(self, text: str) -> np.ndarray:
        """The vocabulary columns of the query's bigrams, each once (BM25 counts each once)."""
        return np.unique(self.vectorizer.transform([normalise_text(text)]).indices)

    @lru_cache(maxsize=256)  # noqa: B019 - one per process; a query is scored by several stages
    def scores(self, view: str, text: str) -> np.ndarray:
        """BM25 of ``text`` against every organisation's ``view`` document, shape (n_orgs,)."""
        if not self.orgs:
            return np.zeros(0, dtype=np.float32)
        scores = np.asarray(self.columns[view][:, self.query(text)].sum(axis=1)).ravel()
        scores.setflags(write=False)  # shared by the cache: callers take copies
        return scores

    def wants_against(self, view: str, org_ids: list[int], org_id: int) -> np.ndarray:
        """BM25 of the wants of each of ``org_ids`` against one organisation's ``view`` document."""
        if not org_ids:
            return np.zeros(0, dtype=np.float32)
        queries = self.wanted[[self.row_of[i] for i in org_ids]]
        row = self.matrices[view][self.row_of[org_id]]
        return np.asarray((queries @ row.T).todense()).ravel()

    @lru_cache(maxsize=64)  # noqa: B019 - one per matcher; each mode asks the same few filters
    def mask(self, filters: Filters) -> np.ndarray:
        """Which organisations a search filter admits (roles do not apply here), read-only."""
        keep = np.ones(len(self.orgs), dtype=bool)
        if filters.kinds:
            keep &= np.isin(self.org_kinds, filters.kinds)
        if filters.prefectures:
            keep &= np.isin(self.org_prefectures, filters.prefectures)
        if filters.exclude_orgs:
            keep &= ~np.isin(self.org_ids, filters.exclude_orgs)
        keep.setflags(write=False)
        return keep

    def top(self, view: str, text: str, k: int, keep: np.ndarray | None = None) -> list[int]:
        """Database ids of the ``k`` best organisations (where ``keep`` is true), best first."""
        scores = self.scores(view, text)
        if keep is not None:
            scores = np.where(keep, scores, 0.0)
        k = min(k, int((scores > 0).sum()))
        if k == 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [int(self.org_ids[i]) for i in best]

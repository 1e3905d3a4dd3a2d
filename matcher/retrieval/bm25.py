"""Lexical retrieval: character-bigram BM25 over organisations, beside the dense index.

Japanese has no spaces, and character bigrams match 太陽光 in 太陽光発電 without a
dictionary; BM25 weighs rare bigrams up and long profiles down. Each organisation has one
document per *view* — what a mode compares the query with:
``supply`` (profile + offers: what it can provide), ``demand`` (needs), ``all``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

from embeddings import MAX_CHARS, holds_content, normalise_text
from matcher.facts.kinds import KINDS
from matcher.retrieval.catalogue import Catalogue, OrgFacts
from matcher.retrieval.filters import Filters
from matcher.retrieval.memo import Memo

VIEWS = {"supply": ("profile", "offer"), "demand": ("need",), "all": ("profile", "need", "offer")}
# Bigrams in more than this share of a view's documents (した, ます) are left out of the queries
# matching makes: their idf is under 0.7 against 5–10 for a rare bigram, while their postings
# are a third of a long query's work. At 100,000 organisations a partner's wants as a query took
# 3.0 ms per view with them, 2.1 ms without; labelled nDCG@10 procurement 0.912 → 0.915,
# partners 0.737 → 0.744, MRR unchanged. (At 0.2: 1.0 ms, but both MRRs fell, 0.974 → 0.962
# and 0.969 → 0.938.)
COMMON_SHARE = 0.5
# A long text as a query (an organisation's needs and offers, in partners) keeps only its this
# many rarest bigrams, as Lucene's MoreLikeThis keeps a document's top terms: the common ones
# carry most of the postings and little of the score. At 100,000 organisations a partner's
# texts (~285 bigrams) took 4.7 ms per view, 0.6 ms capped; eval-dev nDCG@10 under
# cross-validation: procurement 0.844 → 0.843, partners 0.861 → 0.860, joint 0.941 either way
# (at 64: partners 0.840).
MAX_QUERY_BIGRAMS = 128

# BM25's saturation of term counts and its normalisation by document length (Lucene's).
K1, B = 1.2, 0.75

#: Documents counted, and matrix rows weighed, at once when fitting.
FIT_CHUNK = 50_000


def texts_by_role(org: OrgFacts, roles: tuple[str, ...] = VIEWS["all"]) -> dict[str, list[str]]:
    """The organisation's texts of these roles, each normalised (empty ones left out)."""
    count = {"profile": 1, "need": len(org.needs), "offer": len(org.offers)}
    return {
        role: [t for t in (normalise_text(org.text(role, k)) for k in range(count[role])) if t]
        for role in roles
    }


def joined(texts: dict[str, list[str]], roles: tuple[str, ...]) -> str:
    """The texts of these roles as one normalised document.

    Normalising texts one by one and joining them with a space gives what normalising the
    joined texts gives (NFKC composes nothing across a space, and the space is the one
    whitespace left), so a text that sits in several documents is normalised once.
    """
    return " ".join(t for role in roles for t in texts[role])[:MAX_CHARS].rstrip()


def document(org: OrgFacts, roles: tuple[str, ...]) -> str:
    """The organisation's texts of these roles, normalised and joined."""
    return joined(texts_by_role(org, roles), roles)


class Bigrams:
    """Character-bigram counts of normalised documents, as scikit-learn's
    ``CountVectorizer(analyzer="char", ngram_range=(2, 2))`` counts them (lower-cased, columns
    in the order of the sorted bigrams), vectorised over the whole corpus at once.

    CountVectorizer loops in Python over every bigram: 10^5 organisations' documents took it
    about 40 s each time a process loaded the catalogue. Here a set of documents is one array
    of code points, and a bigram is a pair of dense character ids looked up in a table.
    """

    #: The lookup table has an entry per pair of characters seen; above this many pairs (more
    #: than ~8,000 distinct characters) columns are found by binary search instead.
    MAX_TABLE = 1 << 26

    def __init__(self, chars: np.ndarray, keys: np.ndarray) -> None:
        """A vocabulary: the characters seen (sorted code points) and the bigrams, as sorted
        keys ``first × len(chars) + second`` of the two characters' positions in ``chars``."""
        self.chars, self.keys = chars, keys
        self._char_id = np.full(0x110000, -1, dtype=np.int32)
        self._char_id[chars] = np.arange(len(chars), dtype=np.int32)
        self._table: np.ndarray | None = None

    @property
    def vocabulary(self) -> dict[str, int]:
        """Bigram → column, as CountVectorizer's ``vocabulary_``."""
        first, second = np.divmod(self.keys, max(len(self.chars), 1))
        pairs = zip(self.chars[first].tolist(), self.chars[second].tolist(), strict=True)
        return {chr(a) + chr(b): i for i, (a, b) in enumerate(pairs)}

    @cached_property
    def content(self) -> np.ndarray:
        """Which bigrams hold a character that carries content (kanji, katakana, Latin letters,
        digits; ``embeddings.holds_content``), by column."""
        chars = np.array([holds_content(chr(c)) for c in self.chars.tolist()], dtype=bool)
        first, second = np.divmod(self.keys, max(len(self.chars), 1))
        return chars[first] | chars[second]

    @property
    def table(self) -> np.ndarray | None:
        """Key → column, an entry per pair of characters seen (None above ``MAX_TABLE``),
        4 bytes each: 7.5 MB for the 1,366 characters of a million synthetic organisations.
        Counting many bigrams needs it (whole corpora, candidates' documents): binary search
        took 3 ms for 80 documents. A query's few bigrams are binary-searched."""
        n = len(self.chars)
        if self._table is None and len(self.keys) and n * n <= self.MAX_TABLE:
            table = np.full(n * n, -1, dtype=np.int32)
            table[self.keys] = np.arange(len(self.keys), dtype=np.int32)
            self._table = table
        return self._table

    @classmethod
    def fit(cls, docs: list[str]) -> tuple[Bigrams, sparse.csr_matrix]:
        """The vocabulary of ``docs`` (every bigram in them) and their counts."""
        seen = np.zeros(0x110000, dtype=bool)
        for part in _chunks(docs):
            seen[_code_points(part)[0]] = True
        chars = np.flatnonzero(seen)
        learning = cls(chars, np.zeros(0, dtype=np.int64))  # knows the characters only
        if len(chars) ** 2 <= cls.MAX_TABLE:
            pairs_seen = np.zeros(len(chars) ** 2, dtype=bool)
            for part in _chunks(docs):
                pairs_seen[learning._pairs(*_code_points(part))[0]] = True
            keys = np.flatnonzero(pairs_seen)
        else:
            keys = np.zeros(0, dtype=np.int64)
            for part in _chunks(docs):
                keys = np.union1d(keys, learning._pairs(*_code_points(part))[0])
        # Ids are in code-point order, so the keys sort as the bigram strings do.
        bigrams = cls(chars, keys)
        return bigrams, bigrams.counts(docs)

    def counts(self, docs: list[str]) -> sparse.csr_matrix:
        """Bigram counts of ``docs``, shape (len(docs), len(vocabulary)); unknown bigrams drop."""
        parts = [self._counts(*self._pairs(*_code_points(p)), len(p)) for p in _chunks(docs)]
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return sparse.csr_matrix((0, len(self.keys)), dtype=np.float32)
        return sparse.vstack(parts, format="csr")

    def columns(self, text: str) -> np.ndarray:
        """The vocabulary columns of the bigrams of one normalised text, each once, sorted."""
        keys = self._pairs(*_code_points([text]))[0]
        columns = self._columns(keys)
        return np.unique(columns[columns >= 0]).astype(np.int64)

    def _pairs(
        self, codes: np.ndarray, lengths: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Keys of the bigrams within documents whose characters are known, which of the
        stream's pairs those are, and where each document starts in the stream (and ends)."""
        ids = self._char_id[codes]
        starts = np.concatenate(([0], np.cumsum(lengths)))
        known = np.ones(max(len(codes) - 1, 0), dtype=bool)
        ends = starts[1:-1] - 1  # the pair of a document's last and the next one's first char
        known[ends[(ends >= 0) & (ends < len(known))]] = False
        known &= (ids[:-1] >= 0) & (ids[1:] >= 0)
        # int32 while the product fits: half the memory traffic over 10^7 bigrams.
        wide = np.int32 if len(self.chars) ** 2 < 2**31 else np.int64
        keys = (ids[:-1].astype(wide, copy=False) * len(self.chars) + ids[1:])[known]
        return keys, known, starts

    def _columns(self, keys: np.ndarray, table: np.ndarray | None = None) -> np.ndarray:
        """The column of each bigram key, -1 for a bigram outside the vocabulary."""
        if table is not None:
            return table[keys]
        columns = np.searchsorted(self.keys, keys)
        found = columns < len(self.keys)
        found[found] = self.keys[columns[found]] == keys[found]
        return np.where(found, columns, -1).astype(np.int32)

    def occurrences(self, docs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each bigram of ``docs`` in the vocabulary, in order: its document and its column."""
        columns, per_doc = self._known(*self._pairs(*_code_points(docs)), len(docs))
        return np.repeat(np.arange(len(docs)), per_doc), columns

    def _counts(
        self, keys: np.ndarray, known: np.ndarray, starts: np.ndarray, n_docs: int
    ) -> sparse.csr_matrix:
        columns, per_doc = self._known(keys, known, starts, n_docs)
        counts = sparse.csr_matrix(
            (
                np.ones(len(columns), dtype=np.float32),
                columns,
                np.concatenate(([0], np.cumsum(per_doc))),
            ),
            shape=(n_docs, len(self.keys)),
        )
        # Multiplying by the identity sums each row's repeated bigrams in one pass, where
        # sum_duplicates would sort every row.
        return counts @ sparse.identity(len(self.keys), dtype=np.float32, format="csr")

    def _known(
        self, keys: np.ndarray, known: np.ndarray, starts: np.ndarray, n_docs: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The columns of the bigrams in the vocabulary, in order, and how many each document
        has."""
        columns = self._columns(keys, self.table)
        # Each document's bigrams in the vocabulary, counted between its starts in the stream
        # with one pass over a boolean array (an array of positions would be 8× larger).
        kept = np.zeros(len(known) + 2, dtype=bool)
        kept[: len(known)][known] = columns >= 0
        per_doc = np.add.reduceat(kept, starts[:-1], dtype=np.int64) if n_docs else starts[:0]
        per_doc[starts[:-1] == starts[1:]] = 0  # reduceat gives an empty range its first item
        return columns[columns >= 0], per_doc


def _chunks(docs: list[str]) -> Iterator[list[str]]:
    """``docs`` a few at a time: a fit over a million documents held the code points and
    bigram keys of them all at once (with the weighing below: 18.6 GiB at its peak, 12.6 in
    chunks)."""
    for start in range(0, len(docs), FIT_CHUNK):
        yield docs[start : start + FIT_CHUNK]


def _code_points(docs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The lower-cased documents as one array of code points, and each document's length."""
    lowered = [doc.lower() for doc in docs]
    codes = np.frombuffer("".join(lowered).encode("utf-32-le"), dtype=np.uint32)
    return codes, np.fromiter(map(len, lowered), dtype=np.int64, count=len(lowered))


def bm25_weights(
    tf: sparse.csr_matrix,
    k1: float = K1,
    b: float = B,
    *,
    stats: tuple[np.ndarray, float] | None = None,
) -> sparse.csr_matrix:
    """Term-frequency matrix (n_docs, n_terms) → BM25 term weights of the same shape.

    ``stats`` (each term's idf, the mean document length) default to those of ``tf`` itself;
    rows added to an index are weighed with the index's (``LexicalIndex.rows_for``).
    """
    tf = tf.tocsr()
    # New weights on the counts' own structure: a copy of the whole matrix is 3 GiB a view at
    # a million documents, and the caller's counts stay as they were.
    tf = sparse.csr_matrix((tf.data.astype(np.float32), tf.indices, tf.indptr), shape=tf.shape)
    n = tf.shape[0]
    lengths = np.asarray(tf.sum(axis=1)).ravel()
    if stats is None:
        df = np.bincount(tf.indices, minlength=tf.shape[1])
        stats = (bm25_idf(df, n), float(lengths.mean()) if n else 0.0)
    idf, avgdl = stats
    norm = _length_norm(lengths, avgdl, k1, b)
    # Rows a few at a time: each stored count's row, norm and idf at once took four arrays
    # as long as the matrix (a million documents: ~10^9 entries).
    for start in range(0, n, FIT_CHUNK):
        rows = slice(tf.indptr[start], tf.indptr[min(start + FIT_CHUNK, n)])
        row_norm = np.repeat(
            norm[start : start + FIT_CHUNK], np.diff(tf.indptr[start : start + FIT_CHUNK + 1])
        )
        tf.data[rows] = _saturated(tf.data[rows], row_norm, k1) * idf[tf.indices[rows]]
    return tf


def _length_norm(lengths: np.ndarray, avgdl: float, k1: float, b: float) -> np.ndarray:
    """k1 · (1 − b + b · |d| / avgdl): what a term's count is saturated against."""
    return k1 * (1 - b + b * lengths / max(avgdl, 1e-9))


def _saturated(counts: np.ndarray, norm: np.ndarray, k1: float) -> np.ndarray:
    """BM25's term-frequency part: tf · (k1 + 1) / (tf + norm)."""
    return counts * (k1 + 1) / (counts + norm)


def bm25_idf(df: np.ndarray, n: int) -> np.ndarray:
    """BM25's idf of terms in ``df`` of ``n`` documents."""
    return np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)


def wants(org: OrgFacts) -> str:
    """What an organisation asks for: its needs, or its profile when it states none."""
    return document(org, ("need",) if org.needs else ("profile",))


def gives(org: OrgFacts) -> str:
    """What an organisation offers: its offers, or its profile when it states none."""
    return document(org, ("offer",) if org.offers else ("profile",))


@dataclass(frozen=True)
class Segment:
    """BM25 rows of some organisations: row i of every view's matrix is ``org_ids[i]``'s."""

    org_ids: np.ndarray
    columns: dict[str, sparse.csc_matrix]

    def rows(self, keep: np.ndarray) -> Segment:
        """The segment of the rows where ``keep`` is true."""
        return Segment(self.org_ids[keep], {v: m[keep] for v, m in self.columns.items()})

    @staticmethod
    def stacked(parts: list[Segment]) -> Segment:
        """One segment of the rows of ``parts`` in turn."""
        columns = {
            view: sparse.vstack([p.columns[view] for p in parts], format="csc", dtype=np.float32)
            for view in VIEWS
        }
        return Segment(np.concatenate([p.org_ids for p in parts]), columns)


class LexicalIndex:
    """BM25 matrices, one per view; ``scores`` are aligned with the catalogue's ``org_ids``.

    The matrices are the ``main`` segment's, fitted to every organisation, and optionally a
    ``delta`` segment with the rows of organisations imported or changed since: weighed with
    the main segment's vocabulary, idf and mean lengths, and standing in for the main rows of
    the organisations in ``replaced``. An import of a few records writes only the delta; a
    bigram the main vocabulary lacks counts once the next full index run refits.
    """

    def __init__(
        self,
        catalogue: Catalogue,
        bigrams: Bigrams | None,
        main: Segment,
        lengths: dict[str, float],
        delta: Segment | None = None,
        replaced: np.ndarray | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.org_ids = catalogue.org_ids
        self.row_of = dict(zip(self.org_ids.tolist(), range(len(self.org_ids)), strict=True))
        self.org_kind_codes = catalogue.org_kind_codes
        self.org_prefectures = catalogue.org_prefectures
        self.bigrams = bigrams
        self.main, self.lengths, self.delta = main, lengths, delta
        self.replaced = replaced if replaced is not None else np.zeros(0, dtype=np.int64)
        # By column: a query sums the columns of its few dozen bigrams, 20× faster than
        # multiplying every row by the query.
        self.columns = main.columns
        n = len(main.org_ids)
        # Per view, each bigram's document frequency, and the columns of common bigrams.
        self.df = {v: np.diff(m.indptr).astype(np.int32) for v, m in self.columns.items()}
        self.common = {view: df > COMMON_SHARE * n for view, df in self.df.items()}
        # Where each segment's rows go among the catalogue's (-1: nowhere), unless they are
        # the catalogue's own rows.
        self._places: list[tuple[Segment, np.ndarray]] | None = None
        if delta is not None or not np.array_equal(main.org_ids, self.org_ids):
            main_places = self._place(main.org_ids)
            main_places[np.isin(main.org_ids, self.replaced)] = -1
            self._places = [(main, main_places)]
            if delta is not None:
                self._places.append((delta, self._place(delta.org_ids)))
        # A query is scored by several stages; each mode asks the same few filters.
        self._scores: Memo[np.ndarray] = Memo(256)
        self._masks: Memo[np.ndarray] = Memo(64)
        self._idfs: dict[str, np.ndarray] = {}

    def _place(self, org_ids: np.ndarray) -> np.ndarray:
        rows = np.searchsorted(self.org_ids, org_ids)
        found = rows < len(self.org_ids)
        found[found] = self.org_ids[rows[found]] == org_ids[found]
        return np.where(found, rows, -1)

    @classmethod
    def build(
        cls, catalogue: Catalogue, texts: list[dict[str, list[str]]] | None = None
    ) -> LexicalIndex:
        """Fit the matrices to ``texts``: each ready organisation's normalised texts by role
        (``texts_by_role``), aligned with ``catalogue.org_ids``; by default read from the
        catalogue, which reads every organisation's facts."""
        if texts is None:
            texts = [texts_by_role(o) for o in catalogue.orgs.values()]
        if not texts:
            return cls(catalogue, None, Segment(catalogue.org_ids, {}), {})
        bigrams, fitted = Bigrams.fit([joined(t, VIEWS["all"]) for t in texts])
        columns, lengths = {}, {}
        # One view's counts at a time, dropped once weighed: "all" first, whose counts the fit
        # made (at a million organisations each view's are 1–3 GiB).
        for view in sorted(VIEWS, key=lambda v: v != "all"):
            if view == "all":
                counts, fitted = fitted, None
            else:
                counts = bigrams.counts([joined(t, VIEWS[view]) for t in texts])
            lengths[view] = float(counts.sum() / len(texts))
            weights = bm25_weights(counts)
            del counts  # the weights share its structure, not its values
            columns[view] = weights.tocsc()
            del weights
        columns = {view: columns[view] for view in VIEWS}
        return cls(catalogue, bigrams, Segment(catalogue.org_ids, columns), lengths)

    def rows_for(self, org_ids: np.ndarray, texts: list[dict[str, list[str]]]) -> Segment:
        """Rows of these organisations' ``texts`` (as ``build`` takes them), weighed with the
        main segment's vocabulary and statistics."""
        n = len(self.main.org_ids)
        columns = {}
        for view, roles in VIEWS.items():
            counts = self.bigrams.counts([joined(t, roles) for t in texts])
            idf = bm25_idf(self.df[view], n)
            columns[view] = bm25_weights(counts, stats=(idf, self.lengths[view])).tocsc()
        return Segment(np.asarray(org_ids, dtype=np.int64), columns)

    def __len__(self) -> int:
        return len(self.org_ids)

    def org(self, row: int) -> OrgFacts:
        """The organisation of row ``row``."""
        return self.catalogue.orgs[int(self.org_ids[row])]

    def query(self, text: str) -> np.ndarray:
        """The vocabulary columns of the query's bigrams, each once (BM25 counts each once)."""
        return self.bigrams.columns(normalise_text(text))

    def scores(self, view: str, text: str, *, all_bigrams: bool = False) -> np.ndarray:
        """BM25 of ``text`` against every organisation's ``view`` document, shape (n_orgs,);
        bigrams common to more than ``COMMON_SHARE`` of the documents count only with
        ``all_bigrams`` (textbook BM25, as the evaluation's baseline reads it). Read-only."""
        return self._scores.get(
            (view, text, all_bigrams), lambda: self._score(view, text, all_bigrams)
        )

    def scores_at(
        self, view: str, text: str, rows: Sequence[int], *, all_bigrams: bool = False
    ) -> np.ndarray:
        """``scores(view, text, all_bigrams=…)[rows]``, reading only those rows: with every
        bigram, scoring all 100,000 organisations for a mode's 80 candidates took 11 ms (the
        common bigrams' columns hold most of the postings)."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros(len(rows), dtype=np.float32)
        if not len(self) or not len(rows):
            return out
        columns = self._columns(view, text, all_bigrams)
        if self._places is None:
            return _summed_at(self.columns[view], columns, rows)
        for segment, inverse in self._inverse_places:
            there = inverse[rows]
            here = there >= 0
            out[here] = _summed_at(segment.columns[view], columns, there[here])
        return out

    @cached_property
    def _inverse_places(self) -> list[tuple[Segment, np.ndarray]]:
        """Each segment's row of each catalogue row (-1: none), made once: per call it cost an
        array the catalogue's size per segment."""
        out = []
        for segment, places in self._places or ():
            inverse = np.full(len(self), -1, dtype=np.int64)
            found = places >= 0
            inverse[places[found]] = np.flatnonzero(found)
            out.append((segment, inverse))
        return out

    def scores_of(
        self, view: str, documents: list[str], queries: Sequence[tuple[str, bool]]
    ) -> np.ndarray:
        """BM25 of each query ``(text, all_bigrams)`` (as ``scores`` reads them) against each
        of ``documents``, weighed as the matrices are: shape (len(queries), len(documents)).

        For a few candidates whose ``view`` documents (``document``) are at hand, this is
        ``scores_at`` at their rows, read from the documents' own bigrams instead of each
        query bigram's postings: a whole document as the query (~350 bigrams) took 5.4 ms for
        80 candidates by postings, ~15 µs a bigram, and 0.5 ms here.
        """
        out = np.zeros((len(queries), len(documents)), dtype=np.float32)
        if self.bigrams is None or not documents:
            return out
        wanted = [self._columns(view, text, every) for text, every in queries]
        columns = np.unique(np.concatenate(wanted))
        # Each document's count of each query bigram, in a table of (documents, columns).
        slot = np.full(len(self.bigrams.keys), -1, dtype=np.int64)
        slot[columns] = np.arange(len(columns))
        doc, at = self.bigrams.occurrences(documents)
        lengths = np.bincount(doc, minlength=len(documents))
        at = slot[at]
        doc, at = doc[at >= 0], at[at >= 0]
        counts = np.bincount(doc * len(columns) + at, minlength=len(documents) * len(columns))
        counts = counts.reshape(len(documents), len(columns))
        norm = _length_norm(lengths, self.lengths[view], K1, B)[:, None]
        weights = _saturated(counts, norm, K1) * self._idf(view)[columns]
        for i, query in enumerate(wanted):
            out[i] = weights[:, np.searchsorted(columns, query)].sum(axis=1)
        return out

    def _idf(self, view: str) -> np.ndarray:
        """Each bigram's idf in ``view``, as the main segment weighed it."""
        if view not in self._idfs:
            self._idfs[view] = bm25_idf(self.df[view], len(self.main.org_ids))
        return self._idfs[view]

    def _columns(self, view: str, text: str, all_bigrams: bool) -> np.ndarray:
        """The vocabulary columns a query of ``text`` sums (see ``scores``)."""
        columns = self.query(text)
        if not all_bigrams:
            columns = columns[~self.common[view][columns]]
            if len(columns) > MAX_QUERY_BIGRAMS:
                rarest = np.argsort(self.df[view][columns], kind="stable")[:MAX_QUERY_BIGRAMS]
                columns = np.sort(columns[rarest])
            # Nor grammar: a bigram of hiragana or punctuation alone (てい, たい, い、) matched
            # every text that says anything the same way. Eval-dev procurement 0.869 → 0.874
            # over ten random assignments of themes to folds, higher in each; partners
            # unchanged. A query with no other bigram keeps them.
            content = columns[self.bigrams.content[columns]]
            columns = content if len(content) else columns
        return columns

    def _score(self, view: str, text: str, all_bigrams: bool) -> np.ndarray:
        if not len(self):
            return np.zeros(0, dtype=np.float32)
        columns = self._columns(view, text, all_bigrams)
        if self._places is None:
            scores = _summed(self.columns[view], columns)
        else:
            scores = np.zeros(len(self), dtype=np.float32)
            for segment, places in self._places:
                found = places >= 0
                scores[places[found]] = _summed(segment.columns[view], columns)[found]
        scores.setflags(write=False)  # shared by the cache: callers take copies
        return scores

    def mask(self, filters: Filters) -> np.ndarray:
        """Which organisations a search filter admits (roles do not apply here), read-only."""
        return self._masks.get(filters, lambda: self._mask(filters))

    def _mask(self, filters: Filters) -> np.ndarray:
        keep = np.ones(len(self), dtype=bool)
        if filters.kinds:
            keep &= np.isin(self.org_kind_codes, [KINDS.index(k) for k in filters.kinds])
        if filters.prefectures:
            keep &= np.isin(self.org_prefectures, filters.prefectures)
        if filters.exclude_orgs:
            keep &= ~np.isin(self.org_ids, filters.exclude_orgs)
        keep.setflags(write=False)
        return keep

    def top(self, view: str, text: str, k: int, keep: np.ndarray | None = None) -> list[int]:
        """Database ids of the ``k`` best organisations (where ``keep`` is true), best first."""
        scores = self.scores(view, text)
        # Only documents sharing a bigram with the query compete: a fraction of 10^5 rows.
        found = np.flatnonzero(scores > 0 if keep is None else (scores > 0) & keep)
        k = min(k, len(found))
        if k == 0:
            return []
        best = found[np.argpartition(-scores[found], k - 1)[:k]]
        best = best[np.argsort(-scores[best], kind="stable")]
        return self.org_ids[best].tolist()


def _summed(matrix: sparse.csc_matrix, columns: np.ndarray) -> np.ndarray:
    """Each row's sum over ``columns``: a document's BM25 for a query of those bigrams."""
    return np.asarray(matrix[:, columns].sum(axis=1), dtype=np.float32).ravel()


def _summed_at(matrix: sparse.csc_matrix, columns: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``_summed(matrix, columns)[rows]`` for a few rows: each column's sorted row indices are
    searched for ``rows`` instead of every posting of the column being summed."""
    out = np.zeros(len(rows), dtype=np.float32)
    order = np.argsort(rows, kind="stable")
    # In the postings' own dtype: searchsorted would otherwise cast each column's postings.
    wanted = rows[order].astype(matrix.indices.dtype)
    for column in columns.tolist():
        start, end = matrix.indptr[column], matrix.indptr[column + 1]
        if start == end:
            continue
        postings = matrix.indices[start:end]
        at = np.minimum(np.searchsorted(postings, wanted), end - start - 1)
        hit = postings[at] == wanted
        out[order[hit]] += matrix.data[start:end][at[hit]]
    return out

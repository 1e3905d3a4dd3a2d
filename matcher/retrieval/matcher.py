"""Matching engine: what every match mode shares — the catalogue, the index, vectors, errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from embeddings import SearchHits, normalise_text
from embeddings.align import WordAligner
from matcher.facts import prefectures
from matcher.facts.glossary import gloss
from matcher.index.need_terms import NeedTerms, terms_path
from matcher.index.words import words_path
from matcher.ranking.calibration import Calibration
from matcher.ranking.model import choose_model
from matcher.ranking.scorer import LinearScorer
from matcher.retrieval.bm25_file import bm25_path, open_lexical
from matcher.retrieval.catalogue import Catalogue, OrgFacts
from matcher.retrieval.dense import Filters, TextHit, TextSearch
from matcher.retrieval.errors import MatchError
from matcher.settings import Settings
from matcher.store.session import Store

MAX_TOP = 100
BACKGROUND_SAMPLE = 2000  # profiles a vector is compared with for its background level
LANGUAGE_SAMPLE = 5  # profiles of a language the sample needs to give that language a level
GLOSS_WEIGHT = 0.5


@dataclass(frozen=True)
class Candidate:
    """An organisation found by retrieval, with its best hit (the text that brought it in)."""

    org: OrgFacts
    best: TextHit


class Matcher:
    """Loads the catalogue and the index once; the match modes are functions over it."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.catalogue = Catalogue(store)
        self.search = TextSearch(self.catalogue, settings)
        self.lexical = open_lexical(self.catalogue, bm25_path(settings))
        self._sample: tuple[np.ndarray, np.ndarray] | None = None  # see _background_sample
        self._centres: list[tuple[slice, np.ndarray]] | None = None  # see centred
        self._centred_sample: np.ndarray | None = None  # see backgrounds
        # Word alignment needs chiVe vectors: None for an encoder without them (MiniLM, hashing).
        self.aligner = WordAligner.of(self.search.encoder, words_path(settings))
        self.need_terms = NeedTerms.load(terms_path(settings))
        self.model = choose_model(settings.home_path, self.search.encoder.query_fingerprint)

    def background(self, vector: np.ndarray) -> float:
        """The vector's median cosine to a fixed sample of profiles: the level any unrelated
        text reaches. Encoders differ in their cosine floor, and a vague text is about as close
        to everybody as to anybody, so fits are read above this level."""
        sample, _ = self._background_sample(len(vector))
        if not len(sample):
            return 0.0
        return min(float(np.median(sample @ vector)), 0.95)

    def backgrounds(self, readings: np.ndarray) -> np.ndarray:
        """The background (see ``background``) of a query read one or more ways (``readings``,
        its vectors; a text's fit is the better reading's cosine) among the sample's texts of
        each language, array of shape (2,): texts read as Japanese, then those the encoder read
        in English (``Encoder.read_in_english``). Texts of one language share a cosine level
        with each other: an English challenge sits at a median 0.51–0.57 from English profiles
        and 0.28–0.31 from Japanese ones, so unrelated English suppliers looked like answers.
        A language with fewer than LANGUAGE_SAMPLE profiles in the sample is read by the whole
        sample's level."""
        readings = np.atleast_2d(readings)
        sample, english = self._background_sample(readings.shape[1])
        return _levels(sample, english, readings)

    def centred_backgrounds(self, readings: np.ndarray) -> np.ndarray:
        """``backgrounds`` between centred vectors: ``readings`` as ``centred`` gives them,
        against the sample centred the same way."""
        readings = np.atleast_2d(readings)
        sample, english = self._background_sample(readings.shape[1])
        if self._centred_sample is None:
            self._centred_sample = self.centred(sample)
        return _levels(self._centred_sample, english, readings)

    def centred(self, vectors: np.ndarray) -> np.ndarray:
        """``vectors`` (one or a row each) with each block of word-vector averages
        (``Encoder.centred_blocks``) moved off the background sample's mean of that block and
        scaled back to its length; an empty block stays empty, and the vectors' length is kept.

        Averages of word vectors share a common direction, and a text near it (a supplier
        writing in the register of every municipal text) sits near every challenge: two such
        suppliers held 19 and 17 of eval-dev's 44 procurement top-10 lists without answering
        them, and 15 and 10 once procurement read its fits centred (see procurement._best_offers).
        """
        out = np.array(vectors, dtype=np.float32)
        rows = np.atleast_2d(out)
        for block, mean in self._block_centres(rows.shape[1]):
            part = rows[:, block]
            length = np.linalg.norm(part, axis=1, keepdims=True)
            moved = part / np.where(length > 0, length, 1.0) - mean
            norm = np.linalg.norm(moved, axis=1, keepdims=True)
            rows[:, block] = (
                np.where(length > 0, moved / np.where(norm > 0, norm, 1.0), 0.0) * length
            )
        return out

    def _block_centres(self, dim: int) -> list[tuple[slice, np.ndarray]]:
        """Each centred block and the mean of the sample's unit vectors in it, made once."""
        if self._centres is None:
            sample, _ = self._background_sample(dim)
            centres = []
            for block in self.search.encoder.centred_blocks():
                part = sample[:, block]
                length = np.linalg.norm(part, axis=1)
                filled = part[length > 0] / length[length > 0, None]
                mean = filled.mean(axis=0) if len(filled) else np.zeros(part.shape[1])
                centres.append((block, mean.astype(np.float32)))
            self._centres = centres
        return self._centres

    def _background_sample(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """The sample's profile vectors, and which of them the encoder read in English."""
        if self._sample is None:
            profiles = list(self.catalogue.profile_text_ids().values())
            step = max(1, len(profiles) // BACKGROUND_SAMPLE)
            ids = profiles[::step]
            sample = self.vectors(ids) if ids else np.zeros((0, dim), dtype=np.float32)
            self._sample = (sample, self.search.encoder.read_in_english(sample))
        return self._sample

    def calibration(self, mode: str, features: Mapping[str, float]) -> Calibration:
        """How ``mode`` reads match strength: the calibration of the model that ranks it (see
        ``scorer``), else the default."""
        return self.model.calibration(mode, features)

    def scorer(self, mode: str, unlearned: Mapping[str, float]) -> LinearScorer:
        """The scorer of ``mode``: learned weights when a model fits, else ``unlearned``."""
        return self.model.scorer(mode, unlearned)

    def org(self, ext_id: str) -> OrgFacts:
        try:
            return self.catalogue.by_ext_id[ext_id]
        except KeyError:
            pending = self.catalogue.pending.get(ext_id)
            if pending is not None:
                raise not_indexed(pending) from None
            raise MatchError(
                f"no organisation with id {ext_id!r}; `musubi list` shows the ids",
                "unknown_org",
                org=ext_id,
            ) from None

    def vectors(self, text_ids: list[int] | tuple[int, ...]) -> np.ndarray:
        """Stored unit vectors of ``text_ids``, array of shape (len(text_ids), dim)."""
        return self.search.index.vectors(text_ids)

    def vector_groups(self, groups: list[tuple[int, ...]]) -> list[np.ndarray]:
        """Stored unit vectors of each group of text ids (one group per organisation, say),
        read in one call: one array of shape (len(group), dim) per group."""
        if not groups:
            return []
        flat = self.vectors([i for group in groups for i in group])
        return np.split(flat, np.cumsum([len(group) for group in groups])[:-1])

    def query_vector(self, text: str) -> np.ndarray:
        """The query's unit vector; an English text is read together with its Japanese gloss."""
        return blended(self.query_readings(text))

    def query_readings(self, text: str) -> np.ndarray:
        """The query's unit vector by each of its readings: its own text, and for an English
        text its Japanese gloss (shape (1, dim) or (2, dim))."""
        reading = gloss(text)
        return self.search.encode_queries([text, reading] if reading else [text])

    def candidates(
        self, vectors: np.ndarray, filters: Filters, limit: int, pool: int | None = None
    ) -> list[Candidate]:
        """Up to ``limit`` organisations whose texts are nearest to any of ``vectors``."""
        pool = pool or max(self.settings.candidate_pool, limit * 3)
        return self.candidates_among(self.search.nearest(vectors, pool, filters), limit)

    def candidates_among(self, results: Sequence[SearchHits], limit: int) -> list[Candidate]:
        """Up to ``limit`` organisations with texts among ``results`` (a search's hits for
        each of its vectors), each by its nearest text, best first."""
        hits = self.search.best_of(results, limit)
        orgs = self.orgs([h.org_id for h in hits])
        return [Candidate(org, h) for org, h in zip(orgs, hits, strict=True)]

    def lexical_candidates(
        self, view: str, text: str, filters: Filters, limit: int
    ) -> list[OrgFacts]:
        """Up to ``limit`` organisations by BM25 of ``text`` against their ``view`` documents."""
        return self.orgs(self.lexical.top(view, text, limit, self.lexical.mask(filters)))

    def orgs(self, org_ids: list[int]) -> list[OrgFacts]:
        """The facts of these ready organisations, read in one batch where not read yet."""
        self.catalogue.load(org_ids)
        return [self.catalogue.orgs[i] for i in org_ids]


def _levels(sample: np.ndarray, english: np.ndarray, readings: np.ndarray) -> np.ndarray:
    """The median of the sample's fits with ``readings`` among texts read as Japanese, then as
    English (see ``Matcher.backgrounds``), each at most 0.95."""
    if not len(sample):
        return np.zeros(2)
    fits = (sample @ readings.T).max(axis=1)
    levels = [
        np.median(fits[rows] if rows.sum() >= LANGUAGE_SAMPLE else fits)
        for rows in (~english, english)
    ]
    return np.minimum(np.array(levels, dtype=float), 0.95)


def blended(readings: np.ndarray) -> np.ndarray:
    """One unit vector of a query's readings (``Matcher.query_readings``): the text's own, with
    its gloss at half its weight, a bag of words without the sentence around them (on the
    labelled set, nDCG@10 0.876 at half against 0.866 at equal weight)."""
    if len(readings) == 1:
        return readings[0]
    both = readings[0] + GLOSS_WEIGHT * readings[1]
    return both / np.linalg.norm(both)


def not_indexed(org: OrgFacts) -> MatchError:
    """The error for an organisation in the store whose texts are not all in the index yet."""
    return MatchError(
        f"{org.ext_id} is not indexed yet: run `musubi index`",
        "org_not_indexed",
        org=org.ext_id,
        name=org.name,
    )


def pending_notice(catalogue: Catalogue) -> str | None:
    """What to tell the user when organisations of the store are left out of matching."""
    if not catalogue.pending:
        return None
    shown = sorted(catalogue.pending)[:3]
    more = f" and {len(catalogue.pending) - len(shown)} more" if len(catalogue.pending) > 3 else ""
    return (
        f"{len(catalogue.pending):,} organisation(s) of the store are not in the index yet "
        f"({', '.join(shown)}{more}) and are left out of matching; run `musubi index`"
    )


def check_need(origin: OrgFacts, k: int) -> int:
    """``k``, when it is the index of one of ``origin``'s needs; MatchError listing them if not."""
    if not 0 <= k < len(origin.needs):
        raise MatchError(
            f"need {k + 1} is out of range: {origin.ext_id} has needs 1–{len(origin.needs)} "
            f"(`musubi show {origin.ext_id}` lists them; JSON queries index them from 0)",
            "need_out_of_range",
            need=k,
            number=k + 1,
            org=origin.ext_id,
            name=origin.name,
            needs=tuple(f"{i} {n.title}" for i, n in enumerate(origin.needs, start=1)),
        )
    return k


def check_text(text: str | None, what: str = "--text") -> str:
    if text is None or not normalise_text(text):
        raise MatchError(
            f"{what} is empty: describe the challenge, e.g. 独居高齢者の見守り",
            "empty_text",
            field=what.lstrip("-"),
        )
    return text


def check_top(top: int) -> int:
    if not 1 <= top <= MAX_TOP:
        raise MatchError(
            f"--top {top} is out of range: ask for 1 to {MAX_TOP} results",
            "out_of_range",
            field="top",
            value=top,
            lo=1,
            hi=MAX_TOP,
        )
    return top


def resolve_places(
    prefecture_values: tuple[str, ...] = (), regions: tuple[str, ...] = ()
) -> tuple[int, ...]:
    """Prefecture codes from names in any spelling and regional blocks; MatchError if unknown."""
    try:
        codes = [prefectures.resolve(v) for v in prefecture_values]
        for region in regions:
            codes.extend(prefectures.resolve_region(region).codes)
    except prefectures.UnknownPrefectureError as error:
        raise MatchError(str(error), "unknown_prefecture", value=str(error.value)) from None
    except prefectures.UnknownRegionError as error:
        if error.prefecture is None:
            raise MatchError(
                str(error),
                "unknown_region",
                value=str(error.value),
                regions=tuple(r.key for r in prefectures.REGIONS),
            ) from None
        raise MatchError(
            str(error),
            "region_is_prefecture",
            value=str(error.value),
            prefecture=error.prefecture,
            region=prefectures.region_of(error.prefecture).key,
        ) from None
    return tuple(sorted(set(codes)))


def proximity(a: int, b: int) -> float:
    """1 for the same prefecture, falling linearly to 0 at 1,500 km (about Tokyo–Naha)."""
    return max(0.0, 1.0 - prefectures.distance_km(a, b) / 1500.0)


def above_background(
    cosine: np.ndarray | float, background: np.ndarray | float
) -> np.ndarray | float:
    """How far a cosine sits above the background level (``Matcher.background``), as a share
    of the way from there to 1: 0 is no closer than unrelated text, 1 the same text."""
    return (cosine - background) / (1.0 - background)


def place_facts(origin: int | None, other: int) -> dict:
    facts = {"prefecture": prefectures.name(other), "region": prefectures.region_of(other).kanji}
    if origin is not None:
        facts.update(
            same_prefecture=origin == other,
            same_region=prefectures.region_of(origin).key == prefectures.region_of(other).key,
            neighbours=prefectures.are_neighbours(origin, other),
            distance_km=round(prefectures.distance_km(origin, other)),
        )
    return facts

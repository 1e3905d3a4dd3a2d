"""Procurement's per-candidate arrays: each supplier's best offer, for the whole pool at once."""

from types import SimpleNamespace

import numpy as np
import pytest

from matcher.modes.procurement import _best_offers
from matcher.retrieval.catalogue import OrgFacts
from matcher.retrieval.matcher import LANGUAGE_SAMPLE, Matcher


class _Stored:
    """Stored vectors by text id, as the matcher hands them out (a third coordinate marks a
    text read in English), and the background level of each language for every reading."""

    def __init__(self, vectors: dict[int, list[float]], levels=(0.0, 0.0)) -> None:
        self.stored = {i: np.array((v + [0.0])[:3], dtype=np.float32) for i, v in vectors.items()}
        self.levels = levels
        self.search = SimpleNamespace(encoder=SimpleNamespace(read_in_english=_third_is_set))

    def vectors(self, ids: list[int]) -> np.ndarray:
        return np.array([self.stored[i] for i in ids], dtype=np.float32).reshape(len(ids), 3)

    def backgrounds(self, readings: np.ndarray) -> np.ndarray:
        return np.array(self.levels, dtype=float)

    def centred(self, vectors: np.ndarray) -> np.ndarray:
        return np.array(vectors, dtype=np.float32)

    def centred_backgrounds(self, readings: np.ndarray) -> np.ndarray:
        return self.backgrounds(readings)


def _third_is_set(vectors: np.ndarray) -> np.ndarray:
    return np.atleast_2d(vectors)[:, 2] > 0


def _org(org_id: int, profile: int, offers: tuple[int, ...]) -> OrgFacts:
    text_ids = {"profile": (profile,), **({"offer": offers} if offers else {})}
    return OrgFacts(
        org_id, f"o{org_id}", "startup", "x", 13, None, "", None, 0, (), (), (), (), (), text_ids
    )


def test_each_candidate_gets_its_best_offer_or_its_profile():
    m = _Stored(
        {
            10: [0.0, 1.0],  # org 1's profile
            11: [0.6, 0.8],  # org 1, offer 0
            12: [1.0, 0.0],  # org 1, offer 1: along the query
            20: [0.8, 0.6],  # org 2's profile; org 2 has no offers
            30: [0.0, 1.0],  # org 3's profile
            31: [0.0, 2.0],  # org 3's only offer, stored unnormalised
        }
    )
    pool = [_org(1, 10, (11, 12)), _org(2, 20, ()), _org(3, 30, (31,))]
    offers = _best_offers(m, pool, np.array([1.0, 0.0, 0.0], dtype=np.float32))
    assert offers.best.tolist() == [1, -1, 0]
    assert offers.offer_fit.tolist() == [1.0, 0.0, 0.0]
    assert np.allclose(offers.vectors[:, :2], [[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])  # unit rows
    # With no background, a fit above it is the cosine; without offers, the profile's alone.
    assert np.allclose(offers.offer_above, [1.0, -1.0, 0.0])
    assert np.allclose(offers.relative_fit, [1.0, 0.8, 0.0])
    assert np.allclose(offers.centred_fit, offers.relative_fit)  # nothing here to centre


class _Centring(_Stored):
    """Every text shares the direction y: centring takes it off (and keeps x and the mark)."""

    def centred(self, vectors: np.ndarray) -> np.ndarray:
        out = np.array(vectors, dtype=np.float32)
        out[..., 1] = 0.0
        return out


def test_ranking_reads_fits_between_centred_vectors_and_strength_reads_the_cosines():
    # Supplier 1's offer is near the challenge through the direction every text shares; supplier
    # 2's offer shares the challenge's own direction. Centred, the second fits better.
    m = _Centring({10: [0.0, 1.0], 11: [0.3, 0.5], 12: [0.1, 0.99], 20: [0.0, 0.5], 21: [0.6, 0.0]})
    pool = [_org(1, 10, (11, 12)), _org(2, 20, (21,))]
    challenge = np.array([0.5, 0.86, 0.0], dtype=np.float32)
    offers = _best_offers(m, pool, challenge)
    assert offers.best.tolist() == [0, 0]  # the offer with more of x, though 12 is nearer as is
    assert np.allclose(offers.centred_fit, [0.15, 0.3])
    # Explanations and match strength read the cosines: supplier 1 looks the nearer there.
    assert np.allclose(offers.offer_fit, [0.3 * 0.5 + 0.5 * 0.86, 0.3])
    assert np.allclose(offers.relative_fit, [0.86, 0.43])
    assert np.allclose(offers.vectors[:, :2], [[1.0, 0.0], [1.0, 0.0]])  # centred, unit rows


def test_a_challenge_read_two_ways_fits_each_offer_by_the_better_reading():
    # An English challenge's own text (along x) and its Japanese gloss (along y): an English
    # offer answers the first, a Japanese one the second, and neither is judged by the blend.
    m = _Stored({10: [0.6, 0.8], 11: [1.0, 0.0], 20: [0.8, 0.6], 21: [0.0, 1.0], 22: [0.6, 0.8]})
    pool = [_org(1, 10, (11,)), _org(2, 20, (21, 22))]
    readings = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32)
    offers = _best_offers(m, pool, readings)
    assert offers.best.tolist() == [0, 0] and offers.offer_fit.tolist() == [1.0, 1.0]
    assert np.allclose(offers.vectors[:, :2], [[1.0, 0.0], [0.0, 1.0]])
    blend = (readings[0] + 0.5 * readings[1]) / np.linalg.norm(readings[0] + 0.5 * readings[1])
    assert _best_offers(m, pool, blend).offer_fit.max() < 0.9  # the blend sits below both


def test_a_fit_is_read_above_the_background_of_its_texts_language():
    # Unrelated English texts sit at 0.6 from the challenge, Japanese ones at 0.2: an English
    # offer at 0.7 is barely above its language's level, a Japanese one at 0.5 well above.
    m = _Stored(
        {10: [0.0, 1.0, 1.0], 11: [0.7, 0.0, 1.0], 20: [0.0, 1.0], 21: [0.5, 0.0]},
        levels=(0.2, 0.6),
    )
    pool = [_org(1, 10, (11,)), _org(2, 20, (21,))]
    offers = _best_offers(m, pool, np.array([1.0, 0.0, 0.0], dtype=np.float32))
    assert np.allclose(offers.offer_fit, [0.7, 0.5])  # the cosines stay as they are
    assert np.allclose(offers.offer_above, [(0.7 - 0.6) / 0.4, (0.5 - 0.2) / 0.8])
    assert np.allclose(offers.relative_fit, offers.offer_above)  # profiles sit lower


def _matcher_with_sample(
    sample: np.ndarray, english: np.ndarray, centred_blocks: tuple[slice, ...] = ()
) -> Matcher:
    m = Matcher.__new__(Matcher)  # only the background sample and the encoder's blocks are read
    m._sample = (sample.astype(np.float32), english)
    m._centres = m._centred_sample = None
    m.search = SimpleNamespace(encoder=SimpleNamespace(centred_blocks=lambda: centred_blocks))
    return m


def test_centring_takes_the_samples_mean_direction_off_a_block_and_keeps_its_length():
    # The sample's unit blocks (the first three coordinates) average to (0.707, 0, 0).
    sample = np.array([[1.0, 1.0, 0.0, 0.0], [1.0, -1.0, 0.0, 0.0]]) / np.sqrt(2)
    m = _matcher_with_sample(sample, np.zeros(2, dtype=bool), (slice(0, 3),))
    out = m.centred(np.array([[2.0, 2.0, 0.0, 5.0], [0.0, 0.0, 0.0, 1.0], [3.0, 0.0, 0.0, 0.0]]))
    assert np.allclose(out[0], [0.0, np.sqrt(8), 0.0, 5.0], atol=1e-6)  # along y, same length
    assert out[1].tolist() == [0.0, 0.0, 0.0, 1.0]  # an empty block stays empty
    assert np.linalg.norm(out[2]) == pytest.approx(3.0)  # the mean itself: some unit direction
    one = m.centred(np.array([2.0, 2.0, 0.0, 5.0]))
    assert one.shape == (4,) and np.allclose(one, out[0], atol=1e-6)
    # The background between centred vectors: the sample centred the same way.
    readings = m.centred(np.array([[0.0, 1.0, 0.0, 0.0]]))
    expected = np.median(m.centred(sample) @ readings[0])
    assert m.centred_backgrounds(readings)[0] == pytest.approx(expected)
    # An encoder without such blocks leaves every vector as it is.
    plain = _matcher_with_sample(sample, np.zeros(2, dtype=bool))
    assert np.array_equal(plain.centred(sample), sample.astype(np.float32))


def test_each_language_has_its_background_level_when_the_sample_holds_enough_of_it():
    rng = np.random.default_rng(0)
    japanese = rng.normal(size=(9, 4))
    english = rng.normal(size=(LANGUAGE_SAMPLE, 4)) + [3, 0, 0, 0]
    sample = np.vstack([japanese, english])
    marks = np.array([False] * len(japanese) + [True] * len(english))
    readings = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0]])  # a text's fit: the better reading
    levels = _matcher_with_sample(sample, marks).backgrounds(readings)
    assert levels.shape == (2,)
    assert levels[0] == pytest.approx(np.median((japanese @ readings.T).max(axis=1)), rel=1e-5)
    # English texts sit near the first reading, far above the level of Japanese ones (capped).
    assert np.median((english @ readings.T).max(axis=1)) > 1 and levels[1] == 0.95
    assert levels[0] < 0.5
    # Too few English profiles: their texts are read by the whole sample's level.
    few = np.array([False] * len(japanese) + [True] * (LANGUAGE_SAMPLE - 1) + [False])
    levels = _matcher_with_sample(sample, few).backgrounds(readings)
    assert levels[1] == pytest.approx(np.median((sample @ readings.T).max(axis=1)), rel=1e-5)
    empty = _matcher_with_sample(np.zeros((0, 4)), np.zeros(0, dtype=bool))
    assert empty.backgrounds(readings).tolist() == [0.0, 0.0]

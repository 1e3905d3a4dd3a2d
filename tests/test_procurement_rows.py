"""Procurement's per-candidate arrays: each supplier's best offer, for the whole pool at once."""

import numpy as np

from matcher.modes.procurement import _best_offers
from matcher.retrieval.catalogue import OrgFacts


class _Vectors:
    """Stored vectors by text id, as the matcher hands them out."""

    def __init__(self, vectors: dict[int, list[float]]) -> None:
        self.stored = {i: np.array(v, dtype=np.float32) for i, v in vectors.items()}

    def vectors(self, ids: list[int]) -> np.ndarray:
        return np.array([self.stored[i] for i in ids], dtype=np.float32).reshape(len(ids), 2)


def _org(org_id: int, profile: int, offers: tuple[int, ...]) -> OrgFacts:
    text_ids = {"profile": (profile,), **({"offer": offers} if offers else {})}
    return OrgFacts(
        org_id, f"o{org_id}", "startup", "x", 13, None, "", None, 0, (), (), (), (), (), text_ids
    )


def test_each_candidate_gets_its_best_offer_or_its_profile():
    m = _Vectors(
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
    best, fit, vectors, profiles = _best_offers(m, pool, np.array([1.0, 0.0], dtype=np.float32))
    assert best.tolist() == [1, -1, 0]
    assert fit.tolist() == [1.0, 0.0, 0.0]
    assert np.allclose(vectors, [[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])  # unit rows
    assert np.allclose(profiles, [[0.0, 1.0], [0.8, 0.6], [0.0, 1.0]])


def test_a_challenge_read_two_ways_fits_each_offer_by_the_better_reading():
    # An English challenge's own text (along x) and its Japanese gloss (along y): an English
    # offer answers the first, a Japanese one the second, and neither is judged by the blend.
    m = _Vectors({10: [0.6, 0.8], 11: [1.0, 0.0], 20: [0.8, 0.6], 21: [0.0, 1.0], 22: [0.6, 0.8]})
    pool = [_org(1, 10, (11,)), _org(2, 20, (21, 22))]
    readings = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    best, fit, vectors, _ = _best_offers(m, pool, readings)
    assert best.tolist() == [0, 0] and fit.tolist() == [1.0, 1.0]
    assert np.allclose(vectors, [[1.0, 0.0], [0.0, 1.0]])
    blend = (readings[0] + 0.5 * readings[1]) / np.linalg.norm(readings[0] + 0.5 * readings[1])
    assert _best_offers(m, pool, blend)[1].max() < 0.9  # the blend sits below both

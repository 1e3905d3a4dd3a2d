"""The ranking module's building blocks: the linear scorer and MMR diversification."""

import numpy as np

from matcher.ranking.diversify import mmr
from matcher.ranking.features import idf_coverage, min_max
from matcher.ranking.scorer import LinearScorer


def test_mmr_without_redundancy_keeps_score_order():
    scores = np.array([0.2, 0.9, 0.5, 0.7])
    vectors = np.eye(4)  # orthogonal: nothing is redundant
    groups = [("a",), ("b",), ("c",), ("d",)]
    assert mmr(scores, vectors, groups, k=4) == [1, 3, 2, 0]


def test_mmr_moves_a_near_duplicate_down():
    scores = np.array([1.0, 0.95, 0.6])
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])  # 0 and 1 say the same thing
    assert mmr(scores, vectors, [(), (), ()], k=3, lambda_=0.5) == [0, 2, 1]


def test_mmr_penalises_each_shared_group_label():
    scores = np.array([1.0, 0.9, 0.85, 0.8])
    vectors = np.eye(4)
    groups = [
        ("pref:13", "family:北星"),
        ("pref:13", "family:北星"),  # shares two labels with the leader
        ("pref:13", "family:南風"),  # shares one
        ("pref:01", "family:東雲"),  # shares none
    ]
    order = mmr(scores, vectors, groups, k=4, lambda_=0.5, group_penalty=0.35)
    assert order == [0, 3, 2, 1]


def test_mmr_returns_at_most_k_and_nothing_for_no_candidates():
    assert mmr(np.array([0.3, 0.1]), np.eye(2), [(), ()], k=5) == [0, 1]
    assert mmr(np.zeros(0), np.zeros((0, 2)), [], k=3) == []


def test_linear_scorer_contributions_add_up_to_the_score():
    scorer = LinearScorer({"fit": 1.0, "record": 0.5})
    X = np.array([[0.8, 1.0], [0.2, 0.0]])  # noqa: N806
    assert np.allclose(scorer.contributions(X).sum(axis=1), scorer.decision_function(X))


def test_min_max_scales_within_the_values():
    assert min_max([2.0, 4.0, 3.0]).tolist() == [0.0, 1.0, 0.5]
    assert min_max([0.7, 0.7]).tolist() == [0.0, 0.0]  # nothing to tell apart
    assert min_max([]).tolist() == []


def test_coverage_weighs_terms_by_rarity_in_the_pool():
    docs = ["独居高齢者の見守り", "高齢者の移動支援", "高齢者の買い物支援"]
    covered = idf_coverage(("独居", "高齢者"), docs)
    # 高齢者 is in every doc and says little; 独居 is rare and says much.
    assert covered[0] == 1.0 and 0 < covered[1] == covered[2] < 0.5
    assert idf_coverage((), docs).tolist() == [0.0, 0.0, 0.0]

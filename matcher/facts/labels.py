"""Labels of the words results carry: ranking features and flags, in Japanese (the web
translates them)."""

from __future__ import annotations

FEATURE_LABELS = {
    "offer_fit": "提供内容の適合",
    "profile_fit": "プロフィールの適合",
    "term_coverage": "キーワード一致",
    "track_record": "公共実績",
    "certified": "認定",
    "size_fit": "規模・予算の適合",
    "proximity": "距離",
    "gain_origin": "こちらが得るもの",
    "gain_candidate": "相手が得るもの",
    "reciprocal_fit": "相互適合",
    "novelty": "新しい組み合わせ",
    "sought": "求める相手の種別",
    "need_fit": "課題の近さ",
    "bm25": "語の一致(BM25)",
    "consensus": "上位候補との一致",
    "stated_fit": "他の自治体の近い課題との適合",
    "budget_fit": "予算の近さ",
    "theme_fit": "テーマへの適合",
    "complementarity": "課題と提供の補完",
    "collaboration": "連携実績",
}

FLAG_LABELS = {
    "collaborated_before": "過去に連携あり",
    "weak_fit": "課題との関連が弱い",
}

"""Labels of the words results carry: ranking features and flags, in Japanese (the web
translates them)."""

from __future__ import annotations

FEATURE_LABELS = {
    # procurement
    "bm25": "語の一致(BM25)",
    "bm25_text": "課題の語の一致",
    "term_coverage": "キーワード一致",
    "dense_best": "意味の近さ",
    "relative_fit": "関連の強さ",
    "word_fit": "語ごとの意味の一致",
    "rank_dense": "意味検索の順位",
    "rank_bm25": "語の検索の順位",
    "stated_fit": "他の自治体の近い課題との適合",
    "track_record": "公共実績",
    "certified": "認定",
    "size_fit": "規模・予算の適合",
    "preference": "近さ・遠さの希望",
    # partners
    "bm25_doc": "文書全体の語の一致",
    "dense_any": "最も近い文どうし",
    "profile_fit": "プロフィールの適合",
    "sought": "求める相手の種別",
    "cross_sector": "産官学をまたぐ組み合わせ",
    # joint
    "need_fit": "課題の近さ",
    # consortium
    "theme_fit": "テーマへの適合",
    "coverage": "テーマの観点の網羅",
    "complementarity": "課題と提供の補完",
    "collaboration": "連携実績",
    "proximity": "距離",
}

FLAG_LABELS = {
    "collaborated_before": "過去に連携あり",
    "weak_fit": "課題との関連が弱い",
}

# Match strength as a page or the terminal says it (ranking/calibration.py).
STRENGTH_LABELS = {"strong": "強い", "medium": "中程度", "weak": "弱い"}

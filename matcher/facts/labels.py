"""Labels of the words results carry: ranking features and flags, in Japanese (the web
translates them)."""

from __future__ import annotations

FEATURE_LABELS = {
    # Plain words an officer reads without a glossary: what each part of the score weighs.
    # procurement
    "bm25": "課題の言葉が出てくる",
    "term_coverage": "課題のキーワードを含む",
    "dense_centred": "提供内容が課題に近い",
    "word_fit": "課題の言葉を一つずつ扱っている",
    "rank_centred": "内容の近さでの順位",
    "size_fit": "規模が予算に見合う",
    "preference": "近さ・遠さの希望",
    # partners
    "bm25_doc": "紹介文全体の言葉が重なる",
    "dense_any": "いちばん近い文どうし",
    "rank_bm25": "言葉の一致での順位",
    "rank_dense": "内容の近さでの順位",
    "profile_fit": "事業内容が近い",
    "cross_sector": "産官学をまたぐ組み合わせ",
    # joint
    "need_fit": "課題の内容が近い",
    "reverse_coverage": "相手の課題のキーワードもこちらの課題にある",
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

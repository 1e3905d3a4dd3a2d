"""Rendering match results as text for the terminal (the web renders the same data as HTML)."""

from __future__ import annotations

from matcher.facts.kinds import KIND_LABELS
from matcher.ranking.explain import MatchResult

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


def render_result(result: MatchResult) -> str:
    if not result.results:
        return result.note or "no results"
    lines = []
    stated: dict[str, list[str]] = {}
    for need in result.query.get("stated_as", ()):
        stated.setdefault(need["title"], []).append(need["name"])
    if stated:
        named = "、".join(f"「{title}」({'、'.join(names)})" for title, names in stated.items())
        lines.append(f"他の自治体が書いた近い課題の言葉でも探しました: {named}")
    for rank, match in enumerate(result.results, start=1):
        e = match.explanation
        place = e.facts.get("prefecture", "")
        lines.append(
            f"{rank:>2}. {match.name}  [{KIND_LABELS[match.kind]} / {place}]  "
            f"id={match.id}  score={match.score:.3f}"
        )
        for link in e.links:
            if link.relation == "need↔need":
                label = "同じ課題"
            else:
                label = {"origin": "課題", "query": "課題", "candidate": "相手の課題"}[link.gains]
            lines.append(
                f"      {label}「{link.source}」 ⇔ 「{link.target}」 ({link.similarity:.2f})"
            )
        if e.shared_terms:
            lines.append(f"      共通語: {'、'.join(e.shared_terms[:8])}")
        top = sorted(e.contributions.items(), key=lambda kv: -abs(kv[1]))[:3]
        lines.append(
            "      根拠: " + ", ".join(f"{FEATURE_LABELS.get(k, k)} {v:+.2f}" for k, v in top)
        )
        for hint in e.route_hints:
            lines.append(f"      調達: {hint.label} — {hint.reason}")
        if "distance_km" in e.facts:
            lines.append(f"      距離: {e.facts['distance_km']} km")
        for flag in e.flags:
            lines.append(f"      注記: {FLAG_LABELS.get(flag, flag)}")
    if result.note:
        lines.append(result.note)
    return "\n".join(lines)

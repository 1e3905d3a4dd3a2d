"""Who a need asks for: kinds named in sentences of seeking, and nothing else."""

from __future__ import annotations

import pytest

from matcher.facts.sought import sought_kinds


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("「漏水検知アルゴリズム」の実証に協力いただける自治体の募集", {"municipality"}),
        (
            "研究の成果を実用化するため、共同研究の相手となる企業を探しています。",
            {"company", "startup"},
        ),
        ("新しい技術を持つスタートアップとの協業パートナーを探しています。", {"startup"}),
        (
            "精度を高めるため、画像解析に詳しい研究者を探しています。",
            {"university", "research_institute"},
        ),
        (
            "実証に協力いただける自治体と、製品化を担う企業を募集しています。",
            {"municipality", "company", "startup"},
        ),
        ("We are looking for a municipality to host a field trial.", {"municipality"}),
        # 全角 and 半角 spell the same words.
        ("ｽﾀｰﾄｱｯﾌﾟを募集", {"startup"}),
    ],
)
def test_kinds_named_in_a_sentence_of_seeking(text: str, kinds: set[str]) -> None:
    assert sought_kinds(text) == kinds


def test_kinds_named_elsewhere_are_not_wishes() -> None:
    # The municipality is the market here, not the partner asked for; 研究機関 is not 研究.
    text = "自治体向けに見守りサービスを提供しています。実証フィールドを募集しています。"
    assert sought_kinds(text) == frozenset()
    assert sought_kinds("研究機関の皆さまとの共同研究先を募集") == {"research_institute"}
    assert sought_kinds("") == frozenset()

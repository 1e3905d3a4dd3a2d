"""Kinds of organisation as facts: the five kinds, their sectors, labels and other spellings."""

from __future__ import annotations

KINDS: tuple[str, ...] = ("municipality", "company", "startup", "university", "research_institute")

# What a municipality buys from when nobody says otherwise (procurement's default kinds).
SUPPLIER_KINDS: tuple[str, ...] = ("startup", "company")

# 産官学: partners cross sectors, so a company and a startup are one sector.
SECTORS: dict[str, str] = {
    "municipality": "government",
    "company": "industry",
    "startup": "industry",
    "university": "academia",
    "research_institute": "academia",
}

KIND_LABELS: dict[str, str] = {
    "municipality": "自治体",
    "company": "企業",
    "startup": "スタートアップ",
    "university": "大学",
    "research_institute": "研究機関",
}

# Other spellings the importer accepts for each kind.
KIND_ALIASES: dict[str, tuple[str, ...]] = {
    "municipality": ("自治体", "市町村", "地方公共団体", "municipal", "local_government"),
    "company": ("企業", "会社", "中小企業", "大企業", "corporation"),
    "startup": ("スタートアップ", "ベンチャー", "start_up"),
    "university": ("大学", "高専", "高等専門学校", "univ"),
    "research_institute": ("研究機関", "研究所", "公設試", "institute", "research"),
}

"""Kinds of organisation as facts: the six kinds, their sectors, labels and other spellings."""

from __future__ import annotations

KINDS: tuple[str, ...] = (
    "municipality",
    "company",
    "startup",
    "university",
    "research_institute",
    "financial_institution",
)

# What a municipality buys from when nobody says otherwise (procurement's default kinds).
SUPPLIER_KINDS: tuple[str, ...] = ("startup", "company")

# 産官学金: partners cross sectors, so a company and a startup are one sector.
SECTORS: dict[str, str] = {
    "municipality": "government",
    "company": "industry",
    "startup": "industry",
    "university": "academia",
    "research_institute": "academia",
    "financial_institution": "finance",
}

KIND_LABELS: dict[str, str] = {
    "municipality": "自治体",
    "company": "企業",
    "startup": "スタートアップ",
    "university": "大学",
    "research_institute": "研究機関",
    "financial_institution": "金融機関",
}

# Other spellings the importer accepts for each kind.
KIND_ALIASES: dict[str, tuple[str, ...]] = {
    "municipality": ("自治体", "市町村", "地方公共団体", "municipal", "local_government"),
    "company": ("企業", "会社", "中小企業", "大企業", "corporation"),
    "startup": ("スタートアップ", "ベンチャー", "start_up"),
    "university": ("大学", "高専", "高等専門学校", "univ"),
    "research_institute": ("研究機関", "研究所", "公設試", "institute", "research"),
    "financial_institution": (
        "金融機関",
        "銀行",
        "信金",
        "信用金庫",
        "信用組合",
        "地方銀行",
        "地銀",
        "政府系金融機関",
        "financial",
    ),
}

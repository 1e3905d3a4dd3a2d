"""Key terms: the content nouns of a Japanese or English text, for lexical evidence in matches."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from embeddings import normalise_text
from embeddings.japanese import SudachiTokenizer

_TOKENIZER = SudachiTokenizer("C")
# Candidate texts recur from query to query; normalising them once is most of the saving.
normalised = lru_cache(maxsize=131_072)(normalise_text)
# Nouns, with the prefixes and suffixes Sudachi splits off them (各自治体, 高齢者向け).
_NOUNISH = {"名詞", "接頭辞", "接尾辞"}
_SKIP_DETAIL = {"数詞", "助数詞可能", "副詞可能"}
# Words every profile here uses; as evidence of a match they say nothing.
GENERIC = frozenset(
    "課題 地域 住民 事業 自治体 提案 支援 取り組み 取組 対応 活用 導入 実施 検討 確認 必要 "
    "方法 仕組み 状況 情報 サービス 提供 技術 企業 連携 実証 当社 当課 本市 本町 本村 市内 町内 "
    "村内 県内 全国 職員 担当 予算 年度 体制 ため こと もの 以上 以内 可能 運用 関係 現在 "
    "今後 複数 実績 分野 研究 開発 事業者 パートナー 募集 協力 成果 センター "
    "記録 多く 大規模 見直し "
    "作成 システム 製品 受け入れ 向け 活動 効果 対象 場合 一部 全体 結果 手法 データ".split()
)


# Words that say nothing as evidence (管理, 時間, か月程度): shared terms leave them out; a data
# file, so that reviewing the evidence needs no code change.
EVIDENCE_STOPWORDS = frozenset(
    line.strip()
    for line in (Path(__file__).with_name("evidence_stopwords.txt")).read_text("utf-8").splitlines()
    if line.strip() and not line.lstrip().startswith("#")
)


@lru_cache(maxsize=65_536)
def key_terms(text: str) -> tuple[str, ...]:
    """Compound nouns of ``text`` and their parts of two or more characters, in order, unique.

    Sudachi splits 見守り into 見 + 守り and 独居高齢者 into 独居 + 高齢者; joining runs of nouns
    gives the terms a person would name (見守り, 独居高齢者), and the parts let 高齢者 match too.
    """
    text = normalise_text(text)
    terms: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            compound = "".join(run)
            for term in (compound, *run) if len(run) > 1 else (compound,):
                if len(term) >= 2 and term not in GENERIC and term not in terms:
                    terms.append(term)
            run.clear()

    # A space ends a compound: the tokenizer drops it, and an English sentence or a list of
    # glossary words would otherwise join into one long "term" no document contains.
    for segment in text.split():
        for token in _TOKENIZER.tokenize(segment):
            nounish = token.pos in _NOUNISH and token.pos_detail not in _SKIP_DETAIL
            if nounish or _nominal_verb(token):
                run.append(token.surface)
            else:
                flush()
        flush()
    return tuple(t for t in terms if not t.isdigit())


def _nominal_verb(token) -> bool:  # noqa: ANN001
    """A verb in its noun-like 連用形 with kanji and okurigana (見守り, 取り組み, 見積り).

    Sudachi reads 見守り as a noun after の but as a verb at the end of a phrase; either way a
    person names the activity by it. Two-character forms (行い, 探し) are too generic to keep.
    """
    surface = token.surface
    return (
        token.pos == "動詞"
        and len(surface) >= 3
        and surface[-1] in "りいきしちにびみぎ"
        and any("\u4e00" <= ch <= "\u9fff" for ch in surface)
    )


def shared(query_terms: Sequence[str], text: str) -> tuple[str, ...]:
    """The query terms that occur in ``text``, longest first, dropping parts of longer ones and
    words that say nothing as evidence (EVIDENCE_STOPWORDS)."""
    text = normalised(text)
    found = sorted(
        (t for t in query_terms if t in text and t not in EVIDENCE_STOPWORDS),
        key=len,
        reverse=True,
    )
    kept: list[str] = []
    for term in found:
        if not any(term in longer for longer in kept):
            kept.append(term)
    return tuple(kept)


def coverage(query_terms: Sequence[str], text: str) -> float:
    """Share of the query's terms found in ``text`` (0–1)."""
    if not query_terms:
        return 0.0
    text = normalised(text)
    return sum(t in text for t in query_terms) / len(query_terms)

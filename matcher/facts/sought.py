"""Who a text asks for: the kinds of organisation its sentences of seeking name.

A research institute's 「実証に協力いただける自治体を募集しています」 wants a municipality, not
a startup selling the same technology, however close their texts are. Coordinators read that
sentence first; this module reads it as data for partner ranking and its explanation.
"""

from __future__ import annotations

import re
from functools import lru_cache

from embeddings import normalise_text

# Words naming a kind of organisation, longest first so that 研究機関 is not read as 研究.
# 企業 and 事業者 cover startups too: a startup is a company to whoever asks for one.
_KIND_WORDS = (
    ("市区町村", ("municipality",)),
    ("市町村", ("municipality",)),
    ("自治体", ("municipality",)),
    ("行政機関", ("municipality",)),
    ("スタートアップ", ("startup",)),
    ("ベンチャー", ("startup",)),
    ("研究機関", ("research_institute",)),
    ("研究所", ("research_institute",)),
    ("研究者", ("university", "research_institute")),
    ("大学", ("university",)),
    ("高専", ("university",)),
    ("メーカー", ("company", "startup")),
    ("事業者", ("company", "startup")),
    ("企業", ("company", "startup")),
    ("startup", ("startup",)),
    ("municipalit", ("municipality",)),
    ("local government", ("municipality",)),
    ("universit", ("university",)),
    ("research institute", ("research_institute",)),
    ("compan", ("company", "startup")),
)
_KIND_PATTERN = re.compile("|".join(re.escape(w) for w, _ in _KIND_WORDS), re.IGNORECASE)
_KINDS_OF = {w.lower(): kinds for w, kinds in _KIND_WORDS}
# Verbs and nouns of looking for someone; a kind word counts only in a sentence with one.
_SEEKING = re.compile(
    r"募集|募って|募り|探して|探す|求めて|求める|求む|協力いただける|協力してくれる"
    r"|パートナー|連携先|協力先|共同研究先|受け入れ先|相手"
    r"|looking for|seeking|wanted|partner",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^。！？!?\n]+")


@lru_cache(maxsize=65_536)
def sought_kinds(text: str) -> frozenset[str]:
    """The kinds of organisation ``text`` asks for; empty when it names none."""
    found: set[str] = set()
    for sentence in _SENTENCE.findall(normalise_text(text)):
        if _SEEKING.search(sentence):
            for word in _KIND_PATTERN.findall(sentence):
                found.update(_KINDS_OF[word.lower()])
    return frozenset(found)

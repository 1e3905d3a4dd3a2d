"""Consortium themes read as aspects: the clauses, the items of an enumeration, the named
places, the kind of place and the people a theme is for.

A real theme asks for several things at once (「…日々の見守り・受診・買い物を支えるサービスを
組み合わせて提供する」); one vector for the whole sentence lets the member who fits most of it
hide the aspect nobody covers. ``aspects_of`` splits a theme by its grammar (SudachiPy): clauses
at 、 and at a て-form that joins two actions, the items of a ・ enumeration (and of AとBの…,
AやBの…) each with the words around it, prefectures and areas named in it (秋田・島根・高知,
北陸) as a place members can come from, and the noun phrases of who it is for and what kind of
place it is about (aspects.toml). The team search then covers the aspects between the members.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embeddings import normalise_text
from embeddings.japanese import SudachiTokenizer, Token
from matcher.facts import prefectures
from matcher.facts.glossary import gloss, key_terms_of
from matcher.facts.terms import GENERIC

WORDS_FILE = Path(__file__).with_name("aspects.toml")
MAX_ASPECTS = 8  # a theme with more reads as its first eight; the rest are named as not read
MAX_TEXT = 400  # characters of a theme read for aspects (a 50 kB theme is read by its start)
MIN_CLAUSE = 4  # characters: a shorter clause joins the next one
TAIL = 16  # characters of the words after an enumeration that each item is read with


@dataclass(frozen=True)
class Aspect:
    """One thing a theme asks for. ``kind``: task (a clause or an item of an enumeration),
    group (who it is for), setting (what kind of place), place (named prefectures: covered by a
    member located there, ``prefectures`` their codes)."""

    key: str  # a1, a2, … in the order of the theme
    label: str  # as a coordinator reads it: 受診, 空の輸送, 秋田・島根・高知
    text: str  # what is matched against profiles: 受診を支えるサービス
    kind: str
    terms: tuple[str, ...] = ()
    prefectures: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "label": self.label,
            "text": self.text,
            "kind": self.kind,
        }
        if self.prefectures:
            out["prefectures"] = [prefectures.name(c) for c in self.prefectures]
        return out


@dataclass(frozen=True)
class Words:
    groups: tuple[str, ...]
    places: tuple[str, ...]
    fillers: frozenset[str] = frozenset()
    areas: dict[str, tuple[int, ...]] = field(default_factory=dict)


def _load(path: Path = WORDS_FILE) -> Words:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    areas = {
        name: tuple(sorted(prefectures.resolve(p) for p in places))
        for name, places in data["areas"].items()
    }
    # Longest first, so 外国人住民 is found before 外国人.
    return Words(
        tuple(sorted(data["groups"], key=len, reverse=True)),
        tuple(sorted(data["places"], key=len, reverse=True)),
        frozenset(data["fillers"]),
        areas,
    )


WORDS = _load()
_TOKENIZER = SudachiTokenizer("C")
_NOUNISH = {"名詞", "接頭辞", "接尾辞"}
_CLAUSE_END = re.compile(r"[。．.!?！？\n]+")
_ENGLISH_SPLIT = re.compile(r"[,;]|\band\b|\bwhile\b|\bso that\b", re.I)


def aspects_of(theme: str) -> tuple[Aspect, ...]:
    """The aspects of ``theme``, in its order: places first named, then tasks, groups and
    settings (at most MAX_ASPECTS; a theme without any reads as one task, itself)."""
    text = normalise_text(theme)[:MAX_TEXT].strip()
    if not text:
        return ()
    if gloss(text):
        found = _english(text)
    else:
        found = _japanese(text)
    found = _dedupe(found)[:MAX_ASPECTS]
    if not found:
        found = [("task", text, text, ())]
    return tuple(
        Aspect(f"a{k}", label, body, kind, _terms(label if kind == "task" else body), codes)
        for k, (kind, label, body, codes) in enumerate(found, start=1)
    )


def _terms(text: str) -> tuple[str, ...]:
    """Key terms that say what the aspect is about (not 大学, 自治体, 一緒 …)."""
    return tuple(t for t in key_terms_of(text) if t not in WORDS.fillers and t not in GENERIC)


# ---- Japanese ------------------------------------------------------------------------------

_Found = tuple[str, str, str, tuple[int, ...]]  # kind, label, text, prefecture codes


def _japanese(text: str) -> list[_Found]:
    tasks: list[_Found] = []
    extra: list[_Found] = []
    place_codes: list[int] = []
    place_names: list[str] = []
    for sentence in _CLAUSE_END.split(text):
        for clause in _clauses(sentence):
            tokens = _TOKENIZER.tokenize(clause)
            named, tokens = _named_places(tokens)
            for label, codes in named:
                place_names.append(label)
                place_codes += [c for c in codes if c not in place_codes]
            tokens = _strip_leading(tokens)
            items = _enumeration(tokens)
            if items:
                tasks += [i for i in items if i[0] == "task"]
                extra += [i for i in items if i[0] != "task"]
            else:
                body = "".join(t.surface for t in tokens).strip("、, ")
                if _substantive(body):
                    tasks.append(("task", _label(body), body, ()))
            extra += _phrases(tokens)
    out: list[_Found] = []
    if place_codes:
        out.append(("place", "・".join(dict.fromkeys(place_names)), "", tuple(place_codes)))
    return out + tasks + extra


def _clauses(sentence: str) -> list[str]:
    """A sentence cut at 、 and at a て/で that ends an action before another (…つかんで間伐を
    進め); a piece too short to stand alone joins the next."""
    pieces: list[str] = []
    for part in re.split(r"[、,，]", sentence):
        tokens = _TOKENIZER.tokenize(part)
        start = 0
        for k, tok in enumerate(tokens):
            if (
                tok.pos == "助詞"
                and tok.pos_detail == "接続助詞"
                and tok.surface in ("て", "で")
                and not _function_phrase(tokens, k)
                and k + 1 < len(tokens)
                and _has_noun(tokens[start:k])
                and _has_noun(tokens[k + 1 :])
            ):
                pieces.append("".join(t.surface for t in tokens[start : k + 1]))
                start = k + 1
        pieces.append("".join(t.surface for t in tokens[start:]))
    out: list[str] = []
    carry = ""
    for piece in pieces:
        piece = carry + piece
        if len(piece.strip()) < MIN_CLAUSE:
            carry = piece
            continue
        out.append(piece)
        carry = ""
    if carry.strip():
        if out:
            out[-1] += carry
        else:
            out.append(carry)
    return out


_FUNCTION_VERBS = frozenset("し とっ つい よっ 対し 向け 関し 通じ 際し おい 沿っ わたっ".split())


def _function_phrase(tokens: list[Token], k: int) -> bool:
    """The て of として, にとって, について, に向けて …: a case marker, not two actions."""
    if k < 2:
        return False
    verb, before = tokens[k - 1], tokens[k - 2]
    return before.surface in ("と", "に") and verb.surface in _FUNCTION_VERBS


def _strip_leading(tokens: list[Token]) -> list[Token]:
    """A clause without the particles a removed place name left in front (三陸と… → …)."""
    k = 0
    while k < len(tokens) and (tokens[k].pos in ("助詞", "補助記号")):
        k += 1
    return tokens[k:]


def _has_noun(tokens: list[Token]) -> bool:
    return any(t.pos == "名詞" and t.pos_detail not in ("数詞", "非自立可能") for t in tokens)


def _named_places(tokens: list[Token]) -> tuple[list[tuple[str, tuple[int, ...]]], list[Token]]:
    """Prefectures, regional blocks and areas the clause names, and the clause without an
    enumeration made only of them (秋田・島根・高知の町村 → の町村)."""
    named: list[tuple[str, tuple[int, ...]]] = []
    keep: list[Token] = []
    run: list[tuple[str, tuple[int, ...]]] = []

    def flush() -> None:
        named.extend(run)
        run.clear()

    for k, tok in enumerate(tokens):
        codes = _place_codes(tok)
        if codes:
            run.append((tok.surface, codes))
            continue
        if run and tok.surface in ("・", "と", "や", "、") and k + 1 < len(tokens):
            if _place_codes(tokens[k + 1]):
                continue
        flush()
        keep.append(tok)
    flush()
    return named, keep


def _place_codes(tok: Token) -> tuple[int, ...]:
    surface = tok.surface
    if tok.pos != "名詞" or not any("\u4e00" <= ch <= "\u9fff" for ch in surface):
        return ()
    if surface in WORDS.areas:
        return WORDS.areas[surface]
    if tok.pos_detail != "固有名詞" and not surface.endswith(("県", "府", "都", "道")):
        return ()
    try:
        return (prefectures.resolve(surface),)
    except ValueError:
        pass
    try:
        return prefectures.resolve_region(surface).codes
    except ValueError:
        return ()


def _enumeration(tokens: list[Token]) -> list[_Found]:
    """The items of the clause's enumeration (A・B・C, or AとBの… and AやBの…), each read with
    the words that qualify it (日々の, …を支えるサービス); [] when it has none."""
    runs = _noun_runs(tokens)
    for start in range(len(runs)):
        group = [runs[start]]
        joiner = None
        for nxt in runs[start + 1 :]:
            gap = tokens[group[-1][1] : nxt[0]]
            if len(gap) != 1:
                break
            sep = gap[0].surface
            if sep == "・" or (sep in ("と", "や") and joiner in (None, sep)):
                joiner = joiner or (sep if sep != "・" else None)
                group.append(nxt)
            else:
                break
        if len(group) < 2:
            continue
        end = group[-1][1]
        after = tokens[end] if end < len(tokens) else None
        bare = joiner in ("と", "や")
        # AとBの輸送 splits; 加工と販売、 or 農産物や日用品も stays one task.
        if bare and (after is None or after.surface != "の"):
            continue
        head = _head_before(tokens, group[0][0])
        tail = _tail(tokens[end:])
        if bare:  # 空と陸の輸送 → 空の輸送, 陸の輸送: the の-phrase is the item's head
            tail = _up_to_noun(tokens[end:])
            if _is_place_word(tail.removeprefix("の")):  # 筑後川や六角川の流域: one place
                phrase = "".join(t.surface for t in tokens[group[0][0] : end]) + tail
                return [("setting", phrase, phrase, ())]
        items = []
        for a, b in group:
            item = "".join(t.surface for t in tokens[a:b])
            items.append(("task", item + (tail if bare else ""), head + item + tail, ()))
        return items
    return []


def _noun_runs(tokens: list[Token]) -> list[tuple[int, int]]:
    """[start, end) of each run of nouns (a compound, as terms.key_terms reads one)."""
    runs, start = [], None
    for k, tok in enumerate(tokens):
        nounish = tok.pos in _NOUNISH or _nominal_verb(tok)
        if nounish and start is None:
            start = k
        elif not nounish and start is not None:
            runs.append((start, k))
            start = None
    if start is not None:
        runs.append((start, len(tokens)))
    return runs


def _nominal_verb(tok: Token) -> bool:
    # 見守り reads as a verb at the end of a phrase; as an item it is the activity.
    return tok.pos == "動詞" and len(tok.surface) >= 3 and tok.surface[-1] in "りいきしちにびみぎ"


def _head_before(tokens: list[Token], start: int) -> str:
    """A 〜の modifier right before an enumeration (日々の見守り・…): it qualifies every item."""
    if start >= 2 and tokens[start - 1].surface == "の" and tokens[start - 2].pos == "名詞":
        return tokens[start - 2].surface + "の"
    return ""


def _tail(tokens: list[Token]) -> str:
    """The words after an enumeration each item is read with: whole words, up to TAIL
    characters or a て that starts the next action (…を支えるサービスを組み合わせ)."""
    out = ""
    for tok in tokens:
        if tok.pos_detail == "接続助詞" or len(out) + len(tok.surface) > TAIL:
            break
        out += tok.surface
    return out


def _up_to_noun(tokens: list[Token]) -> str:
    """の and the noun run after it (の輸送)."""
    out = []
    for k, tok in enumerate(tokens):
        if k and tok.pos not in _NOUNISH:
            break
        out.append(tok.surface)
    return "".join(out)


def _is_place_word(word: str) -> bool:
    return any(word == w or word.startswith(w) for w in WORDS.places)


def _phrases(tokens: list[Token]) -> list[_Found]:
    """Who the clause is for and what kind of place: a word of aspects.toml with the words
    that modify it (一人暮らしの高齢者, 人の少ない山あいの集落)."""
    out: list[_Found] = []
    surfaces = [t.surface for t in tokens]
    for k, tok in enumerate(tokens):
        kind = None
        word = tok.surface
        if any(word.endswith(w) for w in WORDS.groups):
            kind = "group"
        elif _is_place_word(word):
            kind = "setting"
        if kind is None:
            continue
        start = k
        while start >= 1 and tokens[start - 1].pos == "名詞":  # 独居 + 高齢者: one compound
            start -= 1
        # Up to two modifiers: 〜の or a verb/adjective in its attributive form.
        for _ in range(2):
            if start >= 2 and surfaces[start - 1] == "の" and tokens[start - 2].pos == "名詞":
                start -= 2
            elif start >= 1 and tokens[start - 1].pos in ("動詞", "形容詞", "接尾辞"):
                start -= 1
                while start >= 1 and tokens[start - 1].pos in ("動詞", "助動詞", "名詞"):
                    start -= 1
                    if tokens[start].pos == "名詞":
                        break
            else:
                break
        phrase = "".join(surfaces[start : k + 1])
        out.append((kind, phrase, phrase, ()))
    return out


def _substantive(text: str) -> bool:
    """A clause that names something to do or have, not only a connective (…するなか) or the
    consortium itself (町村が足並みをそろえて)."""
    return len(text) >= MIN_CLAUSE and bool(_terms(text))


def _label(body: str) -> str:
    """A task as a coordinator would name it: its key terms, in order, up to three."""
    found = list(_terms(body))
    # Parts of a compound repeat it (森林資源, 森林, 資源): keep the compound.
    kept: list[str] = []
    for term in found:
        if not any(term in longer for longer in kept):
            kept.append(term)
    return "・".join(kept[:3]) if kept else body[:20]


def _dedupe(found: list[_Found]) -> list[_Found]:
    """One aspect per thing: a repeated phrase counts once, a group or setting phrase inside a
    longer one is that one (人の少ない山あい, 少ない山あいの集落 → 人の少ない山あいの集落), and a
    phrase that is all a task says is that task."""
    phrases = [f for f in found if f[0] in ("group", "setting")]
    merged: list[_Found] = []
    for f in phrases:
        overlapping = [g for g in merged if _overlap(g[2], f[2])]
        if not overlapping:
            merged.append(f)
            continue
        g = overlapping[0]
        joined = _join(g[2], f[2])
        kind = "group" if "group" in (g[0], f[0]) else "setting"
        merged[merged.index(g)] = (kind, joined, joined, ())
    tasks = [f for f in found if f[0] not in ("group", "setting")]
    out: list[_Found] = []
    seen: set[str] = set()
    for f in tasks + merged:
        body = f[2]
        if body and body in seen:
            continue
        # A phrase that is all a task says, or most of a short one, is that task.
        if f[0] in ("group", "setting") and any(
            t[2].strip() == body or (body in t[2] and len(t[2]) <= 2 * len(body) + 4) for t in tasks
        ):
            continue
        seen.add(body)
        out.append(f)
    # Places first, then the tasks in the theme's order, then who and where.
    order = {"place": 0, "task": 1, "group": 2, "setting": 3}
    return sorted(out, key=lambda f: order[f[0]])


def _overlap(a: str, b: str) -> bool:
    """Two phrases of one theme that share words: one inside the other, or one's end the
    other's start (人の少ない山あい / 少ない山あいの集落)."""
    if a in b or b in a:
        return True
    return any(a.endswith(b[:k]) for k in range(2, min(len(a), len(b)) + 1))


def _join(a: str, b: str) -> str:
    if b in a:
        return a
    if a in b:
        return b
    for k in range(min(len(a), len(b)), 1, -1):
        if a.endswith(b[:k]):
            return a + b[k:]
    return a


# ---- English -------------------------------------------------------------------------------


def _english(text: str) -> list[_Found]:
    """An English theme: its clauses (at , ; and "and"), each read with its Japanese gloss."""
    out: list[_Found] = []
    for part in _ENGLISH_SPLIT.split(text):
        part = part.strip(" .:")
        # A clause the glossary cannot read is about the consortium or too vague to match.
        if len(part) < MIN_CLAUSE or not gloss(part):
            continue
        out.append(("task", part[:40], part, ()))
    return out

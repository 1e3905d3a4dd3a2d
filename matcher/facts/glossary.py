"""English challenges read in Japanese: a bilingual glossary of regional-policy vocabulary.

Profiles here are Japanese, and no encoder that ships with Musubi reads across languages, so an
English challenge (“Bears keep wandering into town at dawn”) would match English profiles only.
Its words are looked up in this glossary of what municipal challenges and supplier offers talk
about, and the Japanese terms are searched beside the English text — dictionary-based
cross-language retrieval. A multilingual ``st:`` model, where one is installed, does better.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from embeddings import japanese_share
from matcher.facts import terms

GLOSSARY_FILE = Path(__file__).with_name("glossary.tsv")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_POSSESSIVE = re.compile(r"'s\b")


class GlossaryError(ValueError):
    """Raised for a malformed glossary file; the message names the file and the line."""

    def __init__(self, path: str | os.PathLike[str], line: int | None, problem: str) -> None:
        self.path = os.fspath(path)
        self.line = line
        where = self.path if line is None else f"{self.path}, line {line}"
        super().__init__(f"{where}: {problem}")


def load_glossary(path: str | os.PathLike[str] = GLOSSARY_FILE) -> dict[str, str]:
    """English word or phrase → its Japanese terms (space-separated), in the order of the file.

    A line holds the English in lower case, a tab and the Japanese terms; lines starting with #
    and blank lines are skipped. Raises GlossaryError for a line that has not two fields, an
    empty field, English that text could never spell (capitals, punctuation, double spaces) or
    English already given on an earlier line.
    """
    glossary: dict[str, str] = {}
    first_line: dict[str, int] = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) != 2:
                raise GlossaryError(
                    path, n, f"expected English, a tab and Japanese terms, got {line!r}"
                )
            english, japanese = fields[0].strip(), " ".join(fields[1].split())
            if not english or not japanese:
                raise GlossaryError(path, n, f"empty {'English' if not english else 'Japanese'}")
            if " ".join(_WORD.findall(english)) != english:
                raise GlossaryError(
                    path, n, f"{english!r} is not lower-case words separated by single spaces"
                )
            if english in glossary:
                raise GlossaryError(
                    path, n, f"{english!r} is already on line {first_line[english]}"
                )
            glossary[english] = japanese
            first_line[english] = n
    if not glossary:
        raise GlossaryError(path, None, "no entries")
    return glossary


_GLOSSARY = load_glossary()
_LONGEST = max(len(key.split()) for key in _GLOSSARY)


def _forms(word: str) -> list[str]:
    """The word and what it may be inflected from (bears → bear, wandering → wander)."""
    forms = [word]
    for suffix, base in (
        ("ies", "y"),
        ("es", ""),
        ("s", ""),
        ("ing", ""),
        ("ing", "e"),
        ("ed", ""),
        ("ed", "e"),
        ("ly", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            forms.append(word[: len(word) - len(suffix)] + base)
    return forms


def _lookup(words: list[str]) -> str | None:
    """The Japanese terms of these words as one glossary entry, the last word in any form."""
    *head, last = words
    for form in _forms(last):
        japanese = _GLOSSARY.get(" ".join([*head, form]))
        if japanese:
            return japanese
    return None


@lru_cache(maxsize=4_096)
def gloss(text: str) -> str:
    """Japanese terms for the English words of ``text``, space-separated; "" for Japanese text.

    Longest phrases first, each word used once: “snow removal” gives 除雪 排雪, not 雪 積雪 too.
    """
    if japanese_share(text) >= 0.5:
        return ""
    words = _WORD.findall(_POSSESSIVE.sub("", text.lower().replace("’", "'")))
    found: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(_LONGEST, len(words) - i), 0, -1):
            japanese = _lookup(words[i : i + n])
            if japanese:
                found.extend(t for t in japanese.split() if t not in found)
                i += n
                break
        else:
            i += 1
    return " ".join(found)


# AI, IoT, LGWAN, GIS: written the same in Japanese profiles as in English text.
_ACRONYM = re.compile(r"[A-Za-z0-9]*[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*")


def key_terms_of(text: str) -> tuple[str, ...]:
    """Key terms of a text that may be English, as evidence against Japanese profiles.

    Japanese text: its key terms. English text: its Japanese words, its acronyms and the terms
    of its glossary reading; English words would only dilute the coverage of documents that
    never contain them.
    """
    reading = gloss(text)
    if not reading:
        return terms.key_terms(text)
    own = (t for t in terms.key_terms(text) if japanese_share(t) or _ACRONYM.fullmatch(t))
    return tuple(dict.fromkeys((*own, *terms.key_terms(reading))))

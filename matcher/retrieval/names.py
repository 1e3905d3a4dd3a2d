"""Finding organisations by name, wherever an id is asked: the id itself, the name or part of
it (鯖江), or its reading in kana (さばえ, サバエ)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from embeddings.japanese import SudachiTokenizer
from matcher.retrieval.catalogue import Catalogue, OrgFacts, OrgName
from matcher.retrieval.matcher import MatchError

_TOKENIZER = SudachiTokenizer("C")
_KANA = re.compile(r"^[\u3041-\u309f\u30a0-\u30ffー]+$")
# Words of a legal form that a person leaves out when naming an organisation.
_FORMS = ("株式会社", "有限会社", "合同会社", "一般社団法人", "公益財団法人", "国立大学法人")
MAX_CHOICES = 10


def normalised(text: str) -> str:
    """NFKC, case-folded, without spaces; hiragana as katakana (so さばえ reads as サバエ)."""
    text = "".join(unicodedata.normalize("NFKC", text).casefold().split())
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)


@lru_cache(maxsize=262_144)
def reading(name: str) -> str:
    """The katakana reading of a name (鯖江市 → サバエシ), legal forms left out."""
    for form in _FORMS:
        name = name.replace(form, "")
    return normalised(_TOKENIZER.reading("".join(name.split())))


Named = OrgName | OrgFacts  # what a name is looked up in: names alone, or facts


def find(
    orgs: Iterable[Named], query: str, *, kinds: Sequence[str] = (), limit: int = MAX_CHOICES
) -> list[Named]:
    """Organisations whose id, name or reading matches ``query``, best first: the id, the whole
    name, a name that starts with it, one that holds it, then readings (only for a query in
    kana: reading every name costs a dictionary look-up each, cached)."""
    q = normalised(query)
    if not q:
        return []
    by_reading = bool(_KANA.match(q))
    ranked: list[tuple[float, int, str, Named]] = []
    for org in orgs:
        if kinds and org.kind not in kinds:
            continue
        name = normalised(org.name)
        if q == org.ext_id.casefold():
            rank = 0.0
        elif q == name:
            rank = 1.0
        elif name.startswith(q):
            rank = 2.0
        elif q in name:
            rank = 3.0
        elif by_reading and q in reading(org.name):
            rank = 3.5 if reading(org.name).startswith(q) else 4.0
        elif q in org.ext_id.casefold():
            rank = 5.0
        else:
            continue
        ranked.append((rank, len(org.name), org.ext_id, org))
    ranked.sort(key=lambda r: r[:3])
    return [r[3] for r in ranked[:limit]]


def resolve(orgs: Iterable[Named], query: str, *, kinds: Sequence[str] = ()) -> Named:
    """The one organisation ``query`` names (an id, a name, part of one, or a reading), or a
    MatchError: ``unknown_org`` when none does, ``ambiguous_org`` (with the choices) when
    several do and none is the id or the whole name."""
    found = find(orgs, query, kinds=kinds, limit=MAX_CHOICES + 1)
    if not found:
        raise MatchError(
            f"no organisation with id or name {query!r}; `musubi list` shows them",
            "unknown_org",
            org=query,
        )
    q = normalised(query)
    exact = [o for o in found if q in (o.ext_id.casefold(), normalised(o.name))]
    if len(exact) == 1:
        return exact[0]
    if len(found) == 1:
        return found[0]
    choices = (exact or found)[:MAX_CHOICES]
    raise MatchError(
        f"{query!r} names {len(found)}{'+' if len(found) > MAX_CHOICES else ''} organisations: "
        + ", ".join(f"{o.ext_id} {o.name}" for o in choices)
        + "; give the id",
        "ambiguous_org",
        org=query,
        choices=tuple(f"{o.name}({o.ext_id})" for o in choices),
        ids=tuple(o.ext_id for o in choices),
    )


def ext_id_of(catalogue: Catalogue, query: str, *, kinds: Sequence[str] = ()) -> str:
    """The external id ``query`` stands for: itself when it is one (indexed or not yet), else
    the id of the one organisation it names (``resolve``)."""
    if query in catalogue.by_ext_id or query in catalogue.pending:
        return query
    return resolve(catalogue.names, query, kinds=kinds).ext_id

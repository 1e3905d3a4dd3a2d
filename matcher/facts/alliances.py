"""Alliances and whose certification a buyer may rely on: the 随意契約 route of 地方自治法施行令
第167条の2第1項第4号 is open only for new products its own head certified (新事業分野開拓者認定),
or a partner's in an alliance that shares certified products."""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from matcher.facts import prefectures


@dataclass(frozen=True)
class Alliance:
    """Public bodies that buy each other's certified new products: ``members`` by name (東京都,
    八王子市); a certification issued by a member, or in the alliance's ``name``, counts for every
    member."""

    name: str
    members: tuple[str, ...]


@lru_cache(maxsize=8)
def load(path: str | None) -> tuple[Alliance, ...]:
    """The alliances declared in the TOML file ``path`` (none when ``path`` is empty)::

    [[alliance]]
    name = "…アライアンス"
    members = ["東京都", "…市"]
    """
    if not path:
        return ()
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"alliances file {path}: {error}") from None
    out = []
    for k, entry in enumerate(data.get("alliance", [])):
        name, members = entry.get("name"), entry.get("members")
        if not isinstance(name, str) or not isinstance(members, list) or not members:
            raise ValueError(
                f"alliances file {path}: alliance {k + 1} needs a name and a list of members"
            )
        out.append(Alliance(_norm(name), tuple(_norm(str(m)) for m in members)))
    return tuple(out)


def applies(
    issuer: str | None, buyer_name: str, buyer_prefecture: int, alliances: tuple[Alliance, ...]
) -> bool | None:
    """Whether a certification issued by ``issuer`` lets this buyer contract without tender:
    when the issuer is the buyer itself, the buyer's prefecture, or a member (or the name) of
    an alliance the buyer belongs to. None when the issuer is unknown."""
    if not issuer:
        return None
    who = _norm(issuer)
    buyer = _norm(buyer_name)
    home = prefectures.get(buyer_prefecture)
    if who in (buyer, _norm(home.kanji + buyer_name)):
        return True
    if _prefecture_of(who) == buyer_prefecture:
        return True
    return any((who == a.name or who in a.members) and buyer in a.members for a in alliances)


def _prefecture_of(name: str) -> int | None:
    """The prefecture a body's name is (福岡県, 福岡, Fukuoka), None for a city or anything else."""
    try:
        return prefectures.resolve(name)
    except ValueError:
        return None


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()

"""Parsing request parameters into matcher queries: the boundary where bad input is refused.

Pages and the API share these, so a query string means the same thing in both. Every error is a
BadRequest (400) that quotes the value and says what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from matcher.curation.proposals import ProposalView
from matcher.ingest.records import BIDI_CONTROLS, SURROGATE
from matcher.modes.consortium.results import ConsortiumQuery
from matcher.modes.joint import JointQuery
from matcher.modes.partners import PartnersQuery
from matcher.modes.procurement import ProcurementQuery
from matcher.modes.queries import build_query
from matcher.retrieval.matcher import MAX_TOP
from web.errors import BadRequest, member_or_role_required, not_a_member

MAX_TEXT = 2000  # characters of a challenge or theme: a long paragraph, not a document
MAX_VALUE = 100  # characters of any other single value (ids, names)
MAX_VALUES = 60  # repeated values of one parameter (47 prefectures is the most that makes sense)
TRUE = {"1", "true", "on", "yes"}
FALSE = {"0", "false", "off", "no", ""}

Args = MultiDict[str, str] | Mapping[str, Any]


def text(args: Args, name: str, *, limit: int = MAX_TEXT) -> str | None:
    value = args.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _not_text(name, value)
    if SURROGATE.search(value):
        raise BadRequest(
            f"{name} holds an unpaired surrogate, which is not a character",
            "unpaired_surrogate",
            field=name,
        )
    value = BIDI_CONTROLS.sub("", value).strip()
    if "\x00" in value:
        raise BadRequest(f"{name} contains a NUL character", "nul_character", field=name)
    if len(value) > limit:
        raise _too_long(name, value, limit)
    return value or None


def integer(args: Args, name: str, *, lo: int, hi: int, default: int | None = None) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        raise _not_integer(name, raw)
    if isinstance(raw, int):
        value = raw
    else:
        try:
            value = int(str(raw).replace(",", "").strip())
        except ValueError:
            raise _not_integer(name, raw) from None
    if not lo <= value <= hi:
        raise BadRequest(
            f"{name}={value} is out of range: use {lo} to {hi:,}",
            "out_of_range",
            field=name,
            value=value,
            lo=lo,
            hi=hi,
        )
    return value


def flag(args: Args, name: str) -> bool | None:
    raw = args.get(name)
    if raw is None:
        return None
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise BadRequest(
        f"{name}={str(raw)[:40]!r} is not a yes/no value: use true or false",
        "not_yes_no",
        field=name,
        value=str(raw)[:40],
    )


def many(args: Args, name: str) -> tuple[str, ...]:
    """A repeated parameter (``kind=a&kind=b``); a comma also separates values."""
    return tuple(_repeated(args, name, MAX_VALUES, unique=True))


def _not_text(name: str, value: object) -> BadRequest:
    kind = type(value).__name__
    return BadRequest(f"{name} must be text, not {kind}", "not_text", field=name, type=kind)


def _too_long(name: str, value: str, limit: int) -> BadRequest:
    return BadRequest(
        f"{name} is {len(value):,} characters long; the limit is {limit:,}",
        "too_long",
        field=name,
        length=len(value),
        limit=limit,
    )


def _not_integer(name: str, raw: object) -> BadRequest:
    value = str(raw)[:40]
    return BadRequest(
        f"{name}={value!r} is not a whole number", "not_integer", field=name, value=value
    )


def _repeated(args: Args, name: str, limit: int, *, unique: bool = False) -> list[str]:
    """Every value of a repeated parameter (a comma also separates values), at most ``limit``."""
    if isinstance(args, MultiDict):
        raw = args.getlist(name)
    else:
        value = args.get(name, [])
        raw = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise _not_text(name, item)
        out.extend(v.strip() for v in item.split(",") if v.strip())
    if unique:
        out = list(dict.fromkeys(out))
    if len(out) > limit:
        raise BadRequest(
            f"{name} is given {len(out)} times; the limit is {limit}",
            "too_many_values",
            field=name,
            count=len(out),
            limit=limit,
        )
    for v in out:
        if len(v) > MAX_VALUE:
            raise _too_long(name, v, MAX_VALUE)
    return out


def org_id(args: Args, name: str = "org", *, required: bool = False) -> str | None:
    value = text(args, name, limit=MAX_VALUE)
    if value is None and required:
        raise BadRequest(
            f"{name} is required: the id of an organisation, e.g. mu-00001",
            "org_required",
            field=name,
        )
    return value


def top(args: Args, hi: int = MAX_TOP) -> int | None:
    return integer(args, "top", lo=1, hi=hi)


def procurement_query(args: Args) -> ProcurementQuery:
    return build_query(
        "procurement",
        {
            "text": text(args, "text"),
            "org": org_id(args),
            "need": integer(args, "need", lo=0, hi=1000),
            "kinds": many(args, "kind"),
            "prefectures": many(args, "prefecture"),
            "regions": many(args, "region"),
            "budget_jpy": budget(args),
            "trial_order": flag(args, "trial_order"),
            "prefer": text(args, "prefer", limit=MAX_VALUE),
            "expand": flag(args, "expand"),
            "top": top(args),
        },
    )


def budget(args: Args) -> int | None:
    """The budget in yen: ``budget`` (yen, as the API and the CLI take it) or ``budget_man``
    (万円, as the search form asks for it: 300 is ¥3,000,000)."""
    man = integer(args, "budget_man", lo=0, hi=10**9)
    if man is not None:
        return man * 10_000
    return integer(args, "budget", lo=0, hi=10**13)


def partners_query(args: Args) -> PartnersQuery:
    return build_query(
        "partners",
        {
            "org": org_id(args, required=True),
            "same_prefecture": flag(args, "same_prefecture"),
            "same_kind": flag(args, "same_kind"),
            "new_only": flag(args, "new_only"),
            "top": top(args),
        },
    )


def joint_query(args: Args) -> JointQuery:
    return build_query(
        "joint",
        {
            "org": org_id(args, required=True),
            "need": integer(args, "need", lo=0, hi=1000),
            "top": top(args),
        },
    )


def consortium_query(args: Args) -> ConsortiumQuery:
    """A ConsortiumQuery from ``theme``, ``region``, ``prefecture``, ``neighbours``, ``role``,
    ``min_prefectures``, ``min_kinds`` and ``top`` (``role=company&role=startup`` asks for
    one slot each; a role given twice gets two slots)."""
    theme = text(args, "theme")
    if theme is None:
        raise BadRequest(
            "theme is required: describe the consortium's theme, e.g. 除雪の省力化",
            "empty_text",
            field="theme",
        )
    return build_query(
        "consortium",
        {
            "theme": theme,
            "regions": many(args, "region"),
            "prefectures": many(args, "prefecture"),
            "neighbours": flag(args, "neighbours"),
            "roles": many_repeated(args, "role"),
            "min_prefectures": integer(args, "min_prefectures", lo=1, hi=47),
            "min_kinds": integer(args, "min_kinds", lo=1, hi=10),
            "top": top(args, hi=10),
        },
    )


def alternatives_request(args: Args, view: ProposalView) -> tuple[str, str | None, int]:
    """(role, member being replaced, top) for a saved proposal's alternatives: ``member`` (one
    of ``view``'s members; its role is the default) and/or ``role``, and ``top``."""
    replacing = org_id(args, "member")
    role = text(args, "role", limit=MAX_VALUE)
    if replacing:
        current = next((mb for mb in view.members if mb.id == replacing), None)
        if current is None:
            raise not_a_member(replacing, view.id)
        role = role or current.role
    if not role:
        raise member_or_role_required()
    return role, replacing, integer(args, "top", lo=1, hi=MAX_TOP, default=10)  # type: ignore[return-value]


def many_repeated(args: Args, name: str) -> list[str]:
    """Like ``many`` but keeping repeats (a role asked twice is two slots)."""
    return _repeated(args, name, 12)

"""Parsing request parameters into matcher queries: the boundary where bad input is refused.

Pages and the API share these, so a query string means the same thing in both. Every error is a
BadRequest (400) that quotes the value and says what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from werkzeug.datastructures import MultiDict

from matcher.curation.proposals import MEMBER_ACTIONS, ProposalView
from matcher.curation.workflow import MAX_NOTE, STATUSES
from matcher.facts.kinds import KINDS
from matcher.ingest.readers import FORMATS
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
    if len(value) > limit:  # as sent, so the limit is the one the API document states
        raise _too_long(name, value, limit)
    value = BIDI_CONTROLS.sub("", value).strip()
    if "\x00" in value:
        raise BadRequest(f"{name} contains a NUL character", "nul_character", field=name)
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
    if len(raw) > limit:
        raise _too_many(name, len(raw), limit)
    out: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise _not_text(name, item)
        out.extend(v.strip() for v in item.split(",") if v.strip())
    if len(out) > limit:  # counted before repeats are dropped, as the API document states
        raise _too_many(name, len(out), limit)
    for v in out:
        if len(v) > MAX_VALUE:
            raise _too_long(name, v, MAX_VALUE)
    return list(dict.fromkeys(out)) if unique else out


def _too_many(name: str, count: int, limit: int) -> BadRequest:
    return BadRequest(
        f"{name} is given {count} times; the limit is {limit}",
        "too_many_values",
        field=name,
        count=count,
        limit=limit,
    )


def org_id(args: Args, name: str = "org", *, required: bool = False) -> str | None:
    value = text(args, name, limit=MAX_VALUE)
    if value is None and required:
        raise BadRequest(
            f"{name} is required: the id of an organisation, e.g. mu-00001",
            "org_required",
            field=name,
        )
    return value


@dataclass(frozen=True)
class Param:
    """One request parameter, read and documented from the same declaration: what the API's
    OpenAPI document says a parameter accepts is what reading it accepts, no more.

    ``kind``: text (with ``choices``, one of them, checked where the value is used), id (an
    organisation's id), integer, flag (yes/no), many (repeated or comma-separated values, each
    once; ``choices`` for each) or repeated (the same, repeats kept). An empty value of an
    optional parameter means "not given", as an HTML form sends it. In a JSON body integers
    and flags are JSON numbers and booleans, and null means "not given".
    """

    name: str
    kind: str
    description: str
    field: str = ""  # the query field it fills, when it is not ``name``
    required: bool = False
    lo: int = 0
    hi: int = 0
    limit: int = MAX_TEXT
    count: int = MAX_VALUES  # values of a many or repeated parameter
    choices: tuple[str, ...] = ()

    def read(self, args: Args, *, body: bool = False) -> Any:
        if body and args.get(self.name) is not None:
            self._json_type(args[self.name])
        if self.kind == "text":
            return text(args, self.name, limit=self.limit)
        if self.kind == "id":
            return org_id(args, self.name, required=self.required)
        if self.kind == "integer":
            value = integer(args, self.name, lo=self.lo, hi=self.hi)
            if value is None and self.required:
                what = self.description[:1].lower() + self.description[1:]
                raise BadRequest(f"{self.name} is required: {what}", f"{self.name}_required")
            return value
        if self.kind == "flag":
            return flag(args, self.name)
        values = _repeated(args, self.name, self.count, unique=self.kind == "many")
        return tuple(values) if self.kind == "many" else values

    def _json_type(self, value: Any) -> None:
        """A JSON body says what it means: a number for an integer, a boolean for a flag."""
        wanted = {"integer": int, "flag": bool}.get(self.kind)
        if wanted is None:
            return
        # bool is an int in Python, not in JSON: true is no number, 1 no boolean
        if isinstance(value, bool) != (wanted is bool) or not isinstance(value, wanted):
            raise BadRequest(
                f"{self.name} must be a JSON {'number' if wanted is int else 'boolean'}",
                "wrong_json_type",
                field=self.name,
                type="number" if wanted is int else "boolean",
            )

    def schema(self, *, body: bool = False) -> dict[str, Any]:
        """The OpenAPI schema of what ``read`` accepts. Where reading is lenient (surrounding
        spaces, 1,000 for a number, TRUE for a flag, values joined by commas) the schema says
        so with a pattern: a request the document calls invalid is one that is refused."""
        out = self._schema(body)
        if body and not self.required:
            out["nullable"] = True
        return out

    def _schema(self, body: bool) -> dict[str, Any]:
        if self.kind in ("text", "id") and self.choices:
            return {"type": "string", "pattern": _one_of(self.choices, self.required)}
        if self.kind in ("text", "id"):
            out: dict[str, Any] = {
                "type": "string",
                "maxLength": self.limit if self.kind == "text" else MAX_VALUE,
            }
            if self.required:
                out["minLength"] = 1
            return out
        if self.kind == "integer":
            number = {"type": "integer", "minimum": self.lo, "maximum": self.hi}
            if body:
                return number
            return {"anyOf": [number, {"type": "string", "pattern": r"^[\s,]*[+-]?[\d_,]*[\s,]*$"}]}
        if self.kind == "flag":
            if body:
                return {"type": "boolean"}
            words = "|".join(_any_case(w) for w in sorted(TRUE | FALSE) if w)
            return {"type": "string", "pattern": rf"^\s*(?:{words})?\s*$"}
        piece = (
            _one_of(self.choices, False)[1:-1] if self.choices else rf"\s*[^,]{{0,{MAX_VALUE}}}\s*"
        )
        item = {"type": "string", "pattern": rf"^{piece}(?:,{piece})*$"}
        values = {"type": "array", "items": item, "maxItems": self.count}
        return {"anyOf": [item, values]} if body else values

    def openapi(self) -> dict[str, Any]:
        """The parameter object of a query parameter."""
        out = {
            "name": self.name,
            "in": "query",
            "required": self.required,
            "description": self.described(),
            "schema": self.schema(),
        }
        if self.kind in ("many", "repeated"):
            out.update(style="form", explode=True)
        return out

    def described(self) -> str:
        if not self.choices:
            return self.description
        return f"{self.description}: {', '.join(self.choices)}"


def _one_of(choices: tuple[str, ...], required: bool) -> str:
    """A pattern for one of ``choices`` with spaces around (or nothing, when not required)."""
    words = "|".join(re.escape(c) for c in choices)
    return rf"^\s*(?:{words}){'' if required else '?'}\s*$"


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


def read(args: Args, declared: tuple[Param, ...], *, body: bool = False) -> dict[str, Any]:
    """Every declared parameter read from ``args``, by the field it fills."""
    return {p.field or p.name: p.read(args, body=body) for p in declared}


TOP = Param("top", "integer", "How many results (default 10)", lo=1, hi=MAX_TOP)
NEED = Param("need", "integer", "Index of the need, from 0", lo=0, hi=1000)
PLACES = (
    Param(
        "prefecture",
        "many",
        "Only these prefectures (福岡県, 福岡, 40, Fukuoka)",
        field="prefectures",
    ),
    Param("region", "many", "Only these regional blocks (九州, Kanto …)", field="regions"),
)
PROCUREMENT = (
    Param("text", "text", "The challenge, in Japanese or English"),
    Param("org", "id", "Start from this municipality's stored need instead"),
    NEED,
    Param(
        "kind",
        "many",
        "Supplier kinds (default startup, company)",
        field="kinds",
        choices=KINDS,
    ),
    *PLACES,
    Param("budget", "integer", "Budget in yen", field="budget_jpy", lo=0, hi=10**13),
    Param(
        "budget_man",
        "integer",
        "Budget in 万円 (units of 10,000 yen), as the search form asks; wins over budget",
        lo=0,
        hi=10**9,
    ),
    Param("trial_order", "flag", "Trial orders allowed"),
    Param("prefer", "text", "Favour suppliers near or far (with org)", choices=("near", "far")),
    Param("expand", "flag", "Read the challenge also in other municipalities' words"),
    TOP,
)
PARTNERS = (
    Param("org", "id", "The organisation looking for partners", required=True),
    Param("same_prefecture", "flag", "Allow partners in its own prefecture"),
    Param("same_kind", "flag", "Allow partners of its own kind"),
    Param("new_only", "flag", "Leave out past partners"),
    TOP,
)
JOINT = (
    Param("org", "id", "The municipality", required=True),
    Param("need", "integer", "Index of its need, from 0 (default: all)", lo=0, hi=1000),
    TOP,
)
CONSORTIUM = (
    Param("theme", "text", "The consortium's theme", required=True),
    *PLACES,
    Param("neighbours", "flag", "Widen the prefectures by their land neighbours"),
    Param(
        "role",
        "repeated",
        "Role slots instead of the default; a role given twice is two slots",
        field="roles",
        count=12,
    ),
    Param("min_prefectures", "integer", "At least this many prefectures (default 2)", lo=1, hi=47),
    Param("min_kinds", "integer", "At least this many kinds (default 3)", lo=1, hi=10),
    Param("top", "integer", "How many proposals (default 3)", lo=1, hi=10),
)


def procurement_query(args: Args) -> ProcurementQuery:
    found = read(args, PROCUREMENT)
    man = found.pop("budget_man")
    if man is not None:  # the search form asks in 万円
        found["budget_jpy"] = man * 10_000
    return build_query("procurement", found)


def partners_query(args: Args) -> PartnersQuery:
    return build_query("partners", read(args, PARTNERS))


def joint_query(args: Args) -> JointQuery:
    return build_query("joint", read(args, JOINT))


def consortium_query(args: Args, *, body: bool = False) -> ConsortiumQuery:
    """A ConsortiumQuery from ``theme``, ``region``, ``prefecture``, ``neighbours``, ``role``,
    ``min_prefectures``, ``min_kinds`` and ``top`` (``role=company&role=startup`` asks for
    one slot each; a role given twice gets two slots)."""
    found = read(args, CONSORTIUM, body=body)
    if found["theme"] is None:
        raise BadRequest(
            "theme is required: describe the consortium's theme, e.g. 除雪の省力化",
            "empty_text",
            field="theme",
        )
    return build_query("consortium", found)


# The directory, and the curation API's requests.
ORG_FILTERS = (
    Param("q", "text", "Part of the name or id", limit=MAX_VALUE),
    Param("kind", "many", "Kinds", field="kinds", choices=KINDS),
    PLACES[0],
)
PAGING = (
    Param("limit", "integer", "Page size (default 50)", lo=1, hi=500),
    Param("offset", "integer", "How many to skip", lo=0, hi=10**7),
)
K = Param("k", "integer", "Which proposal of the query, from 0 (default 0)", lo=0, hi=9)
SAVE = (*CONSORTIUM, K, Param("reason", "text", "Why it is saved"))
VERSION = Param(
    "version", "integer", "The version you read (optimistic locking)", required=True, lo=1, hi=10**9
)
STATUS_FILTER = (Param("status", "text", "Only this status", choices=STATUSES),)
STATUS_CHANGE = (
    Param("status", "text", "The new status", required=True, choices=STATUSES),
    Param("reason", "text", "Why", required=True),
    VERSION,
)
NOTE = (
    Param("text", "text", "The note", required=True, limit=MAX_NOTE),
    # A note changes nothing another coordinator decided on: without a version it goes on top
    # of the current one and never conflicts.
    replace(VERSION, required=False, description=f"{VERSION.description}, checked when given"),
)
MEMBER_EDIT = (
    Param("action", "text", "What to do", required=True, choices=MEMBER_ACTIONS),
    Param("org", "id", "The organisation added or swapped in"),
    Param("member", "id", "The member removed or replaced"),
    Param("role", "text", "The role of the one added or swapped in", limit=MAX_VALUE),
    Param("reason", "text", "Why", required=True),
    VERSION,
)
ALTERNATIVES = (
    Param("member", "id", "The member to replace (its role is the default)"),
    Param("role", "text", "The role to fill", limit=MAX_VALUE),
    TOP,
)
IMPORT = (
    Param("dry_run", "flag", "Validate only: nothing is written"),
    Param("format", "text", "The file's format, when its name or type doesn't", choices=FORMATS),
)


def alternatives_request(args: Args, view: ProposalView) -> tuple[str, str | None, int]:
    """(role, member being replaced, top) for a saved proposal's alternatives: ``member`` (one
    of ``view``'s members; its role is the default) and/or ``role``, and ``top``."""
    found = read(args, ALTERNATIVES)
    replacing, role = found["member"], found["role"]
    if replacing:
        current = next((mb for mb in view.members if mb.id == replacing), None)
        if current is None:
            raise not_a_member(replacing, view.id)
        role = role or current.role
    if not role:
        raise member_or_role_required()
    return role, replacing, found["top"] or 10

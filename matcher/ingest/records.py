"""Validation at the import boundary: raw dicts (JSONL or CSV rows) become typed, frozen records."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from matcher.facts import prefectures
from matcher.facts.kinds import KIND_ALIASES, KINDS

MAX_LEN = {
    "id": 64,
    "name": 200,
    "name_en": 200,
    "city": 100,
    "description": 10_000,
    "title": 200,
    "item_description": 5_000,
    "tag": 50,
    "certification": 100,
    "url": 500,
    "contact": 200,
}
MAX_ITEMS = 50
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")

_KINDS = {k: k for k in KINDS} | {a: k for k, aliases in KIND_ALIASES.items() for a in aliases}

FIELDS = (
    "id",
    "kind",
    "name",
    "name_en",
    "prefecture",
    "city",
    "description",
    "tags",
    "offers",
    "needs",
    "employees",
    "founded",
    "certifications",
    "public_sector_record",
    "collaborations",
    "url",
    "contact",
)
REQUIRED = ("id", "kind", "name", "prefecture", "description")
ITEM_FIELDS = {
    "offers": ("title", "description"),
    "needs": ("title", "description", "budget_jpy", "trial_order"),
}

_TRUE = {"true", "1", "yes", "y", "はい", "可", "○", "〇"}
_FALSE = {"false", "0", "no", "n", "いいえ", "不可", "×", ""}
# Excel and some office systems leave vertical tabs and other C0 controls inside cells.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bidirectional controls (U+202E …) turn a name around on screen: a spoofing tool, never text.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
URL_PATTERN = re.compile(r"https?://[^\s/?#]+\.[^\s/?#]+[^\s]*", re.IGNORECASE)
CERTIFICATION_FIELDS = ("name", "issuer")
# Half of a UTF-16 pair alone (JSON's "\ud800") is not a character: no store can keep it.
SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Problem:
    """One reason a record is rejected: where (line, field) and why — ``reason`` in English,
    and as data (``code`` and the ``params`` it quotes) so that a page can say it in its own
    language."""

    line: int
    field: str
    reason: str
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", field '{self.field}'" if self.field else "")
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class NeedRecord:
    title: str
    description: str = ""
    budget_jpy: int | None = None
    trial_order: bool = False


@dataclass(frozen=True)
class OfferRecord:
    title: str
    description: str = ""


@dataclass(frozen=True)
class CertificationRecord:
    """A certification or selection, and the body that granted it when the file says so
    (a plain string in the file is a certification without an issuer)."""

    name: str
    issuer: str | None = None

    def __str__(self) -> str:
        return f"{self.name}({self.issuer})" if self.issuer else self.name

    def to_json(self) -> str | dict[str, str]:
        return {"name": self.name, "issuer": self.issuer} if self.issuer else self.name


@dataclass(frozen=True)
class OrgRecord:
    """An organisation as the import format describes it, with the prefecture as a JIS code."""

    id: str
    kind: str
    name: str
    prefecture: int
    description: str
    name_en: str | None = None
    city: str | None = None
    tags: tuple[str, ...] = ()
    offers: tuple[OfferRecord, ...] = ()
    needs: tuple[NeedRecord, ...] = ()
    employees: int | None = None
    founded: int | None = None
    certifications: tuple[CertificationRecord, ...] = ()
    public_sector_record: int = 0
    collaborations: tuple[str, ...] = field(default=())
    url: str | None = None  # the organisation's public page
    contact: str | None = None  # a department or a public address, never a person's own

    def to_json(self) -> dict[str, Any]:
        """The import-format dict (prefecture as its kanji name), omitting empty optional fields."""
        out: dict[str, Any] = {}
        for name in FIELDS:
            value = getattr(self, name)
            if name == "prefecture":
                value = prefectures.name(value)
            elif name in ("offers", "needs"):
                value = [_item_json(item) for item in value]
            elif name == "certifications":
                value = [c.to_json() for c in value]
            elif isinstance(value, tuple):
                value = list(value)
            if name in REQUIRED or value not in (None, [], 0):
                out[name] = value
        return out


def _item_json(item: NeedRecord | OfferRecord) -> dict[str, Any]:
    data = asdict(item)
    if "budget_jpy" in data and data["budget_jpy"] is None:
        del data["budget_jpy"]
    if "trial_order" in data and not data["trial_order"]:
        del data["trial_order"]
    if not data["description"]:
        del data["description"]
    return data


def validate(raw: dict[str, Any], line: int) -> tuple[OrgRecord | None, list[Problem]]:
    """Check one raw record; return the record, or None and every problem found in it."""
    check = _Checker(line)
    unknown = [k for k in raw if k not in FIELDS]
    for key in unknown:
        check.fail(
            str(key),
            f"unknown field; allowed: {', '.join(FIELDS)}",
            "import_unknown_field",
            allowed=FIELDS,
        )
    for key in REQUIRED:
        if _blank(raw.get(key)):
            if key in raw:
                check.fail(key, "is required and empty", "import_required_empty")
            else:
                check.fail(key, "is required and missing", "import_required_missing")

    values: dict[str, Any] = {}
    if not _blank(raw.get("id")):
        values["id"] = check.identifier("id", raw["id"])
    if not _blank(raw.get("kind")):
        values["kind"] = check.kind(raw["kind"])
    if not _blank(raw.get("prefecture")):
        values["prefecture"] = check.prefecture(raw["prefecture"])
    for key in ("name", "description", "name_en", "city", "contact"):
        if not _blank(raw.get(key)):
            values[key] = check.text(key, raw[key], MAX_LEN[key])
    if not _blank(raw.get("url")):
        values["url"] = check.url("url", raw["url"])
    if not _blank(raw.get("tags")):
        values["tags"] = check.labels("tags", raw["tags"], MAX_LEN["tag"])
    if not _blank(raw.get("certifications")):
        values["certifications"] = check.certifications("certifications", raw["certifications"])
    if not _blank(raw.get("collaborations")):
        partners = check.labels("collaborations", raw["collaborations"], MAX_LEN["id"])
        for partner in partners:
            if not ID_PATTERN.fullmatch(partner):
                check.fail(
                    "collaborations",
                    f"{partner!r} is not a valid id",
                    "import_bad_partner_id",
                    value=partner,
                )
        if values.get("id") in partners:
            check.fail(
                "collaborations",
                "an organisation cannot list itself as a past partner",
                "import_self_partner",
            )
        values["collaborations"] = partners
    for key in ("offers", "needs"):
        if not _blank(raw.get(key)):
            values[key] = check.items(key, raw[key])
    for key, low, high in (
        ("employees", 0, 10_000_000),
        ("founded", 600, date.today().year + 1),
        ("public_sector_record", 0, 1_000_000),
    ):
        if not _blank(raw.get(key)):
            values[key] = check.integer(key, raw[key], low, high)

    if check.problems:
        return None, check.problems
    return OrgRecord(**values), []


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "") or value == []


class _Checker:
    """Collects problems for one line instead of stopping at the first."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.problems: list[Problem] = []

    def fail(self, field_name: str, reason: str, code: str = "", **params: Any) -> None:
        self.problems.append(Problem(self.line, field_name, reason, code, params))

    def text(self, name: str, value: Any, limit: int) -> str | None:
        if not isinstance(value, str):
            kind = type(value).__name__
            self.fail(
                name,
                f"must be text, got {kind} {_quote(value)}",
                "import_not_text",
                type=kind,
                value=_quote(value),
            )
            return None
        lone = SURROGATE.search(value)
        if lone:
            self.fail(
                name,
                f"holds an unpaired surrogate (\\u{ord(lone.group()):04x}), which is not a "
                "character: the file was cut or converted wrongly",
                "import_surrogate",
                char=f"\\u{ord(lone.group()):04x}",
            )
            return None
        cleaned = BIDI_CONTROLS.sub("", _CONTROL.sub(" ", value)).strip()
        if len(cleaned) > limit:
            self.fail(
                name,
                f"is too long: {len(cleaned):,} characters (at most {limit:,})",
                "import_too_long",
                length=len(cleaned),
                limit=limit,
            )
            return None
        return cleaned

    def url(self, name: str, value: Any) -> str | None:
        """An http(s) address of a public page."""
        text = self.text(name, value, MAX_LEN["url"])
        if text is None:
            return None
        if not URL_PATTERN.fullmatch(text):
            self.fail(
                name,
                f"{_quote(text)} is not a web address: use one starting with https:// or http://",
                "import_bad_url",
                value=_quote(text),
            )
            return None
        return text

    def certifications(self, name: str, value: Any) -> tuple[CertificationRecord, ...]:
        """Certifications: each a name, or {"name": …, "issuer": …}; a CSV cell joins names
        with '|' and writes an issuer after '@' (新事業分野開拓者認定@福岡県)."""
        if isinstance(value, str):
            value = [
                {"name": n.split("@", 1)[0], "issuer": n.split("@", 1)[1]} if "@" in n else n
                for n in value.split("|")
            ]
        if not isinstance(value, list):
            kind = type(value).__name__
            self.fail(name, f"must be a list, got {kind}", "import_not_list", type=kind)
            return ()
        if len(value) > MAX_ITEMS:
            self._too_many(name, len(value))
            return ()
        out: list[CertificationRecord] = []
        for i, item in enumerate(value):
            where = f"{name}[{i}]"
            if isinstance(item, dict):
                for key in item:
                    if key not in CERTIFICATION_FIELDS:
                        self.fail(
                            f"{where}.{key}",
                            f"unknown field; allowed: {', '.join(CERTIFICATION_FIELDS)}",
                            "import_unknown_field",
                            allowed=CERTIFICATION_FIELDS,
                        )
                if _blank(item.get("name")):
                    self.fail(f"{where}.name", "is required and empty", "import_required_empty")
                    continue
                title = self.text(f"{where}.name", item["name"], MAX_LEN["certification"])
                issuer = None
                if not _blank(item.get("issuer")):
                    issuer = self.text(f"{where}.issuer", item["issuer"], MAX_LEN["certification"])
                    if issuer is None:
                        continue
                    issuer = unicodedata.normalize("NFKC", issuer)
            else:
                title = self.text(where, item, MAX_LEN["certification"])
                issuer = None
            if title:
                record = CertificationRecord(unicodedata.normalize("NFKC", title), issuer)
                if record not in out:
                    out.append(record)
        return tuple(out)

    def _too_many(self, name: str, count: int) -> None:
        self.fail(
            name,
            f"has {count} entries (at most {MAX_ITEMS})",
            "import_too_many",
            count=count,
            limit=MAX_ITEMS,
        )

    def identifier(self, name: str, value: Any) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        text = self.text(name, value, MAX_LEN["id"])
        if text is None:
            return None
        text = unicodedata.normalize("NFKC", text)
        if not ID_PATTERN.fullmatch(text):
            self.fail(
                name,
                f"{_quote(text)} is not a valid id: use letters, digits and . _ : - "
                "(e.g. st-001), starting with a letter or digit",
                "import_bad_id",
                value=_quote(text),
            )
            return None
        return text

    def kind(self, value: Any) -> str | None:
        key = unicodedata.normalize("NFKC", str(value)).strip().lower()
        key = re.sub(r"[\s-]+", "_", key)
        if key not in _KINDS:
            self.fail(
                "kind",
                f"unknown kind {_quote(value)}; use one of: {', '.join(KINDS)}",
                "import_unknown_kind",
                value=_quote(value),
                kinds=KINDS,
            )
            return None
        return _KINDS[key]

    def prefecture(self, value: Any) -> int | None:
        try:
            return prefectures.resolve(value)
        except ValueError as error:
            self.fail("prefecture", str(error), "import_unknown_prefecture", value=_quote(value))
            return None

    def integer(self, name: str, value: Any, low: int, high: int) -> int | None:
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str):
            digits = unicodedata.normalize("NFKC", value).strip().replace(",", "")
            if re.fullmatch(r"-?\d+", digits):
                number = int(digits)
        if number is None:
            self.fail(
                name,
                f"must be a whole number, got {_quote(value)}",
                "import_not_integer",
                value=_quote(value),
            )
            return None
        if not low <= number <= high:
            self.fail(
                name,
                f"{number} is out of range ({low}–{high})",
                "import_out_of_range",
                value=number,
                lo=low,
                hi=high,
            )
            return None
        return number

    def boolean(self, name: str, value: Any) -> bool | None:
        if isinstance(value, bool):
            return value
        key = unicodedata.normalize("NFKC", str(value)).strip().lower()
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        self.fail(
            name,
            f"must be true or false, got {_quote(value)}",
            "import_not_boolean",
            value=_quote(value),
        )
        return None

    def labels(self, name: str, value: Any, limit: int) -> tuple[str, ...]:
        """A list of short strings; CSV cells join them with '|'."""
        if isinstance(value, str):
            value = value.split("|")
        if not isinstance(value, list):
            kind = type(value).__name__
            self.fail(name, f"must be a list of text, got {kind}", "import_not_list", type=kind)
            return ()
        if len(value) > MAX_ITEMS:
            self._too_many(name, len(value))
            return ()
        out: list[str] = []
        for i, item in enumerate(value):
            text = self.text(f"{name}[{i}]", item, limit)
            if text:
                text = unicodedata.normalize("NFKC", text)
                if text not in out:
                    out.append(text)
        return tuple(out)

    def items(self, name: str, value: Any) -> tuple[NeedRecord | OfferRecord, ...]:
        if not isinstance(value, list):
            kind = type(value).__name__
            self.fail(
                name, f"must be a list of objects, got {kind}", "import_not_objects", type=kind
            )
            return ()
        if len(value) > MAX_ITEMS:
            self._too_many(name, len(value))
            return ()
        out = []
        allowed = ITEM_FIELDS[name]
        for i, item in enumerate(value):
            where = f"{name}[{i}]"
            if not isinstance(item, dict):
                self.fail(
                    where,
                    f"must be an object with {', '.join(allowed)}",
                    "import_not_object",
                    allowed=allowed,
                )
                continue
            for key in item:
                if key not in allowed:
                    self.fail(
                        f"{where}.{key}",
                        f"unknown field; allowed: {', '.join(allowed)}",
                        "import_unknown_field",
                        allowed=allowed,
                    )
            if _blank(item.get("title")):
                self.fail(f"{where}.title", "is required and empty", "import_required_empty")
                continue
            fields: dict[str, Any] = {
                "title": self.text(f"{where}.title", item["title"], MAX_LEN["title"]),
                "description": "",
            }
            if not _blank(item.get("description")):
                fields["description"] = self.text(
                    f"{where}.description", item["description"], MAX_LEN["item_description"]
                )
            if name == "needs":
                if not _blank(item.get("budget_jpy")):
                    fields["budget_jpy"] = self.integer(
                        f"{where}.budget_jpy", item["budget_jpy"], 0, 10**13
                    )
                if item.get("trial_order") is not None:
                    fields["trial_order"] = self.boolean(
                        f"{where}.trial_order", item["trial_order"]
                    )
            if any(v is None and k != "budget_jpy" for k, v in fields.items()):
                continue
            out.append(NeedRecord(**fields) if name == "needs" else OfferRecord(**fields))
        return tuple(out)


def _quote(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…'"

"""Curation exports: a saved proposal as JSON, a CSV of its members, or a printable brief."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from matcher.curation.proposals import AuditRecord, ProposalView, iso_utc
from matcher.curation.workflow import STATUS_LABELS, CurationError
from matcher.facts import prefectures
from matcher.modes.consortium.project_roles import project_role_label
from matcher.modes.consortium.roles import ROLES

FORMATS = ("json", "csv", "md", "html")
ROLE_LABELS = {r.key: r.label for r in ROLES.values()}
# The printable brief's HTML: brief_body.html is the content, shared with the web's brief page;
# brief.html wraps it as a document of its own.
TEMPLATES = Path(__file__).with_name("templates")
DECLARATION = (
    "%(places)sの%(count)s者(%(names)s)は、「%(theme)s」を共通のビジョンとして掲げ、"
    "それぞれの強みを持ち寄り、都道府県の枠を越えて連携して取り組むことをここに宣言する。"
)
CSV_COLUMNS = (
    "proposal_id",
    "position",
    "role",
    "role_label",
    "id",
    "name",
    "kind",
    "prefecture",
    "fit",
    "matched",
    "shared_terms",
)


def render(view: ProposalView, fmt: str, audit: tuple[AuditRecord, ...] = ()) -> str:
    """The proposal as JSON, CSV (members), or a Markdown / HTML brief."""
    if fmt == "json":
        data = view.to_json()
        if audit:
            data["audit"] = [a.to_json() for a in audit]
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return _csv(view)
    if fmt == "md":
        return _markdown(view)
    if fmt == "html":
        return _html(view)
    raise CurationError(
        f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}",
        "unknown_export_format",
        value=fmt,
        formats=FORMATS,
    )


def write_export(
    view: ProposalView, fmt: str, path: str | Path | None, audit: tuple[AuditRecord, ...] = ()
) -> str:
    """Render and, when ``path`` is given (not "-"), write it atomically (temp file + rename).

    CSV is written as UTF-8 with a BOM so that Excel reads Japanese correctly.
    """
    text = render(view, fmt, audit)
    if path is None or str(path) == "-":
        return text
    target = Path(path)
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return text


def _csv(view: ProposalView) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for k, m in enumerate(view.members, start=1):
        writer.writerow(
            safe_cell(value)
            for value in [
                view.id,
                k,
                m.role,
                ROLE_LABELS.get(m.role, m.role),
                m.id,
                m.name,
                m.kind,
                prefectures.name(m.prefecture),
                f"{m.fit:.3f}",
                m.matched,
                "、".join(m.shared_terms),
            ]
        )
    return out.getvalue()


def safe_cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ or a tab or carriage
    return is a formula to Excel (=cmd|' /C calc'!A0), so it gets a leading apostrophe, the
    OWASP rule for CSV injection."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


@dataclass(frozen=True)
class BriefLink:
    """A need of one member that another member's offer meets, as the brief prints it."""

    member: str
    need: str
    partner: str
    offer: str
    similarity: float


@dataclass(frozen=True)
class Brief:
    """What a printable brief says about a saved proposal, in whatever format it is printed."""

    view: ProposalView
    links: tuple[BriefLink, ...]
    collaborations: tuple[tuple[str, str], ...]
    created_at: str
    updated_at: str


def brief(view: ProposalView) -> Brief:
    """The brief of ``view``: its members and the ties between them as they stand now."""
    by_id = {m.id: m.name for m in view.members}
    # The snapshot was taken at save time; after edits only ties between current members hold.
    links = tuple(
        BriefLink(
            by_id[lk["member"]],
            lk.get("need", ""),
            by_id[lk["partner"]],
            lk.get("offer", ""),
            lk.get("similarity", 0.0),
        )
        for lk in view.explanation.get("links", [])
        if lk.get("member") in by_id and lk.get("partner") in by_id
    )
    collaborations = tuple(
        (by_id[a], by_id[b])
        for a, b in view.explanation.get("collaborations", [])
        if a in by_id and b in by_id
    )
    return Brief(view, links, collaborations, iso_utc(view.created_at), iso_utc(view.updated_at))


def _markdown(view: ProposalView) -> str:
    def cell(text: object) -> str:
        # Markdown renders HTML: a name or a note is text, never markup.
        return html.escape(str(text), quote=False).replace("|", "\\|").replace("\n", " ")

    b = brief(view)
    lines = [
        f"# 連携提案 #{view.id}: {cell(view.theme)}",
        "",
        f"- 状態: {STATUS_LABELS[view.status]} ({view.status}), 版 {view.version}",
        f"- 都道府県: {'・'.join(prefectures.name(c) for c in view.prefectures)}",
        f"- 作成: {cell(view.created_by)} ({b.created_at}), "
        f"更新: {cell(view.updated_by)} ({b.updated_at})",
        "",
        "## 構成員",
        "",
        "| 役割 | プロジェクトでの役割 | 名称 | id | 都道府県 | 適合 | 根拠 |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in view.members:
        evidence = m.matched + (f"(共通語: {'、'.join(m.shared_terms)})" if m.shared_terms else "")
        part = project_role_label(m.project_role) if m.project_role else ""
        lines.append(
            f"| {cell(ROLE_LABELS.get(m.role, m.role))} | {cell(part)} | {cell(m.name)} | {m.id} | "
            f"{prefectures.name(m.prefecture)} | {m.fit:.2f} | {cell(evidence)} |"
        )
    if b.links:
        lines += ["", "## 構成員をつなぐニーズと提供", ""]
        lines += [
            f"- {cell(lk.member)}の「{cell(lk.need)}」 ⇔ {cell(lk.partner)}の「{cell(lk.offer)}」 "
            f"({lk.similarity:.2f})"
            for lk in b.links
        ]
    if b.collaborations:
        lines += ["", "## 連携実績", ""]
        lines += [f"- {cell(a)} と {cell(b_)}" for a, b_ in b.collaborations]
    if view.checks:
        lines += ["", "## 注意", ""] + [f"- {c}" for c in view.checks]
    if view.notes:
        lines += ["", "## メモ", ""]
        lines += [
            f"- {cell(n.author)} ({iso_utc(n.created_at)}): {cell(n.text)}" for n in view.notes
        ]
    lines += ["", "## 連携宣言(案)", "", cell(declaration(b)), ""]
    return "\n".join(lines)


def _japanese(msgid: str, **params: Any) -> str:
    """gettext for the exports, which are written in Japanese."""
    return msgid % params if params else msgid


def declaration(
    b: Brief,
    gettext: Callable[..., str] = _japanese,
    place: Callable[[int], str] = prefectures.name,
    separator: str = "、",
) -> str:
    """The 連携宣言(案) paragraph a coordinator starts the declaration from; the web passes its
    own ``gettext``, prefecture names and list separator for the page's language."""
    return gettext(
        DECLARATION,
        places=separator.join(place(c) for c in b.view.prefectures),
        count=len(b.view.members),
        names=separator.join(
            m.name + (f"({gettext(project_role_label(m.project_role))})" if m.project_role else "")
            for m in b.view.members
        ),
        theme=b.view.theme,
    )


_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def _html(view: ProposalView) -> str:
    b = brief(view)
    return _ENVIRONMENT.get_template("brief.html").render(
        brief=b,
        _=_japanese,
        declaration=declaration(b),
        prefecture_label=prefectures.name,
        role_label=lambda key: ROLE_LABELS.get(key, key),
        status_label=STATUS_LABELS.__getitem__,
        notice=lambda n: n.text,
    )

"""Curation exports: a saved proposal as JSON, a CSV of its members, or a printable brief."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from matcher.curation.proposals import AuditRecord, ProposalView, iso_utc
from matcher.curation.workflow import STATUS_LABELS, CurationError
from matcher.facts import prefectures
from matcher.modes.consortium.roles import ROLES

FORMATS = ("json", "csv", "md", "html")


ROLE_LABELS = {r.key: r.label for r in ROLES.values()}


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
            [
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


def _brief_parts(view: ProposalView) -> dict[str, Any]:
    names = [prefectures.name(c) for c in view.prefectures]
    by_id = {m.id: m.name for m in view.members}
    # The snapshot was taken at save time; after edits only ties between current members hold.
    links = [
        lk
        for lk in view.explanation.get("links", [])
        if lk.get("member") in by_id and lk.get("partner") in by_id
    ]
    collaborations = [
        pair for pair in view.explanation.get("collaborations", []) if set(pair) <= set(by_id)
    ]
    return {
        "prefs": "・".join(names),
        "declaration": (
            f"{'、'.join(names)}の{len(view.members)}者("
            + "、".join(m.name for m in view.members)
            + f")は、「{view.theme}」を共通のビジョンとして掲げ、それぞれの強みを持ち寄り、"
            "都道府県の枠を越えて連携して取り組むことをここに宣言する。"
        ),
        "links": [
            (
                by_id.get(lk.get("member"), lk.get("member")),
                lk.get("need", ""),
                by_id.get(lk.get("partner"), lk.get("partner")),
                lk.get("offer", ""),
                lk.get("similarity", 0.0),
            )
            for lk in links
        ],
        "collabs": [(by_id.get(a, a), by_id.get(b, b)) for a, b in collaborations],
    }


def _markdown(view: ProposalView) -> str:
    def cell(text: object) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    p = _brief_parts(view)
    lines = [
        f"# 連携提案 #{view.id}: {cell(view.theme)}",
        "",
        f"- 状態: {STATUS_LABELS[view.status]} ({view.status}), 版 {view.version}",
        f"- 都道府県: {p['prefs']}",
        f"- 作成: {view.created_by} ({iso_utc(view.created_at)}), 更新: {view.updated_by} "
        f"({iso_utc(view.updated_at)})",
        "",
        "## 構成員",
        "",
        "| 役割 | 名称 | id | 都道府県 | 適合 | 根拠 |",
        "|---|---|---|---|---|---|",
    ]
    for m in view.members:
        evidence = m.matched
        terms = "、".join(m.shared_terms)
        if terms:
            evidence += f"(共通語: {terms})"
        fit = f"{m.fit:.2f}"
        lines.append(
            f"| {cell(ROLE_LABELS.get(m.role, m.role))} | {cell(m.name)} | {m.id} | "
            f"{prefectures.name(m.prefecture)} | {fit} | {cell(evidence)} |"
        )
    if p["links"]:
        lines += ["", "## 構成員をつなぐニーズと提供", ""]
        for a, need, b, offer, sim in p["links"]:
            lines.append(
                f"- {cell(a)}の「{cell(need)}」 ⇔ {cell(b)}の「{cell(offer)}」 ({sim:.2f})"
            )
    if p["collabs"]:
        lines += ["", "## 連携実績", ""]
        lines += [f"- {cell(a)} と {cell(b)}" for a, b in p["collabs"]]
    if view.checks:
        lines += ["", "## 注意", ""] + [f"- {c}" for c in view.checks]
    if view.notes:
        lines += ["", "## メモ", ""]
        lines += [f"- {n.author} ({iso_utc(n.created_at)}): {cell(n.text)}" for n in view.notes]
    lines += ["", "## 連携宣言(案)", "", p["declaration"], ""]
    return "\n".join(lines)


def _html(view: ProposalView) -> str:
    e = html.escape
    p = _brief_parts(view)
    rows = []
    for m in view.members:
        terms = "、".join(m.shared_terms)
        fit = f"{m.fit:.2f}"
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{e(str(v))}</td>"
                for v in (
                    ROLE_LABELS.get(m.role, m.role),
                    m.name,
                    m.id,
                    prefectures.name(m.prefecture),
                    fit,
                    m.matched + (f"(共通語: {terms})" if terms else ""),
                )
            )
            + "</tr>"
        )
    parts = [
        "<!doctype html>",
        '<html lang="ja"><head><meta charset="utf-8">',
        f"<title>連携提案 #{view.id}: {e(view.theme)}</title>",
        "<style>body{font-family:sans-serif;max-width:52em;margin:2em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em .5em}"
        "@media print{body{margin:0}}</style></head><body>",
        f"<h1>連携提案 #{view.id}: {e(view.theme)}</h1>",
        f"<p>状態: {e(STATUS_LABELS[view.status])} ({e(view.status)}), 版 {view.version}<br>"
        f"都道府県: {e(p['prefs'])}<br>作成: {e(view.created_by)} ({iso_utc(view.created_at)})</p>",
        "<h2>構成員</h2><table><thead><tr><th>役割</th><th>名称</th><th>id</th><th>都道府県</th>"
        "<th>適合</th><th>根拠</th></tr></thead><tbody>",
        *rows,
        "</tbody></table>",
    ]
    if p["links"]:
        parts.append("<h2>構成員をつなぐニーズと提供</h2><ul>")
        parts += [
            f"<li>{e(str(a))}の「{e(need)}」 ⇔ {e(str(b))}の「{e(offer)}」 ({sim:.2f})</li>"
            for a, need, b, offer, sim in p["links"]
        ]
        parts.append("</ul>")
    if p["collabs"]:
        parts.append("<h2>連携実績</h2><ul>")
        parts += [f"<li>{e(str(a))} と {e(str(b))}</li>" for a, b in p["collabs"]]
        parts.append("</ul>")
    if view.checks:
        parts.append("<h2>注意</h2><ul>" + "".join(f"<li>{e(c)}</li>" for c in view.checks))
        parts.append("</ul>")
    if view.notes:
        parts.append("<h2>メモ</h2><ul>")
        parts += [
            f"<li>{e(n.author)} ({iso_utc(n.created_at)}): {e(n.text)}</li>" for n in view.notes
        ]
        parts.append("</ul>")
    parts += [f"<h2>連携宣言(案)</h2><p>{e(p['declaration'])}</p>", "</body></html>", ""]
    return "\n".join(parts)

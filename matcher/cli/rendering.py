"""Rendering match results as text for the terminal (the web renders the same data as HTML)."""

from __future__ import annotations

from matcher.facts import prefectures
from matcher.facts.kinds import KIND_LABELS
from matcher.facts.labels import FEATURE_LABELS, FLAG_LABELS, STRENGTH_LABELS
from matcher.ingest.records import OrgRecord
from matcher.modes.consortium.project_roles import project_role_label
from matcher.modes.consortium.results import ConsortiumResult
from matcher.modes.consortium.roles import ROLES
from matcher.ranking.explain import MatchResult


def render_result(result: MatchResult) -> str:
    if not result.results:
        return result.note or "no results"
    # What is true of the whole list (nothing fits, most fit weakly) comes before it.
    lines = [result.note] if result.note else []
    stated: dict[str, list[str]] = {}
    for need in result.query.get("stated_as", ()):
        stated.setdefault(need["title"], []).append(need["name"])
    if stated:
        named = "、".join(f"「{title}」({'、'.join(names)})" for title, names in stated.items())
        lines.append(f"他の自治体が書いた近い課題の言葉でも探しました: {named}")
    for hint in result.route_hints:  # facts about the challenge, said once
        lines.append(f"調達: {hint.label} — {hint.reason}")
    for rank, match in enumerate(result.results, start=1):
        e = match.explanation
        place = e.facts.get("prefecture", "")
        strength = e.facts.get("strength_label")
        said = (
            f"  適合: {STRENGTH_LABELS[strength]} ({e.facts['strength']:.2f})" if strength else ""
        )
        lines.append(
            f"{rank:>2}. {match.name}  [{KIND_LABELS[match.kind]} / {place}]  "
            f"id={match.id}{said}  score={match.score:.3f}"
        )
        for link in e.links:
            if link.relation == "need↔need":
                label = "同じ課題"
            else:
                label = {"origin": "課題", "query": "課題", "candidate": "相手の課題"}[link.gains]
            lines.append(
                f"      {label}「{link.source}」 ⇔ 「{link.target}」 ({link.similarity:.2f})"
            )
        if e.shared_terms:
            lines.append(f"      共通語: {'、'.join(e.shared_terms[:8])}")
        top = sorted(e.contributions.items(), key=lambda kv: -abs(kv[1]))[:3]
        lines.append(
            "      根拠: " + ", ".join(f"{FEATURE_LABELS.get(k, k)} {v:+.2f}" for k, v in top)
        )
        for hint in e.route_hints:
            lines.append(f"      調達: {hint.label} — {hint.reason}")
        if "distance_km" in e.facts:
            lines.append(f"      距離: {e.facts['distance_km']} km")
        for flag in e.flags:
            lines.append(f"      注記: {FLAG_LABELS.get(flag, flag)}")
    if result.ranked_by and not result.ranked_by["learned"]:
        lines.append(
            "(ranked with the unlearned weights: no trained ranking model fits this encoder "
            "and these features)"
        )
    for reason in (result.ranked_by or {}).get("passed_over", ()):
        lines.append(f"(ranking model passed over: {reason})")
    return "\n".join(lines)


def render_consortium(result: ConsortiumResult) -> str:
    """Consortium proposals as `musubi consortium` prints them."""
    lines = []
    for k, p in enumerate(result.proposals, start=1):
        places = "・".join(prefectures.name(c) for c in p.prefectures)
        lines.append(f"案{k}  score={p.score:.3f}  [{places}]")
        for mb in p.members:
            terms = "、".join(mb.shared_terms[:5])
            part = project_role_label(mb.project_role) if mb.project_role else ""
            lines.append(
                f"   {ROLES[mb.role].label:<10} {mb.name}  [{KIND_LABELS.get(mb.kind, mb.kind)} / "
                f"{prefectures.name(mb.prefecture)}]  id={mb.id}  適合={mb.fit:.2f}"
                + (f"  役割: {part}" if part else "")
                + ("  ⚠適合が弱い" if mb.weak else "")
                + (f"  (「{mb.added_for}」のために追加)" if mb.added_for else "")
            )
            lines.append(f"      根拠「{mb.matched}」" + (f"  共通語: {terms}" if terms else ""))
            if mb.covers:
                lines.append(f"      担う観点: {' / '.join(mb.covers)}")
        names = {mb.id: mb.name for mb in p.members}
        for lk in p.explanation.links:
            lines.append(
                f"   つながり: {names[lk.source_org]}の「{lk.source}」 ⇔ "
                f"{names[lk.target_org]}の「{lk.target}」 ({lk.similarity:.2f})"
            )
        for a, b in p.explanation.collaborations:
            lines.append(f"   連携実績: {names[a]} と {names[b]}")
        uncovered = [a.aspect.label for a in p.explanation.uncovered if a.aspect.kind != "place"]
        if uncovered:
            lines.append(f"   誰も担っていない観点: {' / '.join(uncovered)}")
        for gap in p.explanation.open_roles:
            lines.append(f"   空けた役割: {gap.role} — {gap.reason}")
        f = p.explanation.features
        lines.append(
            "   内訳: "
            + ", ".join(f"{name} {value:.2f}" for name, value in f.items())
            + f"; 最大距離 {p.explanation.facts['max_distance_km']} km"
        )
        lines.append("")
    for empty in result.empty_roles:
        lines.append(f"空き: {empty.role} — {empty.reason}")
    if result.note:
        lines.append(result.note)
    return "\n".join(lines).rstrip() or "no proposals"


def render_record(record: OrgRecord) -> str:
    """One organisation as `musubi show` prints it: profile, needs numbered from 1 (as
    ``--need`` takes them), offers."""
    pref = prefectures.get(record.prefecture)
    lines = [
        f"{record.name}" + (f" ({record.name_en})" if record.name_en else ""),
        f"  id: {record.id}   種別: {KIND_LABELS[record.kind]} ({record.kind})",
        f"  所在地: {pref.kanji}{record.city or ''}",
    ]
    facts = []
    if record.employees is not None:
        facts.append(f"従業員 {record.employees:,}名")
    if record.founded:
        facts.append(f"設立 {record.founded}年")
    if record.public_sector_record:
        facts.append(f"公共実績 {record.public_sector_record}件")
    if facts:
        lines.append("  " + " / ".join(facts))
    if record.certifications:
        lines.append("  認定: " + "、".join(map(str, record.certifications)))
    if record.tags:
        lines.append("  タグ: " + "、".join(record.tags))
    if record.url:
        lines.append(f"  URL: {record.url}")
    if record.contact:
        lines.append(f"  連絡先: {record.contact}")
    lines += ["", "  " + record.description]
    if record.needs:
        lines += ["", "  ニーズ (needs):"]
        for k, need in enumerate(record.needs, start=1):
            extra = []
            if need.budget_jpy is not None:
                extra.append(f"予算 {need.budget_jpy:,}円")
            if need.trial_order:
                extra.append("トライアル発注可")
            suffix = f" [{' / '.join(extra)}]" if extra else ""
            lines.append(f"   {k}. {need.title}{suffix}")
            if need.description:
                lines.append(f"      {need.description}")
    if record.offers:
        lines += ["", "  シーズ・提供 (offers):"]
        for k, offer in enumerate(record.offers, start=1):
            lines.append(f"   {k}. {offer.title}")
            if offer.description:
                lines.append(f"      {offer.description}")
    if record.collaborations:
        lines += ["", "  連携実績: " + ", ".join(record.collaborations)]
    return "\n".join(lines)

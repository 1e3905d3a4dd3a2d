"""Consortium pages: the builder (theme → proposals) and the coordinators' board."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from matcher.curation import export as exports
from matcher.curation import proposals, workflow
from matcher.curation.export import render
from matcher.curation.proposals import (
    ConflictError,
    ProposalNotFound,
    audit_log,
    get_proposal,
    list_proposals,
    proposal_alternatives,
    save_proposal,
)
from matcher.curation.workflow import STATUS_LABELS, STATUSES, TRANSITIONS, CurationError
from matcher.facts import prefectures
from matcher.modes.consortium.assembly import consortium
from matcher.modes.consortium.roles import ROLES
from matcher.retrieval.matcher import MatchError
from matcher.store.accounts import UnknownCoordinator
from web import japanmap, params
from web.auth import actor
from web.errors import BadRequest
from web.labels import jst, lang, prefecture_label
from web.messages import localise, say
from web.service import get_matcher, get_service
from web.shared import attempt, rerun_proposal

bp = Blueprint("consortia", __name__, url_prefix="/consortia")

EXAMPLE_THEMES = (
    "豪雪地域の除雪と道路維持の省力化",
    "中山間地域の移動手段とオンデマンド交通",
    "独居高齢者の見守りと健康データの活用",
)


@bp.context_processor
def role_labels() -> dict:
    return {
        "role_labels": {key: role.label for key, role in ROLES.items()},
        "action_labels": ACTION_LABELS,
    }


ACTION_LABELS = {
    "saved": "保存した",
    "member_removed": "メンバーを外した",
    "member_added": "メンバーを追加した",
    "member_swapped": "メンバーを入れ替えた",
    "status_changed": "状態を変更した",
    "note_added": "メモを追加した",
}


def team_map(members) -> dict:  # noqa: ANN001
    """Members as marked prefectures, every pair of different prefectures joined by a line."""
    codes = [mb.prefecture for mb in members]
    pairs = {tuple(sorted((a, b))) for i, a in enumerate(codes) for b in codes[i + 1 :] if a != b}
    return japanmap.build(
        [(mb.prefecture, mb.name, mb.kind) for mb in members],
        links=sorted(pairs),
        label=prefecture_label,
        role="member",
    )


@bp.get("/")
def index():  # noqa: ANN201
    """The builder: a theme and constraints → several distinct proposals, each explained."""
    result = error = None
    if request.args.get("theme"):
        query, error = attempt(lambda: params.consortium_query(request.args))
        if query is not None:
            result, error = attempt(lambda: get_service().run(consortium, query))
    proposals = []
    if result is not None:
        for proposal, data in zip(result.proposals, result.to_json()["proposals"], strict=True):
            proposals.append({"data": data, "map": team_map(proposal.members)})
    return render_template(
        "consortia/index.html",
        args=request.args,
        error=error,
        result=result.to_json() if result else None,
        proposals=proposals,
        regions=prefectures.REGIONS,
        examples=EXAMPLE_THEMES,
    ), (400 if error else 200)


# ---- saving and curating (coordinators) ------------------------------------------------


def get_proposal_or_404(proposal_id: int):  # noqa: ANN201
    """The saved proposal ``proposal_id``, or a 404 that names it."""
    try:
        return get_proposal(get_service().store, proposal_id)
    except ProposalNotFound:
        abort(404, _("保存された座組み #%(id)s は見つかりません。", id=proposal_id))


def _version() -> int:
    return params.integer(request.form, "version", lo=1, hi=10**9) or 0


def detail_page(  # noqa: ANN201
    proposal_id: int, error: str | None = None, status: int = 200, retry: dict | None = None
):
    view = get_proposal_or_404(proposal_id)
    return render_template(
        "consortia/show.html",
        view=view,
        data=view.to_json(),
        audit=[a.to_json() for a in reversed(audit_log(get_service().store, proposal_id))],
        transitions=TRANSITIONS[view.status],
        status_labels=STATUS_LABELS,
        map=team_map(view.members),
        error=error,
        retry=retry,
    ), status


def _retry(error: ConflictError) -> dict:
    """What a write refused as stale needs to be sent again in one click: the form as it was
    typed (bar its token and version, which the page fills in afresh), and the version it was
    read at, so that the page can show what changed since."""
    said = dict(error.params, at=jst(error.params["at"]))
    return {
        "message": say(error.code, said, str(error)),
        "action": request.path,
        "fields": [
            (k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "version")
        ],
        "since": error.params["expected"],
    }


def _curate(proposal_id: int, write):  # noqa: ANN001, ANN202
    """Run one curation write for a page: back to the proposal, or the page with the error."""
    try:
        write()
    except ProposalNotFound:
        abort(404)
    except ConflictError as error:
        return detail_page(proposal_id, status=409, retry=_retry(error))
    except UnknownCoordinator as error:
        return detail_page(proposal_id, str(error), 403)
    except (CurationError, MatchError, BadRequest) as error:
        return detail_page(proposal_id, localise(error), 400)
    flash(_("保存しました。"), "ok")
    return redirect(url_for("consortia.show", proposal_id=proposal_id))


@bp.post("/save")
@login_required
def save():  # noqa: ANN201
    """Save proposal number ``k`` of a query (re-run here, so the form carries no member data)."""
    query, proposal = rerun_proposal(request.form, first=1)
    view = save_proposal(
        get_service().store,
        query,
        proposal,
        actor=actor(),
        reason=params.text(request.form, "reason"),
    )
    flash(_("座組みを保存しました。"), "ok")
    return redirect(url_for("consortia.show", proposal_id=view.id))


@bp.get("/board")
def board():  # noqa: ANN201
    """Every saved proposal, in columns by status."""
    summaries = [s.to_json() for s in list_proposals(get_service().store)]
    columns = [(s, [p for p in summaries if p["status"] == s]) for s in STATUSES]
    return render_template(
        "consortia/board.html", columns=columns, status_labels=STATUS_LABELS, total=len(summaries)
    )


@bp.get("/<proposal_id:proposal_id>")
def show(proposal_id: int):  # noqa: ANN201
    """One saved proposal: members, status, notes, audit history, exports."""
    return detail_page(proposal_id)


@bp.post("/<proposal_id:proposal_id>/status")
@login_required
def change_status(proposal_id: int):  # noqa: ANN201
    """Move the proposal to another status, with a reason."""
    status = params.text(request.form, "status", limit=params.MAX_VALUE) or ""
    return _curate(
        proposal_id,
        lambda: proposals.change_status(
            get_service().store,
            proposal_id,
            status,
            version=_version(),
            actor=actor(),
            reason=params.text(request.form, "reason") or "",
        ),
    )


@bp.post("/<proposal_id:proposal_id>/notes")
@login_required
def add_note(proposal_id: int):  # noqa: ANN201
    """Add a note: on top of whatever version is current, so that it never conflicts."""
    return _curate(
        proposal_id,
        lambda: proposals.add_note(
            get_service().store,
            proposal_id,
            params.text(request.form, "text", limit=workflow.MAX_NOTE) or "",
            actor=actor(),
        ),
    )


@bp.post("/<proposal_id:proposal_id>/members")
@login_required
def edit_members(proposal_id: int):  # noqa: ANN201
    """Remove, add or swap a member (``action``), with a reason."""
    form = request.form
    return _curate(
        proposal_id,
        lambda: proposals.edit_member(
            get_service().store,
            get_matcher,
            proposal_id,
            params.text(form, "action", limit=10),
            org=params.org_id(form, "org"),
            member=params.org_id(form, "member"),
            role=params.text(form, "role", limit=params.MAX_VALUE),
            version=_version(),
            actor=actor(),
            reason=params.text(form, "reason") or "",
        ),
    )


@bp.get("/<proposal_id:proposal_id>/alternatives")
def alternatives(proposal_id: int):  # noqa: ANN201
    """Ranked candidates to swap in for one member (or to add in a role)."""
    view = get_proposal_or_404(proposal_id)
    role, replacing, top = params.alternatives_request(request.args, view)
    found = proposal_alternatives(get_matcher(), view, role, replacing=replacing, top=top)
    return render_template(
        "consortia/alternatives.html",
        view=view,
        role=role,
        replacing=replacing,
        found=[a.to_json() for a in found],
    )


@bp.get("/<proposal_id:proposal_id>/export.<fmt>")
def export(proposal_id: int, fmt: str):  # noqa: ANN201
    """The proposal as JSON (with the audit log), CSV (members) or Markdown."""
    if fmt not in EXPORTS:
        formats = ", ".join(EXPORTS)
        english = f"unknown export format {fmt[:10]!r}: use {formats}, or the brief page"
        abort(404, say("unknown_export_format", {"value": fmt[:10], "formats": formats}, english))
    view = get_proposal_or_404(proposal_id)
    text = render(view, fmt, audit_log(get_service().store, proposal_id) if fmt == "json" else ())
    if fmt == "csv":
        text = "\ufeff" + text  # a BOM, so Excel reads the Japanese as UTF-8
    response = Response(text, mimetype=EXPORTS[fmt])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="musubi-consortium-{proposal_id}.{fmt}"'
    )
    return response


@bp.get("/<proposal_id:proposal_id>/brief")
def brief(proposal_id: int):  # noqa: ANN201
    """The printable brief, the exports' content in the page's language (print makes a PDF)."""
    view = get_proposal_or_404(proposal_id)
    content = exports.brief(view)
    return render_template(
        "consortia/brief.html",
        view=view,
        brief=content,
        declaration=exports.declaration(
            content, _, prefecture_label, "、" if lang() == "ja" else ", "
        ),
        role_label=lambda key: _(exports.ROLE_LABELS.get(key, key)),
        status_label=lambda status: _(STATUS_LABELS[status]),
        notice=lambda n: say(n.code, n.params, n.text),
        map=team_map(view.members),
    )


EXPORTS = {"json": "application/json", "csv": "text/csv", "md": "text/markdown"}

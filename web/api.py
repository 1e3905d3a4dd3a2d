"""JSON API: the CLI's match modes, consortia, organisations and import, plus OpenAPI 3.

Success bodies are ``{"ok": true, …}``; every error is ``{"ok": false, "error", "status"}``
(web/errors.py). Reading is open; writes need ``Authorization: Bearer <token>`` (web/auth.py).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from matcher.curation.proposals import (
    add_note,
    audit_log,
    change_status,
    edit_member,
    get_proposal,
    list_proposals,
)
from matcher.curation.proposals import proposal_alternatives as rank
from matcher.curation.proposals import save_proposal as save
from matcher.curation.workflow import MAX_NOTE
from matcher.facts import prefectures
from matcher.facts.kinds import KINDS
from matcher.ingest.importer import ImportRejected
from matcher.modes.consortium.assembly import consortium
from matcher.modes.joint import joint
from matcher.modes.partners import partners
from matcher.modes.procurement import procurement
from matcher.store import queries
from web import openapi as spec
from web import params, uploads
from web.auth import actor, token_required
from web.errors import BadRequest, error_response
from web.orgs import PAGE, find_orgs
from web.service import get_matcher, get_service
from web.shared import get_org_or_404, get_record_or_404, rerun_proposal

bp = Blueprint("api", __name__, url_prefix="/api")


def ok(data: dict, status: int = 200):  # noqa: ANN201
    return jsonify({"ok": True, **data}), status


@bp.get("/")
def index():  # noqa: ANN201
    """What the API offers, with links."""
    return ok(
        {
            "openapi": url_for("api.openapi"),
            "endpoints": sorted(
                {str(rule) for rule in _api_rules()},
            ),
        }
    )


def _api_rules():  # noqa: ANN202

    return [r for r in current_app.url_map.iter_rules() if str(r).startswith("/api")]


@bp.get("/openapi.json")
def openapi():  # noqa: ANN201
    """The OpenAPI 3 document of this API."""
    return jsonify(spec.document())


def _known(query):  # noqa: ANN001, ANN202
    """The query, or a 404 when it starts from an organisation that does not exist."""
    if query.org is not None:
        get_org_or_404(query.org)
    return query


@bp.get("/match/procurement")
def match_procurement():  # noqa: ANN201
    """Suppliers for a challenge (text or stored need), with route hints."""
    query = _known(params.procurement_query(request.args))
    return ok(get_service().run(procurement, query).to_json())


@bp.get("/match/partners")
def match_partners():  # noqa: ANN201
    """Partners of another sector and prefecture where both sides gain."""
    query = _known(params.partners_query(request.args))
    return ok(get_service().run(partners, query).to_json())


@bp.get("/match/joint")
def match_joint():  # noqa: ANN201
    """Municipalities elsewhere with the same challenge (共同調達)."""
    query = _known(params.joint_query(request.args))
    return ok(get_service().run(joint, query).to_json())


@bp.get("/consortium")
def consortium_proposals():  # noqa: ANN201
    """Consortium proposals for a theme."""
    query = params.consortium_query(request.args)
    return ok(get_service().run(consortium, query).to_json())


@bp.get("/orgs")
def orgs():  # noqa: ANN201
    """The directory: q (name or id), kind, prefecture; paged by limit and offset."""
    limit = params.integer(request.args, "limit", lo=1, hi=500, default=PAGE) or PAGE
    offset = params.integer(request.args, "offset", lo=0, hi=10**7, default=0) or 0
    found, total = find_orgs(request.args)
    return ok(
        {
            "total": total,
            "offset": offset,
            "limit": limit,
            "orgs": [
                {
                    "id": o.ext_id,
                    "name": o.name,
                    "kind": o.kind,
                    "prefecture": prefectures.name(o.prefecture),
                    "needs": len(o.needs),
                    "offers": len(o.offers),
                }
                for o in found[offset : offset + limit]
            ],
        }
    )


@bp.get("/orgs/<org_id>")
def org(org_id: str):  # noqa: ANN201
    """One organisation in the import format (prefecture as the kanji name)."""
    record = get_record_or_404(org_id)
    data = record.to_json()
    data["prefecture"] = prefectures.name(record.prefecture)
    return ok({"org": data})


@bp.get("/stats")
def stats():  # noqa: ANN201
    """Counts by kind and by prefecture."""
    return ok({"stats": queries.stats(get_service().store).to_json(), "kinds": list(KINDS)})


@bp.post("/import")
@token_required
def import_file():  # noqa: ANN201
    """Import JSONL/CSV (all or nothing): multipart ``file``, or the file as the request body."""
    dry_run = bool(params.flag(request.args, "dry_run"))
    given = params.text(request.args, "format", limit=10)
    upload = request.files.get("file")
    if upload is not None:
        data, filename, media = upload.read(), upload.filename, upload.mimetype
    elif request.mimetype in uploads.MEDIA_TYPES or (
        given and request.mimetype != "multipart/form-data"
    ):
        data, filename, media = request.get_data(), None, request.mimetype
    else:
        raise BadRequest(
            "send the file as multipart field 'file', or as the body with Content-Type "
            "application/x-ndjson or text/csv",
            "unsupported_upload",
            status=415,
        )
    fmt = uploads.guess_format(filename, media, given)
    try:
        records, fmt, encoding = uploads.validate(data, fmt, filename)
    except ImportRejected as rejected:
        return error_response(
            f"{len(rejected.problems)} problem(s); nothing was imported",
            422,
            problems=uploads.problems_json(rejected),
        )
    if dry_run:
        return ok({"dry_run": True, "valid": len(records), "format": fmt, "encoding": encoding})
    created, updated = get_service().import_records(records)
    return ok({"created": created, "updated": updated, "format": fmt, "encoding": encoding}, 201)


# ---- consortium curation (writes need a token) ----------------------------------------


def json_body() -> dict:
    """The request's JSON object; 415 for another content type, 400 for malformed JSON."""
    if not request.is_json:
        raise BadRequest(
            "send a JSON object with Content-Type: application/json", "json_required", status=415
        )
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # the parser recurses per level: a deep body exhausts it
        raise BadRequest(
            "the JSON body is nested too deeply: send an object a few levels deep",
            "json_too_deep",
        ) from None
    if not isinstance(data, dict):
        raise BadRequest(
            "the body is not a JSON object (malformed JSON, or an array/scalar)", "not_json_object"
        )
    return data


def _version(data: dict) -> int:
    value = params.integer(data, "version", lo=1, hi=10**9)
    if value is None:
        raise BadRequest(
            "version is required: the version you read (optimistic locking)", "version_required"
        )
    return value


@bp.get("/consortia")
def saved_proposals():  # noqa: ANN201
    """Saved proposals, optionally of one status."""
    status = params.text(request.args, "status", limit=params.MAX_VALUE)
    found = list_proposals(get_service().store, status)
    return ok({"proposals": [p.to_json() for p in found]})


@bp.post("/consortia")
@token_required
def save_proposal():  # noqa: ANN201
    """Save proposal ``k`` (default 0) of a consortium query given as JSON."""
    data = json_body()
    query, proposal = rerun_proposal(data, first=0)
    view = save(
        get_service().store,
        query,
        proposal,
        actor=actor(),
        reason=params.text(data, "reason"),
    )
    return ok({"proposal": view.to_json()}, 201)


@bp.get("/consortia/<proposal_id:proposal_id>")
def saved_proposal(proposal_id: int):  # noqa: ANN201
    """One saved proposal with its audit log."""
    view = get_proposal(get_service().store, proposal_id)
    audit = audit_log(get_service().store, proposal_id)
    return ok({"proposal": view.to_json(), "audit": [a.to_json() for a in audit]})


@bp.post("/consortia/<proposal_id:proposal_id>/status")
@token_required
def proposal_status(proposal_id: int):  # noqa: ANN201
    """Change the status: {"status", "reason", "version"}."""
    data = json_body()
    view = change_status(
        get_service().store,
        proposal_id,
        params.text(data, "status", limit=params.MAX_VALUE) or "",
        version=_version(data),
        actor=actor(),
        reason=params.text(data, "reason") or "",
    )
    return ok({"proposal": view.to_json()})


@bp.post("/consortia/<proposal_id:proposal_id>/notes")
@token_required
def proposal_note(proposal_id: int):  # noqa: ANN201
    """Add a note: {"text", "version"}."""
    data = json_body()
    view = add_note(
        get_service().store,
        proposal_id,
        params.text(data, "text", limit=MAX_NOTE) or "",
        version=_version(data),
        actor=actor(),
    )
    return ok({"proposal": view.to_json()})


@bp.post("/consortia/<proposal_id:proposal_id>/members")
@token_required
def proposal_members(proposal_id: int):  # noqa: ANN201
    """Edit members: {"action": "add"|"remove"|"swap", "org", "role", "member", "reason",
    "version"} — ``member`` is the one removed or replaced, ``org`` the one added."""
    data = json_body()
    view = edit_member(
        get_service().store,
        get_matcher,
        proposal_id,
        params.text(data, "action", limit=10),
        org=params.org_id(data, "org"),
        member=params.org_id(data, "member"),
        role=params.text(data, "role", limit=params.MAX_VALUE),
        version=_version(data),
        actor=actor(),
        reason=params.text(data, "reason") or "",
    )
    return ok({"proposal": view.to_json()})


@bp.get("/consortia/<proposal_id:proposal_id>/alternatives")
def proposal_alternatives(proposal_id: int):  # noqa: ANN201
    """Ranked candidates for ``role``, or to replace ``member``."""
    view = get_proposal(get_service().store, proposal_id)
    role, replacing, top = params.alternatives_request(request.args, view)
    found = rank(get_matcher(), view, role, replacing=replacing, top=top)
    return ok({"role": role, "replacing": replacing, "alternatives": [a.to_json() for a in found]})

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
from matcher.facts import prefectures
from matcher.facts.kinds import KINDS
from matcher.ingest.importer import ImportRejected
from matcher.ingest.log import ImportOrigin
from matcher.modes.consortium.assembly import consortium
from matcher.modes.joint import joint
from matcher.modes.partners import partners
from matcher.modes.procurement import procurement
from matcher.store import queries
from web import params, uploads
from web.auth import actor, token_required
from web.errors import BadRequest, error_response
from web.openapi import document, operation
from web.orgs import PAGE, find_orgs, page_of
from web.service import get_matcher, get_service
from web.shared import get_org_or_404, get_record_or_404, rerun_proposal

bp = Blueprint("api", __name__, url_prefix="/api")


def ok(data: dict, status: int = 200):  # noqa: ANN201
    return jsonify({"ok": True, **data}), status


@bp.get("/")
@operation("What the API offers, with links", returns=("openapi", "endpoints"))
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
@operation("This document", returns=("openapi", "paths"), envelope=False)
def openapi():  # noqa: ANN201
    """The OpenAPI 3 document of this API, generated from its routes."""
    return jsonify(document(current_app))


def _known(query):  # noqa: ANN001, ANN202
    """The query, or a 404 when it starts from an organisation that does not exist."""
    if query.org is not None:
        get_org_or_404(query.org)
    return query


@bp.get("/match/procurement")
@operation(
    "Suppliers whose offers solve a challenge, with procurement routes",
    query=params.PROCUREMENT,
    schema="MatchResult",
    errors=(404, 503),
)
def match_procurement():  # noqa: ANN201
    """Suppliers for a challenge (text or stored need), with route hints."""
    query = _known(params.procurement_query(request.args))
    return ok(get_service().run(procurement, query).to_json())


@bp.get("/match/partners")
@operation(
    "Partners of another kind and prefecture for an organisation's research or offers",
    query=params.PARTNERS,
    schema="MatchResult",
    errors=(404, 503),
)
def match_partners():  # noqa: ANN201
    """Partners of another sector and prefecture where both sides gain."""
    query = _known(params.partners_query(request.args))
    return ok(get_service().run(partners, query).to_json())


@bp.get("/match/joint")
@operation(
    "Municipalities in other prefectures with the same challenge (共同調達)",
    query=params.JOINT,
    schema="MatchResult",
    errors=(404, 503),
)
def match_joint():  # noqa: ANN201
    """Municipalities elsewhere with the same challenge (共同調達)."""
    query = _known(params.joint_query(request.args))
    return ok(get_service().run(joint, query).to_json())


@bp.get("/consortium")
@operation(
    "Consortium proposals (産官学金, ≥2 prefectures) for a theme",
    query=params.CONSORTIUM,
    returns=("query", "proposals"),
    errors=(503,),
)
def consortium_proposals():  # noqa: ANN201
    """Consortium proposals for a theme."""
    query = params.consortium_query(request.args)
    return ok(get_service().run(consortium, query).to_json())


@bp.get("/orgs")
@operation(
    "The directory",
    query=(*params.ORG_FILTERS, *params.PAGING),
    returns=("total", "offset", "limit", "orgs"),
    errors=(503,),
)
def orgs():  # noqa: ANN201
    """The directory: q (name or id), kind, prefecture; paged by limit and offset."""
    paging = params.read(request.args, params.PAGING)
    limit, offset = paging["limit"] or PAGE, paging["offset"] or 0
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
                for o in page_of(found, offset, offset + limit)
            ],
        }
    )


@bp.get("/orgs/<org_id>")
@operation("One organisation in the import format", returns=("org",), errors=(404,))
def org(org_id: str):  # noqa: ANN201
    """One organisation in the import format (prefecture as the kanji name)."""
    record = get_record_or_404(org_id)
    data = record.to_json()
    data["prefecture"] = prefectures.name(record.prefecture)
    return ok({"org": data})


@bp.get("/stats")
@operation("Counts by kind and prefecture", returns=("stats", "kinds"))
def stats():  # noqa: ANN201
    """Counts by kind and by prefecture."""
    return ok({"stats": queries.stats(get_service().store).to_json(), "kinds": list(KINDS)})


@bp.post("/import")
@operation(
    "Import organisations (all or nothing); dry_run answers 200",
    query=params.IMPORT,
    content={
        "application/x-ndjson": {"schema": {"type": "string"}},
        "text/csv": {"schema": {"type": "string"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
    },
    returns=("format", "encoding"),
    created=True,
    errors=(200, 413, 422),  # 200: a dry run
)
@token_required
def import_file():  # noqa: ANN201
    """Import JSONL/CSV (all or nothing): multipart ``file``, or the file as the request body."""
    asked = params.read(request.args, params.IMPORT)
    dry_run, given = bool(asked["dry_run"]), asked["format"]
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
    origin = ImportOrigin(actor(), filename or "(request body)", fmt, "api", request.remote_addr)
    created, updated = get_service().import_records(records, origin)
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


@bp.get("/consortia")
@operation("Saved consortium proposals", query=params.STATUS_FILTER, returns=("proposals",))
def saved_proposals():  # noqa: ANN201
    """Saved proposals, optionally of one status."""
    status = params.read(request.args, params.STATUS_FILTER)["status"]
    found = list_proposals(get_service().store, status)
    return ok({"proposals": [p.to_json() for p in found]})


@bp.post("/consortia")
@operation(
    "Save proposal k of a consortium query",
    body=params.SAVE,
    returns=("proposal",),
    created=True,
    errors=(503,),
)
@token_required
def save_proposal():  # noqa: ANN201
    """Save proposal ``k`` (default 0) of a consortium query given as JSON."""
    data = json_body()
    query, proposal = rerun_proposal(data, first=0, body=True)
    reason = params.read(data, params.SAVE[-1:], body=True)["reason"]
    view = save(get_service().store, query, proposal, actor=actor(), reason=reason)
    return ok({"proposal": view.to_json()}, 201)


@bp.get("/consortia/<proposal_id:proposal_id>")
@operation("One saved proposal with its audit log", returns=("proposal", "audit"), errors=(404,))
def saved_proposal(proposal_id: int):  # noqa: ANN201
    """One saved proposal with its audit log."""
    view = get_proposal(get_service().store, proposal_id)
    audit = audit_log(get_service().store, proposal_id)
    return ok({"proposal": view.to_json(), "audit": [a.to_json() for a in audit]})


@bp.post("/consortia/<proposal_id:proposal_id>/status")
@operation(
    "Change the status, with a reason",
    body=params.STATUS_CHANGE,
    returns=("proposal",),
    errors=(403, 404, 409),
)
@token_required
def proposal_status(proposal_id: int):  # noqa: ANN201
    """Change the status: {"status", "reason", "version"}."""
    data = json_body()
    asked = params.read(data, params.STATUS_CHANGE, body=True)
    view = change_status(
        get_service().store,
        proposal_id,
        asked["status"] or "",
        version=asked["version"],
        actor=actor(),
        reason=asked["reason"] or "",
    )
    return ok({"proposal": view.to_json()})


@bp.post("/consortia/<proposal_id:proposal_id>/notes")
@operation("Add a note", body=params.NOTE, returns=("proposal",), errors=(403, 404, 409))
@token_required
def proposal_note(proposal_id: int):  # noqa: ANN201
    """Add a note: {"text", "version"?}; without a version it never conflicts."""
    note = params.read(json_body(), params.NOTE, body=True)
    view = add_note(
        get_service().store,
        proposal_id,
        note["text"] or "",
        version=note["version"],
        actor=actor(),
    )
    return ok({"proposal": view.to_json()})


@bp.post("/consortia/<proposal_id:proposal_id>/members")
@operation(
    "Add, remove or swap a member, with a reason",
    body=params.MEMBER_EDIT,
    returns=("proposal",),
    errors=(403, 404, 409, 503),
)
@token_required
def proposal_members(proposal_id: int):  # noqa: ANN201
    """Edit members: {"action": "add"|"remove"|"swap", "org", "role", "member", "reason",
    "version"} — ``member`` is the one removed or replaced, ``org`` the one added."""
    data = json_body()
    asked = params.read(data, params.MEMBER_EDIT, body=True)
    view = edit_member(
        get_service().store,
        get_matcher,
        proposal_id,
        asked["action"],
        org=asked["org"],
        member=asked["member"],
        role=asked["role"],
        version=asked["version"],
        actor=actor(),
        reason=asked["reason"] or "",
    )
    return ok({"proposal": view.to_json()})


@bp.get("/consortia/<proposal_id:proposal_id>/alternatives")
@operation(
    "Ranked candidates for a role, or to replace a member",
    query=params.ALTERNATIVES,
    returns=("role", "replacing", "alternatives"),
    errors=(404, 503),
)
def proposal_alternatives(proposal_id: int):  # noqa: ANN201
    """Ranked candidates for ``role``, or to replace ``member``."""
    view = get_proposal(get_service().store, proposal_id)
    role, replacing, top = params.alternatives_request(request.args, view)
    found = rank(get_matcher(), view, role, replacing=replacing, top=top)
    return ok({"role": role, "replacing": replacing, "alternatives": [a.to_json() for a in found]})

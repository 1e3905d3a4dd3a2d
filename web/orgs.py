"""Organisation pages: the directory, and one organisation with its partner proposals."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from matcher.facts import prefectures
from matcher.facts.kinds import KINDS
from matcher.modes.partners import partners
from matcher.retrieval import names
from matcher.retrieval.catalogue import OrgFacts
from matcher.retrieval.matcher import resolve_places
from web import japanmap, params
from web.errors import BadRequest
from web.labels import prefecture_label
from web.service import get_matcher, get_service
from web.shared import (
    attempt,
    card_profiles,
    get_record_or_404,
    in_score_order,
    score_scale,
)

bp = Blueprint("orgs", __name__, url_prefix="/orgs")
PAGE = 50


def find_orgs(args) -> tuple[list, int]:  # noqa: ANN001
    """Organisations matching the directory filters (q in the name or id, kind, prefecture)."""
    m = get_matcher()
    found = params.read(args, params.ORG_FILTERS)
    q, kinds = found["q"] or "", found["kinds"]
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise BadRequest(
            f"unknown kind {bad[0]!r}; use one of: {', '.join(KINDS)}",
            "unknown_kind",
            value=bad[0],
            kinds=KINDS,
        )
    codes = set(resolve_places(found["prefectures"]))
    # The directory lists the whole store as last loaded, not yet indexed ones too; by name
    # alone, so only the page shown reads facts (``page_of``).
    everyone = [*m.catalogue.names, *m.catalogue.pending.values()]
    if q:  # by id, name, part of it or its reading in kana, best match first
        everyone = names.find(everyone, q, kinds=kinds, limit=len(everyone))
    orgs = [
        org
        for org in everyone
        if (not kinds or org.kind in kinds) and (not codes or org.prefecture in codes)
    ]
    if not q:
        orgs.sort(key=lambda o: o.ext_id)
    return orgs, len(orgs)


def page_of(found: list, start: int, stop: int) -> list[OrgFacts]:
    """The facts of the organisations ``find_orgs`` found from ``start`` to ``stop``."""
    return get_matcher().catalogue.facts(found[start:stop])


@bp.get("/")
def index():  # noqa: ANN201
    """The directory: search by name, filter by kind and prefecture."""
    page = params.integer(request.args, "page", lo=1, hi=100_000, default=1) or 1
    found, error = attempt(lambda: find_orgs(request.args))
    orgs, total = found if found else ([], 0)
    return render_template(
        "orgs/index.html",
        orgs=page_of(orgs, (page - 1) * PAGE, page * PAGE),
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE)),
        error=error,
        args=request.args,
        kinds=KINDS,
        prefectures=prefectures.PREFECTURES,
    ), (400 if error else 200)


@bp.get("/<org_id>")
def show(org_id: str):  # noqa: ANN201
    """One organisation: profile, needs, offers, and partners where both sides gain."""
    m = get_matcher()
    org = get_record_or_404(org_id)
    query, error = attempt(lambda: params.partners_query({**request.args.to_dict(), "org": org_id}))
    result = None
    if query is not None:
        result, error = attempt(lambda: get_service().run(partners, query))
    data = result.to_json() if result else None
    map_data = japanmap.build(
        [(r.prefecture, r.name, r.kind) for r in (result.results if result else ())],
        origin=org.prefecture,
        origin_label=org.name,
        label=prefecture_label,
    )
    if data:
        in_score_order(data)
    listed = [org.id, *(r["id"] for r in (data["results"] if data else ()))]
    profiles = card_profiles(listed)
    return render_template(
        "orgs/show.html",
        org=org,
        profile=profiles.get(org.id),
        profiles=profiles,
        result=data,
        error=error,
        args=request.args,
        scale=score_scale(data["results"]) if data else 1.0,
        map=map_data,
        collaborators={c: m.catalogue.by_ext_id.get(c) for c in org.collaborations},
    ), (400 if error else 200)

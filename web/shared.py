"""Helpers every page family shares: the fetch-or-404 loader and page-side query running."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from flask import abort
from flask_babel import gettext as _

from matcher.ingest.records import OrgRecord
from matcher.modes.consortium.assembly import consortium
from matcher.modes.consortium.results import ConsortiumQuery, Proposal
from matcher.retrieval import names
from matcher.retrieval.catalogue import OrgFacts
from matcher.retrieval.matcher import Matcher, MatchError, not_indexed
from matcher.store import queries
from web import params
from web.errors import BadRequest
from web.messages import localise
from web.service import get_matcher, get_service

T = TypeVar("T")


def get_org_or_404(org_id: str, m: Matcher | None = None) -> OrgFacts:
    """The organisation with external id ``org_id``, or a 404 that names it (MatchError
    ``org_not_indexed`` when the store has it but the index does not yet)."""
    m = m or get_matcher()
    org = m.catalogue.by_ext_id.get(org_id)
    if org is None and org_id in m.catalogue.pending:
        raise not_indexed(m.catalogue.pending[org_id])  # in the store, not yet in the index
    if org is None:
        abort(404, _("組織 %(id)s は見つかりません。", id=org_id[:80]))
    return org


def get_record_or_404(org_id: str) -> OrgRecord:
    """The stored record (every field, as imported) of ``org_id``, or a 404 that names it."""
    try:
        return queries.get(get_service().store, org_id)
    except queries.UnknownOrganisation:
        abort(404, _("組織 %(id)s は見つかりません。", id=org_id[:80]))


def attempt(run: Callable[[], T]) -> tuple[T | None, str | None]:
    """Run a query for a page: (result, None), or (None, the message to show beside the form)."""
    try:
        return run(), None
    except (MatchError, BadRequest) as error:
        return None, localise(error)


def org_names(m: Matcher, ids: Any) -> dict[str, str]:
    """Names of the organisations with these external ids (unknown ids are left out)."""
    out = {}
    for ext_id in ids:
        org = m.catalogue.by_ext_id.get(ext_id)
        if org is not None:
            out[ext_id] = org.name
    return out


def score_scale(items: list[dict]) -> float:
    """The widest positive contribution sum in a list, so bars are comparable across cards."""
    sums = [sum(v for v in r["explanation"]["contributions"].values() if v > 0) for r in items]
    return max(sums, default=1.0) or 1.0


def rerun_proposal(
    data: Mapping[str, Any], first: int, *, body: bool = False
) -> tuple[ConsortiumQuery, Proposal]:
    """The consortium query in ``data`` (a form, or a JSON ``body``) and its proposal ``k``,
    re-run here so that a form or a body carries no member data. When the query now gives
    fewer proposals, a BadRequest says ``k`` as the caller numbers them: from ``first`` (the
    API from 0, pages from 1)."""
    query = params.consortium_query(data, body=body)
    k = params.K.read(data, body=body) or 0
    result = get_service().run(consortium, query)
    if k >= len(result.proposals):
        raise BadRequest(
            f"k={k}: the query gave {len(result.proposals)} proposal(s); search again",
            "no_such_proposal",
            k=k + first,
            count=len(result.proposals),
        )
    return query, result.proposals[k]


def find_org(
    query: str, kinds: Sequence[str] = ()
) -> tuple[OrgFacts | None, list[OrgFacts], str | None]:
    """The organisation a form's field names — an id, a name, part of one or its reading in
    kana — as (organisation, [], None); or (None, the organisations to choose from, what to
    say) when the name fits several, or none."""
    m = get_matcher()
    query = query.strip()[: params.MAX_VALUE]
    if query in m.catalogue.by_ext_id:
        return m.catalogue.by_ext_id[query], [], None
    if query in m.catalogue.pending:
        return None, [], localise(not_indexed(m.catalogue.pending[query]))
    try:
        found = names.resolve(m.catalogue.names, query, kinds=kinds)
        return m.catalogue.by_ext_id[found.ext_id], [], None
    except MatchError as error:
        choices = [m.catalogue.by_ext_id[i] for i in error.params.get("ids", ())]
        return None, choices, localise(error)


def in_score_order(data: dict) -> dict:
    """A result's JSON with its list in score order. Diversification picks which organisations
    are shown (one prefecture or one supplier family does not fill the list); a page then
    shows them strongest first, so that a rank never contradicts the score beside it."""
    data["results"] = sorted(data["results"], key=lambda r: -r["score"])
    return data


def card_profiles(ext_ids: Iterable[str]) -> dict[str, dict]:
    """How to reach each listed organisation and when its profile last changed."""
    return {k: p.to_json() for k, p in queries.profiles(get_service().store, ext_ids).items()}

"""Search pages (home): a challenge in words → suppliers (procurement), or joint procurement."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from matcher.facts import prefectures
from matcher.facts.kinds import KINDS, SUPPLIER_KINDS
from matcher.modes.joint import joint
from matcher.modes.procurement import procurement
from web import japanmap, params
from web.labels import prefecture_label
from web.service import get_matcher, get_service
from web.shared import attempt, card_profiles, find_org, in_score_order, org_names, score_scale

bp = Blueprint("search", __name__)

EXAMPLES = (
    "独居高齢者の見守りを、訪問に頼らない仕組みで行いたい",
    "冬の道路除雪を省力化したい",
    "バスが廃止された地域の移動手段を確保したい",
    "空き家を移住者向けに活用したい",
    "イノシシやシカによる農作物の被害を減らしたい",
)
# Kinds an officer may buy from: every kind but municipalities.
KIND_CHOICES = tuple(k for k in KINDS if k != "municipality")
DEFAULT_TOP = "10"


def filtered(args) -> bool:  # noqa: ANN001
    """Whether the search asks for more than the defaults: only then does the filter panel open
    (on a phone it would otherwise push the results below the first screen)."""
    kinds = set(args.getlist("kind"))
    return bool(
        (kinds and kinds != set(SUPPLIER_KINDS))
        or args.get("prefecture")
        or args.get("region")
        or args.get("budget")
        or args.get("budget_man")
        or args.get("trial_order") in ("true", "on", "1")
        or args.get("prefer")
        or args.get("top", DEFAULT_TOP) != DEFAULT_TOP
    )


@bp.get("/")
def index():  # noqa: ANN201
    """Search: procurement by text or stored need (default tab), or joint procurement."""
    mode = request.args.get("mode", "procurement")
    if mode not in ("procurement", "joint"):
        mode = "procurement"
    m = get_matcher()
    asked = any(request.args.get(k) for k in ("text", "org"))
    result = error = None
    choices: list = []
    origin = None
    if request.args.get("org"):
        # The municipality may be given by name (鯖江市, さばえ): one match goes to its id's
        # address, several are offered to choose from.
        kinds = ("municipality",) if mode == "joint" else ()
        found, choices, error = find_org(request.args.get("org", ""), kinds)
        if found is not None and found.ext_id != request.args.get("org"):
            args = request.args.to_dict(flat=False)
            args["org"] = [found.ext_id]
            return redirect(url_for("search.index", **args))
        origin = found
        asked = asked and found is not None
    if asked:
        run = params.joint_query if mode == "joint" else params.procurement_query
        query, error = attempt(lambda: run(request.args))
        if query is not None:
            find = joint if mode == "joint" else procurement
            result, error = attempt(lambda: get_service().run(find, query))
    context = {
        "mode": mode,
        "args": request.args,
        "error": error,
        "choices": choices,
        "origin": origin,
        "examples": EXAMPLES,
        "supplier_kinds": KIND_CHOICES,
        "chosen_kinds": request.args.getlist("kind") or list(SUPPLIER_KINDS),
        "filters_open": filtered(request.args),
        "prefectures": prefectures.PREFECTURES,
        "regions": prefectures.REGIONS,
        "result": None,
    }
    if result is not None:
        data = in_score_order(result.to_json())
        hinted = {i for h in data.get("route_hints", ()) for i in h["municipalities"]}
        context.update(
            result=data,
            names=org_names(m, hinted),
            profiles=card_profiles(r["id"] for r in data["results"]),
            scale=score_scale(data["results"]),
            map=japanmap.build(
                [(r.prefecture, r.name, r.kind) for r in result.results],
                origin=origin.prefecture if origin else None,
                origin_label=origin.name if origin else None,
                label=prefecture_label,
            ),
        )
    status = 400 if error else 200
    return render_template("search.html", **context), status

"""Search pages (home): a challenge in words → suppliers (procurement), or joint procurement."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from matcher.facts import prefectures
from matcher.facts.kinds import KINDS, SUPPLIER_KINDS
from matcher.modes.joint import joint
from matcher.modes.procurement import procurement
from web import japanmap, params
from web.labels import prefecture_label
from web.service import get_matcher, get_service
from web.shared import attempt, org_names, score_scale

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


@bp.get("/")
def index():  # noqa: ANN201
    """Search: procurement by text or stored need (default tab), or joint procurement."""
    mode = request.args.get("mode", "procurement")
    if mode not in ("procurement", "joint"):
        mode = "procurement"
    m = get_matcher()
    asked = any(request.args.get(k) for k in ("text", "org"))
    result = error = None
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
        "examples": EXAMPLES,
        "supplier_kinds": KIND_CHOICES,
        "chosen_kinds": request.args.getlist("kind") or list(SUPPLIER_KINDS),
        "prefectures": prefectures.PREFECTURES,
        "regions": prefectures.REGIONS,
        "result": None,
    }
    if result is not None:
        data = result.to_json()
        origin = m.catalogue.by_ext_id.get(request.args.get("org", "")) if asked else None
        hinted = {
            i
            for r in data["results"]
            for h in r["explanation"]["route_hints"]
            for i in h["municipalities"]
        }
        context.update(
            result=data,
            origin=origin,
            names=org_names(m, hinted),
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

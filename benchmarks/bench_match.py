"""Benchmark: match latency end to end against the floor of query encoding plus raw FAISS search."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import seeds
from matcher.index.indexing import refresh_index
from matcher.ingest.importer import write_records
from matcher.ingest.records import validate
from matcher.modes.joint import JointQuery, joint
from matcher.modes.partners import PartnersQuery, partner_filters, partners
from matcher.modes.procurement import ProcurementQuery, procurement
from matcher.retrieval.dense import Filters
from matcher.retrieval.matcher import Matcher
from matcher.settings import load_settings
from matcher.store.session import open_store

CHALLENGES = [
    "一人暮らしのお年寄りの安否を毎日確認したい",
    "冬の道路の除雪を担う人が足りない",
    "山間部の集落に日用品をドローンで届けたい",
    "窓口の申請手続きをオンラインで完結させたい",
    "バスが廃止された地域の移動手段を確保したい",
    "イノシシやシカによる農作物の被害を減らしたい",
    "増え続ける空き家を地域の資源として活用したい",
    "老朽化した橋梁の点検を効率化したい",
    "水道管の漏水を早く見つけたい",
    "訪日外国人観光客を地域に呼び込みたい",
]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def build(size: int, home: Path, encoder: str) -> Matcher:
    settings = load_settings({"home": str(home), "encoder": encoder}, environ={})
    store = open_store(settings)
    records = [validate(r, i)[0] for i, r in enumerate(seeds.build_corpus(size), start=1)]
    write_records(store, records)
    started = time.perf_counter()
    summary = refresh_index(store, settings)
    print(
        f"  indexed {summary.total:,} texts in {time.perf_counter() - started:.1f} s "
        f"({summary.index_type})"
    )
    return Matcher(store, settings)


def timed(fn, repeats: int) -> list[float]:  # noqa: ANN001
    out = []
    for i in range(repeats):
        started = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--encoder", default="hybrid")
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--home", type=Path, help="Measure this indexed home instead of building.")
    args = parser.parse_args()
    if args.home:
        settings = load_settings({"home": str(args.home), "encoder": args.encoder}, environ={})
        report(Matcher(open_store(settings), settings), args.repeats)
        return
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"{size:,} organisations, encoder {args.encoder}")
        with tempfile.TemporaryDirectory() as tmp:
            report(build(size, Path(tmp), args.encoder), args.repeats)


def report(m: Matcher, repeats: int) -> None:
    filters = Filters(roles=("offer", "profile"), kinds=("startup", "company"))
    orgs = list(m.catalogue.orgs.values())
    municipalities = [o.ext_id for o in orgs if o.needs and o.kind == "municipality"]
    universities = [o.ext_id for o in orgs if o.kind == "university"]

    def text(i: int) -> str:
        return CHALLENGES[i % len(CHALLENGES)] + f"(案件{i})"

    for challenge in CHALLENGES:  # warm caches and lazy loads
        procurement(m, ProcurementQuery(text=challenge))

    def floor(i: int) -> None:
        vector = m.search.encode_queries([text(i)])
        allowed = m.search.allowed_ids(filters)
        m.search.index.search_many(vector, m.settings.candidate_pool, allowed_ids=allowed)

    def procurement_retrieval(i: int) -> None:
        """The encoding and FAISS searches procurement makes: suppliers' offers and profiles,
        and other municipalities' needs (for the 共同調達 hint)."""
        vector = m.query_vector(text(i))[None, :]
        needs = Filters(roles=("need",), kinds=("municipality",))
        for allowed, k in ((m.search.allowed_ids(filters), 200), (m.search.allowed_ids(needs), 30)):
            m.search.index.search_many(vector, k, allowed_ids=allowed)

    def partners_retrieval(i: int) -> None:
        """The FAISS searches partners makes: the org's needs among offers, its offers among
        needs, and all its texts among profiles."""
        origin = m.org(universities[i % len(universities)])
        q, ids = PartnersQuery(origin.ext_id), origin.text_ids
        for text_ids, role in (
            (ids.get("need", ()), "offer"),
            (ids.get("offer", ()), "need"),
            ((*ids.get("need", ()), *ids.get("offer", ()), *ids["profile"]), "profile"),
        ):
            if text_ids:
                allowed = m.search.allowed_ids(partner_filters(origin, q, (role,), by_place=False))
                m.search.index.search_many(m.vectors(list(text_ids)), 80, allowed_ids=allowed)

    def joint_retrieval(i: int) -> None:
        """The FAISS search joint makes: the municipality's needs against other needs."""
        origin = m.org(municipalities[i % len(municipalities)])
        filters = Filters(roles=("need",), kinds=("municipality",))
        vectors = m.vectors(list(origin.text_ids["need"]))
        m.search.index.search_many(
            vectors, m.settings.candidate_pool, allowed_ids=m.search.allowed_ids(filters)
        )

    # Each mode against the floor and against the raw FAISS searches it makes itself:
    # procurement encodes one text and searches suppliers and municipalities' needs; partners
    # searches with each of the organisation's stored texts; joint with each of its needs.
    rows = {
        "floor: encode + FAISS": (timed(floor, repeats), None),
        "procurement: FAISS only": (timed(procurement_retrieval, repeats), None),
        "procurement e2e": (
            timed(lambda i: procurement(m, ProcurementQuery(text=text(i))), repeats),
            "procurement: FAISS only",
        ),
        "partners: FAISS only": (timed(partners_retrieval, repeats), None),
        "partners e2e": (
            timed(
                lambda i: partners(m, PartnersQuery(universities[i % len(universities)])), repeats
            ),
            "partners: FAISS only",
        ),
        "joint: FAISS only": (timed(joint_retrieval, repeats), None),
        "joint e2e": (
            timed(lambda i: joint(m, JointQuery(municipalities[i % len(municipalities)])), repeats),
            "joint: FAISS only",
        ),
    }
    base = statistics.median(rows["floor: encode + FAISS"][0])
    print(f"  {'':<24} {'p50 ms':>8} {'p95 ms':>8} {'p50 / floor':>12} {'p50 / own FAISS':>16}")
    for name, (values, own) in rows.items():
        p50, p95 = percentile(values, 50), percentile(values, 95)
        mine = f"{p50 / statistics.median(rows[own][0]):>15.2f}×" if own else ""
        print(f"  {name:<24} {p50:>8.2f} {p95:>8.2f} {p50 / base:>11.2f}× {mine:>16}")


if __name__ == "__main__":
    main()

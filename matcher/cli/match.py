"""Matching on the command line: `musubi match …` and `musubi evaluate`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from matcher.cli.app import App, echo_json, fail, kind_option, pass_app, top_option
from matcher.cli.rendering import render_result
from matcher.curation.learning import decisions, differences, learn_weights
from matcher.evaluation.dataset import LabelError
from matcher.evaluation.runner import QueryError, evaluate, read_queries
from matcher.modes.joint import JointQuery
from matcher.modes.partners import PartnersQuery
from matcher.modes.procurement import ProcurementQuery
from matcher.modes.queries import build_query, run
from matcher.ranking.model import HOME_MODEL, RankingModel, save_model
from matcher.retrieval import names
from matcher.retrieval.matcher import MatchError


@click.group("match")
def match_group() -> None:
    """Ranked, explained matches: procurement, partners, joint procurement, batch."""


@match_group.command("procurement")
@click.option("--text", help="The challenge, in Japanese or English.")
@click.option(
    "--org", help="Start from this municipality's stored need instead (its id or its name)."
)
@click.option(
    "--need",
    type=click.IntRange(1),
    help="Number K of the need, as `musubi show ID` numbers them (from 1); default 1.",
)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    callback=kind_option,
    help="Supplier kinds (default startup, company).",
)
@click.option(
    "--prefecture", "prefectures", multiple=True, help="Only suppliers in these prefectures."
)
@click.option(
    "--region",
    "regions",
    multiple=True,
    help="Only suppliers in these regional blocks (九州, Kanto …).",
)
@click.option(
    "--budget", "budget_jpy", type=click.IntRange(0), help="Budget in yen (text queries)."
)
@click.option("--trial-order/--no-trial-order", default=None, help="Trial orders allowed.")
@click.option("--prefer", type=click.Choice(["near", "far"]), help="Favour suppliers near or far.")
@click.option(
    "--expand/--no-expand",
    default=None,
    help="Read the challenge also in the words of similar needs other municipalities state "
    "(default: yes).",
)
@top_option(ProcurementQuery)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def procurement_command(app: App, as_json: bool, **options: Any) -> None:
    """Startups and companies whose offers solve a challenge, with procurement routes."""
    _answer(app, "procurement", options, as_json)


@match_group.command("partners")
@click.option(
    "--org", required=True, help="The organisation looking for partners (its id or its name)."
)
@click.option("--same-prefecture", is_flag=True, help="Allow partners in its own prefecture.")
@click.option("--same-kind", is_flag=True, help="Allow partners of its own sector.")
@click.option("--new-only", is_flag=True, help="Leave out organisations it has worked with.")
@top_option(PartnersQuery)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def partners_command(app: App, as_json: bool, **options: Any) -> None:
    """Partners of another sector and prefecture where both sides gain (reciprocal)."""
    _answer(app, "partners", options, as_json)


@match_group.command("joint")
@click.option("--org", required=True, help="The municipality (its id or its name).")
@click.option(
    "--need",
    type=click.IntRange(1),
    help="Number K of its need, as `musubi show ID` numbers them (from 1); default: all.",
)
@top_option(JointQuery)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def joint_command(app: App, as_json: bool, **options: Any) -> None:
    """Municipalities in other prefectures with the same challenge, for joint procurement."""
    _answer(app, "joint", options, as_json)


def _answer(app: App, mode: str, options: dict[str, Any], as_json: bool) -> None:
    if options.get("need") is not None:
        options["need"] -= 1  # people count needs from 1; queries (and JSON) index them from 0
    try:
        m = app.matcher()
        if options.get("org"):  # an id, or a name (鯖江市, さばえ) that names one organisation
            kinds = ("municipality",) if mode == "joint" else ()
            options["org"] = names.ext_id_of(m.catalogue, options["org"], kinds=kinds)
        result = run(m, build_query(mode, options))
    except MatchError as error:
        fail(str(error))
    if as_json:
        echo_json(result.to_json())
    else:
        click.echo(render_result(result))


@match_group.command("batch")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON result per line (the default).")
@pass_app
def batch_command(app: App, queries: Path, as_json: bool) -> None:
    """Answer a JSONL file of queries in one process, one JSON result object per line.

    Lines: {"qid", "mode": "procurement", "text", "kinds"?} | {"qid", "mode": "partners",
    "org"} | {"qid", "mode": "joint", "org", "need"?} | {"qid", "mode": "consortium", "theme",
    "regions"?, "prefectures"?, "top"?}; "relevant" labels are ignored.
    A line that cannot be answered gives {"qid", "error"} and the exit status is 2.
    """
    matcher = app.matcher()
    failed = 0
    try:
        for number, line in read_queries(queries):
            qid = line.get("qid", number)
            try:
                out = {"qid": qid, **run(matcher, build_query(line.get("mode"), line)).to_json()}
            except (MatchError, TypeError, ValueError) as error:
                failed += 1
                out = {"qid": qid, "error": str(error)}
                click.echo(f"musubi: line {number} ({qid}): {error}", err=True)
            echo_json(out)
    except QueryError as error:
        fail(str(error))
    if failed:
        sys.exit(2)


@click.command("evaluate")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--cv",
    type=click.IntRange(2, 100),
    help="Cross-validate Musubi by theme in K folds (learned weights, ablations, intervals).",
)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def evaluate_command(app: App, queries: Path, cv: int | None, as_json: bool) -> None:
    """nDCG@10, recall@10 and MRR per mode: Musubi beside BM25 and dense retrieval alone."""
    try:
        report = evaluate(app.matcher(), queries, cv)
    except QueryError as error:
        fail(str(error))
    if as_json:
        echo_json(report)
        return
    click.echo(f"{'mode':<12} {'system':<22} {'nDCG@10':>8} {'recall@10':>10} {'MRR':>6}  queries")
    for mode, systems in report["modes"].items():
        if mode == "consortium":
            continue
        name = f"musubi (cv {cv})" if cv else "musubi"
        rows = [(name, systems["musubi"]), ("bm25", systems["bm25"]), ("dense", systems["dense"])]
        rows += [(f"  without {g}", s) for g, s in systems.get("without", {}).items()]
        for system, score in rows:
            click.echo(
                f"{mode:<12} {system:<22} {score['ndcg@10']:>8.3f} {score['recall@10']:>10.3f} "
                f"{score['mrr']:>6.3f}  {systems['queries']}"
            )
        if "difference" in systems:
            d = systems["difference"]
            low, high = d["interval95"]
            within = " (within noise)" if low <= 0 <= high else ""
            click.echo(
                f"{'':<12} musubi − {d['baseline']}: {d['ndcg@10']:+.3f} nDCG@10, "
                f"95% interval {low:+.3f} … {high:+.3f}{within}"
            )
        elif systems["bm25"]["ndcg@10"] > 0:
            ratio = systems["musubi"]["ndcg@10"] / systems["bm25"]["ndcg@10"]
            click.echo(f"{'':<12} musubi/bm25 nDCG@10 = {ratio:.2f}×")
    teams = report["modes"].get("consortium")
    if teams:
        click.echo(
            f"\n{'consortium':<12} {'system':<8} {'role prec@1':>11} {'@3':>6} {'proposed':>9} "
            f"{'constraints':>12} {'aspects':>8}  themes"
        )
        for system in ("musubi", "bm25", "dense"):
            score = teams[system]
            aspects = f"{score['aspect_coverage']:>8.3f}" if "aspect_coverage" in score else " " * 8
            click.echo(
                f"{'':<12} {system:<8} {score['role_precision@1']:>11.3f} "
                f"{score['role_precision@3']:>6.3f} {score['with_proposal']:>9.3f} "
                f"{score['constraints_kept']:>12.3f} {aspects}  {teams['queries']}"
            )
        musubi = teams["musubi"]
        if musubi["weak_members"]:
            click.echo(
                f"{'':<12} weak-flagged members: {musubi['weak_members']}, of them "
                f"{musubi['weak_members_wrong']} wrong (counted in precision)"
            )
    click.echo(f"ranked by {report['ranked_by']}")
    if report["skipped"]:
        click.echo(f"skipped {len(report['skipped'])} line(s) without labels or of another mode")


@click.command("train")
@click.argument(
    "labelled",
    nargs=-1,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--from-curation",
    is_flag=True,
    help="Learn the consortium team weights from coordinators' changes to saved proposals.",
)
@click.option(
    "--cv", type=click.IntRange(2, 100), help="Also report K-fold cross-validated figures."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Write the model here instead of HOME/{HOME_MODEL}.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def train_command(
    app: App,
    labelled: tuple[Path, ...],
    from_curation: bool,
    cv: int | None,
    out: Path | None,
    as_json: bool,
) -> None:
    """Learn the ranking's weights from labelled queries (the format `evaluate` reads) over
    this home's store and index, and save them as the home's ranking model; with
    --from-curation, the consortium team weights from coordinators' decisions instead."""
    if from_curation:
        if labelled:
            fail("--from-curation learns from the saved proposals: give no LABELLED file")
        _train_from_curation(app, out, as_json)
        return
    if not labelled:
        fail("give LABELLED query files, or --from-curation")
    # scikit-learn takes half a second to import: only training needs it.
    from matcher.evaluation.training import train

    command = "musubi train " + " ".join(map(str, labelled)) + (f" --cv {cv}" if cv else "")
    try:
        training = train(app.matcher(), list(labelled), cv=cv, command=command)
    except (LabelError, QueryError) as error:
        fail(str(error))
    target = out or app.settings.home_path / HOME_MODEL
    save_model(training.model, target)
    if as_json:
        echo_json({"model": str(target), **training.to_json()})
        return
    for mode, info in training.modes.items():
        figures = "".join(
            f", cv{cv} nDCG@10 {v['ndcg@10']:.3f}" for k, v in info.items() if k.startswith("cv")
        )
        themes = f"{info['queries']} queries in {info['themes']} themes"
        click.echo(f"{mode}: {themes}, C={info['C']:g}{figures}")
    click.echo(f"saved the ranking model to {target}")


def _train_from_curation(app: App, out: Path | None, as_json: bool) -> None:
    """Team weights from the saved proposals' member changes, written into the ranking model
    that ranks now (its other modes kept), or a new one for this encoder."""
    m = app.matcher()
    found, declined = decisions(app.store)
    weights = learn_weights(differences(m, found))
    summary = {"decisions": len(found), "declined": declined, "weights": weights}
    if weights is None:
        fail(
            f"nothing to learn from: {len(found)} member change(s) in saved proposals "
            f"({declined} declined proposal(s) name no better team); curate some first"
        )
    current = m.model.model
    modes = dict(current.modes) if current else {}
    modes["consortium"] = {"features": weights, "decisions": len(found)}
    model = RankingModel(
        current.encoder if current else m.search.encoder.query_fingerprint,
        modes,
        {**(current.manifest if current else {}), "consortium": "musubi train --from-curation"},
    )
    target = out or app.settings.home_path / HOME_MODEL
    save_model(model, target)
    if as_json:
        echo_json({"model": str(target), **summary})
        return
    click.echo(
        f"consortium: {len(found)} member change(s), {declined} declined; weights "
        + ", ".join(f"{k} {v:g}" for k, v in weights.items())
    )
    click.echo(f"saved the ranking model to {target}")


COMMANDS = (match_group, evaluate_command, train_command)

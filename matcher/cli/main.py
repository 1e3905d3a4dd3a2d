"""Command line: `musubi …`, a thin layer that parses options, calls matcher, prints."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click
from tqdm import tqdm

from matcher.cli.rendering import render_result
from matcher.facts import prefectures
from matcher.facts.kinds import KIND_LABELS, KINDS, SUPPLIER_KINDS
from matcher.ingest.importer import ImportRejected, load_records, write_records
from matcher.ingest.records import OrgRecord
from matcher.settings import SETTINGS, Settings, load_settings
from matcher.store import queries
from matcher.store.session import Store, open_store


class App:
    """What every command needs: the settings, and the store opened on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.settings)
        return self._store


def fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"musubi: {message}", err=True)
    sys.exit(code)


def _settings_options(command: Callable) -> Callable:
    """One global option per setting, so the settings table is the single source of truth."""
    for setting in reversed(SETTINGS):
        command = click.option(
            setting.option,
            setting.name,
            default=None,
            type=setting.type,
            metavar=setting.name.upper(),
            help=f"{setting.help} [env: {setting.env}]",
        )(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@_settings_options
@click.pass_context
def main(ctx: click.Context, **options: Any) -> None:
    """Musubi (結び): matchmaking for regional innovation — municipalities, companies,
    startups, universities and research institutes, across sectors and prefectures."""
    try:
        ctx.obj = App(load_settings(options))
    except ValueError as error:
        fail(str(error))


pass_app = click.make_pass_decorator(App)


@main.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), help="Default: by suffix.")
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@pass_app
def import_command(app: App, file: Path, fmt: str | None, dry_run: bool) -> None:
    """Import organisations from JSONL or CSV (UTF-8, UTF-8 with BOM, or CP932).

    The whole file is validated first; any bad record rejects it and the store is unchanged.
    """
    started = time.perf_counter()
    try:
        # Validation comes before the store is opened, so a rejected file cannot even create it.
        records, fmt, encoding = load_records(file, fmt)
    except ImportRejected as rejected:
        _print_problems(rejected, app.settings.max_import_errors)
        sys.exit(2)
    if dry_run:
        click.echo(f"{file}: {len(records)} valid record(s) ({fmt}, {encoding}); nothing written")
        return
    created, updated = write_records(app.store, records)
    seconds = time.perf_counter() - started
    click.echo(
        f"imported {len(records)} organisation(s) from {file} ({fmt}, {encoding}): "
        f"{created} new, {updated} updated in {seconds:.1f} s"
    )
    from matcher.index.indexing import index_path

    # Once an index exists, keep it in step with the store so matches never miss new records.
    if index_path(app.settings).exists():
        click.get_current_context().invoke(index_command, rebuild=False, as_json=False)


def _print_problems(rejected: ImportRejected, limit: int) -> None:
    click.echo(f"musubi: {rejected}", err=True)
    for problem in rejected.problems[:limit]:
        click.echo(f"  {problem}", err=True)
    if len(rejected.problems) > limit:
        click.echo(f"  … and {len(rejected.problems) - limit} more", err=True)


@main.command("export")
@click.argument(
    "out", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True), default="-"
)
@pass_app
def export_command(app: App, out: Path) -> None:
    """Write every organisation as JSONL (import format) to OUT or standard output."""
    if str(out) == "-":
        count = queries.export_jsonl(app.store, sys.stdout)
    else:
        tmp = out.with_name(out.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            count = queries.export_jsonl(app.store, fh)
        tmp.replace(out)
    click.echo(f"exported {count} organisation(s)", err=True)


def _kind(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    bad = [v for v in values if v not in KINDS]
    if bad:
        raise click.BadParameter(f"unknown kind {bad[0]!r}; use one of: {', '.join(KINDS)}")
    return values


def _prefecture(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[int, ...]:
    try:
        return tuple(prefectures.resolve(v) for v in values)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@main.command("list")
@click.option("--kind", multiple=True, callback=_kind, help=f"One of {', '.join(KINDS)}.")
@click.option(
    "--prefecture", multiple=True, callback=_prefecture, help="福岡県, 福岡, 40 or Fukuoka."
)
@click.option("--limit", type=click.IntRange(1, 1_000_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_app
def list_command(
    app: App, kind: tuple[str, ...], prefecture: tuple[int, ...], limit: int, as_json: bool
) -> None:
    """List organisations, optionally of some kinds and prefectures."""
    for record in queries.iter_records(
        app.store, kinds=kind, prefecture_codes=prefecture, limit=limit
    ):
        if as_json:
            click.echo(json.dumps(record.to_json(), ensure_ascii=False))
        else:
            click.echo(
                f"{record.id:<12} {KIND_LABELS[record.kind]:<8} "
                f"{prefectures.name(record.prefecture):<5} {record.name}"
            )


@main.command("show")
@click.argument("org_id")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def show_command(app: App, org_id: str, as_json: bool) -> None:
    """Show one organisation's profile, needs and offers."""
    try:
        record = queries.get(app.store, org_id)
    except queries.UnknownOrganisation as error:
        fail(str(error))
    if as_json:
        click.echo(json.dumps(record.to_json(), ensure_ascii=False, indent=2))
        return
    click.echo(_profile_text(record))


def _profile_text(record: OrgRecord) -> str:
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
        lines.append("  認定: " + "、".join(record.certifications))
    if record.tags:
        lines.append("  タグ: " + "、".join(record.tags))
    lines += ["", "  " + record.description]
    if record.needs:
        lines += ["", "  ニーズ (needs):"]
        for k, need in enumerate(record.needs):
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
        for k, offer in enumerate(record.offers):
            lines.append(f"   {k}. {offer.title}")
            if offer.description:
                lines.append(f"      {offer.description}")
    if record.collaborations:
        lines += ["", "  連携実績: " + ", ".join(record.collaborations)]
    return "\n".join(lines)


@main.command("stats")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def stats_command(app: App, as_json: bool) -> None:
    """Count organisations by kind and by prefecture."""
    counts = queries.stats(app.store)
    if as_json:
        click.echo(json.dumps(counts.to_json(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{counts.total:,} organisations, {counts.needs:,} needs, {counts.offers:,} offers")
    for kind, n in counts.by_kind.items():
        click.echo(f"  {KIND_LABELS[kind]:<8} {kind:<19} {n:>7,}")
    click.echo(f"{len(counts.by_prefecture)} prefecture(s):")
    for code, n in counts.by_prefecture.items():
        click.echo(f"  {code:02d} {prefectures.name(code):<5} {n:>7,}")


@main.command("index")
@click.option("--rebuild", is_flag=True, help="Build the index anew (after changing the encoder).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_app
def index_command(app: App, rebuild: bool, as_json: bool) -> None:
    """Embed what changed since the last run and refresh the FAISS index."""
    from embeddings import EncoderUnavailableError, VectorIndexError
    from matcher.index.indexing import encoder_for, refresh_index

    try:
        encoder_for(app.settings.encoder)
    except (ValueError, EncoderUnavailableError) as error:
        fail(f"--encoder / MUSUBI_ENCODER: {error}")

    bar = None

    def start(total: int) -> None:
        nonlocal bar
        bar = tqdm(total=total, unit="text", desc="encoding", file=sys.stderr, disable=None)

    try:
        summary = refresh_index(
            app.store,
            app.settings,
            rebuild=rebuild,
            on_start=start,
            progress=lambda n: bar.update(n) if bar is not None else None,
        )
    except VectorIndexError as error:
        fail(str(error))
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        click.echo(json.dumps(summary.to_json(), ensure_ascii=False))
        return
    click.echo(
        f"indexed {summary.total:,} texts in {summary.seconds:.1f} s: {summary.encoded:,} encoded, "
        f"{summary.reused:,} from the cache, {summary.unchanged:,} unchanged, "
        f"{summary.removed:,} removed ({summary.index_type} index, {summary.path})"
    )


@main.group("match")
def match_group() -> None:
    """Ranked, explained matches: procurement, partners, joint procurement, batch."""


def _matcher(app: App):  # noqa: ANN202
    """The matching engine, or a clear exit when the index is missing or stale."""
    from embeddings import EncoderUnavailableError, VectorIndexError
    from matcher.retrieval.matcher import Matcher

    try:
        return Matcher(app.store, app.settings)
    except VectorIndexError as error:
        fail(str(error))
    except (ValueError, EncoderUnavailableError) as error:
        fail(f"--encoder / MUSUBI_ENCODER: {error}")


def _emit(result, as_json: bool) -> None:  # noqa: ANN001
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        click.echo(render_result(result))


@match_group.command("procurement")
@click.option("--text", help="The challenge, in Japanese or English.")
@click.option("--org", "org_id", help="Start from this municipality's stored need instead.")
@click.option("--need", type=int, help="Index K of the need (see `musubi show ID`); default 0.")
@click.option(
    "--kind", multiple=True, callback=_kind, help="Supplier kinds (default startup, company)."
)
@click.option("--prefecture", multiple=True, help="Only suppliers in these prefectures.")
@click.option(
    "--region", multiple=True, help="Only suppliers in these regional blocks (九州, Kanto …)."
)
@click.option(
    "--budget", "budget_jpy", type=click.IntRange(0), help="Budget in yen (text queries)."
)
@click.option("--trial-order/--no-trial-order", default=None, help="Trial orders allowed.")
@click.option("--prefer", type=click.Choice(["near", "far"]), help="Favour suppliers near or far.")
@click.option("--top", type=int, default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def procurement_command(app: App, **options: Any) -> None:
    """Startups and companies whose offers solve a challenge, with procurement routes."""
    from matcher.modes.procurement import ProcurementQuery, procurement
    from matcher.retrieval.matcher import MatchError

    as_json = options.pop("as_json")
    kinds = options.pop("kind") or SUPPLIER_KINDS
    query = ProcurementQuery(
        text=options["text"],
        org=options["org_id"],
        need=options["need"],
        kinds=tuple(kinds),
        prefectures=tuple(options["prefecture"]),
        regions=tuple(options["region"]),
        budget_jpy=options["budget_jpy"],
        trial_order=options["trial_order"],
        prefer=options["prefer"],
        top=options["top"],
    )
    try:
        result = procurement(_matcher(app), query)
    except MatchError as error:
        fail(str(error))
    _emit(result, as_json)


@match_group.command("partners")
@click.option("--org", "org_id", required=True, help="The organisation looking for partners.")
@click.option("--same-prefecture", is_flag=True, help="Allow partners in its own prefecture.")
@click.option("--same-kind", is_flag=True, help="Allow partners of its own sector.")
@click.option("--include-known", is_flag=True, help="Rank past partners among new ones.")
@click.option("--top", type=int, default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def partners_command(
    app: App,
    org_id: str,
    same_prefecture: bool,
    same_kind: bool,
    include_known: bool,
    top: int,
    as_json: bool,
) -> None:
    """Partners of another sector and prefecture where both sides gain (reciprocal)."""
    from matcher.modes.partners import PartnersQuery, partners
    from matcher.retrieval.matcher import MatchError

    query = PartnersQuery(org_id, same_prefecture, same_kind, include_known, top)
    try:
        result = partners(_matcher(app), query)
    except MatchError as error:
        fail(str(error))
    _emit(result, as_json)


@match_group.command("joint")
@click.option("--org", "org_id", required=True, help="The municipality.")
@click.option("--need", type=int, help="Index K of its need; default: all its needs.")
@click.option("--top", type=int, default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def joint_command(app: App, org_id: str, need: int | None, top: int, as_json: bool) -> None:
    """Municipalities in other prefectures with the same challenge, for joint procurement."""
    from matcher.modes.joint import JointQuery, joint
    from matcher.retrieval.matcher import MatchError

    try:
        result = joint(_matcher(app), JointQuery(org_id, need, top))
    except MatchError as error:
        fail(str(error))
    _emit(result, as_json)


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
    from matcher.evaluation.runner import QueryError, read_queries, run, to_query
    from matcher.retrieval.matcher import MatchError

    matcher = _matcher(app)
    failed = 0
    try:
        for number, line in read_queries(queries):
            qid = line.get("qid", number)
            try:
                out = {"qid": qid, **run(matcher, to_query(line)).to_json()}
            except (MatchError, TypeError, ValueError) as error:
                failed += 1
                out = {"qid": qid, "error": str(error)}
                click.echo(f"musubi: line {number} ({qid}): {error}", err=True)
            click.echo(json.dumps(out, ensure_ascii=False))
    except QueryError as error:
        fail(str(error))
    if failed:
        sys.exit(2)


@main.command("evaluate")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@pass_app
def evaluate_command(app: App, queries: Path, as_json: bool) -> None:
    """nDCG@10, recall@10 and MRR per mode: Musubi beside BM25 and dense retrieval alone."""
    from matcher.evaluation.runner import QueryError, evaluate

    try:
        report = evaluate(_matcher(app), queries)
    except QueryError as error:
        fail(str(error))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    click.echo(f"{'mode':<12} {'system':<8} {'nDCG@10':>8} {'recall@10':>10} {'MRR':>6}  queries")
    for mode, systems in report["modes"].items():
        if mode == "consortium":
            continue
        for system in ("musubi", "bm25", "dense"):
            score = systems[system]
            click.echo(
                f"{mode:<12} {system:<8} {score['ndcg@10']:>8.3f} {score['recall@10']:>10.3f} "
                f"{score['mrr']:>6.3f}  {systems['queries']}"
            )
        if systems["bm25"]["ndcg@10"] > 0:
            ratio = systems["musubi"]["ndcg@10"] / systems["bm25"]["ndcg@10"]
            click.echo(f"{'':<12} musubi/bm25 nDCG@10 = {ratio:.2f}×")
    teams = report["modes"].get("consortium")
    if teams:
        click.echo(f"\n{'mode':<12} {'system':<8} {'role precision@1':>17} {'@3':>6}  queries")
        for system in ("musubi", "bm25", "dense"):
            score = teams[system]
            at3 = f"{score['role_precision@3']:>6.3f}" if "role_precision@3" in score else " " * 6
            click.echo(
                f"{'consortium':<12} {system:<8} {score['role_precision@1']:>17.3f} {at3}  "
                f"{teams['queries']}"
            )
    if report["skipped"]:
        click.echo(f"skipped {len(report['skipped'])} line(s) without labels or of another mode")


@main.command("settings")
@pass_app
def settings_command(app: App) -> None:
    """Print the effective settings and where each can be set."""
    for setting in SETTINGS:
        value = app.settings.values[setting.name]
        click.echo(f"{setting.name} = {value!r}   ({setting.option}, {setting.env})")


@main.command("demo")
@click.option("--size", type=click.IntRange(100, 1_000_000), default=None, help="Organisations.")
@click.option(
    "--serve/--no-serve",
    default=None,
    help="With --serve (the default from a terminal) index the corpus and start the web UI; "
    "--no-serve indexes it without starting the server.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@pass_app
def demo_command(app: App, size: int | None, serve: bool | None, port: int) -> None:
    """Build the seed corpus, import it into the store and show what is there; from a
    terminal (or with --serve) also index it and serve the web UI on http://127.0.0.1:PORT/."""
    import seeds

    size = size or seeds.DEFAULT_SIZE
    path = app.settings.home_path / "seed.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    click.echo(f"building the seed corpus ({size:,} organisations) → {path}")
    seeds.write_jsonl(path, seeds.build_corpus(size))
    records, _, _ = load_records(path)
    created, updated = write_records(app.store, records)
    click.echo(f"imported {created} new and {updated} updated organisation(s)")
    click.get_current_context().invoke(stats_command, as_json=False)
    if serve is None and not (sys.stdin.isatty() and sys.stdout.isatty()):
        # Not from a terminal and not asked: stop at the store, as scripts and tests expect.
        click.echo(
            "\nnext: musubi list --kind startup --prefecture 北海道 | musubi show mu-00001 | "
            "musubi export > corpus.jsonl | musubi demo --serve"
        )
        return
    click.get_current_context().invoke(index_command, rebuild=False, as_json=False)
    if serve is False:  # --no-serve: everything but the server
        return
    click.get_current_context().invoke(serve_command, host="127.0.0.1", port=port)


# Consortia, curation and coordinator accounts live in their own module; registered here.
from matcher.cli.consortium import consortium_group, user_group  # noqa: E402

main.add_command(consortium_group)
main.add_command(user_group)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@pass_app
def serve_command(app: App, host: str, port: int) -> None:
    """Run the web UI and JSON API with the production WSGI server (waitress)."""
    import waitress

    from web import create_app

    settings = {s.name: app.settings.values[s.name] for s in SETTINGS}
    web_app = create_app({"MUSUBI": settings})
    try:
        web_app.extensions["musubi"].matcher()  # load the index now, not on the first request
    except Exception as error:  # noqa: BLE001 - the page says the same; here we warn early
        click.echo(f"musubi: warning: {error}", err=True)
    click.echo(
        f"Musubi on http://{host}:{port}/ ({app.settings.web_threads} threads); Ctrl+C stops"
    )
    waitress.serve(
        web_app,
        host=host,
        port=port,
        threads=app.settings.web_threads,
        connection_limit=max(100, 4 * app.settings.web_threads),
        channel_timeout=60,
        ident="musubi",
    )

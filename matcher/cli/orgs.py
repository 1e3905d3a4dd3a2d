"""Organisations on the command line: import and its log, export, list, show, stats, the index."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from tqdm import tqdm

from embeddings import EncoderUnavailableError, VectorIndexError
from matcher.cli.app import App, echo_json, fail, kind_option, pass_app, say_waiting
from matcher.cli.rendering import render_record
from matcher.facts import prefectures
from matcher.facts.kinds import KIND_LABELS, KINDS
from matcher.index.distributed import DaskError
from matcher.index.indexing import encoder_for, index_path, refresh_index
from matcher.ingest.importer import (
    ImportRejected,
    Preview,
    load_records,
    preview,
    write_records,
)
from matcher.ingest.log import ImportOrigin, import_log
from matcher.store import queries


@click.command("import")
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
        # What the import would do, when there is a store to compare with (a dry run never
        # creates one).
        if (
            app.settings.values.get("database_url")
            or (app.settings.home_path / "musubi.db").exists()
        ):
            _print_preview(preview(app.store, records))
        return
    # The writer lock is held from the write to the end of the index step, so another import
    # waits for both and a running server reloads once, when the two are done.
    with app.store.writer(say_waiting):
        origin = ImportOrigin.command_line(str(file), fmt)
        created, updated = write_records(app.store, records, origin=origin)
        seconds = time.perf_counter() - started
        click.echo(
            f"imported {len(records)} organisation(s) from {file} ({fmt}, {encoding}): "
            f"{created} new, {updated} updated in {seconds:.1f} s"
        )
        # Once an index exists, keep it in step with the store so matches never miss new
        # records: a run over what this import queued.
        if index_path(app.settings).exists():
            _index(app, rebuild=False, as_json=False, dask_scheduler=None, full=False)


def _print_preview(plan: Preview, limit: int = 20) -> None:
    click.echo(
        f"would add {len(plan.added)}, change {len(plan.changed)}, "
        f"leave {len(plan.unchanged)} as they are"
    )
    for ext_id in plan.added[:limit]:
        click.echo(f"  + {ext_id}")
    for ext_id, fields in plan.changed[:limit]:
        click.echo(f"  ~ {ext_id}: {', '.join(fields)}")
    hidden = max(0, len(plan.added) - limit) + max(0, len(plan.changed) - limit)
    if hidden:
        click.echo(f"  … and {hidden} more")


@click.command("import-log")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_app
def import_log_command(app: App, limit: int, as_json: bool) -> None:
    """The import log, newest first: who imported which file, when, and what it changed."""
    for entry in import_log(app.store, limit):
        if as_json:
            echo_json(entry.to_json())
            continue
        where = f" from {entry.address}" if entry.address else ""
        click.echo(
            f"{entry.at:%Y-%m-%d %H:%M:%S}Z  {entry.actor} ({entry.via}{where})  {entry.source} "
            f"({entry.format}): {entry.created} new, {entry.updated} updated"
        )


def _print_problems(rejected: ImportRejected, limit: int) -> None:
    click.echo(f"musubi: {rejected}", err=True)
    for problem in rejected.problems[:limit]:
        click.echo(f"  {problem}", err=True)
    if len(rejected.problems) > limit:
        click.echo(f"  … and {len(rejected.problems) - limit} more", err=True)


@click.command("export")
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


def _prefecture(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[int, ...]:
    try:
        return tuple(prefectures.resolve(v) for v in values)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command("list")
@click.option("--kind", multiple=True, callback=kind_option, help=f"One of {', '.join(KINDS)}.")
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
            echo_json(record.to_json())
        else:
            click.echo(
                f"{record.id:<12} {KIND_LABELS[record.kind]:<8} "
                f"{prefectures.name(record.prefecture):<5} {record.name}"
            )


@click.command("show")
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
        echo_json(record.to_json(), indent=2)
        return
    click.echo(render_record(record))


@click.command("stats")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def stats_command(app: App, as_json: bool) -> None:
    """Count organisations by kind and by prefecture."""
    counts = queries.stats(app.store)
    if as_json:
        echo_json(counts.to_json(), indent=2)
        return
    click.echo(f"{counts.total:,} organisations, {counts.needs:,} needs, {counts.offers:,} offers")
    for kind, n in counts.by_kind.items():
        click.echo(f"  {KIND_LABELS[kind]:<8} {kind:<19} {n:>7,}")
    click.echo(f"{len(counts.by_prefecture)} prefecture(s):")
    for code, n in counts.by_prefecture.items():
        click.echo(f"  {code:02d} {prefectures.name(code):<5} {n:>7,}")


@click.command("index")
@click.option("--rebuild", is_flag=True, help="Build the index anew (after changing the encoder).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option(
    "--dask-scheduler",
    metavar="ADDRESS",
    help="Encode on this Dask cluster: local, local:N, tls://HOST:PORT (see `dask_scheduler`).",
)
@pass_app
def index_command(app: App, rebuild: bool, as_json: bool, dask_scheduler: str | None) -> None:
    """Embed what changed since the last run and refresh the FAISS index.

    Reads every text, checks the index against the store and folds the changes imports wrote
    beside the index into it (an import's own run reads only what it changed).
    """
    _index(app, rebuild=rebuild, as_json=as_json, dask_scheduler=dask_scheduler, full=True)


def _index(
    app: App, *, rebuild: bool, as_json: bool, dask_scheduler: str | None, full: bool
) -> None:
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
            full=full,
            on_start=start,
            progress=lambda n: bar.update(n) if bar is not None else None,
            on_wait=say_waiting,
            dask_scheduler=dask_scheduler,
        )
    except (VectorIndexError, DaskError) as error:
        fail(str(error))
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        echo_json(summary.to_json())
        return
    click.echo(
        f"indexed {summary.total:,} texts in {summary.seconds:.1f} s: {summary.encoded:,} encoded, "
        f"{summary.reused:,} from the cache, {summary.unchanged:,} unchanged, "
        f"{summary.removed:,} removed ({summary.index_type} index, {summary.path})"
    )


COMMANDS = (
    import_command,
    import_log_command,
    export_command,
    list_command,
    show_command,
    stats_command,
    index_command,
)

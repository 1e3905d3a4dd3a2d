"""The `musubi` command: global settings options, and every command group registered on it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import click

import seeds
from matcher.cli import consortium, match, orgs, users
from matcher.cli.app import App, fail, pass_app, say_waiting
from matcher.ingest.importer import load_records, write_records
from matcher.ingest.log import ImportOrigin
from matcher.settings import SETTINGS, load_settings

PLUGINS = "musubi.commands"


@cache
def plugins() -> dict[str, EntryPoint]:
    """Commands other packages register under the ``musubi.commands`` entry point."""
    return {ep.name: ep for ep in entry_points(group=PLUGINS)}


class Musubi(click.Group):
    """The main group. Commands outside the core — the web UI's ``serve`` among them — come in
    through an entry point and are imported only when run, so the core never imports them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *plugins()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None and name in plugins():
            command = plugins()[name].load()
        return command


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


@click.group(
    cls=Musubi,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@_settings_options
@click.pass_context
def main(ctx: click.Context, **options: Any) -> None:
    """Musubi (結び): matchmaking for regional innovation — municipalities, companies,
    startups, universities and research institutes, across sectors and prefectures."""
    try:
        ctx.obj = App(load_settings(options))
    except ValueError as error:
        fail(str(error))


@main.command("settings")
@pass_app
def settings_command(app: App) -> None:
    """Print the effective settings and where each can be set."""
    for setting in SETTINGS:
        value = app.settings.values[setting.name]
        click.echo(f"{setting.name} = {value!r}   ({setting.option}, {setting.env})")


@main.command("demo")
@click.option(
    "--size",
    type=click.IntRange(100, 1_000_000),
    default=None,
    help="Organisations (and, beside them, 3% more financial institutions).",
)
@click.option(
    "--serve/--no-serve",
    default=None,
    help="With --serve (the default from a terminal) index the corpus and start the web UI; "
    "--no-serve indexes it without starting the server.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@pass_app
@click.pass_context
def demo_command(
    ctx: click.Context, app: App, size: int | None, serve: bool | None, port: int
) -> None:
    """Build the seed corpus, import it into the store and show what is there; from a
    terminal (or with --serve) also index it and serve the web UI on http://127.0.0.1:PORT/."""
    size = size or seeds.DEFAULT_SIZE
    path = app.settings.home_path / "seed.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    click.echo(f"building the seed corpus ({size:,} organisations) → {path}")
    seeds.write_jsonl(path, seeds.build_corpus(size))
    records, fmt, _ = load_records(path)
    origin = ImportOrigin.command_line(str(path), fmt)
    created, updated = write_records(app.store, records, origin=origin, on_wait=say_waiting)
    click.echo(f"imported {created} new and {updated} updated organisation(s)")
    ctx.invoke(orgs.stats_command, as_json=False)
    if serve is None and not (sys.stdin.isatty() and sys.stdout.isatty()):
        # Not from a terminal and not asked: stop at the store, as scripts and tests expect.
        click.echo(
            "\nnext: musubi list --kind startup --prefecture 北海道 | musubi show mu-00001 | "
            "musubi export > corpus.jsonl | musubi demo --serve"
        )
        return
    ctx.invoke(orgs.index_command, rebuild=False, as_json=False)
    if serve is False:  # --no-serve: everything but the server
        return
    serve_command = main.get_command(ctx, "serve")
    if serve_command is None:
        fail("the web UI is not installed: pip install musubi (with its web package)")
    ctx.invoke(serve_command, host="127.0.0.1", port=port)


for command in (*orgs.COMMANDS, *match.COMMANDS, consortium.consortium_group, users.user_group):
    main.add_command(command)

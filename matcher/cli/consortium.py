"""Consortia on the command line: `musubi consortium …` proposes teams and curates saved ones.

Thin like the other commands: parse options, call one function of the consortium mode or of
curation, print.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from matcher.cli.app import App, echo_json, fail, pass_app, query_default, top_option
from matcher.cli.rendering import render_consortium
from matcher.curation import proposals, workflow
from matcher.curation.export import render, write_export
from matcher.curation.proposals import (
    audit_log,
    change_status,
    get_proposal,
    list_proposals,
    proposal_alternatives,
    save_proposal,
)
from matcher.curation.workflow import CurationError
from matcher.facts import prefectures
from matcher.facts.kinds import KIND_LABELS
from matcher.modes.consortium.assembly import consortium
from matcher.modes.consortium.results import ConsortiumQuery
from matcher.modes.consortium.roles import ROLES
from matcher.modes.queries import build_query
from matcher.retrieval.matcher import MatchError
from matcher.store.accounts import UnknownCoordinator, get_coordinator

COORDINATOR_ENV = "MUSUBI_COORDINATOR"


def _roles(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]):  # noqa: ANN202
    out = []
    for value in values:
        key, _, count = value.partition("=")
        try:
            out.append((key.strip(), int(count) if count else 1))
        except ValueError:
            raise click.BadParameter(
                f"{value!r}: use ROLE or ROLE=COUNT, e.g. industry=2"
            ) from None
    return tuple(out)


def _actor(app: App, name: str | None) -> str:
    """The coordinator named by --as or MUSUBI_COORDINATOR; exits unless the account exists."""
    name = name or os.environ.get(COORDINATOR_ENV)
    if not name:
        fail(f"who is making this change? give --as NAME or set {COORDINATOR_ENV}")
    try:
        return get_coordinator(app.store, name).name
    except UnknownCoordinator as error:
        fail(str(error))


def _query_options(command):  # noqa: ANN001, ANN202
    for option in reversed(
        [
            click.option("--theme", help="The joint vision, e.g. 独居高齢者の見守りの広域連携."),
            click.option(
                "--region", "regions", multiple=True, help="Only members in these regional blocks."
            ),
            click.option(
                "--prefecture",
                "prefectures",
                multiple=True,
                help="Only members in these prefectures.",
            ),
            click.option(
                "--with-neighbours",
                "neighbours",
                is_flag=True,
                help="Widen --prefecture by its neighbours.",
            ),
            click.option(
                "--role",
                "roles",
                multiple=True,
                callback=_roles,
                help="Role slots instead of the default (ROLE or ROLE=COUNT; repeat).",
            ),
            click.option(
                "--min-prefectures",
                type=int,
                default=query_default(ConsortiumQuery, "min_prefectures"),
                show_default=True,
            ),
            click.option(
                "--min-kinds",
                type=int,
                default=query_default(ConsortiumQuery, "min_kinds"),
                show_default=True,
            ),
            top_option(ConsortiumQuery, "How many distinct proposals."),
        ]
    ):
        command = option(command)
    return command


@click.group("consortium", invoke_without_command=True)
@_query_options
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def consortium_group(ctx: click.Context, as_json: bool, **options: Any) -> None:
    """Propose consortia for a theme (--theme …), or curate saved ones (subcommands)."""
    if ctx.invoked_subcommand is not None:
        return
    if not options["theme"]:
        fail("give --theme TEXT to propose consortia, or a subcommand (see --help)")

    app = ctx.find_object(App)
    try:
        result = consortium(app.matcher(), build_query("consortium", options))
    except MatchError as error:
        fail(str(error))
    if as_json:
        echo_json(result.to_json())
    else:
        click.echo(render_consortium(result))


def _emit_view(view, as_json: bool, audit=()) -> None:  # noqa: ANN001

    if as_json:
        data = view.to_json()
        if audit:
            data["audit"] = [a.to_json() for a in audit]
        echo_json(data)
        return
    click.echo(render(view, "md").rstrip())
    click.echo(f"\n(version {view.version}: pass --version {view.version} to change it)")
    for a in audit:
        reason = f" — {a.reason}" if a.reason else ""
        click.echo(
            f"  v{a.version} {a.at:%Y-%m-%d %H:%M:%S}Z {a.actor} {a.action} "
            f"{json.dumps(a.details, ensure_ascii=False)}{reason}"
        )


@consortium_group.command("save")
@_query_options
@click.option("--pick", type=int, default=1, show_default=True, help="Which proposal (1 = best).")
@click.option("--as", "actor", help=f"Coordinator name [env: {COORDINATOR_ENV}].")
@click.option("--reason", help="Why it is worth keeping (optional).")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def save_command(
    app: App, pick: int, actor: str | None, reason: str | None, as_json: bool, **options: Any
) -> None:
    """Assemble proposals for --theme and save proposal --pick (status: proposed)."""
    actor = _actor(app, actor)
    if not options["theme"]:
        fail("save needs --theme TEXT (the same options as `musubi consortium`)")
    query = build_query("consortium", options)
    try:
        result = consortium(app.matcher(), query)
    except MatchError as error:
        fail(str(error))
    if not 1 <= pick <= len(result.proposals):
        fail(
            f"--pick {pick}: there are {len(result.proposals)} proposal(s)"
            + (f"; {result.note}" if result.note else "")
        )
    try:
        view = save_proposal(
            app.store, query, result.proposals[pick - 1], actor=actor, reason=reason
        )
    except CurationError as error:
        fail(str(error))
    if as_json:
        echo_json(view.to_json())
    else:
        click.echo(f"saved proposal #{view.id} (version {view.version}, status {view.status})")


@consortium_group.command("list")
@click.option("--status", help="Only proposals in this status.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_app
def list_command(app: App, status: str | None, as_json: bool) -> None:
    """List saved proposals."""
    try:
        rows = list_proposals(app.store, status)
    except CurationError as error:
        fail(str(error))
    for row in rows:
        if as_json:
            echo_json(row.to_json())
        else:
            click.echo(
                f"#{row.id:<5} {row.status:<11} v{row.version:<3} {row.members} members  "
                f"{row.theme}  ({row.updated_by}, {row.updated_at:%Y-%m-%d %H:%M}Z)"
            )


@consortium_group.command("show")
@click.argument("proposal_id", type=int)
@click.option("--audit", is_flag=True, help="Include the audit log.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def show_command(app: App, proposal_id: int, audit: bool, as_json: bool) -> None:
    """Show a saved proposal: members, evidence, notes, status and version."""
    try:
        view = get_proposal(app.store, proposal_id)
    except CurationError as error:
        fail(str(error))
    _emit_view(view, as_json, audit_log(app.store, proposal_id) if audit else ())


@consortium_group.command("edit")
@click.argument("proposal_id", type=int)
@click.option(
    "--version", "version", type=int, help="The version you read (see `show`; optional for --note)."
)
@click.option("--remove", "remove", metavar="ORG", help="Remove this member.")
@click.option("--add", "add", metavar="ORG", help="Add this organisation (with --role).")
@click.option("--role", help="Role of the organisation added or swapped in (required for both).")
@click.option("--swap", metavar="ORG", help="Replace this member …")
@click.option("--with", "with_", metavar="ORG", help="… by this organisation.")
@click.option("--alternatives", metavar="ORG|ROLE", help="List ranked alternatives; no change.")
@click.option("--note", help="Add a note.")
@click.option("--reason", help="Why (required for member changes; kept in the audit log).")
@click.option("--as", "actor", help=f"Coordinator name [env: {COORDINATOR_ENV}].")
@click.option("--top", type=int, default=10, show_default=True, help="With --alternatives.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def edit_command(app: App, proposal_id: int, **o: Any) -> None:
    """Change one thing: --remove, --add, --swap … --with, or --note; or list --alternatives."""
    actions = [k for k in ("remove", "add", "swap", "note", "alternatives") if o[k]]
    if len(actions) != 1:
        fail("give exactly one of --remove, --add, --swap … --with, --note, --alternatives")
    action = actions[0]
    try:
        view = proposals.get_proposal(app.store, proposal_id)
    except workflow.CurationError as error:
        fail(str(error))
    if action == "alternatives":
        _alternatives(app, view, o["alternatives"], o["top"], o["as_json"])
        return
    actor = _actor(app, o["actor"])
    if o["version"] is None and action != "note":  # a note decides nothing: it never conflicts
        fail(f"--version is required: the version you read (now {view.version}; see `show`)")
    if action == "swap" and not o["with_"]:
        fail("--swap ORG needs --with ORG (see --alternatives ORG for ranked candidates)")
    try:
        if action == "note":
            view = proposals.add_note(
                app.store, proposal_id, o["note"], version=o["version"], actor=actor
            )
        else:
            view = proposals.edit_member(
                app.store,
                app.matcher,
                proposal_id,
                action,
                org=o["add"] or o["with_"],
                member=o["remove"] or o["swap"],
                role=o["role"],
                version=o["version"],
                actor=actor,
                reason=o["reason"],
            )
    except (workflow.CurationError, MatchError) as error:
        fail(str(error))
    if o["as_json"]:
        echo_json(view.to_json())
    else:
        click.echo(f"proposal #{view.id}: {action} done (now version {view.version})")
        for check in view.checks:
            click.echo(f"  note: {check}")


def _alternatives(app: App, view, target: str, top: int, as_json: bool) -> None:  # noqa: ANN001

    member = next((x for x in view.members if x.id == target), None)
    role = member.role if member else target
    if member is None and target not in ROLES:
        fail(f"{target!r} is neither a member of proposal #{view.id} nor a role")
    try:
        found = proposal_alternatives(
            app.matcher(), view, role, replacing=member.id if member else None, top=top
        )
    except MatchError as error:
        fail(str(error))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "proposal": view.id,
                    "role": role,
                    "replacing": target if member else None,
                    "alternatives": [a.to_json() for a in found],
                },
                ensure_ascii=False,
            )
        )
        return
    for k, a in enumerate(found, start=1):
        mb = a.member
        click.echo(
            f"{k:>2}. {mb.name}  [{KIND_LABELS.get(mb.kind, mb.kind)} / "
            f"{prefectures.name(mb.prefecture)}]  id={mb.id}  適合={mb.fit:.2f}  "
            f"team={a.team_score:.3f} ({a.delta:+.3f})"
        )


@consortium_group.command("status")
@click.argument("proposal_id", type=int)
@click.argument("status")
@click.option("--version", "version", type=int, required=True, help="The version you read.")
@click.option("--reason", help="Why (required).")
@click.option("--as", "actor", help=f"Coordinator name [env: {COORDINATOR_ENV}].")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def status_command(
    app: App,
    proposal_id: int,
    status: str,
    version: int,
    reason: str | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Move a proposal: proposed → shortlisted → contacted → agreed | declined (or reopen)."""
    actor = _actor(app, actor)
    try:
        view = change_status(
            app.store, proposal_id, status, version=version, actor=actor, reason=reason or ""
        )
    except CurationError as error:
        fail(str(error))
    if as_json:
        echo_json(view.to_json())
    else:
        click.echo(f"proposal #{view.id} is now {view.status} (version {view.version})")


@consortium_group.command("export")
@click.argument("proposal_id", type=int)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "md", "html"]),
    default="md",
    show_default=True,
)
@click.option("--output", "-o", default="-", help="File to write (atomically); - for stdout.")
@click.option("--audit", is_flag=True, help="JSON only: include the audit log.")
@pass_app
def export_command(app: App, proposal_id: int, fmt: str, output: str, audit: bool) -> None:
    """Export a proposal: JSON, CSV of members (UTF-8 with BOM), or a Markdown/HTML brief."""
    try:
        view = get_proposal(app.store, proposal_id)
        log = audit_log(app.store, proposal_id) if audit else ()
        text = write_export(view, fmt, output, log)
    except CurationError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror or error}")
    if output == "-":
        # The BOM goes to standard output too, so `… --format csv > members.csv` opens in Excel.
        sys.stdout.write(("\ufeff" if fmt == "csv" else "") + text)
    else:
        click.echo(f"wrote proposal #{proposal_id} as {fmt} to {output}", err=True)

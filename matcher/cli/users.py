"""Coordinator accounts on the command line: `musubi user add|list|password|token|log` and more."""

from __future__ import annotations

import sys
from datetime import timedelta

import click

from matcher.cli.app import App, echo_json, fail, pass_app
from matcher.store.accounts import (
    EVENTS,
    AccountError,
    UnknownCoordinator,
    account_log,
    change_password,
    create_coordinator,
    end_sessions,
    list_coordinators,
    revoke_token,
    rotate_token,
    unlock,
)
from matcher.store.models import utcnow

MAX_TOKEN_DAYS = 3650


@click.group("user")
def user_group() -> None:
    """Coordinator accounts (the names in the audit log; logins and API tokens for the web)."""


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("password", hide_input=True, confirmation_prompt=True, err=True)


@user_group.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_app
def user_add_command(app: App, name: str, password_stdin: bool) -> None:
    """Create a coordinator; prints a new API token once (only its hash is stored)."""
    password = _read_password(password_stdin)
    try:
        created = create_coordinator(app.store, name, password)
    except AccountError as error:
        fail(str(error))
    click.echo(f"created coordinator {created.coordinator.name!r}", err=True)
    click.echo("API token (shown once, store it now):", err=True)
    click.echo(created.token)


@user_group.command("list")
@pass_app
def user_list_command(app: App) -> None:
    """List coordinator accounts, with their API token's state and any lock."""
    now = utcnow()
    for c in list_coordinators(app.store):
        if not c.has_token:
            token = "no API token"
        elif c.token_expires_at is None:
            token = "API token"
        elif c.token_expires_at <= now:
            token = f"API token expired {c.token_expires_at:%Y-%m-%d %H:%M} UTC"
        else:
            token = f"API token until {c.token_expires_at:%Y-%m-%d %H:%M} UTC"
        locked = ""
        if c.locked_until is not None and c.locked_until > now:
            locked = f"; locked until {c.locked_until:%Y-%m-%d %H:%M:%S} UTC"
        click.echo(f"{c.name}  (since {c.created_at:%Y-%m-%d}; {token}{locked})")


@user_group.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_app
def user_password_command(app: App, name: str, password_stdin: bool) -> None:
    """Set a new password; ends every web session of NAME and lifts any lock."""
    password = _read_password(password_stdin)
    try:
        change_password(app.store, name, password)
    except (AccountError, UnknownCoordinator) as error:
        fail(str(error))
    click.echo(f"password of {name!r} changed; every web session of {name!r} ended", err=True)


@user_group.group("token")
def token_group() -> None:
    """The API token of a coordinator (`Authorization: Bearer …`)."""


@token_group.command("rotate")
@click.argument("name")
@click.option(
    "--expires-in",
    type=click.IntRange(1, MAX_TOKEN_DAYS),
    default=None,
    metavar="DAYS",
    help="The new token stops working after DAYS days (default: it does not expire).",
)
@pass_app
def token_rotate_command(app: App, name: str, expires_in: int | None) -> None:
    """Replace NAME's API token (the old one stops working); prints the new one once."""
    days = timedelta(days=expires_in) if expires_in is not None else None
    try:
        token = rotate_token(app.store, name, expires_in=days)
    except UnknownCoordinator as error:
        fail(str(error))
    until = f", valid for {expires_in} day(s)" if expires_in else ""
    click.echo(f"new API token for {name!r}{until} (shown once, store it now):", err=True)
    click.echo(token)


@token_group.command("revoke")
@click.argument("name")
@pass_app
def token_revoke_command(app: App, name: str) -> None:
    """Remove NAME's API token and end every web session of NAME."""
    try:
        revoke_token(app.store, name)
    except UnknownCoordinator as error:
        fail(str(error))
    click.echo(f"API token of {name!r} revoked; every web session of {name!r} ended", err=True)


@user_group.command("logout")
@click.argument("name")
@pass_app
def user_logout_command(app: App, name: str) -> None:
    """End every web session of NAME (the password and the API token stay)."""
    try:
        end_sessions(app.store, name)
    except UnknownCoordinator as error:
        fail(str(error))
    click.echo(f"every web session of {name!r} ended", err=True)


@user_group.command("unlock")
@click.argument("name")
@pass_app
def user_unlock_command(app: App, name: str) -> None:
    """Lift the lock that wrong passwords put on NAME's account."""
    try:
        unlock(app.store, name)
    except UnknownCoordinator as error:
        fail(str(error))
    click.echo(f"{name!r} unlocked", err=True)


@user_group.command("log")
@click.argument("name", required=False)
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_app
def user_log_command(app: App, name: str | None, limit: int, as_json: bool) -> None:
    """The account log, newest first: logins, failed logins, locks and account changes."""
    for entry in account_log(app.store, name, limit):
        if as_json:
            echo_json(entry.to_json())
            continue
        where = f"  from {entry.address}" if entry.address else ""
        said = EVENTS.get(entry.event, entry.event)
        click.echo(
            f"{entry.at:%Y-%m-%d %H:%M:%S}Z  {entry.event:<16} {entry.name}{where}  ({said})"
        )

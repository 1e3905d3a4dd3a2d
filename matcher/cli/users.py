"""Coordinator accounts on the command line: `musubi user add|list`."""

from __future__ import annotations

import sys

import click

from matcher.cli.app import App, fail, pass_app
from matcher.store.accounts import AccountError, create_coordinator, list_coordinators


@click.group("user")
def user_group() -> None:
    """Coordinator accounts (the names in the audit log; logins and API tokens for the web)."""


@user_group.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_app
def user_add_command(app: App, name: str, password_stdin: bool) -> None:
    """Create a coordinator; prints a new API token once (only its hash is stored)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True, err=True)
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
    """List coordinator accounts."""
    for c in list_coordinators(app.store):
        click.echo(f"{c.name}  (since {c.created_at:%Y-%m-%d})")

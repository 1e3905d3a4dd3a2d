"""`musubi serve`: the web UI and JSON API under waitress, registered as a `musubi` command
through the ``musubi.commands`` entry point (the core knows nothing of the web)."""

from __future__ import annotations

import click
import waitress
from threadpoolctl import threadpool_limits

from matcher.cli.app import App, fail, pass_app
from matcher.settings import SETTINGS
from web import create_app, memory

#: malloc arenas of the server process: with one per thread (glibc's default, up to 8 per core)
#: memory freed by replaced Matchers stayed in the arenas (see web/memory.py).
ARENAS = 2


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@pass_app
def serve_command(app: App, host: str, port: int) -> None:
    """Run the web UI and JSON API with the production WSGI server (waitress)."""
    memory.limit_arenas(ARENAS)  # before the worker threads allocate anything
    # Requests already run side by side on waitress's threads. OpenBLAS splitting a request's
    # small matrix products over both cores only left its helper thread spinning: the demo's
    # search page took 31 ms of CPU with it and 14 ms without, in the same wall time.
    threadpool_limits(limits=1, user_api="blas")
    settings = {s.name: app.settings.values[s.name] for s in SETTINGS}
    try:
        web_app = create_app({"MUSUBI": settings})
    except ValueError as error:  # a setting the web cannot use (a rate limit, a storage URI)
        fail(str(error))
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

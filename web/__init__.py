"""Web UI and JSON API (Flask): thin views over matcher — parse input, call one function, render."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from flask import Flask

from matcher.curation import export
from matcher.settings import load_settings
from web import (
    api,
    auth,
    consortia,
    errors,
    extensions,
    i18n,
    imports,
    orgs,
    search,
    security,
    service,
)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then MUSUBI_* settings and the instance config, then test_config.

    ``MUSUBI`` in the config holds overrides of matcher's settings table (home, encoder, …);
    ``SERVICE`` may hand in an already loaded web.service.Service (tests share one across apps);
    everything else in it is Flask's.
    """
    app = Flask(__name__, instance_relative_config=True)
    # Pages include the printable brief's content from curation, as its HTML export does.
    app.jinja_loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(Path(app.root_path) / app.template_folder),
            jinja2.PrefixLoader({"curation": jinja2.FileSystemLoader(export.TEMPLATES)}),
        ]
    )
    app.config.from_mapping(
        MUSUBI={},
        MAX_CONTENT_LENGTH=32 * 1024 * 1024,  # the largest import upload
        MAX_FORM_MEMORY_SIZE=2 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        BABEL_DEFAULT_LOCALE="ja",
        JSON_SORT_KEYS=False,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)

    settings = load_settings(dict(app.config["MUSUBI"]))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(settings.home_path)
    app.extensions["musubi"] = app.config.get("SERVICE") or service.Service(settings)

    extensions.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    for bp in (
        search.bp,
        orgs.bp,
        consortia.bp,
        imports.bp,
        auth.bp,
        api.bp,
    ):
        app.register_blueprint(bp)
    extensions.csrf.exempt(api.bp)  # API writes authenticate with a bearer token, not a cookie
    return app


def _secret_key(home: Path) -> str:
    """MUSUBI_SECRET_KEY, else a random key kept in HOME/web-secret-key (mode 0600)."""
    if os.environ.get("MUSUBI_SECRET_KEY"):
        return os.environ["MUSUBI_SECRET_KEY"]
    path = home / "web-secret-key"
    try:
        return path.read_text("ascii").strip()
    except FileNotFoundError:
        pass
    home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker wrote it first
        return path.read_text("ascii").strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key

"""Web UI and JSON API (Flask): thin views over matcher — parse input, call one function, render."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from flask import Flask
from limits import parse_many
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from matcher.curation import export
from matcher.settings import SETTINGS, Settings, load_settings
from matcher.store.accounts import Lockout
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
    app.url_map.converters["proposal_id"] = ProposalId
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
    _auth_config(app, settings)
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


def _auth_config(app: Flask, settings: Settings) -> None:
    """Cookies, the login lockout and the per-address limits, from the settings table."""
    app.config["SESSION_COOKIE_SECURE"] = settings.secure_cookies
    app.config["REMEMBER_COOKIE_SECURE"] = settings.secure_cookies
    app.config["AUTH_LOCKOUT"] = Lockout.from_settings(settings)
    for name in ("login_address_limit", "token_address_limit"):
        value = getattr(settings, name)
        try:
            parse_many(value)
        except ValueError:
            setting = next(s for s in SETTINGS if s.name == name)
            raise ValueError(
                f"{setting.env} / {setting.option}: {value!r} is not a rate limit; write it like "
                "'10 per minute;50 per hour'"
            ) from None
        app.config[name.upper()] = value
    app.config["RATELIMIT_STORAGE_URI"] = settings.rate_limit_storage
    # If the shared storage goes away, count in this process rather than fail every login.
    app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True
    if settings.trusted_proxies > 0:
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


class ProposalId(IntegerConverter):
    """A saved proposal's id in a URL: 1 to 2^31 − 1, what every store's integer holds; a
    larger number is a 404 like any unknown id, never an overflow in the database driver."""

    openapi = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=2**31 - 1)


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

"""Flask extensions, created unbound and bound to the app in create_app."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from limits.errors import ConfigurationError

csrf = CSRFProtect()
login_manager = LoginManager()
# Per-address limits (failed logins, failed API tokens), counted in RATELIMIT_STORAGE_URI: a
# shared redis:// or memcached:// server when several processes serve one store. The address is
# the connection's, or the client's as told by trusted proxies (create_app's ProxyFix).
limiter = Limiter(get_remote_address, key_prefix="musubi", strategy="fixed-window")


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page says why on its own
    try:
        limiter.init_app(app)
    except ConfigurationError as error:
        uri = app.config.get("RATELIMIT_STORAGE_URI")
        raise ValueError(
            f"rate_limit_storage {uri!r}: {error} (use memory://, redis://HOST:6379 with the "
            "redis package, or memcached://HOST:11211 with pymemcache)"
        ) from None

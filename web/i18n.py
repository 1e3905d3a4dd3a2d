"""Japanese first, English by switch: Flask-Babel with the catalogue read from .po at start-up.

Message ids are the Japanese text, so the Japanese page needs no catalogue at all; the English
catalogue lives in ``translations/en/LC_MESSAGES/messages.po`` and is compiled in memory when
the app starts (no compiled .mo files in the repository, no build step to forget).
"""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlsplit

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Blueprint, Flask, current_app, redirect, request
from flask_babel import Babel, Domain, get_locale
from werkzeug.wrappers import Response

from web.japanmap import shape_points
from web.labels import (
    feature_label,
    flag_label,
    ja,
    jst,
    kind_label,
    lang,
    place_label,
    prefecture_code,
    prefecture_label,
    region_key,
    region_label,
    strength_label,
)
from web.messages import notices, say

LANGUAGES = ("ja", "en")
COOKIE = "musubi_lang"
TRANSLATIONS = Path(__file__).parent / "translations"

bp = Blueprint("i18n", __name__)


def load_catalogues(root: Path = TRANSLATIONS) -> dict[str, Translations]:
    """Every ``<lang>/LC_MESSAGES/messages.po`` under ``root``, compiled in memory."""
    out = {}
    for po in sorted(root.glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        out[po.parent.parent.name] = Translations(buffer)
    return out


class CatalogueDomain(Domain):
    """A Flask-Babel domain whose catalogues are compiled once, not read from disk per request."""

    def __init__(self, catalogues: dict[str, Translations]) -> None:
        super().__init__()
        self.catalogues = catalogues

    def get_translations(self):  # noqa: ANN201
        locale = get_locale()
        if locale is None:
            return NullTranslations()
        return self.catalogues.get(locale.language, NullTranslations())


class MusubiBabel(Babel):
    @property
    def domain_instance(self) -> Domain:  # type: ignore[override]
        return current_app.extensions["musubi_i18n"]


babel = MusubiBabel()


def select_locale() -> str:
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    if request.path.startswith("/api"):
        return "ja"
    return request.accept_languages.best_match(LANGUAGES, default="ja") or "ja"


def safe_next(target: str | None, default: str = "/") -> str:
    """A same-site path to go back to; anything else (another host, a scheme) is the default."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target


@bp.get("/lang/<code>")
def switch(code: str) -> Response:
    """Remember the page language in a cookie and go back where the user was."""
    response = redirect(safe_next(request.args.get("next")))
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def init_app(app: Flask) -> None:
    app.extensions["musubi_i18n"] = CatalogueDomain(load_catalogues())
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.jinja_env.filters.update(jst=jst, ja=ja)
    app.jinja_env.globals.update(
        lang=lang,
        kind_label=kind_label,
        feature_label=feature_label,
        flag_label=flag_label,
        strength_label=strength_label,
        prefecture_label=prefecture_label,
        prefecture_code=prefecture_code,
        region_key=region_key,
        region_label=region_label,
        place_label=place_label,
        legend_shape=lambda shape: shape_points(shape, 8, 8, 10),
        jst=jst,
        ja=ja,
        say=say,
        notices=notices,
        LANGUAGES=LANGUAGES,
    )

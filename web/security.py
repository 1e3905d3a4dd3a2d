"""Security headers on every response: a strict CSP (no inline script or style), no framing."""

from __future__ import annotations

from flask import Flask, Response, abort, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


# A query string this long is never a real search (texts are capped at 2,000 characters);
# refusing it before parsing keeps a flood of megabyte URLs cheap.
MAX_QUERY_STRING = 64 * 1024


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_huge_urls() -> None:
        if len(request.query_string) > MAX_QUERY_STRING:
            abort(
                414,
                f"the query string is {len(request.query_string):,} bytes; at most "
                f"{MAX_QUERY_STRING:,} (send long texts in a POST body)",
            )

    @app.after_request
    def set_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if response.mimetype == "text/html":
            # Pages carry the CSRF token and the login state: never cache them in shared caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

"""HTTP response headers: a strict Content-Security-Policy and friends."""
from __future__ import annotations

from flask import Flask, request


def content_security_policy(host: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            # Some mobile browsers do not count ws(s) as 'self', so name the host too.
            f"connect-src 'self' ws://{host} wss://{host}",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )


_NOT_DOCUMENTS = frozenset({"text/css", "text/javascript", "application/javascript"})


def _stylesheet_or_script(response) -> bool:
    return request.path.startswith("/static/") and response.mimetype in _NOT_DOCUMENTS


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")  # a stylesheet's own fetches follow it too
        if not _stylesheet_or_script(response):
            # what a document may load, be framed by and use; on a stylesheet or a
            # script these do nothing, and a phone would download them on every file
            headers.setdefault("Content-Security-Policy", content_security_policy(request.host))
            headers.setdefault("X-Frame-Options", "DENY")
            headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if response.mimetype == "text/html" or request.path.startswith("/api/"):
            headers["Cache-Control"] = "no-store"
        if app.config.get("REFLECT_HTTPS") or request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

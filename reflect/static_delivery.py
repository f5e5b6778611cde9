"""Light pages for phones on weak networks, with Python's own gzip (no dependency).

Static files
    are served from memory under content-hashed URLs: ``static_url("js/phone.js")`` gives
    ``/static/js/phone.js?v=<hash>``, and a request carrying the current hash is answered
    with ``Cache-Control: public, max-age=31536000, immutable``; any other request for a
    static file gets ``no-cache`` and an ETag (a cheap 304). Each file is gzip-compressed
    once (level 9) and the compressed bytes are kept, so no request pays for compression.
    ES modules import each other by relative URL (``import … from "./live.js"``); those
    specifiers are rewritten to carry the imported file's hash too, so every module a page
    loads is cached for a year and a new release is fetched at once.

Pages and JSON
    are gzip-compressed per response when the browser asks for it (``Accept-Encoding``).
    Pages carry a CSRF token and can echo what a URL says (the language switch's "next"),
    which is what a compression side channel (BREACH) needs; so a response is compressed
    only for requests the browser marks as same-origin or typed in / opened from outside
    (``Sec-Fetch-Site: same-origin`` or ``none``), or that come from a browser too old to
    say. A page another site makes the browser load is sent uncompressed.

Why not Flask-Compress: it compresses static files per request (or needs a cache
backend), does not version URLs, and would still need the import rewriting and the
same-origin rule; what is needed here is about a hundred lines.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import posixpath
import re
from dataclasses import dataclass, field

from flask import Flask, abort, current_app, request, url_for
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
MIN_SIZE = 512  # below this, gzip's own header and a round of work are not worth it
COMPRESSIBLE = {
    "text/html", "text/css", "text/javascript", "application/javascript", "application/json",
    "text/plain", "text/csv", "image/svg+xml", "application/xml", "text/markdown", "application/toml",
}
DYNAMIC = {"text/html", "application/json", "text/plain", "text/csv"}
COMPRESS_FOR = {None, "same-origin", "none"}  # Sec-Fetch-Site values (None: not sent)
# `from "./x.js"`, `import "./x.js"`, `import("./x.js")`, `export … from "../y.js"`
IMPORT_RE = re.compile(r"""(\bfrom\s*|\bimport\s*\(?\s*)(["'])(\.{1,2}/[^"'?#\s]+?\.m?js)\2""")


@dataclass
class Asset:
    name: str
    stamp: tuple
    body: bytes
    gzipped: bytes | None
    version: str
    mimetype: str
    deps: dict = field(default_factory=dict)  # imported asset name -> the version used


class Assets:
    """The static folder, read, versioned and compressed once (re-read when a file changes)."""

    def __init__(self, folder: str):
        self.folder = folder
        self.cache: dict[str, Asset] = {}

    def get(self, name: str, _building: frozenset = frozenset()) -> Asset | None:
        path = safe_join(self.folder, name)
        if path is None or not os.path.isfile(path):
            return None
        stat = os.stat(path)
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self.cache.get(name)
        if cached is not None and cached.stamp == stamp and all(
            self._version(dep, _building | {name}) == version for dep, version in cached.deps.items()
        ):
            return cached
        with open(path, "rb") as handle:
            body = handle.read()
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if name.endswith((".js", ".mjs")):
            mimetype = "text/javascript"
        deps: dict[str, str] = {}
        if mimetype == "text/javascript":
            body = self._version_imports(name, body, deps, _building | {name})
        gzipped = None
        if mimetype in COMPRESSIBLE and len(body) >= MIN_SIZE:
            gzipped = gzip.compress(body, compresslevel=9, mtime=0)
        asset = Asset(name, stamp, body, gzipped, hashlib.sha256(body).hexdigest()[:12], mimetype, deps)
        self.cache[name] = asset
        return asset

    def _version(self, name: str, building: frozenset) -> str | None:
        if name in building:  # an import cycle: that specifier stays as it is
            return None
        asset = self.get(name, building)
        return asset.version if asset else None

    def _version_imports(self, name: str, body: bytes, deps: dict, building: frozenset) -> bytes:
        text = body.decode("utf-8")
        base = posixpath.dirname(name)

        def versioned(match: re.Match) -> str:
            target = posixpath.normpath(posixpath.join(base, match.group(3)))
            version = self._version(target, building)
            if version is None:
                return match.group(0)
            deps[target] = version
            quote = match.group(2)
            return f"{match.group(1)}{quote}{match.group(3)}?v={version}{quote}"

        return IMPORT_RE.sub(versioned, text).encode("utf-8")


def _accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def static_url(filename: str) -> str:
    """The URL of a static file, carrying its content hash (cached for a year)."""
    asset = current_app.extensions["reflect.assets"].get(filename)
    if asset is None:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=asset.version)


def serve_static(filename: str):
    asset = current_app.extensions["reflect.assets"].get(filename)
    if asset is None:
        abort(404)
    compressed = asset.gzipped is not None and _accepts_gzip()
    response = current_app.response_class(asset.gzipped if compressed else asset.body, mimetype=asset.mimetype)
    if compressed:
        response.headers["Content-Encoding"] = "gzip"
    if asset.gzipped is not None:
        response.vary.add("Accept-Encoding")
    response.set_etag(asset.version + ("-gz" if compressed else ""))
    response.headers["Cache-Control"] = IMMUTABLE if request.args.get("v") == asset.version else REVALIDATE
    return response.make_conditional(request)


def compress_response(response):
    """gzip a page or JSON answer when the browser asks and the request is not cross-site."""
    if (
        response.direct_passthrough
        or response.is_streamed
        or response.status_code < 200
        or response.status_code in (204, 304)
        or "Content-Encoding" in response.headers
        or response.mimetype not in DYNAMIC
        or request.method == "HEAD"
    ):
        return response
    response.vary.add("Accept-Encoding")
    if not _accepts_gzip() or request.headers.get("Sec-Fetch-Site") not in COMPRESS_FOR:
        return response
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return response
    response.set_data(gzip.compress(data, compresslevel=6))
    response.headers["Content-Encoding"] = "gzip"
    return response


class StaticVary:
    """WSGI wrapper: a static file is the same whoever asks, so its ``Vary`` drops the
    ``Cookie`` that Flask adds whenever anything (Flask-Login's cookie refresh does, on
    every request) looked at the session; ``Vary: Cookie`` would make a phone's cache
    miss the file after every change of its session cookie."""

    def __init__(self, wsgi_app, prefix: str):
        self.wsgi_app = wsgi_app
        self.prefix = prefix

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO", "").startswith(self.prefix):
            return self.wsgi_app(environ, start_response)

        def start(status, headers, exc_info=None):
            headers = [(k, ", ".join(p for p in (x.strip() for x in v.split(",")) if p.lower() != "cookie"))
                       if k.lower() == "vary" else (k, v) for k, v in headers]
            return start_response(status, [(k, v) for k, v in headers if v or k.lower() != "vary"], exc_info)

        return self.wsgi_app(environ, start)


def init_app(app: Flask) -> None:
    app.extensions["reflect.assets"] = Assets(app.static_folder)
    app.wsgi_app = StaticVary(app.wsgi_app, app.static_url_path.rstrip("/") + "/")
    app.view_functions["static"] = serve_static
    app.after_request(compress_response)
    app.jinja_env.globals["static_url"] = static_url

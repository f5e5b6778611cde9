"""Error pages, translated, and JSON errors for the API."""
import logging

from flask import Flask, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import TimeoutError as PoolTimeout

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have access to this page."),
    404: _l("This page does not exist."),
    405: _l("This action is not allowed here."),
    413: _l("That is too large."),
    429: _l("Too many attempts. Wait a minute and try again."),
    500: _l("Something went wrong on our side. Nothing you sent was lost; try again."),
    503: _l("The server is busy just now. Try again in a moment."),
}
# Said under the 503 page's heading: what happened to what was sent, and what to do.
BUSY_DETAIL = _l("Nothing you sent was saved. Go back and send it again in a few seconds.")
RETRY_AFTER_SECONDS = 5


def _render(status: int, message=None, detail=None):
    message = message or MESSAGES.get(status, MESSAGES[500])
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return {"error": str(message), "status": status}, status
    return render_template("error.html", status=status, message=message, detail=detail), status


def busy_response():
    """503 "try again in a moment", with ``Retry-After``: a dependency (the database's
    connection pool, Redis) did not answer in time; nothing was changed."""
    if "_login_user" not in g:  # the page must not need the database: nobody signed in is shown
        from reflect.extensions import login_manager

        g._login_user = login_manager.anonymous_user()  # flask-login's place for the request's user
    body, status = _render(503, detail=BUSY_DETAIL)
    return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def error_response(status: int, message=None):
    """The error page (or JSON error) for ``status``, with ``message`` or the status's own."""
    return _render(status, message)


def init_app(app: Flask) -> None:
    @app.errorhandler(401)
    def _unauthorised(_err):
        if request.path.startswith("/api/"):
            return _render(401, _l("Sign in first."))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @app.errorhandler(CSRFError)
    def _csrf(_err):
        return _render(400, _l("The form expired. Go back, reload the page and try again."))

    for status in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(status, lambda err, status=status: _render(status))

    from limits.errors import StorageError

    from reflect.extensions import limiter
    from reflect.outage import Outage

    storage = app.extensions["reflect.ratelimit_outage"] = Outage(
        logging.getLogger("reflect.ratelimit"), "rate-limit storage (Redis)", "REFLECT_RATELIMIT_STORAGE_URL")

    @app.errorhandler(StorageError)
    def _ratelimit_storage_down(err):  # sign-in and join count attempts there: try again soon
        storage.failed(err, f"{request.method} {request.url_rule.rule if request.url_rule else '?'}")
        return busy_response()

    @app.after_request
    def _ratelimit_storage_back(response):
        if storage.down and limiter.current_limit is not None:  # a limited request was counted
            storage.recovered()
        return response

    @app.errorhandler(PoolTimeout)
    def _pool_exhausted(err):
        from reflect.db import get_store

        get_store().pool_busy(err, f"{request.method} {request.url_rule.rule if request.url_rule else '?'}")
        return busy_response()


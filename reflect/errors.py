"""Error pages, translated, and JSON errors for the API."""
from flask import Flask, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have access to this page."),
    404: _l("This page does not exist."),
    405: _l("This action is not allowed here."),
    413: _l("That is too large."),
    429: _l("Too many attempts. Wait a minute and try again."),
    500: _l("Something went wrong on our side. Nothing you sent was lost; try again."),
}


def _render(status: int, message=None):
    message = message or MESSAGES.get(status, MESSAGES[500])
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return {"error": str(message), "status": status}, status
    return render_template("error.html", status=status, message=message), status


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

"""Text no database can be handed: a NUL in a form or a query string.

PostgreSQL cannot store a NUL in text (the driver raises, and the request would end in a
server error); SQLite would store it. A form field or query parameter holding one is
refused with a 400 page before any view runs, so nothing is changed, on either database.
Other control characters are stored as they come (a vertical tab pasted from a word
processor into a card's text is no attack); views that refuse them, and show the
problem on their own form, check their fields themselves (``OWN_CHECKS``).
"""
from __future__ import annotations

from flask import Flask, request
from flask_babel import lazy_gettext as _l

OWN_CHECKS = frozenset({"join.welcome"})  # reflect/join/forms.py: a form error on the page
MESSAGE = _l("The form holds control characters, which cannot be saved. Remove them and try again.")


def has_a_nul(values) -> bool:
    return any(isinstance(value, str) and "\x00" in value for value in values)


def init_app(app: Flask) -> None:
    from reflect.errors import error_response

    @app.before_request
    def _refuse_a_nul():
        if request.endpoint is None or request.endpoint in OWN_CHECKS:
            return None
        fields = [text for pair in request.args.items(multi=True) for text in pair]
        if request.method in ("POST", "PUT", "PATCH"):
            fields += [text for pair in request.form.items(multi=True) for text in pair]
        if has_a_nul(fields):
            return error_response(400, MESSAGE)
        return None

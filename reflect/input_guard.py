"""Text no database should be handed: control characters in a form or a query string.

PostgreSQL cannot store a NUL in text (the driver raises, and the request would end in a
server error); SQLite would store it. A form field or query parameter holding a C0
control character other than a tab or a line break is refused with a 400 page before
any view runs, so nothing is changed. Views that check their fields themselves and show
the problem on their own form are left to do so (``OWN_CHECKS``).
"""
from __future__ import annotations

import re

from flask import Flask, request
from flask_babel import lazy_gettext as _l

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
OWN_CHECKS = frozenset({"join.welcome"})  # reflect/join/forms.py: a form error on the page
MESSAGE = _l("The form holds control characters, which cannot be saved. Remove them and try again.")


def has_control_characters(values) -> bool:
    return any(isinstance(value, str) and CONTROL.search(value) for value in values)


def init_app(app: Flask) -> None:
    from reflect.errors import error_response

    @app.before_request
    def _refuse_control_characters():
        if request.endpoint is None or request.endpoint in OWN_CHECKS:
            return None
        fields = [text for pair in request.args.items(multi=True) for text in pair]
        if request.method in ("POST", "PUT", "PATCH"):
            fields += [text for pair in request.form.items(multi=True) for text in pair]
        if has_control_characters(fields):
            return error_response(400, MESSAGE)
        return None

"""Language choice: a switch that sticks (cookie), else the browser's preference."""
from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

LANGUAGES = {"en": "English", "es": "Español"}
LANG_COOKIE = "reflect_lang"


def normalise(code: str | None) -> str | None:
    if not code:
        return None
    code = code.split("-")[0].split("_")[0].lower()
    return code if code in LANGUAGES else None


def select_locale() -> str:
    if not has_request_context():
        return "en"
    chosen = normalise(request.cookies.get(LANG_COOKIE))
    if chosen:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale:
        return current_user.locale
    return request.accept_languages.best_match(list(LANGUAGES)) or "en"

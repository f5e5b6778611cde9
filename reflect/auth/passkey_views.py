"""Passkeys: adding and removing them (account page), and using one for the second step.

The browser side is ``static/js/passkey.js``; JSON in and out, with the CSRF token in the
``X-CSRFToken`` header (checked by Flask-WTF as for every form)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reflect.auth import accounts, flow, passkeys, totp
from reflect.auth.forms import EmptyForm
from reflect.auth.messages import account_error
from reflect.auth.views import bp
from reflect.db import get_session
from reflect.extensions import limiter

REGISTER_KEY = "passkey_register_challenge"
SIGN_IN_KEY = "passkey_sign_in_challenge"


def relying_party() -> tuple[str, str]:
    """The relying party's id (the host name) and the origin the browser must report."""
    base = current_app.config.get("REFLECT_PUBLIC_URL") or request.host_url
    parts = urlsplit(base)
    return parts.hostname or "", f"{parts.scheme}://{parts.netloc}"


def _credential() -> str:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("credential"), dict):
        abort(400)
    import json

    return json.dumps(body["credential"])


def _refused(code: str, status: int = 400):
    return jsonify({"ok": False, "message": account_error(code)}), status


@bp.post("/account/passkeys/options")
@login_required
@limiter.limit("20 per minute")
def passkey_options():
    db = get_session()
    if not totp.is_enabled(current_user):
        return _refused("passkey_needs_totp")
    rp_id, _origin = relying_party()
    try:
        options, challenge = passkeys.registration_options(db, current_user, rp_id)
    except accounts.AccountError as err:
        return _refused(err.code)
    session[REGISTER_KEY] = challenge
    return current_app.response_class(options, mimetype="application/json")


@bp.post("/account/passkeys")
@login_required
@limiter.limit("20 per minute")
def add_passkey():
    db = get_session()
    challenge = session.pop(REGISTER_KEY, None)
    credential = _credential()
    if not challenge or not totp.is_enabled(current_user):
        return _refused("passkey_refused")
    rp_id, origin = relying_party()
    name = (request.get_json(silent=True) or {}).get("name")
    try:
        passkeys.register(db, current_user, credential, challenge, rp_id, origin,
                          name if isinstance(name, str) else "")
    except accounts.AccountError as err:
        db.rollback()
        return _refused(err.code)
    db.commit()
    flash(_("The passkey was added."), "success")
    return jsonify({"ok": True, "redirect": url_for("auth.two_factor")})


@bp.post("/account/passkeys/<int:passkey_id>/remove")
@login_required
def remove_passkey(passkey_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    db = get_session()
    try:
        passkeys.remove(db, current_user, current_user, passkey_id)
    except accounts.AccountError as err:
        db.rollback()
        flash(account_error(err.code), "error")
    else:
        db.commit()
        flash(_("The passkey was removed."), "success")
    return redirect(url_for("auth.two_factor"))


@bp.post("/login/passkey/options")
@limiter.limit("20 per minute", exempt_when=flow.nothing_pending)
def passkey_sign_in_options():
    db = get_session()
    held = flow.pending(db, "code")
    if held is None:
        abort(404)
    user, _state = held
    rp_id, _origin = relying_party()
    options, challenge = passkeys.authentication_options(db, user, rp_id)
    session[SIGN_IN_KEY] = challenge
    return current_app.response_class(options, mimetype="application/json")


@bp.post("/login/passkey")
@limiter.limit("20 per minute", exempt_when=flow.nothing_pending)
@limiter.limit("6 per minute", key_func=flow.pending_key, exempt_when=flow.nothing_pending)
def passkey_sign_in():
    db = get_session()
    held = flow.pending(db, "code")
    if held is None:
        abort(404)
    user, state = held
    challenge = session.pop(SIGN_IN_KEY, None)
    credential = _credential()
    rp_id, origin = relying_party()
    try:
        if not challenge:
            raise accounts.AccountError("passkey_refused")
        passkeys.verify(db, user, credential, challenge, rp_id, origin)
    except accounts.AccountError as err:
        db.commit()  # the audit entry of the failure
        return _refused(err.code)
    response = flow.complete(db, user, "password", state.get("next"))
    return jsonify({"ok": True, "redirect": response.headers["Location"]})

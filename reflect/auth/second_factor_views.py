"""Two-step sign-in: the second step, setting up the authenticator app (at sign-in when
it is required, or from the account page), recovery codes, turning it off."""
from __future__ import annotations

import segno
from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from reflect.audit import record
from reflect.auth import accounts, flow, passkeys, totp
from reflect.auth.forms import CodeForm, ConfirmCodeForm
from reflect.auth.messages import account_error
from reflect.auth.views import bp
from reflect.db import get_session
from reflect.extensions import limiter

ENROL_KEY = "totp_enrol_secret"


def _qr(uri: str) -> Markup:
    # a viewBox and no fixed size: the stylesheet scales it to the screen, whole
    return Markup(segno.make(uri, error="m").svg_inline(scale=5, omitsize=True, dark="#000", light="#fff",
                                                         title=_("QR code for your authenticator app")))


def _enrol_page(form, secret: str, email: str, action: str, status: int = 200, required: bool = False):
    uri = totp.provisioning_uri(secret, email)
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render_template("auth/two_factor_enrol.html", form=form, qr=_qr(uri), secret=grouped,
                           action=action, required=required), status


def _first_step_expired():
    flash(_("Sign in again: the first step has expired."), "error")
    return redirect(url_for("auth.login"))


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"], exempt_when=flow.nothing_pending)
@limiter.limit("6 per minute", methods=["POST"], key_func=flow.pending_key, exempt_when=flow.nothing_pending)
def second_step():
    db = get_session()
    held = flow.pending(db, "code")
    if held is None:
        return _first_step_expired()
    user, state = held
    form = CodeForm()
    if form.validate_on_submit():
        try:
            method = totp.verify(db, user, form.code.data)
        except accounts.AccountError as err:
            db.commit()  # the audit entry of the failure
            flash(account_error(err.code), "error")
            return render_template("auth/second_step.html", form=form, has_passkeys=passkeys.has_any(db, user)), 400
        response = flow.complete(db, user, "password", state.get("next"))
        if method == "recovery":
            left = totp.recovery_codes_left(db, user)
            flash(_("You signed in with a recovery code; %(n)d are left. Make new ones on your account page.",
                    n=left), "warning")
        return response
    return render_template("auth/second_step.html", form=form, has_passkeys=passkeys.has_any(db, user))


@bp.route("/login/enrol", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"], exempt_when=flow.nothing_pending)
@limiter.limit("6 per minute", methods=["POST"], key_func=flow.pending_key, exempt_when=flow.nothing_pending)
def enrol_at_sign_in():
    """Two-step sign-in is required for this role and not set up yet: set it up first."""
    db = get_session()
    held = flow.pending(db, "enrol")
    if held is None:
        return _first_step_expired()
    user, state = held
    secret = state.get("secret") or totp.new_secret()
    if not state.get("secret"):
        session[flow.PENDING_KEY] = {**state, "secret": secret}
    form = ConfirmCodeForm()
    if form.validate_on_submit():
        try:
            codes = totp.enable(db, user, secret, form.code.data)
        except accounts.AccountError as err:
            db.rollback()
            flash(account_error(err.code), "error")
            return _enrol_page(form, secret, user.email, url_for("auth.enrol_at_sign_in"), 400, required=True)
        next_url = state.get("next")
        flow.complete(db, user, "password", next_url)
        return render_template("auth/recovery_codes.html", codes=codes, next_url=next_url)
    return _enrol_page(form, secret, user.email, url_for("auth.enrol_at_sign_in"), required=True)


@bp.route("/account/two-step", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per minute", methods=["POST"])
def two_factor():
    db = get_session()
    if totp.is_enabled(current_user):
        return render_template("auth/two_factor_on.html", form=CodeForm(formdata=None), keys=passkeys.of(db, current_user),
                               left=totp.recovery_codes_left(db, current_user),
                               required=totp.required(current_user.role, current_app.config["REFLECT_REQUIRE_2FA"]))
    secret = session.get(ENROL_KEY)
    if not isinstance(secret, str) or len(secret) != 32:
        secret = session[ENROL_KEY] = totp.new_secret()
    form = ConfirmCodeForm()
    if form.validate_on_submit():
        try:
            codes = totp.enable(db, current_user, secret, form.code.data)
        except accounts.AccountError as err:
            db.rollback()
            flash(account_error(err.code), "error")
            return _enrol_page(form, secret, current_user.email, url_for("auth.two_factor"), 400)
        db.commit()
        session.pop(ENROL_KEY, None)
        return render_template("auth/recovery_codes.html", codes=codes, next_url=url_for("auth.account"))
    return _enrol_page(form, secret, current_user.email, url_for("auth.two_factor"))


@bp.post("/account/two-step/recovery-codes")
@login_required
@limiter.limit("10 per minute")
def new_recovery_codes():
    """New recovery codes (the old ones stop working), after a current code."""
    db = get_session()
    form = CodeForm()
    if not totp.is_enabled(current_user) or not form.validate_on_submit():
        abort(400)
    try:
        totp.verify(db, current_user, form.code.data)
    except accounts.AccountError as err:
        db.commit()
        flash(account_error(err.code), "error")
        return redirect(url_for("auth.two_factor"))
    codes = totp.new_recovery_codes(db, current_user)
    record(db, current_user, "recovery_codes_renewed", f"user:{current_user.id}")
    db.commit()
    return render_template("auth/recovery_codes.html", codes=codes, next_url=url_for("auth.account"))


@bp.post("/account/two-step/off")
@login_required
@limiter.limit("10 per minute")
def two_factor_off():
    db = get_session()
    form = CodeForm()
    if not totp.is_enabled(current_user) or not form.validate_on_submit():
        abort(400)
    if totp.required(current_user.role, current_app.config["REFLECT_REQUIRE_2FA"]):
        flash(_("Your organisation requires two-step sign-in for your account, so it cannot be turned off."),
              "error")
        return redirect(url_for("auth.two_factor"))
    try:
        totp.verify(db, current_user, form.code.data)
    except accounts.AccountError as err:
        db.commit()
        flash(account_error(err.code), "error")
        return redirect(url_for("auth.two_factor"))
    totp.turn_off(db, current_user, current_user)
    db.commit()
    flash(_("Two-step sign-in is off."), "success")
    return redirect(url_for("auth.account"))


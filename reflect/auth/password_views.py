"""A forgotten password: a reset link by email, with an answer that never says whether
the address has an account."""
from __future__ import annotations

import logging

from flask import abort, current_app, render_template, request
from flask_babel import get_locale

from reflect import mail
from reflect.auth.flow import public_url
from reflect.auth.forms import ForgotForm
from reflect.auth.views import bp
from reflect.extensions import limiter, socketio

log = logging.getLogger("reflect.auth")


def _forgot_email_key() -> str:
    return "forgot-email:" + (request.form.get("email") or "").strip().lower()


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"], exempt_when=lambda: not mail.enabled())
@limiter.limit("3 per minute", methods=["POST"], key_func=_forgot_email_key, exempt_when=lambda: not mail.enabled())
def forgot_password():
    enabled = mail.enabled()
    if not enabled and request.method == "POST":
        abort(404)  # nothing could be sent
    form = ForgotForm()
    if enabled and form.validate_on_submit():
        # Looked up, issued and sent away from this request, so that the answer and the
        # time it takes are the same whether or not the address has an account.
        app = current_app._get_current_object()
        link_base = public_url("auth.set_password", token="TOKEN")
        socketio.start_background_task(_send_reset, app, form.data["email"], link_base, str(get_locale() or "en"))
        return render_template("auth/forgot_sent.html")
    return render_template("auth/forgot.html", form=form, enabled=enabled), (200 if request.method == "GET" else 400)


def _send_reset(app, email: str, link_base: str, asked_in: str) -> None:
    from reflect.auth import accounts
    from reflect.auth.mail import send_password_reset
    from reflect.auth.sso import password_allowed
    from reflect.db import get_session

    with app.app_context():
        db = get_session()
        try:
            user = accounts.reset_candidate(db, email)
            if user is None or not password_allowed(user, app.config["REFLECT_OIDC_PASSWORD_LOGIN"]):
                db.rollback()
                return
            raw = accounts.issue_password_link(db, user, actor=None, reason="forgot")
            db.commit()
            if not send_password_reset(user, link_base.replace("TOKEN", raw), asked_in):
                log.warning("A password reset asked for on the sign-in page could not be emailed")
        except Exception as exc:  # a background task: nobody else would see it
            db.rollback()
            log.warning("A password reset could not be prepared: %s", type(exc).__name__)
        finally:
            app.extensions["reflect.store"].remove()

"""Single sign-on (OpenID Connect): off to the identity provider, and back."""
from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from reflect.audit import record
from reflect.auth import accounts, flow, oidc, sso
from reflect.auth.messages import account_error
from reflect.auth.views import bp, safe_next
from reflect.db import get_session
from reflect.extensions import limiter

NEXT_KEY = "sso_next"


def _refused(code: str):
    return render_template("auth/sso_refused.html", message=account_error(code)), (
        502 if code == "sso_unavailable" else 400)


@bp.get("/login/sso")
@limiter.limit("20 per minute")
def sso_start():
    if not oidc.configured(current_app.config):
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("auth.index"))
    next_url = safe_next(request.args.get("next"))
    try:
        response = oidc.redirect_to_provider(flow.public_url("auth.sso_callback"))
    except accounts.AccountError as err:
        return _refused(err.code)
    if next_url:
        session[NEXT_KEY] = next_url
    return response


@bp.get("/login/sso/callback")
@limiter.limit("20 per minute")
def sso_callback():
    if not oidc.configured(current_app.config):
        abort(404)
    db = get_session()
    try:
        issuer, claims = oidc.checked_claims()
        user = sso.account_for(db, issuer, claims, oidc.policy(current_app.config))
    except accounts.AccountError as err:
        db.rollback()
        if err.code.startswith("sso_") and err.code not in ("sso_state", "sso_unavailable", "sso_token",
                                                             "sso_cancelled"):
            record(db, None, "sign_in_failed", "", {"reason": err.code})
            db.commit()
        return _refused(err.code)
    next_url = safe_next(session.pop(NEXT_KEY, None))
    return flow.complete(db, user, "sso", next_url)

"""Sign in and out, first run, one-time password links, the language switch."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from sqlalchemy.exc import IntegrityError

from reflect.auth import accounts, flow, signins, totp
from reflect.auth.sso import password_allowed
from reflect.auth.forms import LoginForm, SetPasswordForm, SetupForm
from reflect.auth.messages import account_error
from reflect.db import begin_write, get_session
from reflect.extensions import limiter, login_manager
from reflect.i18n import LANG_COOKIE, normalise
from reflect.tokens import token_hash

bp = Blueprint("auth", __name__)
log = logging.getLogger("reflect.auth")

HOME_BY_ROLE = {"admin": "admin.users", "facilitator": "facilitate.index", "supervisor": "review.index"}


def init_login(app: Flask) -> None:
    from reflect.auth import oidc

    oidc.init_app(app)
    login_manager.session_protection = None  # the login session table does the job
    login_manager.login_view = "auth.login"

    @login_manager.user_loader
    def _load(raw_id: str):
        user = accounts.load_login_session(get_session(), raw_id)
        if user is not None:
            g.login_hash = token_hash(raw_id)
        return user

    @app.after_request
    def _seen(response):
        """Keep "last seen" of the sign-in that made this request (to a few minutes)."""
        login_hash = g.pop("login_hash", None)
        if login_hash is not None:  # once the request's own unit of work is over
            engine = app.extensions["reflect.store"].engine
            response.call_on_close(lambda: signins.note_use(engine, login_hash))
        return response


def safe_next(target: str | None) -> str | None:
    """Only same-site paths may be redirected to."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_url() -> str:
    endpoint = HOME_BY_ROLE.get(current_user.role, "auth.account")
    if endpoint not in current_app.view_functions:
        endpoint = "auth.account"
    return url_for(endpoint)


@bp.get("/")
def index():
    db = get_session()
    if not accounts.users_exist(db):
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(home_url())
    return redirect(url_for("auth.login"))


def _first_setup_link() -> bool:
    """Create the first-run token if there is none and write its link to the log; True
    if this request did. An existing token is left alone: opening this page must not
    break the link the installer already has. Only its hash is stored, so it cannot be
    written again; ``reflect setup-token`` replaces it."""
    db = get_session()
    db.commit()  # end the read above: the check and the write below share one writer's view
    begin_write(db)
    try:
        raw = accounts.ensure_setup_token(db)
        db.commit()
    except IntegrityError:  # another request created it meanwhile (PostgreSQL)
        db.rollback()
        return False
    if raw is None:
        return False
    # The whole address where this server listens (``reflect run``), never one built from
    # the Host header, which is whatever the request said and must not decide where the
    # installer is sent; the path alone when the server's address is not known (WSGI).
    serving_at = current_app.config.get("REFLECT_SERVING_AT")
    path = url_for("auth.setup", token=raw)
    if serving_at:
        log.warning("First run: no account exists yet. Create the admin at %s%s", serving_at, path)
    else:
        log.warning("First run: no account exists yet. Create the admin at %s (on this server's address).", path)
    return True


@bp.route("/setup", methods=["GET", "POST"])
@limiter.limit("20 per minute")
def setup():
    db = get_session()
    if accounts.users_exist(db):
        abort(404)
    form = SetupForm()
    if request.method == "GET":
        form.token.data = request.args.get("token", "")
        if not form.token.data:
            return render_template("auth/setup_wait.html", just_written=_first_setup_link())
    if form.validate_on_submit():
        try:
            user = accounts.create_first_admin(
                db,
                form.token.data,
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
            )
        except accounts.AccountError as err:
            db.rollback()
            flash(account_error(err.code), "error")
        else:
            db.commit()
            flash(_("The admin account is ready. Sign in."), "success")
            return redirect(url_for("auth.login", email=user.email))
    return render_template("auth/setup.html", form=form)


def _login_email_key() -> str:
    return "login-email:" + (request.form.get("email") or "").strip().lower()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
@limiter.limit("6 per minute", methods=["POST"], key_func=_login_email_key)
def login():
    if current_user.is_authenticated:
        return redirect(home_url())
    form = LoginForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"]
    if form.validate_on_submit():
        db = get_session()
        user = accounts.authenticate(db, form.email.data, form.password.data)
        if user is None:
            signins.record_failed_sign_in(db, form.email.data, "password")
            db.commit()
            flash(_("Wrong email or password."), "error")
        elif not password_allowed(user, current_app.config["REFLECT_OIDC_PASSWORD_LOGIN"]):
            db.rollback()
            flash(_("This account signs in with single sign-on: use the button below."), "error")
        else:
            next_url = safe_next(request.args.get("next"))
            db.commit()  # a rehashed password
            if totp.is_enabled(user):
                flow.hold(user, "code", next_url)
                return redirect(url_for("auth.second_step"))
            if totp.required(user.role, current_app.config["REFLECT_REQUIRE_2FA"]):
                flow.hold(user, "enrol", next_url)
                return redirect(url_for("auth.enrol_at_sign_in"))
            return flow.complete(db, user, "password", next_url)  # a new session id at every sign-in
    return render_template("auth/login.html", form=form, **sign_in_options()), 200


def sign_in_options() -> dict:
    """What the sign-in page offers besides the password: single sign-on, a forgotten password."""
    from reflect import mail
    from reflect.auth import oidc

    config = current_app.config
    return {"sso": oidc.configured(config), "sso_name": config.get("REFLECT_OIDC_PROVIDER_NAME") or "",
            "forgot": mail.enabled(config)}


@bp.post("/logout")
@login_required
def logout():
    db = get_session()
    ended = accounts.end_login_session(db, current_user.get_id())
    db.commit()
    logout_user()
    session.clear()
    if ended:
        from reflect.rooms.notify import close_login_sockets

        close_login_sockets(ended)
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    db = get_session()
    user = accounts.password_link_user(db, token)
    if user is None:
        return render_template("auth/link_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.use_password_link(db, token, form.password.data)
        except accounts.AccountError as err:
            db.rollback()
            flash(account_error(err.code), "error")
        else:
            db.commit()
            flash(_("Your password is set. Sign in."), "success")
            return redirect(url_for("auth.login", email=user.email))
    return render_template("auth/set_password.html", form=form, user=user)


@bp.get("/account")
@login_required
def account():
    return render_template("auth/account.html")


@bp.post("/lang")
def switch_language():
    code = normalise(request.form.get("lang"))
    if code is None:
        abort(400)
    response = redirect(safe_next(request.form.get("next")) or url_for("auth.index"))
    response.set_cookie(
        LANG_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("REFLECT_HTTPS")),
    )
    if current_user.is_authenticated:
        current_user.locale = code
        get_session().commit()
    return response


# The other account pages register on this blueprint.
from reflect.auth import passkey_views, password_views, second_factor_views, signin_views, sso_views  # noqa: E402,F401

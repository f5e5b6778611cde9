"""Open sign-ins: each person's list, ending one; ending one closes its live sockets."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from reflect.auth import accounts, signins
from reflect.auth.forms import EndSignInForm
from reflect.auth.messages import account_error
from reflect.auth.views import bp
from reflect.db import get_session


def device_label(login) -> str:
    device = signins.describe(login.user_agent)
    if device.browser and device.system:
        return _("%(browser)s on %(system)s", browser=device.browser, system=device.system)
    return device.browser or device.system or _("Unknown device")


def method_label(method: str) -> str:
    return _("single sign-on") if method == "sso" else _("password")


@bp.get("/account/sign-ins")
@login_required
def sign_ins():
    db = get_session()
    logins = signins.open_sign_ins(db, current_user)
    rows = [(login, device_label(login), method_label(login.method),
             signins.is_current(login, current_user.get_id())) for login in logins]
    return render_template("auth/sign_ins.html", rows=rows, form=EndSignInForm(formdata=None))


@bp.post("/account/sign-ins/end")
@login_required
def end_sign_in():
    form = EndSignInForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    current = signins.is_current_hash(form.login.data, current_user.get_id())
    try:
        ended = signins.end_sign_in(db, current_user, current_user, form.login.data)
    except accounts.AccountError as err:
        db.rollback()
        flash(account_error(err.code), "error")
        return redirect(url_for("auth.sign_ins"))
    db.commit()
    from reflect.rooms.notify import close_login_sockets

    close_login_sockets(ended)
    if current:
        logout_user()
        session.clear()
        flash(_("You are signed out."), "success")
        return redirect(url_for("auth.login"))
    flash(_("That sign-in has ended; its open pages were closed."), "success")
    return redirect(url_for("auth.sign_ins"))

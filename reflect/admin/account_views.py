"""The admin's actions on a person's sign-ins and second factor (both audited)."""
from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from reflect.admin.views import _user_or_404, bp
from reflect.auth import signins, totp
from reflect.auth.access import roles_required
from reflect.auth.forms import EmptyForm
from reflect.db import get_session
from reflect.models import Role


@bp.post("/users/<int:user_id>/sign-ins/end")
@roles_required(Role.ADMIN)
def end_sign_ins(user_id: int):
    """End every open sign-in of a person (a lost laptop, someone leaving): their live
    pages are closed at once."""
    user = _user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db = get_session()
    ended = signins.end_all_sign_ins(db, current_user, user)
    db.commit()
    from reflect.rooms.notify import close_login_sockets

    for login_hash in ended:
        close_login_sockets(login_hash)
    flash(_("Every sign-in of %(email)s has ended (%(n)d).", email=user.email, n=len(ended)), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/two-step/reset")
@roles_required(Role.ADMIN)
def reset_two_factor(user_id: int):
    """Remove a person's second factor (a lost phone): they set it up again."""
    user = _user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db = get_session()
    totp.turn_off(db, current_user, user)
    db.commit()
    flash(_("Two-step sign-in of %(email)s was reset; they can set it up again.", email=user.email), "success")
    return redirect(url_for("admin.users"))

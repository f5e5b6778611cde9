"""The admin's pages: people and their roles, one-time password links, the audit trail."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from reflect import mail
from reflect.auth import accounts
from reflect.auth.flow import public_url
from reflect.auth.mail import send_invitation, send_password_reset
from reflect.auth.access import roles_required
from reflect.auth.forms import ActiveForm, EmptyForm, NewUserForm, RoleForm
from reflect.auth.messages import account_error
from reflect.db import begin_write, get_session
from reflect.i18n import normalise
from reflect.models import AuditEvent, Role, User

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _user_or_404(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


# A one-time link just issued, kept in the (signed, HttpOnly) session cookie between the
# POST that issued it and the page it redirects to, which shows it once and drops it:
# reloading that page neither shows it again nor issues a new one.
LINK_KEY = "admin_password_link"


def _render_users(form: NewUserForm, status: int = 200):
    users = get_session().scalars(select(User).order_by(User.email)).all()
    link = session.pop(LINK_KEY, None)
    return (
        render_template(
            "admin/users.html",
            users=users,
            form=form,
            role_form=RoleForm,
            action_form=EmptyForm(),
            link=link if isinstance(link, dict) else None,
        ),
        status,
    )


def _hand_over_link(user: User, raw: str, emailed: bool = False) -> None:
    session[LINK_KEY] = {"email": user.email, "url": url_for("auth.set_password", token=raw, _external=True),
                         "emailed": emailed}


def _emailed_link(raw: str) -> str:
    return public_url("auth.set_password", token=raw)


def _report_mail(sent: bool, user: User) -> None:
    """Tell the admin whether the email went; the link is shown either way."""
    if sent:
        flash(_("The link was emailed to %(email)s. It is also shown below.", email=user.email), "success")
    else:
        flash(_("The email to %(email)s could not be sent. Copy the link below and send it yourself.",
                email=user.email), "error")


def _begin_change(db) -> None:
    """End the read that found who is signed in (nothing written yet) and begin this
    change as the writer (SQLite: BEGIN IMMEDIATE, one writer at a time; PostgreSQL: the
    service locks the rows it decides on), so the check and the change see the same rows."""
    db.commit()
    begin_write(db)


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    return _render_users(NewUserForm(formdata=None))


@bp.post("/users")
@roles_required(Role.ADMIN)
def add_user():
    form = NewUserForm()
    if not form.validate_on_submit():
        return _render_users(form, status=400)
    db = get_session()
    try:
        user = accounts.create_user(
            db, email=form.email.data, role=form.role.data, display_name=form.display_name.data, actor=current_user
        )
        raw = accounts.issue_password_link(db, user, actor=current_user)
    except accounts.AccountError as err:
        db.rollback()
        flash(account_error(err.code), "error")
        return _render_users(form, status=400)
    user.locale = normalise(form.lang.data) or normalise(str(get_locale() or "")) or "en"
    db.commit()
    sent = mail.enabled() and send_invitation(user, _emailed_link(raw))
    _hand_over_link(user, raw, emailed=sent)
    if mail.enabled():
        _report_mail(sent, user)
    else:
        flash(_("Account created. Send this one-time link so they can choose a password."), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/role")
@roles_required(Role.ADMIN)
def change_role(user_id: int):
    user = _user_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    _begin_change(db)
    try:
        accounts.change_role(db, current_user, user, form.role.data)
    except accounts.AccountError as err:
        db.rollback()
        flash(account_error(err.code), "error")
    else:
        db.commit()
        flash(_("Role changed."), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/active")
@roles_required(Role.ADMIN)
def toggle_active(user_id: int):
    """Set the account to the state the form asks for (active=1 or 0): asking twice for
    the same state changes nothing the second time."""
    user = _user_or_404(user_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    wanted = form.active.data == "1"
    db = get_session()
    _begin_change(db)
    try:
        ended = accounts.set_active(db, current_user, user, wanted)
    except accounts.AccountError as err:
        db.rollback()
        flash(account_error(err.code), "error")
    else:
        db.commit()
        from reflect.rooms.notify import close_login_sockets

        for login_hash in ended:
            close_login_sockets(login_hash)
        flash(_("Account activated.") if wanted else _("Account deactivated."), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/reset")
@roles_required(Role.ADMIN)
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db = get_session()
    try:
        raw = accounts.issue_password_link(db, user, actor=current_user)
    except accounts.AccountError as err:
        db.rollback()
        flash(account_error(err.code), "error")
        return redirect(url_for("admin.users"))
    db.commit()
    sent = mail.enabled() and send_password_reset(user, _emailed_link(raw))
    _hand_over_link(user, raw, emailed=sent)
    if mail.enabled():
        _report_mail(sent, user)
    else:
        flash(_("Send this one-time link so they can choose a new password."), "success")
    return redirect(url_for("admin.users"))


@bp.get("/audit")
@roles_required(Role.ADMIN)
def audit():
    db = get_session()
    events = db.execute(
        select(AuditEvent, User.email)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(500)
    ).all()
    return render_template("admin/audit.html", events=events)


# The admin's actions on a person's sign-ins and second factor register on this blueprint.
from reflect.admin import account_views  # noqa: E402,F401

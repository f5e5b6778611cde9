"""The facilitator's pages: groups, sessions, the live console, the summary; and the
projector display (guarded by a per-session key, not by an account)."""
from __future__ import annotations

import hmac
from datetime import datetime, timedelta

import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select

from reflect.auth.access import roles_required
from reflect.auth.forms import EmptyForm
from reflect import retention
from reflect.db import get_session, utcnow
from reflect.facilitate.forms import GroupForm, MemberNameForm, PlanForm, SessionForm
from reflect.models import GroupSession, Role
from reflect.local_time import to_local, to_utc
from reflect.prompts import store as deck_store
from reflect.prompts.localize import localize_text
from reflect.prompts.themes import THEME_GROUPS
from reflect.rooms import groups, lifecycle, summary
from reflect.rooms.codes import display_code
from reflect.rooms.errors import RoomError
from reflect.rooms.keys import display_key
from reflect.rooms.messages import ERRORS
from reflect.rooms.scales import checked_scales

bp = Blueprint("facilitate", __name__)
RUNNERS = (Role.FACILITATOR, Role.ADMIN)


def _locale() -> str:
    return str(get_locale() or "en")


def _when_desc():
    """Sessions newest first by when they meet: when they began, else the planned date,
    else when they were made."""
    return func.coalesce(GroupSession.started_at, GroupSession.planned_for, GroupSession.created_at).desc()


def _sessions_of(db, grp) -> list[GroupSession]:
    return list(db.scalars(select(GroupSession).where(GroupSession.group_id == grp.id).order_by(_when_desc())))


def _own_session(session_id: int) -> GroupSession:
    session = get_session().get(GroupSession, session_id)
    if session is None or session.facilitator_id != current_user.id:
        abort(404)
    return session


PLAN_PAST = timedelta(days=1)  # a date a little behind (a session set up late) is fine
PLAN_AHEAD = timedelta(days=730)


def _planned_utc(field) -> datetime | None:
    """The form's wall-clock date and time (in ``REFLECT_TIMEZONE``) as stored, in UTC;
    None when left empty. A date long past or more than two years ahead, or a time the
    clocks skip that night, is an error on the field, and ValueError is raised."""
    if field.data is None:
        return None
    tz = current_app.config.get("REFLECT_TIMEZONE")
    now = utcnow()
    wall = field.data.replace(second=0, microsecond=0)
    problem = None
    try:
        planned = to_utc(wall, tz)
    except OverflowError:  # year 1 or 9999 leaves the calendar once moved to UTC
        planned = now - 2 * PLAN_PAST if wall < to_local(now, tz) else now + 2 * PLAN_AHEAD
    if planned < now - PLAN_PAST:
        problem = _("That date has passed. Choose when the group will meet.")
    elif planned > now + PLAN_AHEAD:
        problem = _("Choose a date within the next two years.")
    elif to_local(planned, tz) != wall:  # e.g. 02:30 on the night the clocks go forward
        problem = _("That time does not exist in %(zone)s: the clocks change that night. Choose another time.",
                    zone=tz or "UTC")
    if problem:
        field.errors = list(field.errors) + [problem]
        raise ValueError(field.name)
    return planned


def _deck_choices(db) -> list[tuple[str, str]]:
    return [(deck.id, localize_text(deck.title, deck.languages, _locale())[0])
            for deck in deck_store.usable_decks(db, current_user)]


def qr_svg(url: str, title: str) -> Markup:
    """The join link's QR code as inline SVG with a viewBox and no fixed size, so that the
    page scales it as a whole (crisp at any size); its quiet zone is part of it."""
    return Markup(segno.make(url, error="m").svg_inline(scale=1, omitsize=True, title=title, dark="#000",
                                                       light="#fff", svgclass="qr-code"))


def shown_address(url: str) -> str:
    """An address as people type it: without its scheme (browsers add it)."""
    return url.split("://", 1)[-1]


@bp.get("/facilitate")
@roles_required(*RUNNERS)
def index():
    db = get_session()
    mine = groups.groups_for(db, current_user)
    recent = db.scalars(
        select(GroupSession).where(GroupSession.facilitator_id == current_user.id)
        .order_by(_when_desc()).limit(20)
    ).all()
    return render_template("facilitate/index.html", groups=mine, sessions=recent, form=GroupForm(formdata=None))


@bp.post("/facilitate/groups")
@roles_required(*RUNNERS)
def create_group():
    form = GroupForm()
    db = get_session()
    if not form.validate_on_submit():
        return render_template("facilitate/index.html", groups=groups.groups_for(db, current_user), sessions=[],
                               form=form), 400
    try:
        group = groups.create_group(db, current_user, form.name.data, form.roster.data or "")
    except RoomError as err:
        db.rollback()
        flash(str(ERRORS.get(err.code, err.code)), "error")
        return redirect(url_for("facilitate.index"))
    db.commit()
    return redirect(url_for("facilitate.group", group_id=group.id))


def _with_zone(form):
    """Says which time zone the form's date and time are in (``REFLECT_TIMEZONE``)."""
    zone_note = _("Times are in %(zone)s.", zone=current_app.config.get("REFLECT_TIMEZONE") or "UTC")
    form.planned_for.description = f"{form.planned_for.description} {zone_note}"
    return form


def _session_form(db) -> SessionForm:
    form = _with_zone(SessionForm())
    form.deck.choices = _deck_choices(db)
    if request.method == "GET":
        form.min_group_size.data = current_app.config["REFLECT_MIN_GROUP_SIZE"]
    return form


@bp.route("/facilitate/groups/<int:group_id>", methods=["GET", "POST"])
@roles_required(*RUNNERS)
def group(group_id: int):
    db = get_session()
    try:
        grp = groups.get_group(db, current_user, group_id)
    except RoomError:
        abort(404)
    form = GroupForm(obj=None)
    if request.method == "GET":
        form.name.data = grp.name
        form.roster.data = "\n".join(m.display_name for m in groups.active_roster(grp))
    elif form.validate_on_submit():
        grp.name = " ".join(form.name.data.split())
        groups.set_roster(db, grp, form.roster.data or "")
        db.commit()
        flash(_("Group saved."), "success")
        return redirect(url_for("facilitate.group", group_id=grp.id))
    sessions = _sessions_of(db, grp)
    return render_template("facilitate/group.html", group=grp, form=form, session_form=_session_form(db),
                           sessions=sessions, members=groups.active_roster(grp))


@bp.post("/facilitate/groups/<int:group_id>/members/<int:member_id>/name")
@roles_required(*RUNNERS)
def rename_member(group_id: int, member_id: int):
    """Correct a regular member's name; their attendance and hours stay theirs."""
    db = get_session()
    try:
        grp = groups.get_group(db, current_user, group_id)
    except RoomError:
        abort(404)
    form = MemberNameForm()
    if not form.validate_on_submit():
        flash(str(ERRORS["roster_name_invalid"]), "error")
        return redirect(url_for("facilitate.group", group_id=grp.id))
    try:
        groups.rename_member(db, grp, member_id, form.name.data)
    except RoomError as err:
        db.rollback()
        if err.code == "not_found":
            abort(404)
        flash(str(ERRORS.get(err.code, ERRORS["invalid"])), "error")
    else:
        db.commit()
        flash(_("Name corrected. Their attendance and hours stay with them."), "success")
    return redirect(url_for("facilitate.group", group_id=grp.id))


@bp.post("/facilitate/groups/<int:group_id>/sessions")
@roles_required(*RUNNERS)
def create_session(group_id: int):
    db = get_session()
    try:
        grp = groups.get_group(db, current_user, group_id)
    except RoomError:
        abort(404)
    form = _session_form(db)
    floor = current_app.config["REFLECT_MIN_GROUP_SIZE"]
    valid = form.validate_on_submit()
    if form.scales.data is not None and not 1 <= len(form.scales.data) <= 3:
        form.scales.errors = list(form.scales.errors) + [_("Choose one to three questions.")]
        valid = False
    try:
        planned_for = _planned_utc(form.planned_for)
    except ValueError:
        valid = False
    if not valid:
        sessions = _sessions_of(db, grp)
        return render_template("facilitate/group.html", group=grp, form=GroupForm(formdata=None, name=grp.name),
                               session_form=form, sessions=sessions, members=groups.active_roster(grp)), 400
    deck = deck_store.usable_deck(db, current_user, form.deck.data)
    if deck is None:
        abort(400)
    session = lifecycle.create_session(
        db, current_user, grp, deck,
        title=form.title.data or "",
        allow_names=form.allow_names.data,
        allow_free_feeling=form.allow_free_feeling.data,
        scales=checked_scales(form.scales.data),
        min_group_size=max(floor, form.min_group_size.data or floor),
        planned_for=planned_for,
    )
    db.commit()
    return redirect(url_for("facilitate.console", session_id=session.id))


@bp.get("/facilitate/sessions/<int:session_id>")
@roles_required(*RUNNERS)
def console(session_id: int):
    session = _own_session(session_id)
    if session.phase == "ended":
        return redirect(url_for("facilitate.summary_page", session_id=session.id))
    plan_form = _with_zone(PlanForm(formdata=None))
    if session.planned_for is not None:
        plan_form.planned_for.data = to_local(session.planned_for, current_app.config.get("REFLECT_TIMEZONE"))
    return _console_page(session, plan_form)


def _console_page(session: GroupSession, plan_form: PlanForm, status: int = 200):
    join_url = url_for("join.enter", _external=True)
    # the link the projector's QR code opens: the join page with the code filled in
    join_link = url_for("join.enter", code=session.join_code, _external=True) if session.join_code else None
    display_url = url_for("facilitate.display", session_id=session.id, key=display_key(session.id), _external=True)
    return render_template("facilitate/console.html", session=session, join_url=join_url, join_link=join_link,
                           display_url=display_url, code=display_code(session.join_code),
                           plan_form=plan_form, theme_groups=THEME_GROUPS), status


@bp.post("/facilitate/sessions/<int:session_id>/plan")
@roles_required(*RUNNERS)
def plan_session(session_id: int):
    """Move or clear when a session set up ahead is meant to take place (in the lobby)."""
    session = _own_session(session_id)
    if session.phase == "ended":
        return redirect(url_for("facilitate.summary_page", session_id=session.id))
    form = _with_zone(PlanForm())
    try:
        planned_for = _planned_utc(form.planned_for) if form.validate_on_submit() else False
    except ValueError:
        planned_for = False
    if planned_for is False:  # the console again, the date as typed and the error on its field
        if not form.planned_for.errors:
            form.planned_for.errors = [str(ERRORS["invalid"])]
        return _console_page(session, form, 400)
    try:
        lifecycle.plan(session, planned_for)
    except RoomError as err:
        get_session().rollback()
        flash(str(ERRORS.get(err.code, ERRORS["invalid"])), "error")
    else:
        get_session().commit()
        flash(_("Date and time saved.") if planned_for else _("The date and time were cleared."), "success")
    return redirect(url_for("facilitate.console", session_id=session.id))


@bp.get("/facilitate/sessions/<int:session_id>/summary")
@roles_required(*RUNNERS)
def summary_page(session_id: int):
    session = _own_session(session_id)
    data = summary.build(get_session(), session, _locale())
    return render_template("facilitate/summary.html", session=session, summary=data, action_form=EmptyForm())


@bp.post("/facilitate/sessions/<int:session_id>/erase-text")
@roles_required(*RUNNERS)
def erase_text(session_id: int):
    """Delete this session's raw text now (answers, takeaways, notes, feeling words);
    counts, aggregates and tags stay."""
    session = _own_session(session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db = get_session()
    try:
        report = retention.purge_session_text(db, session, current_user)
    except retention.RetentionError:
        db.rollback()
        flash(_("End the session before deleting its text."), "error")
    else:
        db.commit()
        retention.reclaim_erased_space(db)
        flash(_("The written text of this session was deleted (%(n)d items). Counts and tags are kept.",
                n=report.answers + report.notes + report.feelings), "success")
    return redirect(url_for("facilitate.summary_page", session_id=session.id))


@bp.get("/display/<int:session_id>/<key>")
def display(session_id: int, key: str):
    if not hmac.compare_digest(key, display_key(session_id)):
        abort(404)
    session = get_session().get(GroupSession, session_id)
    if session is None:
        abort(404)
    join_url = url_for("join.enter", _external=True)
    qr = None
    if session.join_code:
        qr_target = url_for("join.enter", code=session.join_code, _external=True)
        qr = qr_svg(qr_target, _("QR code to join this session"))
    # presenting from the console on one screen: the session's own facilitator gets a
    # control bar (its commands go through the facilitator's socket, checked as ever)
    present = (request.args.get("present") == "1" and current_user.is_authenticated
               and current_user.id == session.facilitator_id and session.phase != "ended")
    return render_template("display.html", session=session, key=key, join_url=join_url, qr=qr,
                           join_url_shown=shown_address(join_url), present=present,
                           console_url=url_for("facilitate.console", session_id=session.id) if present else None,
                           code=display_code(session.join_code) if session.join_code else None)

"""The hours pages: the people directory, a person's record and progress, individual
meetings, attendance corrections, letters (PDF), the practitioner's personal link,
CSV exports, and the public verification page. Thin views: validate, call a service,
commit, respond. Authorisation on every view (``access.py``)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, format_time, get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select

from reflect import config as settings, mail
from reflect.audit import record as audit
from reflect.auth.access import roles_required
from reflect.auth.flow import public_url
from reflect.db import begin_write, get_session, utcnow
from reflect.hours import access, exports, letters, links, people, progress as prog, record
from reflect.hours import mail as hours_mail
from reflect.hours.errors import HoursError
from reflect.hours.forms import (
    CorrectionForm,
    LetterForm,
    LiveForm,
    MeetingForm,
    MergeForm,
    ModeForm,
    NewPersonForm,
    PersonForm,
    PersonalLinkForm,
    ProviderForm,
)
from reflect.hours.labels import error_message, kind_label, level_label, mode_label
from reflect.local_time import local_today, to_local, to_utc
from reflect.models import Group, GroupSession, HoursLetter, Person, ProviderProfile, Role, RosterLink, RosterMember

bp = Blueprint("hours", __name__, template_folder="../templates")
VIEWERS = (Role.ADMIN, Role.FACILITATOR, Role.SUPERVISOR)
RUNNERS = (Role.ADMIN, Role.FACILITATOR)
LINK_KEY = "hours_new_link"


# --- helpers -------------------------------------------------------------------------------


def _tz() -> str:
    return current_app.config.get("REFLECT_TIMEZONE") or "UTC"


def _rules() -> record.Rules:
    return record.Rules(threshold=timedelta(minutes=current_app.config["REFLECT_HOURS_LATE_MINUTES"]),
                        grace=timedelta(seconds=current_app.config["REFLECT_PRESENCE_GRACE_SECONDS"]), tz=_tz())


def _targets() -> prog.Targets:
    first, second = settings.hours_targets(current_app.config["REFLECT_HOURS_TARGETS"])
    return prog.Targets(levels=(("ifs", Decimal(first)), ("imhs", Decimal(second))),
                        renewal=Decimal(current_app.config["REFLECT_HOURS_RENEWAL"]))


def _today():
    return local_today(_tz(), utcnow())


def _scope() -> access.Scope:
    return access.scope_for(get_session(), current_user)


def _person_or_404(person_id: int, scope: access.Scope | None = None) -> Person:
    person = access.visible_person(get_session(), scope or _scope(), person_id)
    if person is None:
        abort(404)
    return person


def _managed_person_or_404(person_id: int) -> tuple[Person, access.Scope]:
    scope = _scope()
    if not scope.may_manage:
        abort(403)
    return _person_or_404(person_id, scope), scope


_POSTED_ID = re.compile(r"[0-9]{1,9}\Z", re.ASCII)  # 9 digits: below 2**31, on every database


def _posted_id(value: str) -> int | None:
    """A record's id as a form posts it, or None when it cannot be one (``"²".isdigit()``
    is true in Python, and 30 digits overflow SQLite's integers)."""
    return int(value) if _POSTED_ID.match(value) else None


def _flash_error(err: HoursError) -> None:
    flash(error_message(err.code), "error")


def _helpers() -> dict:
    return {"mode_label": mode_label, "kind_label": kind_label, "level_label": level_label,
            "display_code": letters.display_code, "hours_fmt": _hours_fmt, "format_time": format_time}


def _hours_fmt(value) -> str:
    from flask_babel import format_decimal

    return format_decimal(float(value), "0.00")


def _record_view(person: Person, scope: access.Scope | None) -> dict:
    db = get_session()
    entries = record.person_entries(db, person.id, _rules(),
                                    entry_groups=scope.entry_groups if scope is not None else None)
    return {"entries": entries,
            "progress": prog.progress(entries, start_month=person.year_start_month, today=_today(),
                                      targets=_targets())}


def _csv_response(text: str, filename: str) -> Response:
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _pdf_response(letter: HoursLetter, locale: str) -> Response:
    from reflect.hours import pdf

    with force_locale(locale):
        body = pdf.render(letter, verify_url=url_for("hours.verify", code=letters.display_code(letter.code),
                                                     _external=True),
                          code=letters.display_code(letter.code))
    disposition = "attachment" if request.args.get("download") else "inline"  # save, or open to print
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'{disposition}; filename="rsc-hours-{letter.code}.pdf"',
                             "Cache-Control": "no-store"})


# --- the directory ---------------------------------------------------------------------------


@bp.get("/hours/")
@roles_required(*VIEWERS)
def index():
    db = get_session()
    scope = _scope()
    directory = access.visible_people(db, scope)
    rows = []
    rules = _rules()
    groups_by_person = people.groups_of(db, [p.id for p in directory])
    for person in directory:
        entries = record.person_entries(db, person.id, rules, entry_groups=scope.entry_groups)
        rows.append({"person": person, "groups": groups_by_person.get(person.id, []),
                     "totals": prog.totals(entries)})
    roster = []
    recent = []
    if scope.may_manage:
        roster = people.roster_entries(db, None if scope.everyone else scope.group_ids)
        sessions = select(GroupSession).where(GroupSession.ended_at.is_not(None), GroupSession.started_at.is_not(None))
        if not scope.everyone:
            sessions = sessions.where(GroupSession.facilitator_id == current_user.id)
        recent = list(db.scalars(sessions.order_by(GroupSession.started_at.desc()).limit(12)))
    return render_template("hours/index.html", rows=rows, roster=roster, recent=recent, scope=scope,
                           directory=directory, new_form=NewPersonForm(formdata=None), **_helpers())


@bp.post("/hours/people")
@roles_required(*RUNNERS)
def create_person():
    form = NewPersonForm()
    db = get_session()
    if not form.validate_on_submit():
        flash(error_message("name_invalid"), "error")
        return redirect(url_for("hours.index"))
    begin_write(db)
    try:
        person = people.create_person(db, current_user, form.name.data, form.locale.data)
    except HoursError as err:
        db.rollback()
        _flash_error(err)
        return redirect(url_for("hours.index"))
    db.commit()
    flash(_("%(name)s added to the people of the program.", name=person.display_name), "success")
    return redirect(url_for("hours.person", person_id=person.id))


@bp.post("/hours/roster/<int:member_id>/link")
@roles_required(*RUNNERS)
def link_roster(member_id: int):
    db = get_session()
    member = db.get(RosterMember, member_id)
    if member is None or access.manageable_group(db, current_user, member.group_id) is None:
        abort(404)
    choice = request.form.get("person", "")
    begin_write(db)
    try:
        if choice == "new":
            person = people.create_person(db, current_user, member.display_name,
                                          str(get_locale() or "en"))
        else:
            person_id = _posted_id(choice)
            person = access.visible_person(db, _scope(), person_id) if person_id is not None else None
            if person is None:
                raise HoursError("not_found")
        people.link_roster_entry(db, current_user, member, person)
    except HoursError as err:
        db.rollback()
        _flash_error(err)
        return redirect(url_for("hours.index"))
    db.commit()
    flash(_("%(entry)s is now linked to %(name)s.", entry=member.display_name, name=person.display_name), "success")
    return redirect(url_for("hours.index"))


# --- one person ------------------------------------------------------------------------------


@bp.get("/hours/people/<int:person_id>")
@roles_required(*VIEWERS)
def person(person_id: int):
    db = get_session()
    scope = _scope()
    found = _person_or_404(person_id, scope)
    view = _record_view(found, scope)
    context = {"person": found, "scope": scope, **view, **_helpers()}
    if scope.may_manage:
        others = [p for p in access.visible_people(db, scope) if p.id != found.id]
        merge_form = MergeForm(formdata=None)
        merge_form.source.choices = [(p.id, p.display_name) for p in others]
        live_form = LiveForm(formdata=None)
        live_form.group.choices = _live_groups(found)
        today = _today()
        context.update(
            edit_form=PersonForm(formdata=None, name=found.display_name, locale=found.locale,
                                 year_start_month=found.year_start_month),
            merge_form=merge_form, meeting_form=MeetingForm(formdata=None, day=today),
            live_form=live_form,
            letter_form=LetterForm(formdata=None, start=today.replace(month=1, day=1), end=today),
            letters=letters.letters_of(db, found.id),
            has_link=links.has_link(db, found.id),
            new_link=_pop_new_link(found.id),
            link_form=PersonalLinkForm(formdata=None), mail_enabled=mail.enabled(),
            groups=people.groups_of(db, [found.id])[found.id],
        )
    return render_template("hours/person.html", **context)


def _pop_new_link(person_id: int) -> str | None:
    pending = session.get(LINK_KEY)
    if isinstance(pending, dict) and pending.get("person_id") == person_id:
        session.pop(LINK_KEY, None)
        return pending.get("url")
    return None


def _live_groups(person: Person) -> list[tuple[int, str]]:
    db = get_session()
    query = (select(Group.id, Group.name).join(RosterMember, RosterMember.group_id == Group.id)
             .join(RosterLink, RosterLink.roster_member_id == RosterMember.id)
             .where(RosterLink.person_id == person.id, Group.archived.is_(False)))
    if current_user.role != "admin":
        query = query.where(Group.facilitator_id == current_user.id)
    return [(gid, name) for gid, name in db.execute(query.distinct().order_by(Group.name))]


@bp.post("/hours/people/<int:person_id>")
@roles_required(*RUNNERS)
def update_person(person_id: int):
    found, _scope_ = _managed_person_or_404(person_id)
    form = PersonForm()
    db = get_session()
    if not form.validate_on_submit():
        flash(error_message("name_invalid"), "error")
        return redirect(url_for("hours.person", person_id=found.id))
    try:
        people.update_person(db, current_user, found, name=form.name.data, locale=form.locale.data,
                             year_start_month=form.year_start_month.data)
    except HoursError as err:
        db.rollback()
        _flash_error(err)
        return redirect(url_for("hours.person", person_id=found.id))
    db.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("hours.person", person_id=found.id))


@bp.post("/hours/people/<int:person_id>/merge")
@roles_required(*RUNNERS)
def merge(person_id: int):
    target, scope = _managed_person_or_404(person_id)
    db = get_session()
    source_id = _posted_id(request.form.get("source", ""))
    source = access.visible_person(db, scope, source_id) if source_id is not None else None
    if source is None:
        flash(error_message("not_found"), "error")
        return redirect(url_for("hours.person", person_id=target.id))
    try:
        people.merge(db, current_user, source, target)
    except HoursError as err:
        db.rollback()
        _flash_error(err)
        return redirect(url_for("hours.person", person_id=target.id))
    db.commit()
    flash(_("The two records are now one."), "success")
    return redirect(url_for("hours.person", person_id=person_id))


@bp.post("/hours/people/<int:person_id>/meetings")
@roles_required(*RUNNERS)
def add_meeting(person_id: int):
    found, _s = _managed_person_or_404(person_id)
    form = MeetingForm()
    db = get_session()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors) or error_message("invalid"), "error")
        return redirect(url_for("hours.person", person_id=found.id))
    try:
        started = to_utc(datetime.combine(form.day.data, form.start.data), _tz())
        record.record_meeting(db, current_user, found, _rules(), started_at=started, minutes=form.minutes.data,
                              mode=form.mode.data, now=utcnow())
    except HoursError as err:
        db.rollback()
        _flash_error(err)
        return redirect(url_for("hours.person", person_id=found.id))
    db.commit()
    flash(_("Individual meeting recorded."), "success")
    return redirect(url_for("hours.person", person_id=found.id))


@bp.post("/hours/people/<int:person_id>/live")
@roles_required(*RUNNERS)
def start_live(person_id: int):
    from reflect.prompts import store as deck_store
    from reflect.rooms import lifecycle

    found, _s = _managed_person_or_404(person_id)
    form = LiveForm()
    form.group.choices = _live_groups(found)
    db = get_session()
    if not form.validate_on_submit():
        flash(error_message("group_invalid"), "error")
        return redirect(url_for("hours.person", person_id=found.id))
    group = access.manageable_group(db, current_user, form.group.data)
    decks = deck_store.usable_decks(db, current_user)
    if group is None or not decks:
        abort(400)
    floor = current_app.config["REFLECT_MIN_GROUP_SIZE"]
    live = lifecycle.create_session(db, current_user, group, decks[0], min_group_size=floor,
                                    title=_("Individual RS/C: %(name)s", name=found.display_name))
    live.locked = True  # a session of one: whoever else joins waits to be admitted
    record.link_live_meeting(db, current_user, found, live, form.mode.data)
    db.commit()
    return redirect(url_for("facilitate.console", session_id=live.id))


@bp.post("/hours/people/<int:person_id>/letters")
@roles_required(*RUNNERS)
def issue_letter(person_id: int):
    found, _s = _managed_person_or_404(person_id)
    form = LetterForm()
    db = get_session()
    if not form.validate_on_submit():
        flash(error_message("invalid"), "error")
        return redirect(url_for("hours.person", person_id=found.id))
    try:
        letter = letters.issue(db, current_user, found, _rules(), start=form.start.data, end=form.end.data,
                               today=_today(), now=utcnow())
    except HoursError as err:
        db.rollback()
        _flash_error(err)
        return redirect(url_for("hours.person", person_id=found.id))
    db.commit()
    flash(_("Letter signed and issued. Its verification code is %(code)s.", code=letters.display_code(letter.code)),
          "success")
    return redirect(url_for("hours.person", person_id=found.id))


@bp.get("/hours/letters/<int:letter_id>.pdf")
@roles_required(*RUNNERS)
def letter_pdf(letter_id: int):
    db = get_session()
    letter = db.get(HoursLetter, letter_id)
    if letter is None:
        abort(404)
    found = _person_or_404(letter.person_id)
    return _pdf_response(letter, found.locale)


@bp.post("/hours/people/<int:person_id>/link")
@roles_required(*RUNNERS)
def new_link(person_id: int):
    found, _s = _managed_person_or_404(person_id)
    form = PersonalLinkForm()
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("hours.person", person_id=found.id))
    db = get_session()
    raw = links.issue_link(db, current_user, found)
    db.commit()
    url = public_url("hours.own_record", token=raw)
    session[LINK_KEY] = {"person_id": found.id, "url": url}
    address = (form.email.data or "").strip()
    if address and mail.enabled():
        if hours_mail.send_personal_link(found, address, url):
            flash(_("The link was emailed to %(email)s.", email=address), "success")
        else:
            flash(_("The email to %(email)s could not be sent: copy the link below and send it yourself.",
                    email=address), "error")
    return redirect(url_for("hours.person", person_id=found.id))


@bp.post("/hours/people/<int:person_id>/link/revoke")
@roles_required(*RUNNERS)
def revoke_link(person_id: int):
    found, _s = _managed_person_or_404(person_id)
    db = get_session()
    if links.revoke(db, current_user, found):
        db.commit()
        flash(_("The personal link no longer works."), "success")
    else:
        flash(_("There was no personal link to revoke."), "error")
    return redirect(url_for("hours.person", person_id=found.id))


# --- exports ---------------------------------------------------------------------------------


@bp.get("/hours/people/<int:person_id>/entries.csv")
@roles_required(*VIEWERS)
def person_csv(person_id: int):
    scope = _scope()
    found = _person_or_404(person_id, scope)
    db = get_session()
    entries = record.person_entries(db, found.id, _rules(), entry_groups=scope.entry_groups)
    audit(db, current_user, "export", f"person:{found.id}", {"format": "csv", "kind": "hours"})
    db.commit()
    return _csv_response(exports.entries_csv([(found, entries)]), f"rsc-hours-person-{found.id}.csv")


@bp.get("/hours/entries.csv")
@roles_required(*VIEWERS)
def program_csv():
    scope = _scope()
    db = get_session()
    rules = _rules()
    rows = [(p, record.person_entries(db, p.id, rules, entry_groups=scope.entry_groups))
            for p in access.visible_people(db, scope)]
    audit(db, current_user, "export", "hours:program", {"format": "csv", "kind": "hours"})
    db.commit()
    return _csv_response(exports.entries_csv(rows), "rsc-hours-program.csv")


# --- a session's attendance ------------------------------------------------------------------


def _session_or_404(session_id: int) -> GroupSession:
    found = get_session().get(GroupSession, session_id)
    if found is None or not (current_user.role == "admin" or found.facilitator_id == current_user.id):
        abort(404)
    return found


@bp.get("/hours/sessions/<int:session_id>")
@roles_required(*RUNNERS)
def session_hours(session_id: int):
    found = _session_or_404(session_id)
    db = get_session()
    rows = record.session_attendance(db, found, _rules())
    mode_row = db.get(record.SessionMode, found.id)
    tz = _tz()
    return render_template("hours/session.html", target=found, rows=rows,
                           mode_form=ModeForm(formdata=None, mode=mode_row.mode if mode_row else record.DEFAULT_MODE),
                           correction_form=CorrectionForm(formdata=None),
                           local=lambda moment: to_local(moment, tz) if moment else None, **_helpers())


@bp.post("/hours/sessions/<int:session_id>/mode")
@roles_required(*RUNNERS)
def session_mode(session_id: int):
    found = _session_or_404(session_id)
    form = ModeForm()
    db = get_session()
    if not form.validate_on_submit():
        flash(error_message("mode_invalid"), "error")
        return redirect(url_for("hours.session_hours", session_id=found.id))
    record.set_session_mode(db, current_user, found, form.mode.data, _rules())
    db.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("hours.session_hours", session_id=found.id))


@bp.post("/hours/sessions/<int:session_id>/people/<int:person_id>/correct")
@roles_required(*RUNNERS)
def correct(session_id: int, person_id: int):
    found = _session_or_404(session_id)
    db = get_session()
    target = access.visible_person(db, _scope(), person_id)
    if target is None:
        abort(404)
    form = CorrectionForm()
    back = redirect(url_for("hours.session_hours", session_id=found.id, _anchor=f"person-{target.id}"))
    if not form.validate_on_submit():
        flash(error_message("reason_required" if not form.reason.data else "invalid"), "error")
        return back
    tz = _tz()

    def _moment(value):
        if value is None or found.started_at is None:
            return None
        day = to_local(found.started_at, tz).date()
        moment = to_utc(datetime.combine(day, value), tz)
        if found.ended_at is not None and moment < found.started_at - timedelta(hours=12):
            moment += timedelta(days=1)  # a session that ran past midnight
        return moment

    try:
        record.correct_attendance(db, current_user, found, target, _rules(), absent=bool(form.absent.data),
                                  arrived=_moment(form.arrived.data), left=_moment(form.left.data),
                                  mode=form.mode.data or None, reason=form.reason.data)
    except HoursError as err:
        db.rollback()
        _flash_error(err)
        return back
    db.commit()
    flash(_("Attendance corrected for %(name)s.", name=target.display_name), "success")
    return back


# --- the provider's own details --------------------------------------------------------------


@bp.route("/hours/provider", methods=["GET", "POST"])
@roles_required(*RUNNERS)
def provider():
    db = get_session()
    profile = db.get(ProviderProfile, current_user.id)
    form = ProviderForm(obj=profile) if profile else ProviderForm(name=current_user.display_name)
    if request.method == "POST":
        if form.validate_on_submit():
            if profile is None:
                profile = ProviderProfile(user_id=current_user.id)
                db.add(profile)
            profile.name = " ".join(form.name.data.split())
            profile.qualification = " ".join((form.qualification.data or "").split())
            audit(db, current_user, "provider_details_changed", f"user:{current_user.id}")
            db.commit()
            flash(_("Saved. New entries and letters show these details."), "success")
            return redirect(url_for("hours.provider"))
        return render_template("hours/provider.html", form=form), 400
    return render_template("hours/provider.html", form=form)


# the public pages (verification, the practitioner's own view) share this blueprint
from reflect.hours import public_views  # noqa: E402,F401

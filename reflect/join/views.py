"""Joining from a phone: a code (POST, rate-limited), the group agreements, a name or
none; then a random resumable token in an HttpOnly cookie — never in a URL."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from reflect.db import get_session
from reflect.extensions import limiter
from reflect.join.forms import read_choice
from reflect.models import GroupSession
from reflect.rooms import feelings, groups, participants
from reflect.rooms.errors import RoomError
from reflect.rooms.keys import PARTICIPANT_COOKIE
from reflect.rooms.messages import ERRORS
from reflect.rooms.scales import SCALES

bp = Blueprint("join", __name__)
JOINING = "joining_session"
COOKIE_MAX_AGE = 12 * 3600


def _wrong_code(response) -> bool:
    # a refused code (400); not a "try again in a moment" (503), whose storage may be down
    return response.status_code == 400


def _resume(session_id: int | None = None):
    """A phone already in this session (its cookie) that opens the join link again
    resumes as itself: no second participant, no second agreements screen."""
    found = participants.resuming(get_session(), request.cookies.get(PARTICIPANT_COOKIE), session_id)
    return redirect(url_for("join.phone")) if found is not None else None


@bp.get("/join")
def enter():
    code = request.args.get("code")
    if code:
        target = participants.open_session_for_code(get_session(), code)
        again = _resume(target.id) if target is not None else None
        if again is not None:
            return again
    return render_template("join/enter.html", code=request.args.get("code", "")[:12])


@bp.post("/join")
@limiter.limit("20 per minute", deduct_when=_wrong_code)
@limiter.limit("300 per minute", key_func=lambda: "join-overall", deduct_when=_wrong_code)
def submit_code():
    db = get_session()
    found = participants.open_session_for_code(db, request.form.get("code"))
    if found is None:
        return render_template("join/enter.html", code=request.form.get("code", "")[:12],
                               error=_("That code does not open a session. Check it with your facilitator.")), 400
    again = _resume(found.id)
    if again is not None:
        return again
    session[JOINING] = found.id
    return redirect(url_for("join.welcome"))


def _joining() -> GroupSession | None:
    session_id = session.get(JOINING)
    found = get_session().get(GroupSession, session_id) if isinstance(session_id, int) else None
    return found if found is not None and found.phase != "ended" else None


@bp.route("/join/welcome", methods=["GET", "POST"])
@limiter.limit("60 per minute", methods=["POST"])  # 30 people on one Wi-Fi join; a flood does not
def welcome():
    target = _joining()
    if target is None:
        return redirect(url_for("join.enter"))
    again = _resume(target.id)
    if again is not None:
        return again
    roster = groups.active_roster(target.group)
    error = None
    if request.method == "POST":
        db = get_session()
        try:
            choice = read_choice(request.form)  # a roster choice or a name, else a form error
            participant, raw = participants.join(
                db, target, agreed=request.form.get("agree") == "yes", display_name=choice.display_name,
                roster_member_id=choice.roster_member_id, locale=str(get_locale() or "en"),
            )
        except RoomError as err:
            db.rollback()
            error = str(ERRORS.get(err.code, ERRORS["invalid"]))
        else:
            db.commit()
            session.pop(JOINING, None)
            response = redirect(url_for("join.phone"))
            response.set_cookie(PARTICIPANT_COOKIE, raw, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                                secure=bool(current_app.config.get("REFLECT_HTTPS")), path="/")
            return response
    # after a refusal (the agreements not ticked, ...), the page keeps what was chosen and typed
    chosen = request.form.get("who", "none") if request.method == "POST" else "none"
    typed_name = request.form.get("display_name", "")[:40] if request.method == "POST" else ""
    if chosen == "none" and typed_name.strip():
        chosen = "typed"  # as it would have been taken
    if chosen not in {"typed"} | {f"roster:{m.id}" for m in roster}:
        chosen = "none"
    agreed = request.method == "POST" and request.form.get("agree") == "yes"
    return render_template("join/welcome.html", target=target, roster=roster, error=error,
                           chosen=chosen, typed_name=typed_name, agreed=agreed), (400 if error else 200)


@bp.get("/p")
def phone():
    db = get_session()
    participant = participants.by_token(db, request.cookies.get(PARTICIPANT_COOKIE))
    if participant is None:
        return redirect(url_for("join.enter"))
    target = db.get(GroupSession, participant.session_id)
    locale = str(get_locale() or "en")
    if participant.locale != locale:  # the page's language switch also sets the cards' language
        participants.set_locale(db, participant, locale)
        db.commit()
    scales = [SCALES[slug] for slug in target.checkin_scales if slug in SCALES]
    return render_template("join/phone.html", target=target, participant=participant, scales=scales,
                           feelings=feelings.choices(locale))


@bp.post("/p/leave")
def leave():
    db = get_session()
    participant = participants.by_token(db, request.cookies.get(PARTICIPANT_COOKIE))
    if participant is not None:  # the cookie's token stops working, even for a copy of it
        participants.forget_token(db, participant)
        db.commit()
    response = redirect(url_for("join.enter"))
    response.delete_cookie(PARTICIPANT_COOKIE, path="/")
    flash(_("You have left the session."), "success")
    return response

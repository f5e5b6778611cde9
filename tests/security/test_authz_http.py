"""The HTTP authorisation matrix: every route of ``app.url_map`` × every role.

A route added to the app without an entry in ``ROUTES`` fails the test, so nobody can
add a page without saying who may open it. A refusal is a redirect to sign in (or to
the join page, for the phone's pages), 401, 403 or 404, and it changes nothing in the
database (every row of every table is compared). An allowed request answers as it
should and, where it is meant to change something, did.
"""
from __future__ import annotations

import io
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Callable
from urllib.parse import urlsplit

from reflect.db import get_session
from reflect.models import User
from reflect.tokens import token_hash
from tests.security.conftest import ROLES, World, diff, snapshot

SIGNED_IN = {"admin", "facilitator", "other_facilitator", "assigned_supervisor", "unassigned_supervisor"}
RUNNERS = {"admin", "facilitator", "other_facilitator"}
EVERYONE = set(ROLES)
G_REVIEWERS = {"admin", "facilitator", "assigned_supervisor"}
DECK_D = {"admin", "facilitator"}
NOBODY: set[str] = set()


@dataclass
class Route:
    url: Callable[[World, str], str]
    allowed: set
    ok: tuple = (200,)
    data: Callable[[World, str], dict] | None = None
    writes: bool = False             # an allowed request must change the database
    ok_redirect_to_login: bool = False
    files: bool = False
    refused_with: tuple = ()         # statuses that also count as a refusal here


def _card_form(w, role):
    return {"text_en": "A new card", "text_es": "", "followup_en": "", "followup_es": "",
            "perspective": "parent", "themes": ["describing"]}


def _import_file(w, role):
    body = json.dumps({"id": f"imp-{uuid.uuid4().hex[:8]}", "version": 1, "languages": ["en"],
                       "title": {"en": "Imported"}, "description": {"en": "Imported deck"},
                       "cards": [{"id": "c1", "text": {"en": "Card"}, "perspective": "parent",
                                  "themes": ["describing"]}]})
    return {"file": (io.BytesIO(body.encode()), "deck.json")}


def _display_url(w, role):
    if role in ("display", "facilitator"):
        key = w.keys["S"]
    elif role == "other_facilitator":
        key = w.keys["T"]  # the key they do hold, for their own session
    else:
        key = secrets.token_hex(16)
    return f"/display/{w.ids['S']}/{key}"


def _group_session_form(w, role):
    return {"title": "New session", "deck": "multiple-perspectives", "scales": ["energy"],
            "allow_names": "y", "min_group_size": "3"}


def _assign(w, role):
    group_id, user_id = w.fresh_group(), w.fresh_user("supervisor")
    w._pending = {f"g{group_id}-user_id": str(user_id)}
    return f"/review/assignments/{group_id}/add"


def _unassign(w, role):
    group_id, user_id = w.fresh_assignment()
    return f"/review/assignments/{group_id}/remove/{user_id}"


def _pending(w, role):
    return w.__dict__.pop("_pending", {})


# --- hours (reflect/hours): people of group G, the facilitator's letters and links -------------


def _hours_person(w, role=None, *, meeting_by=None, link=False, letter=False) -> int:
    """A new person on group G's roster (the facilitator's); optionally with an individual
    meeting given by ``meeting_by`` (a role), a personal link, an issued letter."""
    from datetime import date, datetime as dt

    from reflect.hours import letters, links, people, record
    from reflect.models import GroupSession, Group, RosterMember, User

    w.made = True
    with w.app.app_context():
        db = w.db()
        fac = db.get(User, w.ids["facilitator"])
        member = RosterMember(group_id=w.ids["G"], display_name=f"Member {uuid.uuid4().hex[:6]}")
        db.add(member)
        db.flush()
        person = people.create_person(db, fac, member.display_name)
        people.link_roster_entry(db, fac, member, person)
        if meeting_by:
            record.record_meeting(db, db.get(User, w.ids[meeting_by]), person, record.Rules(),
                                  started_at=dt(2025, 2, 3, 9, 0), minutes=45, mode="video", now=dt(2026, 1, 1))
        if link:
            w._hours_token = links.issue_link(db, fac, person)
        if letter:
            record.record_meeting(db, fac, person, record.Rules(), started_at=dt(2025, 2, 4, 9, 0), minutes=60,
                                  mode="phone", now=dt(2026, 1, 1))
            issued = letters.issue(db, fac, person, record.Rules(), start=date(2025, 1, 1), end=date(2025, 12, 31),
                                   today=date(2026, 1, 1), now=dt(2026, 1, 1))
            w._hours_letter = (issued.id, issued.code)
        db.commit()
        return person.id


def _hours_fixed(w) -> dict:
    """One person of G with a link and a letter, made once for the read-only routes."""
    if not hasattr(w, "_hours_fixed"):
        person_id = _hours_person(w, link=True, letter=True)
        w._hours_fixed = {"person": person_id, "token": w._hours_token, "letter": w._hours_letter}
    return w._hours_fixed


def _hours_held_session(w) -> tuple[int, int]:
    """A held session of the facilitator's in G, and a person of G's roster."""
    from datetime import datetime as dt, timedelta

    from reflect.models import GroupSession

    person_id = _hours_person(w)
    with w.app.app_context():
        db = w.db()
        start = dt(2025, 3, 1, 17, 0) + timedelta(days=len(w.__dict__.setdefault("_held", [])))
        w._held.append(1)
        s = GroupSession(group_id=w.ids["G"], facilitator_id=w.ids["facilitator"], deck_id="multiple-perspectives",
                         phase="ended", started_at=start, ended_at=start + timedelta(minutes=90))
        db.add(s)
        db.commit()
        return s.id, person_id


def _hours_merge(w, role):
    target, source = _hours_person(w), _hours_person(w)
    w._pending = {"source": str(source)}
    return f"/hours/people/{target}/merge"


def _hours_live(w, role):
    w._pending = {"group": str(w.ids["G"]), "mode": "video"}
    return f"/hours/people/{_hours_person(w)}/live"


def _hours_letter(w, role):
    runner = role if role in ("admin", "facilitator") else "facilitator"
    w._pending = {"from": "2025-01-01", "to": "2025-12-31"}
    return f"/hours/people/{_hours_person(w, meeting_by=runner)}/letters"


def _hours_correct(w, role):
    session_id, person_id = _hours_held_session(w)
    w._pending = {"absent": "y", "reason": "Was not there"}
    return f"/hours/sessions/{session_id}/people/{person_id}/correct"


def _hours_mode(w, role):
    session_id, _person = _hours_held_session(w)
    w._pending = {"mode": "phone"}
    return f"/hours/sessions/{session_id}/mode"


def _hours_link_roster(w, role):
    _group, member = w.fresh_member()
    return f"/hours/roster/{member}/link"


S = lambda w: w.ids["S"]  # noqa: E731
G = lambda w: w.ids["G"]  # noqa: E731


def _another_sign_in(w, role):
    """A second open sign-in of the role's account (of the facilitator's, for roles
    without an account): ending it is allowed to its owner only."""
    from reflect.auth import accounts

    w.made = True
    with w.app.app_context():
        db = get_session()
        owner = db.get(User, w.ids.get(role) if role in SIGNED_IN else w.ids["facilitator"])
        raw = accounts.start_login_session(db, owner, user_agent="Firefox/133.0 (Windows)")
        db.commit()
        return {"login": token_hash(raw)}


def _fresh_two_step_user(w, role):
    user_id = w.fresh_user()
    with w.app.app_context():
        db = get_session()
        db.get(User, user_id).totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        db.commit()
    return f"/admin/users/{user_id}/two-step/reset"

ROUTES: dict[tuple[str, str], Route] = {
    # --- public pages ----------------------------------------------------------------
    ("auth.index", "GET"): Route(lambda w, r: "/", EVERYONE, ok=(302,)),
    ("static", "GET"): Route(lambda w, r: "/static/css/app.css", EVERYONE),
    # the Socket.IO path: answered by Socket.IO (a request that is not a handshake is
    # refused); the Flask route there only answers 404 (reflect/app.py)
    ("socketio_path", "GET"): Route(lambda w, r: "/socket.io/", NOBODY, refused_with=(400,)),
    ("socketio_websocket", "GET"): Route(lambda w, r: "/socket.io/", NOBODY, refused_with=(400,)),  # its websocket twin
    ("auth.login", "GET"): Route(lambda w, r: "/login", EVERYONE, ok=(200, 302)),
    ("auth.login", "POST"): Route(lambda w, r: "/login", EVERYONE, ok=(200, 302),
                                  data=lambda w, r: {"email": f"{r}-guess@example.org", "password": "wrong password"}),
    ("auth.switch_language", "POST"): Route(lambda w, r: "/lang", EVERYONE, ok=(302,),
                                            data=lambda w, r: {"lang": "en", "next": "/"}),
    ("join.enter", "GET"): Route(lambda w, r: "/join", EVERYONE),
    # the join flow's second step: only after a code was entered in this browser
    ("join.welcome", "GET"): Route(lambda w, r: "/join/welcome", NOBODY),
    ("join.welcome", "POST"): Route(lambda w, r: "/join/welcome", NOBODY,
                                    data=lambda w, r: {"agree": "yes", "who": "typed", "display_name": "Intruder"}),
    ("join.submit_code", "POST"): Route(lambda w, r: "/join", EVERYONE, ok=(302,),
                                        data=lambda w, r: {"code": w.codes["S"]}),
    ("join.phone", "GET"): Route(lambda w, r: "/p", {"participant", "other_participant"}),
    # a one-time link or the first-run token is the only key to these
    ("auth.set_password", "GET"): Route(lambda w, r: f"/password/{secrets.token_urlsafe(32)}", NOBODY),
    ("auth.set_password", "POST"): Route(lambda w, r: f"/password/{secrets.token_urlsafe(32)}", NOBODY,
                                         data=lambda w, r: {"password": "x" * 12, "confirm": "x" * 12}),
    ("auth.setup", "GET"): Route(lambda w, r: "/setup", NOBODY),
    ("auth.setup", "POST"): Route(lambda w, r: "/setup", NOBODY,
                                  data=lambda w, r: {"token": "guess", "email": "evil@example.org",
                                                     "display_name": "Evil", "password": "x" * 12,
                                                     "confirm": "x" * 12}),
    ("facilitate.display", "GET"): Route(_display_url, {"display", "facilitator"}),
    # --- accounts ----------------------------------------------------------------------
    ("auth.account", "GET"): Route(lambda w, r: "/account", SIGNED_IN),
    ("admin.users", "GET"): Route(lambda w, r: "/admin/users", {"admin"}),
    ("admin.audit", "GET"): Route(lambda w, r: "/admin/audit", {"admin"}),
    # the add and the reset redirect to the people page, which shows the new link once
    ("admin.add_user", "POST"): Route(lambda w, r: "/admin/users", {"admin"}, ok=(302,), writes=True,
                                      data=lambda w, r: {"email": f"new-{uuid.uuid4().hex[:8]}@example.org",
                                                         "display_name": "New", "role": "facilitator"}),
    ("admin.toggle_active", "POST"): Route(lambda w, r: f"/admin/users/{w.fresh_user()}/active", {"admin"},
                                           ok=(302,), writes=True, data=lambda w, r: {"active": "0"}),
    ("admin.reset_password", "POST"): Route(lambda w, r: f"/admin/users/{w.fresh_user()}/reset", {"admin"},
                                            ok=(302,), writes=True, data=lambda w, r: {}),
    ("admin.change_role", "POST"): Route(lambda w, r: f"/admin/users/{w.fresh_user()}/role", {"admin"},
                                         ok=(302,), writes=True, data=lambda w, r: {"role": "supervisor"}),
    ("admin.end_sign_ins", "POST"): Route(lambda w, r: f"/admin/users/{w.fresh_user()}/sign-ins/end", {"admin"},
                                          ok=(302,), writes=True, data=lambda w, r: {}),
    ("admin.reset_two_factor", "POST"): Route(_fresh_two_step_user, {"admin"}, ok=(302,), writes=True,
                                              data=lambda w, r: {}),
    # open sign-ins: each person their own
    ("auth.sign_ins", "GET"): Route(lambda w, r: "/account/sign-ins", SIGNED_IN),
    ("auth.end_sign_in", "POST"): Route(lambda w, r: "/account/sign-ins/end", SIGNED_IN, ok=(302,), writes=True,
                                        data=_another_sign_in),
    # two-step sign-in: the account page's set-up (a wrong code is a 400 that changes nothing)
    ("auth.two_factor", "GET"): Route(lambda w, r: "/account/two-step", SIGNED_IN),
    ("auth.two_factor", "POST"): Route(lambda w, r: "/account/two-step", SIGNED_IN, ok=(400,),
                                       data=lambda w, r: {"code": "000000"}),
    ("auth.new_recovery_codes", "POST"): Route(lambda w, r: "/account/two-step/recovery-codes", SIGNED_IN,
                                               ok=(400,), data=lambda w, r: {"code": "000000"}),
    # passkeys: JSON; without the app set up (as every account here) the options are refused with a 400
    ("auth.passkey_options", "POST"): Route(lambda w, r: "/account/passkeys/options", SIGNED_IN, ok=(400,)),
    ("auth.add_passkey", "POST"): Route(lambda w, r: "/account/passkeys", SIGNED_IN, ok=(400,)),
    ("auth.remove_passkey", "POST"): Route(lambda w, r: "/account/passkeys/999999/remove", SIGNED_IN, ok=(302,),
                                           data=lambda w, r: {}),
    ("auth.passkey_sign_in_options", "POST"): Route(lambda w, r: "/login/passkey/options", NOBODY),
    ("auth.passkey_sign_in", "POST"): Route(lambda w, r: "/login/passkey", NOBODY),
    ("auth.two_factor_off", "POST"): Route(lambda w, r: "/account/two-step/off", SIGNED_IN, ok=(400,),
                                           data=lambda w, r: {"code": "000000"}),
    # the second step of signing in: only after a right password in this browser
    ("auth.second_step", "GET"): Route(lambda w, r: "/login/code", NOBODY),
    ("auth.second_step", "POST"): Route(lambda w, r: "/login/code", NOBODY, data=lambda w, r: {"code": "000000"}),
    ("auth.enrol_at_sign_in", "GET"): Route(lambda w, r: "/login/enrol", NOBODY),
    ("auth.enrol_at_sign_in", "POST"): Route(lambda w, r: "/login/enrol", NOBODY,
                                             data=lambda w, r: {"code": "000000"}),
    # without email settings there is no reset to send; without single sign-on settings, no SSO
    ("auth.forgot_password", "GET"): Route(lambda w, r: "/password/forgot", EVERYONE),
    ("auth.forgot_password", "POST"): Route(lambda w, r: "/password/forgot", NOBODY,
                                            data=lambda w, r: {"email": "admin@example.org"}),
    ("auth.sso_start", "GET"): Route(lambda w, r: "/login/sso", NOBODY),
    ("auth.sso_callback", "GET"): Route(lambda w, r: "/login/sso/callback", NOBODY),
    # --- facilitating --------------------------------------------------------------------
    ("facilitate.index", "GET"): Route(lambda w, r: "/facilitate", RUNNERS),
    ("facilitate.create_group", "POST"): Route(lambda w, r: "/facilitate/groups", RUNNERS, ok=(302,), writes=True,
                                               data=lambda w, r: {"name": "A new group", "roster": "Dana"}),
    ("facilitate.group", "GET"): Route(lambda w, r: f"/facilitate/groups/{G(w)}", DECK_D),
    ("facilitate.group", "POST"): Route(lambda w, r: f"/facilitate/groups/{w.fresh_group()}", DECK_D, ok=(302,),
                                        writes=True, data=lambda w, r: {"name": "Renamed", "roster": "Eli\nFay"}),
    ("facilitate.rename_member", "POST"): Route(
        lambda w, r: "/facilitate/groups/{}/members/{}/name".format(*w.fresh_member()), DECK_D, ok=(302,),
        writes=True, data=lambda w, r: {"name": "Dana López"}),
    ("facilitate.create_session", "POST"): Route(lambda w, r: f"/facilitate/groups/{G(w)}/sessions", DECK_D,
                                                 ok=(302,), writes=True, data=_group_session_form),
    ("facilitate.console", "GET"): Route(lambda w, r: f"/facilitate/sessions/{S(w)}", {"facilitator"}),
    ("facilitate.plan_session", "POST"): Route(
        lambda w, r: f"/facilitate/sessions/{w.fresh_lobby_session()}/plan", {"facilitator"}, ok=(302,), writes=True,
        data=lambda w, r: {"planned_for": f"{datetime.now().year + 1}-03-02T15:00"}),
    ("facilitate.summary_page", "GET"): Route(lambda w, r: f"/facilitate/sessions/{S(w)}/summary", {"facilitator"}),
    ("facilitate.erase_text", "POST"): Route(lambda w, r: f"/facilitate/sessions/{w.fresh_ended_session()}/erase-text",
                                             {"facilitator"}, ok=(302,), writes=True, data=lambda w, r: {}),
    # --- decks (D belongs to this session's facilitator) ----------------------------------
    ("decks.index", "GET"): Route(lambda w, r: "/decks/", RUNNERS),
    ("decks.export_all", "GET"): Route(lambda w, r: "/decks/export.json", RUNNERS),
    ("decks.new", "GET"): Route(lambda w, r: "/decks/new", RUNNERS),
    ("decks.new", "POST"): Route(lambda w, r: "/decks/new", RUNNERS, ok=(302,), writes=True,
                                 data=lambda w, r: {"title_en": "New deck", "description_en": "About it",
                                                    **_card_form(w, r)}),
    ("decks.import_deck", "POST"): Route(lambda w, r: "/decks/import", RUNNERS, ok=(302,), writes=True,
                                         data=_import_file, files=True),
    ("decks.view", "GET"): Route(lambda w, r: "/decks/deck-d/", DECK_D),
    ("decks.export_one", "GET"): Route(lambda w, r: "/decks/deck-d/export.json", DECK_D),
    ("decks.edit", "GET"): Route(lambda w, r: "/decks/deck-d/edit", DECK_D),
    ("decks.edit", "POST"): Route(lambda w, r: f"/decks/{w.fresh_deck()}/edit", DECK_D, ok=(302,), writes=True,
                                  data=lambda w, r: {"title_en": "Edited", "description_en": "Edited too"}),
    ("decks.duplicate", "POST"): Route(lambda w, r: "/decks/deck-d/duplicate", DECK_D, ok=(302,), writes=True,
                                       data=lambda w, r: {}),
    ("decks.retire", "POST"): Route(lambda w, r: f"/decks/{w.fresh_deck()}/retire", DECK_D, ok=(302,),
                                    writes=True, data=lambda w, r: {}),
    ("decks.restore", "POST"): Route(lambda w, r: f"/decks/{w.fresh_deck(retired=True)}/restore", DECK_D,
                                     ok=(302,), writes=True, data=lambda w, r: {}),
    ("decks.delete", "GET"): Route(lambda w, r: "/decks/deck-d/delete", DECK_D),
    ("decks.delete", "POST"): Route(lambda w, r: f"/decks/{w.fresh_deck(retired=True)}/delete", DECK_D,
                                    ok=(302,), writes=True, data=lambda w, r: {}),
    ("decks.add_card", "GET"): Route(lambda w, r: "/decks/deck-d/cards/new", DECK_D),
    ("decks.add_card", "POST"): Route(lambda w, r: f"/decks/{w.fresh_deck()}/cards/new", DECK_D, ok=(302,),
                                      writes=True, data=_card_form),
    ("decks.edit_card", "GET"): Route(lambda w, r: "/decks/deck-d/cards/c1/edit", DECK_D),
    ("decks.edit_card", "POST"): Route(lambda w, r: f"/decks/{w.fresh_deck()}/cards/c1/edit", DECK_D, ok=(302,),
                                       writes=True, data=_card_form),
    ("decks.delete_card", "GET"): Route(lambda w, r: "/decks/deck-d/cards/c1/delete", DECK_D),
    ("decks.delete_card", "POST"): Route(lambda w, r: f"/decks/{w.fresh_deck()}/cards/c1/delete", DECK_D,
                                         ok=(302,), writes=True, data=lambda w, r: {}),
    ("decks.move_card", "POST"): Route(lambda w, r: f"/decks/{w.fresh_deck()}/cards/c2/move", DECK_D, ok=(302,),
                                       writes=True, data=lambda w, r: {"direction": "up"}),
    # --- review (group G: its facilitator, its assigned supervisor, the admin) -------------
    ("review.index", "GET"): Route(lambda w, r: "/review/", SIGNED_IN),
    ("review.overview_csv", "GET"): Route(lambda w, r: "/review/export/themes.csv", SIGNED_IN),
    ("review.api_overview", "GET"): Route(lambda w, r: "/api/review/overview", SIGNED_IN),
    ("review.group", "GET"): Route(lambda w, r: f"/review/groups/{G(w)}", G_REVIEWERS),
    ("review.report", "GET"): Route(lambda w, r: f"/review/groups/{G(w)}/report", G_REVIEWERS),
    ("review.group_csv", "GET"): Route(lambda w, r: f"/review/groups/{G(w)}/export/checkins.csv", G_REVIEWERS),
    ("review.api_group", "GET"): Route(lambda w, r: f"/api/review/groups/{G(w)}", G_REVIEWERS),
    ("review.assignments", "GET"): Route(lambda w, r: "/review/assignments", {"admin"}),
    ("review.assign", "POST"): Route(_assign, {"admin"}, ok=(302,), writes=True, data=_pending),
    ("review.unassign", "POST"): Route(_unassign, {"admin"}, ok=(302,), writes=True, data=lambda w, r: {}),
    # --- hours (a person of group G; the facilitator's session S; letters and links) -----------
    ("hours.index", "GET"): Route(lambda w, r: "/hours/", SIGNED_IN),
    ("hours.program_csv", "GET"): Route(lambda w, r: "/hours/entries.csv", SIGNED_IN),
    ("hours.create_person", "POST"): Route(lambda w, r: "/hours/people", RUNNERS, ok=(302,), writes=True,
                                           data=lambda w, r: {"name": "New Person", "locale": "es"}),
    ("hours.link_roster", "POST"): Route(_hours_link_roster, DECK_D, ok=(302,), writes=True,
                                         data=lambda w, r: {"person": "new"}),
    ("hours.person", "GET"): Route(lambda w, r: f"/hours/people/{_hours_fixed(w)['person']}", G_REVIEWERS),
    ("hours.person_csv", "GET"): Route(lambda w, r: f"/hours/people/{_hours_fixed(w)['person']}/entries.csv",
                                       G_REVIEWERS),
    ("hours.update_person", "POST"): Route(lambda w, r: f"/hours/people/{_hours_person(w)}", DECK_D, ok=(302,),
                                           writes=True, data=lambda w, r: {"name": "Renamed Person", "locale": "es",
                                                                           "year_start_month": "7"}),
    ("hours.merge", "POST"): Route(_hours_merge, DECK_D, ok=(302,), writes=True, data=_pending),
    ("hours.add_meeting", "POST"): Route(lambda w, r: f"/hours/people/{_hours_person(w)}/meetings", DECK_D,
                                         ok=(302,), writes=True,
                                         data=lambda w, r: {"day": "2025-05-06", "start": "10:00", "minutes": "50",
                                                            "mode": "video"}),
    ("hours.start_live", "POST"): Route(_hours_live, DECK_D, ok=(302,), writes=True, data=_pending),
    ("hours.issue_letter", "POST"): Route(_hours_letter, DECK_D, ok=(302,), writes=True, data=_pending),
    ("hours.letter_pdf", "GET"): Route(lambda w, r: f"/hours/letters/{_hours_fixed(w)['letter'][0]}.pdf", DECK_D),
    ("hours.new_link", "POST"): Route(lambda w, r: f"/hours/people/{_hours_person(w)}/link", DECK_D, ok=(302,),
                                      writes=True, data=lambda w, r: {}),
    ("hours.revoke_link", "POST"): Route(lambda w, r: f"/hours/people/{_hours_person(w, link=True)}/link/revoke",
                                         DECK_D, ok=(302,), writes=True, data=lambda w, r: {}),
    ("hours.session_hours", "GET"): Route(lambda w, r: f"/hours/sessions/{S(w)}", DECK_D),
    ("hours.session_mode", "POST"): Route(_hours_mode, DECK_D, ok=(302,), writes=True, data=_pending),
    ("hours.correct", "POST"): Route(_hours_correct, DECK_D, ok=(302,), writes=True, data=_pending),
    ("hours.provider", "GET"): Route(lambda w, r: "/hours/provider", RUNNERS),
    ("hours.provider", "POST"): Route(lambda w, r: "/hours/provider", RUNNERS, ok=(302,), writes=True,
                                      data=lambda w, r: {"name": "Dr. Provider", "qualification": "LCSW, IMH-E®"}),
    # public: the verification page, and the practitioner's link (the link is the key)
    ("hours.verify_form", "GET"): Route(lambda w, r: "/verify", EVERYONE),
    ("hours.verify", "GET"): Route(lambda w, r: f"/verify/{_hours_fixed(w)['letter'][1]}", EVERYONE),
    ("hours.own_record", "GET"): Route(lambda w, r: f"/my/{_hours_fixed(w)['token']}", EVERYONE),
    ("hours.own_letter", "GET"): Route(
        lambda w, r: f"/my/{_hours_fixed(w)['token']}/letters/{_hours_fixed(w)['letter'][0]}.pdf", EVERYONE),
    # --- last: these end the browser's own session or participation ---------------------
    ("join.leave", "POST"): Route(lambda w, r: "/p/leave", EVERYONE, ok=(302,), data=lambda w, r: {}),
    ("auth.logout", "POST"): Route(lambda w, r: "/logout", SIGNED_IN, ok=(302,), writes=True,
                                   ok_redirect_to_login=True, data=lambda w, r: {}),
}


def app_routes(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def _refused(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    if response.status_code == 302:
        return urlsplit(response.headers["Location"]).path in ("/login", "/join")
    return False


def _prepare(w: World, role: str, route: Route, method: str) -> tuple[str, dict | None]:
    """The URL and form (fresh targets are made here, before the snapshot)."""
    url = route.url(w, role)
    if method == "GET":
        return url, None
    data = dict(route.data(w, role) if route.data else {})
    data["csrf_token"] = w.token(role)
    return url, data


def _send(w: World, role: str, route: Route, url: str, data: dict | None):
    client = w.clients[role]
    if data is None:
        return client.get(url)
    kwargs = {"content_type": "multipart/form-data"} if route.files else {}
    return client.post(url, data=data, **kwargs)


def test_every_route_has_an_entry_in_the_matrix(app, backend):
    routes = app_routes(app)
    missing = sorted(routes - set(ROUTES))
    stale = sorted(set(ROUTES) - routes)
    assert not missing, f"routes without an authorisation entry in tests/security/test_authz_http.py: {missing}"
    assert not stale, f"entries for routes that no longer exist: {stale}"


def test_every_route_allows_and_refuses_exactly_the_right_roles(world, app):
    """Every (route, method) × every role; a refusal changes no row of any table."""
    failures = []
    after = snapshot(app)
    for (endpoint, method), route in ROUTES.items():
        if (endpoint, method) not in app_routes(app):
            continue  # reported by the test above
        for role in ROLES:
            world.made = False
            url, data = _prepare(world, role, route, method)
            before = snapshot(app) if world.made else after  # fresh targets were just made
            response = _send(world, role, route, url, data)
            after = snapshot(app)
            changed = diff(before, after)
            status = response.status_code
            where = f"{method} {url} as {role}: {status} {response.headers.get('Location', '')}"
            if status >= 500:
                failures.append(f"{where} (server error)")
            elif role in route.allowed:
                good = status in route.ok
                if good and status == 302 and route.allowed != EVERYONE and not route.ok_redirect_to_login:
                    good = not _refused(response)  # sent to sign in: not really allowed
                if not good:
                    failures.append(f"{where}: expected {route.ok}")
                elif route.writes and not changed:
                    failures.append(f"{where}: allowed but nothing changed")
            else:
                if not (_refused(response) or status in route.refused_with):
                    failures.append(f"{where}: expected a refusal")
                if changed:
                    failures.append(f"{where}: refused but changed {changed}")
            if endpoint == "join.submit_code":  # forget the pending join for the next routes
                with world.clients[role].session_transaction() as flask_session:
                    flask_session.pop("joining_session", None)
    assert not failures, "\n".join(failures)


def test_sign_in_and_the_language_switch_never_send_anyone_off_site(app, client, backend):
    """``next`` is a same-site path or nothing, however it is disguised."""
    from urllib.parse import quote, urljoin

    from tests.helpers import PASSWORD, csrf, make_user

    tricks = ["//evil.example/", "/\\evil.example/", "\\\\evil.example", "/\t/evil.example", "https://evil.example",
              "http:evil.example", "/%5Cevil.example", "/%2F%2Fevil.example", "javascript:alert(1)", " //evil.example"]

    def lands_here(response) -> bool:
        if response.status_code != 302:
            return False
        target = urljoin("http://localhost/x/", response.headers["Location"].replace("\\", "/"))
        return response.status_code == 302 and urlsplit(target).netloc == "localhost" \
            and urlsplit(target).scheme == "http"

    for n, trick in enumerate(tricks):
        email = f"fac{n}@example.org"  # sign-ins per email are limited to 6 a minute
        make_user(app, "facilitator", email)
        browser = app.test_client()
        token = csrf(browser, "/login")
        response = browser.post("/login?next=" + quote(trick, safe=""),
                                data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert lands_here(response), (trick, response.headers.get("Location"))
        token = csrf(browser, "/join")  # signing in starts a new session, with a new CSRF secret
        response = browser.post("/lang", data={"lang": "en", "next": trick, "csrf_token": token})
        assert lands_here(response), (trick, response.headers.get("Location"))

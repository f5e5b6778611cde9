"""The Socket.IO authorisation matrix: every event of every namespace × every role.

The events are read from the server's own handler table, so an event added without an
entry here fails the test. For each namespace a role either may connect (and then each
event does what it should) or is refused at connect, and then even a raw event packet
sent on that namespace gets no answer and changes nothing. Sockets that are rightly
connected for *their own* session (a participant or a facilitator of session T) cannot
touch anything of session S through ids of S's participants, answers, cards or notes.
Authorisation is re-checked on every event: a facilitator signed out, deactivated or
no longer a facilitator, and a participant removed by the facilitator, are refused at
their next event.
"""
from __future__ import annotations

import secrets

from socketio import packet
from sqlalchemy import func, select

from reflect.db import get_session
from reflect.extensions import socketio
from reflect.models import Answer, GroupSession, Note, Participant, ScreenPresence, User
from reflect.rooms import lifecycle
from tests.helpers import csrf
from tests.security.conftest import ROLES, World, diff, session_snapshot, snapshot
from tests.socket.conftest import events

PHONE, FAC, DISPLAY = "/phone", "/facilitator", "/display"
LIFECYCLE = {"connect", "disconnect"}


# --- what each namespace accepts, and how each event is made valid --------------------------


def _state(w: World, phase: str | None = None, position: int | None = None, key: str = "S") -> None:
    """Put session ``key`` in ``phase`` (and on card ``position``) with the services."""
    with w.app.app_context():
        db = get_session()
        session = db.get(GroupSession, w.ids[key])
        if phase and session.phase != phase:
            lifecycle.set_phase(db, session, phase)
        if position is not None and session.current_position != position:
            lifecycle.move_card(db, session, "jump", position)
        db.commit()


def _answers_to_reveal(w: World) -> None:
    """On card 1 with two new shared answers: enough for a reveal after an earlier one
    (a lone anonymous answer would wait for another)."""
    _state(w, "reflect", 0)
    with w.app.app_context():
        db = get_session()
        for _ in range(2):
            db.add(Answer(id=secrets.token_hex(16), session_id=w.ids["S"], session_card_id=w.ids["card_S"],
                          kind="card", audience="group", text="Another shared answer"))
        db.commit()


def _fresh_note(w: World) -> str:
    client_id = "note-" + secrets.token_hex(6)
    with w.app.app_context():
        db = get_session()
        db.add(Note(session_id=w.ids["S"], author_id=w.ids["facilitator"], client_id=client_id, phase="reflect",
                    text="another private note"))
        db.commit()
    return client_id


def _own_tag(w: World, role: str = "facilitator") -> int:
    from reflect.rooms import notes

    with w.app.app_context():
        db = get_session()
        tag = notes.add_tag(db, db.get(User, w.ids[role]), "Tag " + secrets.token_hex(4))
        db.commit()
        return tag.id


def _takeaway_open(w: World) -> None:
    """In the grow phase, with the participant's takeaway (sent earlier in the matrix) forgotten."""
    from reflect.models import ResponseMark

    _state(w, "grow")
    with w.app.app_context():
        db = get_session()
        db.query(ResponseMark).filter_by(session_id=w.ids["S"], prompt="takeaway").delete()
        db.commit()


def _flagged_answer(w: World) -> str:
    """A shared answer sent with "share anyway" on S's first card: one to approve."""
    answer_id = secrets.token_hex(16)
    with w.app.app_context():
        db = get_session()
        db.add(Answer(id=answer_id, session_id=w.ids["S"], session_card_id=w.ids["card_S"], kind="card",
                      audience="group", text="Call Sarah Jones", flagged=[[5, 16, "name"]]))
        db.commit()
    return answer_id


def _claim(w: World) -> int:
    """A second device that chose a roster name already held in S, waiting."""
    held, claimer = w.fresh_participant(), w.fresh_participant(status="waiting")
    with w.app.app_context():
        db = get_session()
        db.get(Participant, claimer).claims_id = held
        db.commit()
    return claimer


def _hand_up(w: World, participant_id: int) -> int:
    from reflect.db import utcnow

    with w.app.app_context():
        db = get_session()
        db.get(Participant, participant_id).hand_raised_at = utcnow()
        db.commit()
    return participant_id


# event -> (prepare(world) -> None, payload(world) -> dict) for the allowed role
PHONE_EVENTS = {
    "checkin": (lambda w: _state(w, "connect"), lambda w: {"kind": "opening", "scores": {"energy": 3}}),
    "answer": (lambda w: _state(w, "reflect", 0),
               lambda w: {"card": w.ids["card_S"], "text": "My answer", "audience": "group"}),
    "pass": (lambda w: _state(w, "reflect", 1), lambda w: {"card": w.ids["card_S_next"]}),
    "react": (lambda w: _state(w, "reflect", 0), lambda w: {"answer": w.ids["answer_S"]}),
    "withdraw": (None, lambda w: {"answer": w.ids["named_S"]}),
    "takeaway": (lambda w: _state(w, "grow"), lambda w: {"text": "What I carry", "audience": "group"}),
    "takeaway_pass": (lambda w: _takeaway_open(w), lambda w: {}),
    "hand": (None, lambda w: {"raised": True}),
    "talk_after": (None, lambda w: {"wanted": True}),
    "sync": (None, lambda w: {}),
    "set_language": (None, lambda w: {"lang": "es"}),
}
FAC_EVENTS = {
    "phase": (lambda w: _state(w, "reflect"), lambda w: {"to": "grow"}),
    "card": (lambda w: _state(w, "reflect", 0), lambda w: {"action": "next"}),
    "lock": (None, lambda w: {"value": True}),
    "allow_names": (None, lambda w: {"value": False}),
    "admit": (None, lambda w: {"participant": w.fresh_participant(status="waiting")}),
    "remove": (None, lambda w: {"participant": w.fresh_participant()}),
    "lower_hand": (None, lambda w: {"participant": _hand_up(w, w.fresh_participant())}),
    "checkin_control": (None, lambda w: {"kind": "closing", "open": True}),
    "reveal": (_answers_to_reveal, lambda w: {"card": w.ids["card_S"]}),
    "hide": (None, lambda w: {"answer": w.ids["answer_S"], "hidden": True}),
    "approve": (None, lambda w: {"answer": _flagged_answer(w), "approved": True}),
    "claim": (None, lambda w: {"participant": _claim(w), "same": False}),
    "timer": (None, lambda w: {"seconds": 60}),
    "note_save": (None, lambda w: {"note": "note-" + secrets.token_hex(6), "text": "Parallel process?"}),
    "note_delete": (None, lambda w: {"note": _fresh_note(w)}),
    "tag_add": (None, lambda w: {"label": "Holding in mind"}),
    "tag_retire": (None, lambda w: {"tag": _own_tag(w)}),
    "sync": (None, lambda w: {}),
}
DISPLAY_EVENTS = {"sync": (None, lambda w: {})}
EVENTS = {PHONE: PHONE_EVENTS, FAC: FAC_EVENTS, DISPLAY: DISPLAY_EVENTS}
WITHOUT_CID = {"sync", "set_language", "note_save", "note_delete", "tag_add", "tag_retire"}

# Who may connect to each namespace for session S.
ALLOWED = {PHONE: {"participant"}, FAC: {"facilitator"}, DISPLAY: {"display", "facilitator"}}
# Rightly connected, but for their own session T (checked separately below).
OWN_SESSION = {PHONE: "other_participant"}


def _payload(event: str, build, w: World) -> dict:
    payload = build(w)
    if event not in WITHOUT_CID:
        payload.setdefault("cid", secrets.token_hex(8))
    return payload


def connect_as(w: World, role: str, namespace: str, session: str = "S"):
    """Open ``namespace`` as ``role`` would: with its browser's cookies and what it knows."""
    sid = w.ids[session]
    http = w.clients[role]
    if namespace == PHONE:
        return socketio.test_client(w.app, namespace=PHONE, flask_test_client=http)
    if namespace == FAC:
        auth = {"session": sid}
        if role == "display":
            auth["key"] = w.keys[session]
        return socketio.test_client(w.app, namespace=FAC, flask_test_client=http, auth=auth)
    key = {"display": w.keys[session], "facilitator": w.keys[session], "other_facilitator": w.keys["T"]}.get(role)
    auth = {"session": sid, "lang": "en"} | ({"key": key} if key else {})
    return socketio.test_client(w.app, namespace=DISPLAY, flask_test_client=http, auth=auth)


def raw_event(client, namespace: str, event: str, payload: dict):
    """Send an event packet on a namespace the client is *not* connected to, as a hostile
    client could; returns the acknowledgement if any came."""
    client.acks = None
    pkt = packet.Packet(packet.EVENT, data=[event, payload], namespace=namespace, id=99)
    socketio.server._handle_eio_message(client.eio_sid, pkt.encode())
    return client.acks


def received(client, namespace: str) -> list[dict]:
    """What the client was sent, even after the server dropped it (get_received refuses then)."""
    got = [m for m in client.queue if m["namespace"] == namespace]
    client.queue[:] = [m for m in client.queue if m["namespace"] != namespace]
    return got


def _is_error(reply) -> bool:
    return isinstance(reply, dict) and reply.get("ok") is False and bool(reply.get("error", {}).get("code"))


# --- the tests ----------------------------------------------------------------------------------


def test_every_socket_event_has_an_entry_in_the_matrix(app, backend):
    registered = {ns: set(handlers) - LIFECYCLE for ns, handlers in socketio.server.handlers.items()}
    expected = {ns: set(table) for ns, table in EVENTS.items()}
    assert registered == expected, (
        "Socket.IO events without an authorisation entry in tests/security/test_authz_socket.py "
        f"(or entries for events that are gone): registered {registered}, matrix {expected}")
    for ns, handlers in socketio.server.handlers.items():
        assert "connect" in handlers, f"{ns} has no connect handler (nothing would check who connects)"


def test_every_event_of_every_namespace_for_every_role(world, app):
    failures = []
    for namespace, table in EVENTS.items():
        for role in ROLES:
            before = snapshot(app)
            client = connect_as(world, role, namespace)
            connected = client.is_connected(namespace)
            where = f"{namespace} as {role}"
            if role in ALLOWED[namespace] or role == OWN_SESSION.get(namespace):
                if not connected:
                    failures.append(f"{where}: connection refused but should be allowed")
                    continue
                client.get_received(namespace)
                if role in ALLOWED[namespace]:
                    failures += _allowed_events(world, client, namespace, table, where)
                else:
                    failures += _own_session_events(world, client, namespace, table, where)
                client.disconnect(namespace)
                continue
            if connected:
                failures.append(f"{where}: connected but should be refused")
                client.disconnect(namespace)
                continue
            if diff(before, snapshot(app)):
                failures.append(f"{where}: a refused connection changed {diff(before, snapshot(app))}")
            for event, (prepare, build) in table.items():
                if prepare:
                    prepare(world)
                payload = _payload(event, build, world)
                before = snapshot(app)
                reply = raw_event(client, namespace, event, payload)
                changed = diff(before, snapshot(app))
                if reply is not None or changed:
                    failures.append(f"{where} (refused at connect) {event}: answered {reply!r}, changed {changed}")
    assert not failures, "\n".join(failures)


def _allowed_events(world, client, namespace, table, where) -> list[str]:
    failures = []
    for event, (prepare, build) in table.items():
        if prepare:
            prepare(world)
        reply = client.emit(event, _payload(event, build, world), namespace=namespace, callback=True)
        if not (isinstance(reply, dict) and reply.get("ok") is True):
            failures.append(f"{where} {event}: expected ok, got {reply!r}")
        if not client.is_connected(namespace):
            failures.append(f"{where} {event}: disconnected")
            break
    return failures


def _own_session_events(world, client, namespace, table, where) -> list[str]:
    """A participant of T, with ids that belong to S: S must not change."""
    failures = []
    _state(world, "reflect", 0, key="T")
    _state(world, "reflect", 0)
    pointing_at_s = {"answer", "pass", "react", "withdraw"}
    for event, (_prepare, build) in table.items():
        payload = _payload(event, build, world)
        before = session_snapshot(world.app, world.ids["S"])
        reply = client.emit(event, payload, namespace=namespace, callback=True)
        changed = diff(before, session_snapshot(world.app, world.ids["S"]))
        if changed:
            failures.append(f"{where} {event}: changed session S: {changed}")
        if event in pointing_at_s and not (_is_error(reply) and reply["error"]["code"] == "not_found"):
            failures.append(f"{where} {event} with S's ids: expected not_found, got {reply!r}")
        if "A revealed answer" in repr(reply) or "PRIVATE NOTE" in repr(reply):
            failures.append(f"{where} {event}: the reply carries S's content")
    if "A revealed answer" in repr(events(client, namespace)):
        failures.append(f"{where}: received S's revealed answer")
    return failures


def test_a_facilitator_connected_to_their_own_session_cannot_reach_into_another(world, app):
    """Other facilitator, rightly connected to T, sends every event with S's ids."""
    console = connect_as(world, "other_facilitator", FAC, session="T")
    assert console.is_connected(FAC)
    _state(world, "reflect", 0)
    _state(world, "reflect", 0, key="T")
    s_participant = world.fresh_participant()
    references = {"admit": {"participant": s_participant}, "remove": {"participant": s_participant},
                  "lower_hand": {"participant": s_participant}, "hide": {"answer": world.ids["answer_S"], "hidden": True},
                  "reveal": {"card": world.ids["card_S"]}, "note_delete": {"note": world.ids["note_S"]},
                  "approve": {"answer": _flagged_answer(world), "approved": True},
                  "claim": {"participant": _claim(world), "same": True},
                  "note_save": {"note": world.ids["note_S"], "text": "overwrite?"},
                  "tag_retire": {"tag": _own_tag(world, "facilitator")}}
    must_fail = {"admit", "remove", "lower_hand", "hide", "reveal", "note_delete", "tag_retire", "approve", "claim"}
    failures = []
    # note_delete first: after note_save below, a note with that client id is their own
    for event, (_prepare, build) in sorted(FAC_EVENTS.items(), key=lambda item: item[0] != "note_delete"):
        payload = _payload(event, lambda w: references.get(event) or build(w), world)
        before = session_snapshot(app, world.ids["S"])
        reply = console.emit(event, payload, namespace=FAC, callback=True)
        changed = diff(before, session_snapshot(app, world.ids["S"]))
        if changed:
            failures.append(f"{event}: changed session S: {changed}")
        if event in must_fail and not (_is_error(reply) and reply["error"]["code"] == "not_found"):
            failures.append(f"{event} with S's ids: expected not_found, got {reply!r}")
        if "PRIVATE NOTE" in repr(reply) or "A revealed answer" in repr(reply):
            failures.append(f"{event}: the reply carries S's content")
    assert "PRIVATE NOTE" not in repr(events(console, FAC))
    assert not failures, "\n".join(failures)


def test_display_keys_are_checked_on_connect_and_on_every_event(world, app):
    wrong = [{"session": world.ids["S"], "key": world.keys["T"]}, {"session": world.ids["T"], "key": world.keys["S"]},
             {"session": world.ids["S"], "key": "0" * 32}, {"session": str(world.ids["S"]), "key": world.keys["S"]},
             {"session": world.ids["S"]}, None, "not a dict"]
    for auth in wrong:
        client = socketio.test_client(app, namespace=DISPLAY, auth=auth)
        assert not client.is_connected(DISPLAY), auth
    good = connect_as(world, "display", DISPLAY)
    assert good.is_connected(DISPLAY)
    # the display never answers a facilitator's or a phone's command
    before = snapshot(app)
    for event in set(FAC_EVENTS) | set(PHONE_EVENTS):
        if event == "sync":
            continue
        assert good.emit(event, {"cid": secrets.token_hex(8), "to": "ended"}, namespace=DISPLAY, callback=True) is None
    assert not diff(before, snapshot(app))


def _open_screens(app) -> int:
    with app.app_context():
        db = get_session()
        try:
            return db.scalar(select(func.count()).select_from(ScreenPresence))
        finally:
            db.rollback()


def _only_the_dropped_console_is_gone(app, before: dict, screens_before: int) -> None:
    """A refused command changed nothing; its console, dropped, is no longer recorded as
    an open screen (one row fewer), and that is the only change."""
    assert diff(before, snapshot(app)) == ["screen_presence"]
    assert _open_screens(app) == screens_before - 1


def test_the_facilitator_socket_is_refused_once_signed_out_deactivated_or_demoted(world, app):
    # signed out: the console gets "signed_out", is dropped, and the next event is refused
    console = connect_as(world, "facilitator", FAC)
    assert console.is_connected(FAC)
    http = world.clients["facilitator"]
    assert http.post("/logout", data={"csrf_token": world.token("facilitator")}).status_code == 302
    assert any(m["name"] == "signed_out" for m in received(console, FAC))
    assert not console.is_connected(FAC)
    # a socket that kept its old cookie is refused too, at connect and at every event
    again = socketio.test_client(app, namespace=FAC, flask_test_client=http, auth={"session": world.ids["S"]})
    assert not again.is_connected(FAC)

    # deactivated by the admin
    fresh = app.test_client()
    with app.app_context():
        email = get_session().get(User, world.ids["facilitator"]).email
    from tests.helpers import login

    assert login(fresh, email).status_code == 302
    console = socketio.test_client(app, namespace=FAC, flask_test_client=fresh, auth={"session": world.ids["S"]})
    assert console.is_connected(FAC)
    admin = world.clients["admin"]
    token = csrf(admin, "/admin/users")
    assert admin.post(f"/admin/users/{world.ids['facilitator']}/active",
                      data={"csrf_token": token, "active": "0"}).status_code == 302
    assert any(m["name"] == "signed_out" for m in received(console, FAC))
    assert not console.is_connected(FAC)

    # demoted to supervisor while connected: the next command is refused
    assert admin.post(f"/admin/users/{world.ids['facilitator']}/active",
                      data={"csrf_token": token, "active": "1"}).status_code == 302
    fresh = app.test_client()
    assert login(fresh, email).status_code == 302
    console = socketio.test_client(app, namespace=FAC, flask_test_client=fresh, auth={"session": world.ids["S"]})
    assert console.is_connected(FAC)
    assert admin.post(f"/admin/users/{world.ids['facilitator']}/role",
                      data={"csrf_token": token, "role": "supervisor"}).status_code == 302
    before, screens = snapshot(app), _open_screens(app)
    reply = console.emit("lock", {"cid": secrets.token_hex(8), "value": True}, namespace=FAC, callback=True)
    assert _is_error(reply) and reply["error"]["code"] == "forbidden", reply
    _only_the_dropped_console_is_gone(app, before, screens)
    assert not console.is_connected(FAC)


def test_every_facilitator_event_rechecks_the_login_session_in_the_database(world, app):
    """Even with no "signed_out" push (it could be lost between processes), a login session
    ended, or an account deactivated, in the database stops the very next event."""
    from datetime import datetime

    from sqlalchemy import update

    from reflect.models import LoginSession

    for change in ({"ended_at": datetime(2026, 1, 1)}, "deactivate"):
        console = connect_as(world, "facilitator", FAC)
        assert console.emit("lock", {"cid": secrets.token_hex(8), "value": False}, namespace=FAC, callback=True)["ok"]
        with app.app_context():
            db = get_session()
            if change == "deactivate":
                db.execute(update(User).where(User.id == world.ids["facilitator"]).values(active=False))
            else:
                db.execute(update(LoginSession).where(LoginSession.user_id == world.ids["facilitator"]).values(**change))
            db.commit()
        before, screens = snapshot(app), _open_screens(app)
        reply = console.emit("lock", {"cid": secrets.token_hex(8), "value": True}, namespace=FAC, callback=True)
        assert _is_error(reply) and reply["error"]["code"] == "forbidden", (change, reply)
        _only_the_dropped_console_is_gone(app, before, screens)
        assert not console.is_connected(FAC)
        with app.app_context():  # as before, for the next case
            db = get_session()
            db.execute(update(User).where(User.id == world.ids["facilitator"]).values(active=True))
            db.execute(update(LoginSession).where(LoginSession.user_id == world.ids["facilitator"])
                       .values(ended_at=None))
            db.commit()


def test_a_removed_participant_is_refused_and_stops_receiving_the_group(world, app):
    console = connect_as(world, "facilitator", FAC)
    phone = connect_as(world, "participant", PHONE)
    assert phone.is_connected(PHONE)
    _state(world, "reflect", 0)
    reply = console.emit("remove", {"cid": secrets.token_hex(8), "participant": world.ids["participant"]},
                         namespace=FAC, callback=True)
    assert reply["ok"], reply
    phone.get_received(PHONE)
    before = snapshot(app)
    for event, (_prepare, build) in PHONE_EVENTS.items():
        if event in ("sync", "set_language"):
            continue
        reply = phone.emit(event, _payload(event, build, world), namespace=PHONE, callback=True)
        assert _is_error(reply), (event, reply)
    assert not diff(before, snapshot(app))
    # what the group shares from now on does not reach the removed phone
    other = connect_as(world, "participant", PHONE)  # the same cookie, a new socket
    other.get_received(PHONE)
    secret = "Shared after the removal"
    second = world.fresh_participant()
    from reflect.rooms import answers

    with app.app_context():
        db = get_session()
        session = db.get(GroupSession, world.ids["S"])
        answers.answer_card(db, session, db.get(Participant, second), world.ids["card_S"], secret, audience="group",
                            named=False)
        db.commit()
    assert console.emit("reveal", {"cid": secrets.token_hex(8), "card": world.ids["card_S"]},
                        namespace=FAC, callback=True)["ok"]
    snap = phone.emit("sync", {}, namespace=PHONE, callback=True)
    assert snap["ok"] and snap["snapshot"]["me"]["status"] == "removed"
    for client in (phone, other):
        received = repr(client.get_received(PHONE)) + repr(client.emit("sync", {}, namespace=PHONE, callback=True))
        assert secret not in received and "A revealed answer" not in received


def test_a_participant_waiting_in_a_locked_room_sees_nothing_the_group_shared(world, app):
    console = connect_as(world, "facilitator", FAC)
    _state(world, "reflect", 0)
    assert console.emit("reveal", {"cid": secrets.token_hex(8), "card": world.ids["card_S"]},
                        namespace=FAC, callback=True)["ok"]
    assert console.emit("lock", {"cid": secrets.token_hex(8), "value": True}, namespace=FAC, callback=True)["ok"]
    from tests.security.conftest import join_http

    with app.app_context():
        code = get_session().get(GroupSession, world.ids["S"]).join_code
    late = socketio.test_client(app, namespace=PHONE, flask_test_client=join_http(app, code, name="Late"))
    assert late.is_connected(PHONE)
    snapshot_msg = [m for m in late.get_received(PHONE) if m["name"] == "snapshot"][-1]["args"][0]
    assert snapshot_msg["me"]["status"] == "waiting"
    assert snapshot_msg["public"]["revealed"] == [] and "A revealed answer" not in repr(snapshot_msg)
    # a new reveal while waiting does not reach it either
    assert console.emit("hide", {"cid": secrets.token_hex(8), "answer": world.ids["answer_S"], "hidden": False},
                        namespace=FAC, callback=True)["ok"]
    assert console.emit("timer", {"cid": secrets.token_hex(8), "seconds": 60}, namespace=FAC, callback=True)["ok"]
    assert "A revealed answer" not in repr(late.get_received(PHONE))
    assert "A revealed answer" not in repr(late.emit("sync", {}, namespace=PHONE, callback=True))
    # once admitted, it does
    person = next(p for p in console.emit("sync", {}, namespace=FAC, callback=True)["snapshot"]["participants"]
                  if p["name"] == "Late")
    assert console.emit("admit", {"cid": secrets.token_hex(8), "participant": person["id"]},
                        namespace=FAC, callback=True)["ok"]
    assert any(m["name"] == "sync_needed" for m in late.get_received(PHONE))
    assert "A revealed answer" in repr(late.emit("sync", {}, namespace=PHONE, callback=True))
    assert console.emit("timer", {"cid": secrets.token_hex(8), "seconds": 90}, namespace=FAC, callback=True)["ok"]
    assert "A revealed answer" in repr(late.get_received(PHONE))

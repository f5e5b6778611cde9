"""Anonymity is a property of storage, and the display's channel carries nothing private."""
from sqlalchemy import inspect, text

from reflect.db import get_session
from reflect.rooms import feelings as feeling_list
from tests.socket.conftest import cmd, events, last_state

F, P, D = "/facilitator", "/phone", "/display"


def test_nothing_stored_links_a_checkin_to_a_person_or_tells_the_order(live, app, database_url):
    console = live.console()
    cmd(console, F, "phase", to="connect")
    phones = [live.phone(name=f"Person {i}") for i in range(8)]
    feelings = sorted(feeling_list.by_key())[:8]
    for phone, feeling in zip(phones, feelings):  # answers arrive in a known order
        assert cmd(phone, P, "checkin", kind="opening", scores={"energy": 3}, feeling=feeling)["ok"]

    with app.app_context():
        db = get_session()
        columns = {c["name"] for c in inspect(db.get_bind()).get_columns("checkin_answers")}
        assert columns == {"id", "round_id", "passed", "scores", "feeling", "free_word"}  # no person, no time
        ids = [r[0] for r in db.execute(text("SELECT id FROM checkin_answers"))]
        assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids) and len(set(ids)) == 8
        stored = [r[0] for r in db.execute(text("SELECT feeling FROM checkin_answers ORDER BY id"))]
        assert sorted(stored) == sorted(feelings)
        assert stored != feelings  # the random key, not the arrival, orders the rows
        if database_url.startswith("sqlite"):
            physical = [r[0] for r in db.execute(text("SELECT feeling FROM checkin_answers"))]
            assert physical == stored  # WITHOUT ROWID: stored in key order, no hidden row id
        marks = db.execute(text("SELECT * FROM checkin_marks")).mappings().all()
        assert set(marks[0].keys()) == {"round_id", "participant_id", "command_id"}
        # an anonymous command leaves no record of its own: its retry is known by its mark
        assert db.execute(text("SELECT count(*) FROM processed_commands WHERE actor LIKE 'p:%'")).scalar() == 0


def test_anonymous_answers_and_reactions_hold_no_reference_to_their_author(live, app):
    console = live.console()
    cmd(console, F, "phase", to="reflect")
    card = last_state(console, F)["card"]["id"]
    author, reader = live.phone(name="Ana"), live.phone(name="Beto")
    cmd(author, P, "answer", card=card, text="Anonymous thought", audience="group")
    cmd(console, F, "reveal", card=card)
    answer_id = last_state(reader, P)["revealed"][0]["id"]
    cmd(reader, P, "react", answer=answer_id)
    with app.app_context():
        db = get_session()
        row = db.execute(text("SELECT author_participant_id, author_name FROM answers")).one()
        assert tuple(row) == (None, None)
        reaction_columns = {c["name"] for c in inspect(db.get_bind()).get_columns("reactions")}
        assert reaction_columns == {"key", "answer_id"}
    cmd(console, F, "phase", to="ended")
    with app.app_context():  # the salt that keyed reactions is gone with the session
        assert get_session().execute(text("SELECT anon_salt FROM group_sessions")).scalar() is None


def test_the_display_channel_never_carries_anything_private(live):
    console, display = live.console(), live.display()
    named, other = live.phone(name="Ana"), live.phone(name="Beto")
    cmd(console, F, "phase", to="connect")
    cmd(named, P, "checkin", kind="opening", scores={"energy": 2})
    cmd(console, F, "phase", to="reflect")
    card = last_state(console, F)["card"]["id"]
    cmd(named, P, "answer", card=card, text="PRIVATE-ANSWER for the facilitator", audience="facilitator")
    cmd(other, P, "answer", card=card, text="UNREVEALED shared answer", audience="group")
    cmd(other, P, "hand", raised=True)
    cmd(other, P, "talk_after", wanted=True)
    console.emit("note_save", {"note": "note-0000001", "text": "PRIVATE-NOTE text", "tags": []},
                 namespace=F, callback=True)
    cmd(console, F, "phase", to="grow")
    cmd(named, P, "takeaway", text="PRIVATE-TAKEAWAY", audience="facilitator")
    everything = str(events(display, D))
    for secret in ("PRIVATE-ANSWER", "UNREVEALED", "PRIVATE-NOTE", "PRIVATE-TAKEAWAY", "Beto", "Ana",
                   "talk_after", "hand_raised", "notes", "participants"):
        assert secret not in everything, secret
    # and the display cannot send a facilitator's command
    assert display.emit("phase", {"cid": "display-000001", "to": "ended"}, namespace=D, callback=True) is None
    assert live.session().phase == "grow"


def test_a_locked_room_makes_newcomers_wait_until_admitted(live):
    console = live.console()
    cmd(console, F, "lock", value=True)
    waiting = live.phone(name="Late")
    snapshot = [m for m in events(waiting, P, "snapshot")][-1]["args"][0]
    assert snapshot["me"]["status"] == "waiting"
    assert cmd(waiting, P, "hand", raised=True)["error"]["code"] == "waiting_to_be_admitted"
    person = next(p for p in last_state(console, F)["participants"] if p["name"] == "Late")
    assert person["status"] == "waiting"
    cmd(console, F, "admit", participant=person["id"])
    assert any(m["name"] == "sync_needed" for m in events(waiting, P))
    assert waiting.emit("sync", {}, namespace=P, callback=True)["snapshot"]["me"]["status"] == "admitted"


def test_bad_and_unauthorised_events_get_clear_errors_and_change_nothing(live):
    console, phone = live.console(), live.phone()
    version = live.session().version
    for payload in (None, "text", [], {"cid": "short", "to": "reflect"}, {"cid": "abcdefgh1", "to": "party"},
                    {"cid": "abcdefgh1", "to": "reflect", "extra": 1}):
        reply = console.emit("phase", payload, namespace=F, callback=True)
        assert reply["ok"] is False and reply["error"]["code"] == "invalid" and reply["error"]["message"]
    assert cmd(phone, P, "checkin", kind="opening", scores={"energy": 9})["error"]["code"] == "invalid"
    assert cmd(phone, P, "answer", card=1, text="x" * 601, audience="group")["error"]["code"] == "invalid"
    assert phone.emit("phase", {"cid": "phone-0000001", "to": "ended"}, namespace=P, callback=True) is None
    assert live.session().version == version and live.session().phase == "lobby"


def test_leaving_makes_the_phone_cookie_worthless(live):
    client = live.join(name="Ana")
    assert client.get("/p").status_code == 200
    cookie = client.get_cookie("reflect_participant").value
    page = client.get("/p").get_data(as_text=True)
    from tests.helpers import csrf_from

    assert client.post("/p/leave", data={"csrf_token": csrf_from(page)}).status_code == 302
    copy = live.app.test_client()
    copy.set_cookie("reflect_participant", cookie)
    assert copy.get("/p").status_code == 302  # back to /join: the token no longer opens the session

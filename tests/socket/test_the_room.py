"""The facilitator in control of what the group sees, and one person, one participant:
a moderated reveal (all, or one answer at a time; answers shared with "share anyway"
held back until approved), counts that say what they mean, a roster name that a second
device cannot take without the facilitator, and a phone that opens the join link again
resuming as itself."""
from __future__ import annotations

from sqlalchemy import func, select

from reflect.db import get_session
from reflect.extensions import socketio
from reflect.models import Answer, Note, Participant, RosterMember
from tests.helpers import csrf
from tests.socket.conftest import cmd, last_state

F, P, D = "/facilitator", "/phone", "/display"
FLAGGED = "Mom Sarah Jones called me at 555-123-4567 after the visit"


def _to_card(console) -> int:
    cmd(console, F, "phase", to="reflect")
    return last_state(console, F)["card"]["id"]


def _shown(client, namespace=P) -> list[str]:
    return [a["text"] for a in last_state(client, namespace)["revealed"]]


# --- moderated reveal ----------------------------------------------------------------------


def test_answers_shared_anyway_are_marked_and_held_back_until_approved(live):
    console, display = live.console(), live.display()
    card = _to_card(console)
    clean, risky, other = live.phone(), live.phone(), live.phone()
    assert cmd(clean, P, "answer", card=card, text="A quiet visit", audience="group")["ok"]
    assert cmd(other, P, "answer", card=card, text="I felt heard", audience="group")["ok"]
    assert cmd(risky, P, "answer", card=card, text=FLAGGED, audience="group", share_anyway=True)["ok"]

    flagged = [a for a in last_state(console, F)["answers"] if a["flagged"]]
    assert [a["text"] for a in flagged] == [FLAGGED] and not flagged[0]["approved"]
    spans = {FLAGGED[start:end] for start, end, _category in flagged[0]["flagged"]}
    assert "555-123-4567" in spans

    assert cmd(console, F, "reveal", card=card) == {"ok": True, "revealed": 2}
    assert sorted(_shown(clean)) == ["A quiet visit", "I felt heard"]
    assert FLAGGED not in _shown(display, D)

    # nothing but the held-back answer left: "reveal all" says why it shows nothing
    assert cmd(console, F, "reveal", card=card)["error"]["code"] == "reveal_held_back"
    assert cmd(console, F, "approve", answer=flagged[0]["id"], approved=True)["ok"]
    assert [a["approved"] for a in last_state(console, F)["answers"] if a["flagged"]] == [True]
    assert cmd(console, F, "reveal", card=card)["ok"]
    assert _shown(clean)[-1] == FLAGGED

    # hiding still works after a reveal
    assert cmd(console, F, "hide", answer=flagged[0]["id"], hidden=True)["ok"]
    assert FLAGGED not in _shown(clean) and FLAGGED not in _shown(display, D)


def test_one_answer_at_a_time_and_the_last_of_them_is_not_held_back(live):
    console = live.console()
    card = _to_card(console)
    phones = [live.phone() for _ in range(4)]
    for n, phone in enumerate(phones[:3]):
        assert cmd(phone, P, "answer", card=card, text=f"answer {n}", audience="group")["ok"]
    ids = {a["text"]: a["id"] for a in last_state(console, F)["answers"]}
    for n in range(3):  # one by one, in the facilitator's order
        assert cmd(console, F, "reveal", card=card, answer=ids[f"answer {n}"]) == {"ok": True, "revealed": 1}
        assert _shown(phones[0]) == [f"answer {i}" for i in range(n + 1)]
    # a lone answer written since everything was revealed still waits for another
    assert cmd(phones[3], P, "answer", card=card, text="the latecomer's", audience="group")["ok"]
    late = [a["id"] for a in last_state(console, F)["answers"] if a["text"] == "the latecomer's"][0]
    assert cmd(console, F, "reveal", card=card, answer=late)["error"]["code"] == "reveal_waits_for_another"
    assert cmd(console, F, "reveal", card=card)["error"]["code"] == "reveal_waits_for_another"
    assert "the latecomer's" not in _shown(phones[0])


def test_revealing_one_held_back_answer_approves_it_and_a_private_one_cannot_be_revealed(live):
    console = live.console()
    card = _to_card(console)
    risky, private = live.phone(), live.phone()
    assert cmd(risky, P, "answer", card=card, text=FLAGGED, audience="group", share_anyway=True)["ok"]
    assert cmd(private, P, "answer", card=card, text="only for you", audience="facilitator")["ok"]
    by_text = {a["text"]: a["id"] for a in last_state(console, F)["answers"]}
    refused = cmd(console, F, "reveal", card=card, answer=by_text["only for you"])
    assert refused["error"]["code"] == "not_found"
    assert cmd(console, F, "reveal", card=card, answer=by_text[FLAGGED])["ok"]
    assert _shown(private) == [FLAGGED]
    assert cmd(console, F, "reveal", card=card, answer="0" * 32)["error"]["code"] == "not_found"


def test_a_takeaway_shared_anyway_is_held_back_too(live):
    console = live.console()
    cmd(console, F, "phase", to="grow")
    a, b = live.phone(), live.phone()
    assert cmd(a, P, "takeaway", text="Patience with myself", audience="group")["ok"]
    assert cmd(b, P, "takeaway", text=FLAGGED, audience="group", share_anyway=True)["ok"]
    assert cmd(console, F, "reveal", card=None) == {"ok": True, "revealed": 1}
    assert [t["text"] for t in last_state(a, P)["takeaways"]] == ["Patience with myself"]
    assert [t["text"] for t in last_state(console, F)["takeaways"] if t["flagged"]] == [FLAGGED]


# --- counts --------------------------------------------------------------------------------


def test_a_pass_is_never_counted_as_a_checkin(live):
    console, display = live.console(), live.display()
    cmd(console, F, "phase", to="connect")
    for value in (2, 4):
        assert cmd(live.phone(), P, "checkin", kind="opening", scores={"energy": value})["ok"]
    assert cmd(live.phone(), P, "checkin", kind="opening", passed=True)["ok"]
    cmd(console, F, "checkin_control", kind="opening", open=False)
    for view in (last_state(console, F)["checkins"]["opening"], last_state(display, D)["checkin"]):
        assert (view["answered"], view["passed"]) == (2, 1)
        assert view["too_few"] and not view["shown"]  # 2 answers under the minimum of 3; the pass does not count


def test_the_projector_and_phones_count_only_what_was_shared_with_the_group(live):
    console, display = live.console(), live.display()
    card = _to_card(console)
    shared, private, passer = live.phone(), live.phone(), live.phone()
    assert cmd(shared, P, "answer", card=card, text="For everyone", audience="group")["ok"]
    assert cmd(private, P, "answer", card=card, text="Only for you", audience="facilitator")["ok"]
    assert cmd(passer, P, "pass", card=card)["ok"]
    display.emit("sync", {}, namespace=D, callback=True)
    state = display.emit("sync", {}, namespace=D, callback=True)["state"]
    assert state["counts"]["card"] == {"answered": 1, "passed": 1}
    assert last_state(console, F)["counts"]["card"] == {"answered": 2, "passed": 1}


def test_a_takeaway_can_be_passed(live):
    console = live.console()
    cmd(console, F, "phase", to="grow")
    phone = live.phone()
    reply = cmd(phone, P, "takeaway_pass")
    assert reply["ok"] and reply["me_changes"] == {"takeaway_done": True, "takeaway_passed": True}
    assert cmd(phone, P, "takeaway", text="after all", audience="group")["error"]["code"] == "already_responded"
    assert last_state(console, F)["takeaway_counts"] == {"answered": 0, "passed": 1}
    cmd(console, F, "phase", to="reflect")
    assert cmd(phone, P, "takeaway_pass")["error"]["code"] == "not_in_phase"


# --- notes ---------------------------------------------------------------------------------


def _note(console, **payload) -> dict:
    return console.emit("note_save", {"note": "note-0001", "tags": [], **payload}, namespace=F, callback=True)


def test_a_flagged_note_is_not_shared_until_the_facilitator_confirms(live, app):
    console = live.console()
    reply = _note(console, text=FLAGGED, share=True)
    assert reply["ok"] and reply["held"]
    assert "555-123-4567" in {FLAGGED[s:e] for s, e, _c in reply["identifiers"]["spans"]}
    with app.app_context():
        assert get_session().scalar(select(Note.shared_with_supervisor)) is False
    reply = _note(console, text=FLAGGED, share=True, share_anyway=True)
    assert reply == {"ok": True, "shared": True}
    with app.app_context():
        assert get_session().scalar(select(Note.shared_with_supervisor)) is True
    # edited again without confirming: held back again
    assert _note(console, text=FLAGGED + ", Sarah Jones", share=True)["held"]
    with app.app_context():
        assert get_session().scalar(select(Note.shared_with_supervisor)) is False


# --- one person, one participant ------------------------------------------------------------


def _participants(app) -> list:
    with app.app_context():
        return get_session().execute(select(Participant.id, Participant.status, Participant.display_name,
                                            Participant.claims_id).order_by(Participant.id)).all()


def _roster_id(app, name: str) -> int:
    with app.app_context():
        return get_session().scalar(select(RosterMember.id).where(RosterMember.display_name == name))


def test_a_phone_that_opens_the_join_link_again_resumes_as_itself(live, app):
    client = live.join(name="Dana Smith")
    again = client.get(f"/join?code={live.code}")
    assert again.status_code == 302 and again.headers["Location"].endswith("/p")
    token = csrf(client, "/join")
    posted = client.post("/join", data={"code": live.code, "csrf_token": token})
    assert posted.headers["Location"].endswith("/p")
    assert [p.display_name for p in _participants(app)] == ["Dana Smith"]
    # the join page without a code still opens (to join another session)
    assert client.get("/join").status_code == 200


def test_a_roster_name_already_here_waits_for_the_facilitator(live, app):
    console = live.console()
    ana = _roster_id(app, "Ana")
    first = live.phone(roster=ana)
    second_client = live.join(roster=ana)
    second = socketio.test_client(app, namespace=P, flask_test_client=second_client)
    rows = _participants(app)
    assert [(r.status, r.claims_id) for r in rows] == [("admitted", None), ("waiting", rows[0].id)]
    people = last_state(console, F)["participants"]
    assert [p["claims"] for p in people] == [None, rows[0].id]
    assert all(p["duplicate"] for p in people)  # two "Ana": the console says so
    # a waiting claim cannot check in or be let in as a second Ana
    cmd(console, F, "phase", to="connect")
    assert cmd(second, P, "checkin", kind="opening", scores={"energy": 3})["error"]["code"] == "waiting_to_be_admitted"
    assert cmd(console, F, "admit", participant=rows[1].id)["error"]["code"] == "claim_pending"

    # the same person on a new device: one participant, now held by the new device
    assert cmd(console, F, "claim", participant=rows[1].id, same=True) == {"ok": True, "participant": rows[0].id}
    assert [(r.id, r.status) for r in _participants(app)] == [(rows[0].id, "admitted")]
    snapshot = second.emit("sync", {}, namespace=P, callback=True)["snapshot"]
    assert snapshot["me"]["name"] == "Ana" and snapshot["me"]["status"] == "admitted"
    assert cmd(second, P, "checkin", kind="opening", scores={"energy": 3})["ok"]
    # the old device no longer speaks for Ana
    assert cmd(first, P, "checkin", kind="opening", scores={"energy": 2})["error"]["code"] == "forbidden"


def test_a_refused_claim_is_removed(live, app):
    console = live.console()
    beto = _roster_id(app, "Beto")
    live.phone(roster=beto)
    claim = live.phone(roster=beto)
    rows = _participants(app)
    assert cmd(console, F, "claim", participant=rows[1].id, same=False) == {"ok": True, "participant": None}
    assert [r.status for r in _participants(app)] == ["admitted", "removed"]
    assert claim.emit("sync", {}, namespace=P, callback=True)["snapshot"]["me"]["status"] == "removed"
    assert cmd(console, F, "claim", participant=rows[0].id, same=True)["error"]["code"] == "not_found"


def test_the_minimum_group_size_counts_people_not_joins(live, app):
    console = live.console()
    cmd(console, F, "phase", to="connect")
    ana = _roster_id(app, "Ana")
    dana = live.join(name="Dana")
    for _ in range(3):  # the same phone opens the join link three times
        assert dana.get(f"/join?code={live.code}").status_code == 302
    phone = socketio.test_client(app, namespace=P, flask_test_client=dana)
    ana_phone = live.phone(roster=ana)
    live.phone(roster=ana)  # a second device claims Ana: waits, cannot check in
    assert cmd(phone, P, "checkin", kind="opening", scores={"energy": 3})["ok"]
    assert cmd(ana_phone, P, "checkin", kind="opening", scores={"energy": 4})["ok"]
    cmd(console, F, "checkin_control", kind="opening", open=False)
    result = last_state(console, F)["checkins"]["opening"]
    assert result["answered"] == 2 and result["too_few"]
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Answer)) == 0
    assert len([r for r in _participants(app) if r.claims_id is None]) == 2

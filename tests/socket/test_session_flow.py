"""A live session through Flask-SocketIO's test client: every audience, every phase."""
from sqlalchemy import func, select

from reflect.db import get_session
from reflect.models import Answer, CheckinAnswer, Note, ProcessedCommand
from tests.socket.conftest import cmd, events, last_state

F, P, D = "/facilitator", "/phone", "/display"


def test_phases_move_forward_and_back_and_every_audience_follows(live):
    console, phone, display = live.console(), live.phone(), live.display()
    assert cmd(console, F, "phase", to="connect")["ok"]
    assert last_state(phone, P)["phase"] == "connect"
    assert last_state(display, D)["phase"] == "connect"
    assert cmd(console, F, "phase", to="reflect")["ok"]
    state = last_state(phone, P)
    assert state["phase"] == "reflect" and state["card"]["position"] == 0
    assert cmd(console, F, "phase", to="connect")["ok"]  # step back
    assert last_state(phone, P)["phase"] == "connect"
    assert live.session().started_at is not None


def test_versions_only_go_up(live):
    console, phone = live.console(), live.phone()
    versions = []
    for to in ("connect", "reflect"):
        cmd(console, F, "phase", to=to)
        versions.append(last_state(phone, P)["version"])
    cmd(console, F, "card", action="next")
    versions.append(last_state(phone, P)["version"])
    assert versions == sorted(versions) and len(set(versions)) == 3


def test_checkin_shows_only_a_count_until_closed_and_enough_answered(live):
    console = live.console()
    cmd(console, F, "phase", to="connect")
    phones = [live.phone() for _ in range(3)]
    display = live.display()
    for value, phone in zip((2, 4, 4), phones):
        reply = cmd(phone, P, "checkin", kind="opening", scores={"energy": value, "supported": 3}, feeling="tired")
        assert reply["ok"], reply
    open_view = last_state(display, D)["checkin"]
    assert open_view["answered"] == 3 and not open_view["shown"] and "distribution" not in open_view
    assert "distribution" not in last_state(console, F)["checkins"]["opening"]
    cmd(console, F, "checkin_control", kind="opening", open=False)
    closed = last_state(display, D)["checkin"]
    assert closed["shown"] and closed["distribution"]["energy"] == [0, 1, 0, 2, 0]
    assert closed["distribution"]["weight"] is None  # nobody rated it: withheld on its own
    assert closed["words"] == ["tired", "tired", "tired"]


def test_checkin_with_too_few_answers_shows_nothing(live):
    console = live.console()
    cmd(console, F, "phase", to="connect")
    for value in (1, 5):
        assert cmd(live.phone(), P, "checkin", kind="opening", scores={"energy": value})["ok"]
    cmd(console, F, "checkin_control", kind="opening", open=False)
    result = last_state(console, F)["checkins"]["opening"]
    assert result["too_few"] and "distribution" not in result and result["answered"] == 2


def test_one_checkin_per_phone_and_a_retry_is_stored_once(live, app):
    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="connect")
    payload = {"cid": "retry-0001", "kind": "opening", "scores": {"energy": 3}, "passed": False}
    first = phone.emit("checkin", payload, namespace=P, callback=True)
    again = phone.emit("checkin", payload, namespace=P, callback=True)
    assert first["ok"] and again["ok"]
    other = cmd(phone, P, "checkin", kind="opening", scores={"energy": 1})
    assert other["error"]["code"] == "already_checked_in"
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(CheckinAnswer)) == 1


def _to_card(live, console):
    cmd(console, F, "phase", to="reflect")
    return last_state(console, F)["card"]["id"]


def test_answers_shared_private_named_and_revealed_in_a_shuffle(live):
    console = live.console()
    card = _to_card(live, console)
    named = live.phone(name="Ana")
    anon, private, passer = live.phone(), live.phone(name="Beto"), live.phone()
    display = live.display()
    assert cmd(named, P, "answer", card=card, text="I felt her worry", audience="group", named=True)["ok"]
    assert cmd(anon, P, "answer", card=card, text="The baby seemed far away", audience="group")["ok"]
    assert cmd(private, P, "answer", card=card, text="This one is hard for me", audience="facilitator")["ok"]
    assert cmd(passer, P, "pass", card=card)["ok"]
    seen = last_state(console, F)
    assert {a["text"] for a in seen["answers"]} == {"I felt her worry", "The baby seemed far away", "This one is hard for me"}
    assert seen["counts"]["card"] == {"answered": 3, "passed": 1}
    assert last_state(display, D)["revealed"] == []

    assert cmd(console, F, "reveal", card=card)["revealed"] == 2
    shown = last_state(display, D)["revealed"]
    assert {a["text"] for a in shown} == {"I felt her worry", "The baby seemed far away"}
    assert {a["author"] for a in shown} == {"Ana", None}
    assert last_state(anon, P)["revealed"] == shown


def test_hidden_answers_leave_every_screen(live):
    console = live.console()
    card = _to_card(live, console)
    phone = live.phone()
    cmd(phone, P, "answer", card=card, text="Something the group should not see", audience="group")
    cmd(console, F, "reveal", card=card)
    answer_id = last_state(console, F)["answers"][0]["id"]
    display = live.display()
    assert cmd(console, F, "hide", answer=answer_id, hidden=True)["ok"]
    assert last_state(display, D)["revealed"] == []
    assert last_state(phone, P)["revealed"] == []


def test_names_can_be_forbidden_for_a_session(live):
    console = live.console()
    card = _to_card(live, console)
    phone = live.phone(name="Ana")
    cmd(console, F, "allow_names", value=False)
    reply = cmd(phone, P, "answer", card=card, text="With my name please", audience="group", named=True)
    assert reply["error"]["code"] == "names_not_allowed"


def test_identifier_guard_holds_back_then_shares_anyway(live, app):
    console = live.console()
    card = _to_card(live, console)
    phone = live.phone()
    text = "Mom Sarah called me at 555-123-4567 after the visit"
    held = cmd(phone, P, "answer", card=card, text=text, audience="group")
    assert held["error"]["code"] == "identifiers"
    assert {"name", "phone"} <= set(held["error"]["categories"])
    spans = {text[start:end] for start, end, _ in held["error"]["spans"]}
    assert "Sarah" in " ".join(spans) and "555-123-4567" in spans
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Answer)) == 0
    assert cmd(phone, P, "answer", card=card, text=text, audience="group", share_anyway=True)["ok"]


def test_reactions_are_anonymous_and_counted_once(live):
    console = live.console()
    card = _to_card(live, console)
    author, reader = live.phone(), live.phone()
    cmd(author, P, "answer", card=card, text="Holding hope for them", audience="group")
    cmd(console, F, "reveal", card=card)
    answer_id = last_state(reader, P)["revealed"][0]["id"]
    first = cmd(reader, P, "react", answer=answer_id)
    assert first["ok"] and first["me"]["reacted"] == [answer_id]
    again = cmd(reader, P, "react", answer=answer_id)  # a second tap, or a retry: nothing changes
    assert again["ok"] and again["me"]["reacted"] == [answer_id]
    assert last_state(author, P)["revealed"][0]["resonates"] == 1


def test_a_participant_withdraws_their_own_named_answer(live):
    console = live.console()
    card = _to_card(live, console)
    phone = live.phone(name="Ana")
    reply = cmd(phone, P, "answer", card=card, text="On second thought", audience="group", named=True)
    answer_id = reply["me"]["named_answers"][0]["id"]
    assert reply["me"]["responses"] == {str(card): "answered"}
    other = live.phone(name="Beto")
    assert cmd(other, P, "withdraw", answer=answer_id)["error"]["code"] == "not_found"
    withdrawn = cmd(phone, P, "withdraw", answer=answer_id)
    assert withdrawn["ok"] and withdrawn["me"]["named_answers"] == [] and withdrawn["me"]["responses"] == {}
    assert last_state(console, F)["answers"] == []


def test_hand_raise_and_talk_after_reach_only_the_facilitator(live):
    console = live.console()
    phone, other = live.phone(name="Ana"), live.phone(name="Beto")
    display = live.display()
    assert cmd(phone, P, "hand", raised=True)["me_changes"] == {"hand_raised": True}
    assert cmd(phone, P, "talk_after", wanted=True)["me_changes"] == {"talk_after": True}
    me = phone.emit("sync", {}, namespace=P, callback=True)["snapshot"]["me"]
    assert me["hand_raised"] and me["talk_after"]
    state = last_state(console, F)
    assert [p["name"] for p in state["hands"]] == ["Ana"] and [p["name"] for p in state["talk_after"]] == ["Ana"]
    for message in events(display, D) + events(other, P):
        text = str(message)
        assert "hands" not in text and "Ana" not in text
        assert "'talk_after': True" not in text and "'hand_raised': True" not in text


def test_timer_end_is_kept_by_the_server(live):
    console, phone = live.console(), live.phone()
    _to_card(live, console)
    assert cmd(console, F, "timer", seconds=120)["ok"]
    assert last_state(phone, P)["timer_ends_at"] is not None
    assert live.session().timer_ends_at is not None
    assert cmd(console, F, "timer", seconds=5)["error"]["code"] == "invalid"


def test_cards_move_next_previous_and_jump_within_the_deck(live):
    console, phone = live.console(), live.phone()
    _to_card(live, console)
    cmd(console, F, "card", action="next")
    assert last_state(phone, P)["card"]["position"] == 1
    cmd(console, F, "card", action="jump", position=4)
    assert last_state(phone, P)["card"]["position"] == 4
    cmd(console, F, "card", action="prev")
    assert last_state(phone, P)["card"]["position"] == 3
    assert cmd(console, F, "card", action="jump", position=99)["error"]["code"] == "card_out_of_range"


def test_each_phone_sees_the_card_in_its_own_language_at_the_same_moment(live):
    console = live.console()
    english, spanish = live.phone(lang="en"), live.phone(lang="es")
    _to_card(live, console)
    en, es = last_state(english, P)["card"], last_state(spanish, P)["card"]
    assert en["id"] == es["id"] and en["lang"] == "en" and es["lang"] == "es"
    assert en["text"] != es["text"] and not en["fallback"] and not es["fallback"]


def test_closing_takeaways_are_anonymous_and_revealed_by_the_facilitator(live, app):
    console = live.console()
    phones = [live.phone(name=n) for n in ("Ana", "Beto")]
    cmd(console, F, "phase", to="grow")
    assert cmd(phones[0], P, "takeaway", text="Slowing down helps me listen", audience="group")["ok"]
    assert cmd(phones[1], P, "takeaway", text="I need rest this week", audience="facilitator")["ok"]
    again = cmd(phones[0], P, "takeaway", text="A second one", audience="group")
    assert again["ok"] is False and again["error"]["code"] == "already_responded"
    cmd(console, F, "reveal", card=None)
    assert [t["text"] for t in last_state(phones[1], P)["takeaways"]] == ["Slowing down helps me listen"]
    assert all(t["author"] is None for t in last_state(console, F)["takeaways"])
    with app.app_context():
        rows = get_session().scalars(select(Answer).where(Answer.kind == "takeaway")).all()
        # one each, revealed only if shared with the group, none hidden
        assert {r.text: r.revealed for r in rows} == {"Slowing down helps me listen": True,
                                                       "I need rest this week": False}
        assert not any(r.hidden or r.withdrawn for r in rows)
        assert all(r.author_participant_id is None and r.author_name is None for r in rows)


def test_notes_are_saved_as_you_type_and_never_leave_the_facilitator(live, app):
    console = live.console()
    phone, display = live.phone(), live.display()
    _to_card(live, console)
    tags = last_state(console, F)["tags"]
    parallel = next(t["id"] for t in tags if "arallel" in t["label"])
    for text in ("Parallel process", "Parallel process with the classroom — private"):
        assert console.emit("note_save", {"note": "note-0001", "text": text, "tags": [parallel]},
                            namespace=F, callback=True)["ok"]
    notes = last_state(console, F)["notes"]
    assert len(notes) == 1 and notes[0]["phase"] == "reflect" and notes[0]["card_position"] == 0
    assert notes[0]["tags"] == [parallel]
    for message in events(phone, P) + events(display, D):
        assert "private" not in str(message)
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Note)) == 1


def test_the_tag_list_is_editable_by_each_facilitator(live):
    console = live.console()
    added = console.emit("tag_add", {"label": "Naptime transitions"}, namespace=F, callback=True)
    assert added["ok"]
    labels = {t["label"]: t for t in last_state(console, F)["tags"]}
    assert labels["Naptime transitions"]["own"] and not labels["Parallel process"]["own"]
    shared = labels["Parallel process"]["id"]
    assert console.emit("tag_retire", {"tag": shared}, namespace=F, callback=True)["error"]["code"] == "not_found"
    assert console.emit("tag_retire", {"tag": added["tag"]}, namespace=F, callback=True)["ok"]
    assert "Naptime transitions" not in {t["label"] for t in last_state(console, F)["tags"]}


def test_a_retried_command_that_could_apply_again_is_applied_once(live):
    """A retry is stopped by the stored record of its command id: a "next card" sent
    twice moves one card, and the retry gets the first acknowledgement."""
    console = live.console()
    cmd(console, F, "phase", to="reflect")
    before = last_state(console, F)
    payload = {"cid": "retry-next-1", "action": "next"}
    first = console.emit("card", payload, namespace=F, callback=True)
    again = console.emit("card", payload, namespace=F, callback=True)
    assert first["ok"] and again == first
    after = last_state(console, F)
    assert after["card"]["position"] == before["card"]["position"] + 1
    assert after["version"] == before["version"] + 1
    # a new command id moves on again
    assert cmd(console, F, "card", action="next")["ok"]
    assert last_state(console, F)["card"]["position"] == before["card"]["position"] + 2


def test_a_retried_answer_gets_its_first_acknowledgement_and_is_stored_once(live, app):
    console, phone = live.console(), live.phone()
    card = _to_card(live, console)
    payload = {"cid": "retry-answer-1", "card": card, "text": "The mother looked lost", "audience": "group"}
    first = phone.emit("answer", payload, namespace=P, callback=True)
    again = phone.emit("answer", payload, namespace=P, callback=True)
    assert first["ok"] and again == first
    raised = {"cid": "retry-hand-1", "raised": True}
    assert phone.emit("hand", raised, namespace=P, callback=True) == phone.emit("hand", raised, namespace=P, callback=True)
    with app.app_context():
        db = get_session()
        assert db.scalars(select(Answer.text)).all() == ["The mother looked lost"]
        phone_records = select(func.count()).select_from(ProcessedCommand).where(ProcessedCommand.actor.like("p:%"))
        assert db.scalar(phone_records) == 1  # the hand; the answer, anonymous, is known by its mark

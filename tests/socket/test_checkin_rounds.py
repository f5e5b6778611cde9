"""Check-in rounds keep the minimum group size against differencing, show their questions
on every screen, and end with nothing left that links a person to a round."""
from datetime import timedelta

from sqlalchemy import func, select, update

from reflect.db import get_session, utcnow
from reflect.models import CheckinMark, GroupSession, Participant, ResponseMark, SessionCard
from reflect.rooms import jobs, summary
from reflect.rooms.scales import SCALES
from tests.helpers import csrf
from tests.socket.conftest import cmd, last_state

F, P, D = "/facilitator", "/phone", "/display"


def _check_in(live, console, n, **answer):
    cmd(console, F, "phase", to="connect")
    phones = [live.phone() for _ in range(n)]
    for i, phone in enumerate(phones):
        reply = cmd(phone, P, "checkin", kind="opening", **({"scores": {"energy": 1 + i % 5}} | answer))
        assert reply["ok"], reply
    return phones


def test_a_round_whose_results_were_shown_cannot_be_reopened(live):
    console = live.console()
    _check_in(live, console, 3)
    cmd(console, F, "checkin_control", kind="opening", open=False)
    shown = last_state(console, F)["checkins"]["opening"]
    assert shown["shown"]

    reply = cmd(console, F, "checkin_control", kind="opening", open=True)
    assert not reply["ok"] and reply["error"]["code"] == "checkin_results_shown"
    latecomer = live.phone()
    refused = cmd(latecomer, P, "checkin", kind="opening", scores={"energy": 5})
    assert refused["error"]["code"] == "checkin_not_open"  # no fourth answer to take the difference of
    after = last_state(console, F)["checkins"]["opening"]
    assert after["status"] == "closed" and after["distribution"] == shown["distribution"]


def test_a_round_withheld_for_too_few_answers_can_be_reopened(live):
    console = live.console()
    _check_in(live, console, 2)
    cmd(console, F, "checkin_control", kind="opening", open=False)
    assert last_state(console, F)["checkins"]["opening"]["too_few"]
    assert cmd(console, F, "checkin_control", kind="opening", open=True)["ok"]
    assert cmd(live.phone(), P, "checkin", kind="opening", scores={"energy": 4})["ok"]
    cmd(console, F, "checkin_control", kind="opening", open=False)
    result = last_state(console, F)["checkins"]["opening"]
    assert result["shown"] and sum(result["distribution"]["energy"]) == 3


def test_feeling_words_are_withheld_unless_enough_people_wrote_one(live):
    console = live.console()
    phones = _check_in(live, console, 3)
    late = live.phone()
    assert cmd(late, P, "checkin", kind="opening", scores={"energy": 2}, feeling="lonely")["ok"]
    cmd(console, F, "checkin_control", kind="opening", open=False)
    result = last_state(console, F)["checkins"]["opening"]
    assert result["shown"] and result["n"] == 4 and result["words"] == []
    assert "lonely" not in str(last_state(phones[0], P))


def test_moving_on_from_connect_closes_the_opening_checkin(live):
    console = live.console()
    _check_in(live, console, 3)
    cmd(console, F, "phase", to="reflect")
    result = last_state(console, F)["checkins"]["opening"]
    assert result["status"] == "closed" and result["shown"]


def test_the_console_shows_the_checkin_questions_in_its_language(live):
    console = live.console()
    _check_in(live, console, 3)
    cmd(console, F, "checkin_control", kind="opening", open=False)
    labels = last_state(console, F)["checkins"]["opening"]["scale_labels"]
    energy = next(label for label in labels if label["slug"] == "energy")
    assert energy["question"] == str(SCALES["energy"].question) and energy["low"] == str(SCALES["energy"].low)


def test_ending_keeps_each_rounds_count_and_deletes_every_mark(live, app):
    console = live.console()
    _check_in(live, console, 3)
    assert cmd(live.phone(), P, "checkin", kind="opening", passed=True)["ok"]
    cmd(console, F, "phase", to="reflect")
    card = last_state(console, F)["card"]["id"]
    phone = live.phone()
    assert cmd(phone, P, "answer", card=card, text="A thought", audience="group")["ok"]
    cmd(console, F, "phase", to="ended")
    with app.app_context():
        db = get_session()
        assert db.scalar(select(func.count()).select_from(CheckinMark)) == 0
        assert db.scalar(select(func.count()).select_from(ResponseMark)) == 0
        session = db.get(GroupSession, live.session_id)
        opening = summary.build(db, session, "en")["checkins"]["opening"]
        assert (opening["answered"], opening["passed"]) == (3, 1)  # a pass is never counted as an answer


def test_a_session_ended_from_the_lobby_was_never_held(live, app):
    console = live.console()
    live.phone()
    cmd(console, F, "phase", to="ended")
    with app.app_context():
        session = get_session().get(GroupSession, live.session_id)
        assert session.ended_at is not None and session.started_at is None


def _age(app, session_id, hours):
    """Move everything that happened in the session ``hours`` into the past."""
    then = utcnow() - timedelta(hours=hours)
    with app.app_context():
        db = get_session()
        db.execute(update(GroupSession).where(GroupSession.id == session_id).values(created_at=then, started_at=then))
        db.execute(update(SessionCard).where(SessionCard.session_id == session_id, SessionCard.shown_at.is_not(None))
                   .values(shown_at=then))
        db.execute(update(Participant).where(Participant.session_id == session_id).values(joined_at=then))
        db.commit()
    return then


def test_a_session_nobody_ended_is_ended_as_of_its_last_activity(live, app):
    console = live.console()
    cmd(console, F, "phase", to="reflect")
    live.phone()
    app.config["REFLECT_IDLE_END_HOURS"] = 12
    _age(app, live.session_id, 11)
    with app.app_context():
        jobs.end_idle_sessions(app, None)
        assert get_session().get(GroupSession, live.session_id).ended_at is None  # 11 hours: still open

    last = _age(app, live.session_id, 13)
    with app.app_context():
        jobs.end_idle_sessions(app, None)
        session = get_session().get(GroupSession, live.session_id)
        assert session.phase == "ended" and session.join_code is None
        assert abs((session.ended_at - last).total_seconds()) < 1  # no hours credited for the idle time
    assert last_state(console, F)["phase"] == "ended"  # whoever had it open is told
    client = app.test_client()
    response = client.post("/join", data={"code": live.code, "csrf_token": csrf(client, "/join")})
    assert response.status_code != 302  # the code no longer joins anything


def test_back_to_connect_reopens_a_round_that_showed_nothing_and_keeps_a_shown_one_closed(live):
    console = live.console()
    _check_in(live, console, 2)
    cmd(console, F, "phase", to="reflect")  # closed with too few: nothing shown
    cmd(console, F, "phase", to="connect")
    assert last_state(console, F)["checkins"]["opening"]["status"] == "open"
    assert cmd(live.phone(), P, "checkin", kind="opening", scores={"energy": 3})["ok"]
    cmd(console, F, "phase", to="reflect")
    assert last_state(console, F)["checkins"]["opening"]["shown"]
    cmd(console, F, "phase", to="connect")
    assert last_state(console, F)["checkins"]["opening"]["status"] == "closed"


def test_the_summary_keeps_what_was_sent_only_to_the_facilitator(live):
    console = live.console()
    cmd(console, F, "phase", to="reflect")
    card = last_state(console, F)["card"]["id"]
    shared, private = live.phone(), live.phone(name="Beto")
    assert cmd(shared, P, "answer", card=card, text="Shared with everyone", audience="group")["ok"]
    assert cmd(private, P, "answer", card=card, text="Only you should read this", audience="facilitator")["ok"]
    cmd(console, F, "reveal", card=card)
    cmd(console, F, "phase", to="grow")
    assert cmd(private, P, "takeaway", text="My private takeaway", audience="facilitator")["ok"]
    cmd(console, F, "phase", to="ended")
    page = live.facilitator_client.get(f"/facilitate/sessions/{live.session_id}/summary").get_data(as_text=True)
    assert "Shared with everyone" in page
    assert "Only you should read this" in page and "My private takeaway" in page
    assert page.count("Sent only to you") == 2
    assert "No takeaways were revealed." in page


def test_a_session_opened_ahead_of_time_is_not_ended_while_it_waits_in_the_lobby(live, app):
    live.phone()
    app.config["REFLECT_IDLE_END_HOURS"] = 12
    then = utcnow() - timedelta(hours=30)
    with app.app_context():
        db = get_session()
        db.execute(update(GroupSession).where(GroupSession.id == live.session_id).values(created_at=then))
        db.execute(update(Participant).where(Participant.session_id == live.session_id).values(joined_at=then))
        db.commit()
        jobs.end_idle_sessions(app, None)
        session = db.get(GroupSession, live.session_id)
        assert session.phase == "lobby" and session.join_code == live.code

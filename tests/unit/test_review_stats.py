"""The review aggregates: the minimum group size in every aggregate (including the
differencing attacks), note privacy, attendance and hours, access and assignments,
and the demo seed. Runs on SQLite and PostgreSQL (the ``db`` fixture)."""
from __future__ import annotations

import itertools
import random
import secrets
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from reflect.auth import accounts
from reflect.models import (
    Answer,
    AuditEvent,
    CheckinAnswer,
    CheckinRound,
    Group,
    GroupSession,
    Note,
    NoteTag,
    Participant,
    RosterMember,
    SessionCard,
    SupervisorAssignment,
    ThemeTag,
    User,
)
from reflect.review import access
from reflect.review.stats.attendance import attendance
from reflect.review.stats.checkins import checkin_trends, feeling_words
from reflect.review.stats.periods import BY_CHOICES, Period, ReviewStatsError, make_period
from reflect.review.stats.report import group_report
from reflect.review.stats.scope import Viewer
from reflect.review.stats.sessions import hours, sessions_summary
from reflect.review.stats.shared_notes import shared_notes
from reflect.review.stats.takeaways import takeaways
from reflect.review.stats.themes import theme_counts

K = 3
PERIOD = Period(date(2025, 1, 1), date(2025, 12, 31), "month")


# --- builders ----------------------------------------------------------------------------------


def user(db, role: str, email: str | None = None) -> User:
    u = accounts.create_user(db, email=email or f"{role}-{secrets.token_hex(3)}@example.org", role=role,
                             display_name=role.title())
    db.flush()
    return u


def group(db, facilitator: User, name: str = "Group") -> Group:
    g = Group(name=name, facilitator_id=facilitator.id)
    db.add(g)
    db.flush()
    return g


def held(db, g: Group, started: datetime, minutes: int = 90, min_group_size: int = K, ended: bool = True) -> GroupSession:
    s = GroupSession(group_id=g.id, facilitator_id=g.facilitator_id, deck_id="use-of-self", phase="ended" if ended else "reflect",
                     min_group_size=min_group_size, checkin_scales=["energy", "supported", "weight"],
                     started_at=started, ended_at=started + timedelta(minutes=minutes) if ended else None)
    db.add(s)
    db.flush()
    return s


def rnd(db, s: GroupSession, kind: str, answers: list, status: str = "closed") -> CheckinRound:
    """``answers``: a scores dict, None for a pass, or (scores, feeling)."""
    r = CheckinRound(session_id=s.id, kind=kind, status=status, scales=["energy", "supported", "weight"])
    db.add(r)
    db.flush()
    for a in answers:
        scores, feeling = (a if isinstance(a, tuple) else (a, None))
        db.add(CheckinAnswer(id=secrets.token_hex(16), round_id=r.id, passed=scores is None,
                             scores=scores or {}, feeling=feeling))
    db.flush()
    return r


def e(v: int) -> dict:
    return {"energy": v, "supported": v, "weight": v}


def card(db, s: GroupSession, themes: list[str], position: int = 0, shown: bool = True) -> SessionCard:
    c = SessionCard(session_id=s.id, position=position, deck_card_id=f"c{position}", languages=["en", "es"],
                    text={"en": "What is it like to be this parent?", "es": "¿Cómo es ser esta mamá?"},
                    perspective="parent", themes=themes, shown_at=s.started_at if shown else None)
    db.add(c)
    db.flush()
    return c


def tag_id(db, slug: str) -> int:
    tid = db.scalar(select(ThemeTag.id).where(ThemeTag.owner_id.is_(None), ThemeTag.slug == slug))
    assert tid, slug
    return tid


def note(db, s: GroupSession, author: User, text: str, tags: list[str], shared: bool,
         session_card: SessionCard | None = None) -> Note:
    n = Note(session_id=s.id, author_id=author.id, client_id=secrets.token_hex(8), phase="reflect",
             session_card_id=session_card.id if session_card else None, text=text, shared_with_supervisor=shared)
    db.add(n)
    db.flush()
    for slug in tags:
        db.add(NoteTag(note_id=n.id, tag_id=tag_id(db, slug)))
    db.flush()
    return n


def takeaway(db, s: GroupSession, text: str | None, named: str | None = None, hidden: bool = False) -> None:
    db.add(Answer(id=secrets.token_hex(16), session_id=s.id, session_card_id=None, kind="takeaway", audience="group",
                  author_name=named, text=text, hidden=hidden, revealed=True))
    db.flush()


def member(db, g: Group, name: str, active: bool = True) -> RosterMember:
    m = RosterMember(group_id=g.id, display_name=name, active=active)
    db.add(m)
    db.flush()
    return m


def attend(db, s: GroupSession, m: RosterMember | None, status: str = "admitted") -> None:
    db.add(Participant(session_id=s.id, token_hash=secrets.token_hex(32), display_name=m.display_name if m else None,
                       roster_member_id=m.id if m else None, status=status))
    db.flush()


def at(month: int, day: int = 10, hour: int = 17) -> datetime:
    return datetime(2025, month, day, hour, 0)


def checkins(db, g: Group, period: Period = PERIOD, k: int = K) -> dict:
    return {s["scale"]: s for s in checkin_trends(db, [g.id], period, k)}


def row(trend: dict, bucket: str) -> dict:
    return next(r for r in trend["rows"] if r["bucket"] == bucket)


def answer_views(db, ids: list[int], period: Period) -> dict:
    """Everything derived from anonymous answers, for every pooling."""
    out = {}
    for by in BY_CHOICES:
        p = Period(period.start, period.end, by)
        out[by] = {
            "checkins": checkin_trends(db, ids, p, K),
            "feelings": feeling_words(db, ids, p, K),
            "takeaways": sorted(t["month"] + t["text"] for t in takeaways(db, ids, p, K, random.Random(1))),
        }
    return out


@pytest.fixture
def world(db):
    fac = user(db, "facilitator")
    g = group(db, fac)
    return fac, g


# --- the minimum group size --------------------------------------------------------------------


def test_a_round_counts_only_if_it_alone_has_k_answers(db, world):
    _fac, g = world
    big = held(db, g, at(3, 3))
    rnd(db, big, "opening", [e(4), e(4), e(5)])
    small = held(db, g, at(3, 17))  # same month: pooling would hide it, but it must not count at all
    rnd(db, small, "opening", [e(1), e(1)])
    march = row(checkins(db, g)["energy"], "2025-03")
    assert march["opening"] == {"status": "ok", "n": 3, "rounds": 1, "mean": 4.33}
    april_only = held(db, g, at(4))
    rnd(db, april_only, "opening", [e(2), e(2)])
    assert row(checkins(db, g)["energy"], "2025-04")["opening"] == {"status": "too_few"}
    assert row(checkins(db, g)["energy"], "2025-05")["opening"] == {"status": "none"}


def test_passes_do_not_count_and_each_scale_needs_k_ratings(db, world):
    _fac, g = world
    s = held(db, g, at(2))
    rnd(db, s, "opening", [{"energy": 5, "supported": 2}, {"energy": 4, "supported": 2}, {"energy": 3}, None, None])
    trends = checkins(db, g)
    assert row(trends["energy"], "2025-02")["opening"]["mean"] == 4.0
    assert row(trends["supported"], "2025-02")["opening"] == {"status": "too_few"}  # rated by two only
    s2 = held(db, g, at(6))
    rnd(db, s2, "opening", [e(5), e(5), None, None, None])  # five answered, two did not pass
    assert row(checkins(db, g)["energy"], "2025-06")["opening"] == {"status": "too_few"}


def test_the_sessions_own_threshold_applies_when_higher(db, world):
    _fac, g = world
    s = held(db, g, at(5), min_group_size=5)
    rnd(db, s, "opening", [e(3)] * 4)
    assert row(checkins(db, g)["energy"], "2025-05")["opening"] == {"status": "too_few"}
    rnd(db, held(db, g, at(7), min_group_size=5), "opening", [e(3)] * 5)
    assert row(checkins(db, g)["energy"], "2025-07")["opening"]["n"] == 5
    # and the configured minimum applies when it is the higher one
    assert row(checkins(db, g, k=6)["energy"], "2025-07")["opening"] == {"status": "too_few"}


def test_open_rounds_and_sessions_not_held_never_count(db, world):
    _fac, g = world
    running = held(db, g, at(8), ended=False)
    rnd(db, running, "opening", [e(5)] * 4)
    ended = held(db, g, at(9))
    rnd(db, ended, "opening", [e(5)] * 4, status="open")
    lobby = GroupSession(group_id=g.id, facilitator_id=g.facilitator_id, deck_id="x", phase="ended",
                         started_at=None, ended_at=at(10))
    db.add(lobby)
    db.flush()
    rnd(db, lobby, "opening", [e(5)] * 4)
    assert checkin_trends(db, [g.id], PERIOD, K) == []
    assert sessions_summary(db, [g.id], PERIOD)["held"] == 1


def test_change_within_a_session_needs_both_rounds_to_qualify(db, world):
    _fac, g = world
    a = held(db, g, at(1))
    rnd(db, a, "opening", [e(2), e(2), e(3)])
    rnd(db, a, "closing", [e(4), e(4), e(4)])
    b = held(db, g, at(1, 20))
    rnd(db, b, "opening", [e(1), e(1), e(1)])
    rnd(db, b, "closing", [e(5), e(5)])  # too few: b adds its opening only, and no change
    jan = row(checkins(db, g)["energy"], "2025-01")
    assert jan["change"] == {"status": "ok", "n": 6, "sessions": 1, "mean": round(4 - 7 / 3, 2)}
    assert jan["opening"]["n"] == 6 and jan["closing"]["n"] == 3


def test_pooling_by_quarter_or_period_adds_up_and_never_double_counts(db, world):
    _fac, g = world
    for month, scores in [(1, [3, 4, 5]), (2, [2, 2, 2, 2]), (5, [5, 5, 4])]:
        s = held(db, g, at(month))
        rnd(db, s, "opening", [e(v) for v in scores])
        rnd(db, s, "closing", [e(min(5, v + 1)) for v in scores])
    totals = {}
    for by in BY_CHOICES:
        p = Period(PERIOD.start, PERIOD.end, by)
        trend = checkins(db, g, p)["energy"]
        totals[by] = trend["total"]
        if by == "quarter":
            assert row(trend, "2025-Q1")["opening"] == {"status": "ok", "n": 7, "rounds": 2, "mean": round(20 / 7, 2)}
        if by == "period":
            assert [r["bucket"] for r in trend["rows"]] == ["all"]
            assert trend["rows"][0]["opening"] == trend["total"]["opening"]
    assert totals["month"] == totals["quarter"] == totals["period"]
    assert totals["month"]["opening"]["n"] == 10 and totals["month"]["change"]["sessions"] == 3


def test_differencing_by_one_session_reveals_nothing(db, world):
    """View, add a session with one or two answers (check-ins, feelings, takeaways), view
    again: nothing derived from answers changes, in any pooling, whatever the period edges."""
    _fac, g = world
    for month in (2, 4, 6):
        s = held(db, g, at(month))
        rnd(db, s, "opening", [(e(3), "tired"), (e(4), "calm"), (e(2), "tired")])
        rnd(db, s, "closing", [(e(4), "hopeful"), (e(4), "calm"), (e(3), "light")])
        for text in ("a", "b", "c"):
            takeaway(db, s, f"takeaway {month}{text}")
    windows = [PERIOD, Period(date(2025, 4, 1), date(2025, 4, 30)), Period(date(2025, 4, 15), date(2025, 6, 30))]
    before = [answer_views(db, [g.id], w) for w in windows]

    lone = held(db, g, at(4, 20))  # in a month that already has a qualifying session
    rnd(db, lone, "opening", [(e(1), "desperate")])
    rnd(db, lone, "closing", [(e(5), "desperate"), (e(5), "furious")])
    takeaway(db, lone, "I am thinking of quitting")
    pair = held(db, g, at(9))  # and in a month of its own
    rnd(db, pair, "opening", [(e(1), "desperate"), (e(5), "furious")])
    rnd(db, pair, "closing", [(e(1), "desperate"), (e(1), "numb")])
    takeaway(db, pair, "I am thinking of quitting")
    takeaway(db, pair, "Nobody here understands")

    after = [answer_views(db, [g.id], w) for w in windows]
    for b, a in zip(before, after):
        for by in BY_CHOICES:
            assert a[by]["feelings"] == b[by]["feelings"]
            assert a[by]["takeaways"] == b[by]["takeaways"]
            for old, new in zip(b[by]["checkins"], a[by]["checkins"]):
                for old_row, new_row in zip(old["rows"] + [old["total"]], new["rows"] + [new["total"]]):
                    assert {k: new_row[k] for k in ("opening", "closing", "change") if new_row[k]["status"] == "ok"} == \
                           {k: old_row[k] for k in ("opening", "closing", "change") if old_row[k]["status"] == "ok"}
    text = repr(after)
    for secret in ("desperate", "furious", "numb", "quitting", "Nobody"):
        assert secret not in text
    september = row(checkins(db, g)["energy"], "2025-09")
    assert september["opening"] == september["closing"] == {"status": "too_few"}


def _one_person_world(db, g: Group, p_value: int, other_value: int, with_p: bool) -> None:
    """A month with a qualifying session, then session S in which person P may or may not
    have checked in (k answers with P, k-1 without)."""
    base = held(db, g, at(3))
    rnd(db, base, "opening", [e(3), e(4), e(2), e(5)])
    s = held(db, g, at(3, 24))
    others = [e(other_value), e(3)]
    rnd(db, s, "opening", others + ([e(p_value)] if with_p else []))


def _answer_view_of_new_group(db, fac: User, builder) -> dict:
    g = group(db, fac, f"G{secrets.token_hex(3)}")
    builder(g)
    return answer_views(db, [g.id], PERIOD)


def test_differencing_with_and_without_one_person_cannot_isolate_their_answer(db, world):
    fac, _g = world
    without = _answer_view_of_new_group(db, fac, lambda g: _one_person_world(db, g, 0, 4, with_p=False))
    base_only = _answer_view_of_new_group(
        db, fac, lambda g: rnd(db, held(db, g, at(3)), "opening", [e(3), e(4), e(2), e(5)]))
    # Without P the k-1 answers of S are not in any aggregate at all.
    assert without == base_only

    with_views = {}
    for p_value, other_value in [(1, 5), (5, 1), (3, 3)]:  # same round sum, P's answer differs
        with_views[p_value] = _answer_view_of_new_group(
            db, fac, lambda g, pv=p_value, ov=other_value: _one_person_world(db, g, pv, ov, with_p=True))
    # P answering 1, 5 or 3 gives identical views: P's answer is not recoverable from
    # the pair (with P, without P), whatever the pooling.
    assert with_views[1] == with_views[5] == with_views[3]
    # The two views differ by a whole round of k answers, never by one answer.
    march_with = row(with_views[1]["month"]["checkins"][0], "2025-03")["opening"]
    march_without = row(without["month"]["checkins"][0], "2025-03")["opening"]
    assert march_with["n"] - march_without["n"] == K


def test_feeling_words_only_from_rounds_with_k_words(db, world):
    _fac, g = world
    a = held(db, g, at(2))
    rnd(db, a, "opening", [(e(3), "tired"), (e(3), "tired"), (e(3), "drained")])
    b = held(db, g, at(3))
    rnd(db, b, "opening", [(e(3), "grieving"), (e(3), None), (e(3), None), (None, None)])
    words = feeling_words(db, [g.id], PERIOD, K)
    assert words == [{"key": "tired", "word": "tired", "count": 2}, {"key": "drained", "word": "drained", "count": 1}]
    # shown in the reader's language: a key of the shared list, never anyone's spelling
    spanish = feeling_words(db, [g.id], PERIOD, K, lang="es")
    assert [w["word"] for w in spanish] == ["cansancio", "agotamiento"]


def test_takeaways_only_anonymous_from_sessions_with_k_and_month_only(db, world):
    _fac, g = world
    a = held(db, g, at(4))
    for t in ("one", "two", "three"):
        takeaway(db, a, t)
    takeaway(db, a, "signed", named="Ana")
    takeaway(db, a, "hidden one", hidden=True)
    b = held(db, g, at(5))
    takeaway(db, b, "lonely")
    takeaway(db, b, "pair")
    takeaway(db, b, "named", named="Ana")
    c = held(db, g, at(6))
    for t in ("x", None, None):  # purged texts leave too few to show
        takeaway(db, c, t)
    shown = takeaways(db, [g.id], PERIOD, K)
    assert sorted(t["text"] for t in shown) == ["one", "three", "two"]
    assert all(set(t) == {"month", "text"} and t["month"] == "2025-04" for t in shown)
    orders = {tuple(t["text"] for t in takeaways(db, [g.id], PERIOD, K, random.Random(seed))) for seed in range(12)}
    assert len(orders) > 1  # shuffled, not in writing order


# --- note privacy -----------------------------------------------------------------------------


def test_private_notes_never_reach_a_supervisor_or_admin(db, world):
    fac, g = world
    other = user(db, "facilitator")
    s = held(db, g, at(5))
    c = card(db, s, ["holding-the-baby-in-mind"])
    note(db, s, fac, "PRIVATE: worried about the presenter", ["grief-and-loss", "burnout"], shared=False)
    note(db, s, fac, "Shared: parallel process was strong", ["parallel-process"], shared=True, session_card=c)
    note(db, s, other, "Co-facilitator's private note", ["secondary-traumatic-stress"], shared=False)
    for role in ("supervisor", "admin"):
        viewer = Viewer(user_id=999_999, role=role)
        themes = theme_counts(db, [g.id], PERIOD, viewer)
        slugs = {t["slug"]: t for t in themes["totals"]}
        assert set(slugs) == {"holding-the-baby-in-mind", "parallel-process"}
        assert slugs["parallel-process"]["notes"] == 1
        notes = shared_notes(db, [g.id], PERIOD, viewer)
        assert [n["text"] for n in notes] == ["Shared: parallel process was strong"]
        assert notes[0]["phase"] == "reflect" and notes[0]["card"]["perspective"] == "parent"
        assert [t["slug"] for t in notes[0]["tags"]] == ["parallel-process"]
        report = group_report(db, g, PERIOD, viewer, K)
        for secret in ("PRIVATE", "grief-and-loss", "burnout", "Co-facilitator", "secondary-traumatic-stress"):
            assert secret not in repr(report)
    # The facilitator counts the tags of their own notes, private ones too, never a colleague's.
    mine = theme_counts(db, [g.id], PERIOD, Viewer(fac.id, "facilitator"))
    assert {t["slug"] for t in mine["totals"]} == {"holding-the-baby-in-mind", "parallel-process", "grief-and-loss", "burnout"}
    mine_notes = shared_notes(db, [g.id], PERIOD, Viewer(fac.id, "facilitator"))
    assert [n["text"] for n in mine_notes] == ["Shared: parallel process was strong"]


def test_theme_counts_use_cards_shown_and_months(db, world):
    _fac, g = world
    s = held(db, g, at(2))
    card(db, s, ["parallel-process", "linking"], 0)
    card(db, s, ["parallel-process"], 1)
    card(db, s, ["grief-and-loss"], 2, shown=False)
    s2 = held(db, g, at(5))
    card(db, s2, ["parallel-process"], 0)
    themes = theme_counts(db, [g.id], PERIOD, Viewer(1, "supervisor"))
    assert themes["totals"][0] == {"slug": "parallel-process", "cards": 3, "notes": 0, "total": 3, "tag_label": None}
    assert {(c["bucket"], c["slug"]): c["total"] for c in themes["cells"]} == {
        ("2025-02", "parallel-process"): 2, ("2025-02", "linking"): 1, ("2025-05", "parallel-process"): 1}


# --- attendance and hours ----------------------------------------------------------------------


def test_attendance_and_hours_per_rostered_member(db, world):
    _fac, g = world
    ana, bea, cy = member(db, g, "Ana"), member(db, g, "Bea"), member(db, g, "Cy", active=False)
    s1 = held(db, g, at(2), minutes=90)
    s2 = held(db, g, at(3), minutes=75)
    s3 = held(db, g, at(4), minutes=61)
    running = held(db, g, at(5), ended=False)
    outside = held(db, g, datetime(2024, 12, 20, 17), minutes=120)
    for s in (s1, s2, outside, running):
        attend(db, s, ana)
    attend(db, s1, ana)  # a second phone: still one attendance
    attend(db, s2, bea)
    attend(db, s3, bea, status="removed")
    attend(db, s3, cy)
    attend(db, s3, None)  # a guest without a roster name
    result = attendance(db, [g.id], PERIOD, log=True)
    people = {m["name"]: (m["sessions"], m["hours"], m["active"]) for m in result["members"]}
    assert people == {"Ana": (2, 2.75, True), "Bea": (1, 1.25, True), "Cy": (1, 1.02, False)}
    assert [s["date"] for s in result["sessions"]] == ["2025-04-10", "2025-03-10", "2025-02-10"]
    assert result["sessions"][0]["attendees"] == ["Cy"] and result["sessions"][0]["others"] == 1
    assert [(e["name"], e["date"], e["hours"]) for e in result["log"]] == [
        ("Ana", "2025-02-10", 1.5), ("Ana", "2025-03-10", 1.25), ("Bea", "2025-03-10", 1.25), ("Cy", "2025-04-10", 1.02)]
    summary = sessions_summary(db, [g.id], PERIOD)
    assert summary["held"] == 3 and summary["hours"] == 3.77


def test_hours_round_half_up_to_a_hundredth():
    assert hours(0) == 0.0
    assert hours(5400) == 1.5
    assert hours(3618) == 1.01  # 1.005 h
    assert hours(3617.9) == 1.0


def test_the_default_period_is_the_last_twelve_months():
    p = make_period(None, None, None, date(2025, 11, 18))
    assert (p.start, p.end, p.by) == (date(2024, 11, 19), date(2025, 11, 18), "month")
    assert len(p.months()) == 13  # November 2024's last days, then twelve more months
    # in December, not only the months since January
    assert make_period(None, None, None, date(2026, 12, 7)).start == date(2025, 12, 8)
    assert make_period(None, None, None, date(2028, 2, 29)).start == date(2027, 3, 1)
    with pytest.raises(ReviewStatsError):
        make_period(date(2025, 2, 1), date(2025, 1, 1), None, date(2025, 3, 1))
    with pytest.raises(ReviewStatsError):
        make_period(date(2000, 1, 1), date(2025, 1, 1), None, date(2025, 3, 1))


# --- access and assignments ---------------------------------------------------------------------


def test_who_sees_which_groups_and_assignments_are_audited(db):
    admin, fac, fac2, sup, sup2 = (user(db, r) for r in ("admin", "facilitator", "facilitator", "supervisor", "supervisor"))
    g1, g2 = group(db, fac, "One"), group(db, fac2, "Two")
    access.assign_supervisor(db, admin, g1.id, sup.id)
    assert [g.id for g in access.visible_groups(db, admin)] == [g1.id, g2.id]
    assert [g.id for g in access.visible_groups(db, fac)] == [g1.id]
    assert [g.id for g in access.visible_groups(db, sup)] == [g1.id]
    assert access.visible_groups(db, sup2) == []
    assert access.visible_group(db, sup, g2.id) is None and access.visible_group(db, sup, 10**6) is None
    assert access.visible_group(db, fac2, g1.id) is None and access.visible_group(db, fac2, g2.id).id == g2.id
    for bad, code in [((g1.id, sup.id), "already_assigned"), ((g1.id, fac.id), "not_a_supervisor"),
                      ((10**6, sup.id), "group_not_found")]:
        with pytest.raises(access.AccessError) as err:
            access.assign_supervisor(db, admin, *bad)
        assert err.value.code == code
    access.unassign_supervisor(db, admin, g1.id, sup.id)
    assert access.visible_groups(db, sup) == []
    with pytest.raises(access.AccessError):
        access.unassign_supervisor(db, admin, g1.id, sup.id)
    events = db.execute(select(AuditEvent.action, AuditEvent.target, AuditEvent.detail)
                        .where(AuditEvent.action.like("supervisor_%")).order_by(AuditEvent.id)).all()
    assert [(a, t, d) for a, t, d in events] == [
        ("supervisor_assigned", f"group:{g1.id}", {"user_id": sup.id}),
        ("supervisor_unassigned", f"group:{g1.id}", {"user_id": sup.id})]


# --- the demo seed -------------------------------------------------------------------------------


def test_seed_demo_fills_an_empty_database_and_refuses_a_used_one(db):
    from reflect import demo

    result = demo.seed_demo(db, groups=2, sessions_per_group=5, participants=4, password="demo password 1", seed=3)
    db.flush()
    assert result.groups == 2 and result.sessions == 10 and result.members == 8
    assert {r for r, _e, _p in result.accounts} == {"admin", "supervisor", "facilitator"}
    assert db.scalar(select(func.count()).select_from(GroupSession).where(GroupSession.ended_at.is_not(None))) == 10
    assert db.scalar(select(func.count()).select_from(SupervisorAssignment)) == 1
    ids = db.scalars(select(CheckinAnswer.id)).all()
    assert ids and all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    assert db.scalar(select(func.count()).select_from(Note).where(Note.shared_with_supervisor.is_(True))) > 0
    cards = db.scalars(select(SessionCard).where(SessionCard.shown_at.is_not(None))).all()
    assert cards and all(set(c.text) >= {"en", "es"} and c.themes and c.perspective for c in cards)
    texts = db.scalars(select(Answer.text).where(Answer.kind == "takeaway")).all()
    assert any("¿" in t or "á" in t or "ñ" in t or "é" in t for t in texts if t)  # some Spanish
    with pytest.raises(demo.DemoError):
        demo.seed_demo(db, groups=1, sessions_per_group=1, participants=1)
    again = demo.seed_demo(db, groups=1, sessions_per_group=2, participants=3, force=True, password="demo password 1")
    assert again.sessions == 2
    # the same demo accounts are reused, not duplicated
    assert db.scalar(select(func.count()).select_from(User).where(User.role == "supervisor")) == 1
    # the demo's figures respect the threshold like any other data
    g = db.scalars(select(Group).order_by(Group.id)).first()
    for trend in checkin_trends(db, [g.id], Period(date(2000, 1, 1), date(2099, 1, 1)), K):
        for r in itertools.chain(trend["rows"], [trend["total"]]):
            for kind in ("opening", "closing"):
                assert r[kind]["status"] != "ok" or r[kind]["n"] >= K

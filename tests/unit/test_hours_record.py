"""A person's hours record across groups: credit from attendance, corrections, individual
meetings, merges, progress, letters and their verification. Bad input is refused with a
clear code and changes nothing. Runs on SQLite and PostgreSQL."""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from reflect.hours import letters, links, people, progress as prog, record
from reflect.hours.errors import HoursError
from reflect.models import (
    Answer,
    AttendanceCorrection,
    AuditEvent,
    CheckinAnswer,
    CheckinRound,
    HoursLetter,
    IndividualMeeting,
    Participant,
    Person,
    ProviderProfile,
    RosterMember,
)
from tests.unit.test_review_stats import group, held, member, user

RULES = record.Rules(threshold=timedelta(minutes=10), grace=timedelta(seconds=20), tz="UTC")
NOW = datetime(2026, 1, 15, 12, 0)


def phone(db, s, m, *, joined=None, gone=None, status="admitted"):
    db.add(Participant(session_id=s.id, token_hash=secrets.token_hex(32), display_name=m.display_name,
                       roster_member_id=m.id, status=status, joined_at=joined or s.started_at, disconnected_at=gone))
    db.flush()


@pytest.fixture
def world(db):
    fac, other = user(db, "facilitator"), user(db, "facilitator")
    db.add(ProviderProfile(user_id=fac.id, name="Ana Ruiz", qualification="LMFT; IMH-E® Mentor"))
    g1, g2 = group(db, fac, "Tuesday home visitors"), group(db, other, "Teachers")
    a1, a2 = member(db, g1, "Dana"), member(db, g2, "Dana L.")
    dana = people.create_person(db, fac, "Dana López", "es")
    people.link_roster_entry(db, fac, a1, dana)
    people.link_roster_entry(db, other, a2, dana)
    s1 = held(db, g1, datetime(2025, 3, 4, 17, 0), minutes=90)
    s2 = held(db, g2, datetime(2025, 3, 11, 17, 0), minutes=60)
    phone(db, s1, a1)
    phone(db, s2, a2, joined=s2.started_at + timedelta(minutes=20))
    db.flush()
    return dict(fac=fac, other=other, g1=g1, g2=g2, a1=a1, a2=a2, dana=dana, s1=s1, s2=s2)


def entries(db, w):
    return record.person_entries(db, w["dana"].id, RULES)


def test_one_person_on_two_groups_rosters_has_one_record_with_each_provider(db, world):
    got = entries(db, world)
    assert [(e.kind, str(e.hours), e.provider_name, e.qualification, e.group_name) for e in got] == [
        ("group", "1.50", "Ana Ruiz", "LMFT; IMH-E® Mentor", "Tuesday home visitors"),
        ("group", "0.67", "Facilitator", "", "Teachers"),  # arrived 20 min late: 40 min
    ]


def test_waiting_removed_unnamed_and_unheld_sessions_credit_nothing(db, world):
    w = world
    s3 = held(db, w["g1"], datetime(2025, 3, 18, 17, 0))
    phone(db, s3, w["a1"], status="removed")
    s4 = held(db, w["g1"], datetime(2025, 3, 25, 17, 0), ended=False)
    phone(db, s4, w["a1"])
    s5 = held(db, w["g1"], datetime(2025, 4, 1, 17, 0))
    db.add(Participant(session_id=s5.id, token_hash=secrets.token_hex(32), display_name="Dana López",
                       roster_member_id=None, status="admitted", joined_at=s5.started_at))  # a typed name
    db.flush()
    assert [e.session_id for e in entries(db, w)] == [w["s1"].id, w["s2"].id]


def test_a_correction_replaces_the_rule_and_is_audited_with_its_reason(db, world):
    w = world
    s = w["s2"]
    record.correct_attendance(db, w["other"], s, w["dana"], RULES, absent=False, arrived=s.started_at,
                              left=s.ended_at, mode="phone", reason="Joined by phone call")
    e = [e for e in entries(db, w) if e.session_id == s.id][0]
    assert (str(e.hours), e.mode, e.corrected) == ("1.00", "phone", True)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "attendance_corrected")).one()
    assert event.target == f"session:{s.id}" and event.detail["reason"] == "Joined by phone call"
    record.correct_attendance(db, w["other"], s, w["dana"], RULES, absent=True, arrived=None, left=None, mode=None,
                              reason="Was not there after all")
    assert [e.session_id for e in entries(db, w)] == [w["s1"].id]


def _state(db):
    return (db.scalar(select(func.count()).select_from(AttendanceCorrection)),
            db.scalar(select(func.count()).select_from(IndividualMeeting)),
            db.scalar(select(func.count()).select_from(Person)),
            db.scalar(select(func.count()).select_from(AuditEvent)),
            db.scalar(select(func.count()).select_from(HoursLetter)))


@pytest.mark.parametrize("case", ["negative", "outside", "overlap", "no_reason"])
def test_a_bad_correction_is_refused_and_changes_nothing(db, world, case):
    w = world
    s = w["s1"]
    # an individual meeting right after the session, to overlap with
    record.record_meeting(db, w["fac"], w["dana"], RULES, started_at=s.ended_at + timedelta(minutes=5), minutes=30,
                          mode="video", now=NOW)
    before = _state(db)
    kwargs = dict(absent=False, arrived=s.started_at, left=s.ended_at, mode=None, reason="Phone died")
    if case == "negative":
        kwargs.update(arrived=s.started_at + timedelta(minutes=30), left=s.started_at + timedelta(minutes=10))
        expected = "negative_duration"
    elif case == "outside":
        kwargs.update(left=s.ended_at + timedelta(minutes=30))
        expected = "outside_session"
    elif case == "overlap":
        # the meeting lies outside s1, so make s1 run later to overlap it
        s.ended_at = s.ended_at + timedelta(minutes=30)
        kwargs.update(left=s.ended_at)
        expected = "overlap"
    else:
        kwargs.update(reason="   ")
        expected = "reason_required"
    with pytest.raises(HoursError) as err:
        record.correct_attendance(db, w["fac"], s, w["dana"], RULES, **kwargs)
    assert err.value.code == expected
    assert _state(db) == before


def test_individual_meetings_are_kept_apart_and_bad_ones_refused(db, world):
    w = world
    start = datetime(2025, 3, 20, 15, 0)
    record.record_meeting(db, w["fac"], w["dana"], RULES, started_at=start, minutes=50, mode="video", now=NOW)
    before = _state(db)
    for minutes, code in ((-30, "negative_duration"), (0, "duration_invalid"), (30, "overlap")):
        with pytest.raises(HoursError) as err:
            record.record_meeting(db, w["fac"], w["dana"], RULES, started_at=start + timedelta(minutes=20),
                                  minutes=minutes, mode="video", now=NOW)
        assert err.value.code == code
    with pytest.raises(HoursError) as err:
        record.record_meeting(db, w["fac"], w["dana"], RULES, started_at=NOW, minutes=30, mode="video", now=NOW)
    assert err.value.code == "meeting_in_future"
    assert _state(db) == before
    t = prog.totals(entries(db, w))
    assert (t["group"], t["individual"], t["total"]) == (Decimal("2.17"), Decimal("0.83"), Decimal("3.00"))


def test_merging_moves_everything_is_audited_and_refuses_a_person_into_themselves(db, world):
    w = world
    dup = people.create_person(db, w["other"], "D. Lopez")
    g3 = group(db, w["other"], "Evening")
    a3 = member(db, g3, "D.")
    people.link_roster_entry(db, w["other"], a3, dup)
    s = held(db, g3, datetime(2025, 5, 6, 18, 0), minutes=120)
    phone(db, s, a3)
    before = _state(db)
    with pytest.raises(HoursError) as err:
        people.merge(db, w["fac"], w["dana"], w["dana"])
    assert err.value.code == "merge_self" and _state(db) == before
    people.merge(db, w["fac"], dup, w["dana"])
    assert db.get(Person, dup.id) is None
    assert [e.group_name for e in entries(db, w)] == ["Tuesday home visitors", "Teachers", "Evening"]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "people_merged")).one()
    assert event.target == f"person:{w['dana'].id}" and event.detail == {"merged_person_id": dup.id}


def test_progress_targets_years_and_the_provider_rule_in_plain_terms(db, world):
    w = world
    got = prog.progress(entries(db, w), start_month=7, today=date(2025, 8, 1), targets=prog.Targets())
    assert [(lvl["key"], lvl["reached"], str(lvl["remaining"])) for lvl in got["levels"]] == [
        ("ifs", False, "21.83"), ("imhs", False, "47.83")]
    assert [y["year"] for y in got["years"]] == [2024]  # March 2025 is in the year from July 2024
    assert got["renewal"]["year"]["year"] == 2025 and got["renewal"]["year"]["total"] == 0
    assert got["rule"]["status"] == "holds" and got["rule"]["main"] == "Ana Ruiz" and got["rule"]["share"] == 69
    # a third provider breaks the rule
    third = user(db, "facilitator")
    record.record_meeting(db, third, w["dana"], RULES, started_at=datetime(2025, 6, 1, 9), minutes=60, mode="phone",
                          now=NOW)
    assert prog.progress(entries(db, w), start_month=1, today=date(2025, 8, 1),
                         targets=prog.Targets())["rule"]["status"] == "too_many"


def test_a_letter_is_signed_verified_and_superseded_by_a_later_correction(db, world):
    w = world
    letter = letters.issue(db, w["fac"], w["dana"], RULES, start=date(2025, 1, 1), end=date(2025, 12, 31),
                           today=date(2026, 1, 15), now=NOW)
    assert [e["hours"] for e in letter.data["entries"]] == ["1.50"]  # only this provider's entries
    assert letter.data["totals"]["total"] == "1.50"
    found = letters.verify(db, letters.display_code(letter.code).lower())
    assert found["person"] == "Dana López" and found["totals"]["total"] == "1.50" and found["superseded"] is False
    # that it was issued, for whom, the period and the totals, and nothing else
    assert set(found) == {"code", "person", "from", "to", "totals", "superseded"}
    assert set(found["totals"]) == {"group", "individual", "total"}
    assert letters.verify(db, "ZZZZZ-ZZZZZ") is None and letters.verify(db, "not a code") is None
    with pytest.raises(HoursError) as err:
        letters.issue(db, w["fac"], w["dana"], RULES, start=date(2024, 1, 1), end=date(2024, 12, 31),
                      today=date(2026, 1, 15), now=NOW)
    assert err.value.code == "no_entries"
    s = w["s1"]
    record.correct_attendance(db, w["fac"], s, w["dana"], RULES, absent=False, arrived=s.started_at,
                              left=s.started_at + timedelta(minutes=45), mode=None, reason="Left early for a visit")
    assert letters.verify(db, letter.code)["superseded"] is True


def test_a_personal_link_opens_one_record_until_revoked(db, world):
    w = world
    raw = links.issue_link(db, w["fac"], w["dana"])
    assert links.person_for(db, raw).id == w["dana"].id
    newer = links.issue_link(db, w["fac"], w["dana"])
    assert links.person_for(db, raw) is None and links.person_for(db, newer).id == w["dana"].id
    links.revoke(db, w["fac"], w["dana"])
    assert links.person_for(db, newer) is None


def test_the_record_reads_no_answer_or_checkin_and_changes_none(db, world):
    """Answers and check-ins in the same sessions leave the record exactly as it was, and
    nothing in the hours tables refers to them."""
    w = world
    before = [(e.session_id, e.start, e.end) for e in entries(db, w)]
    for s in (w["s1"], w["s2"]):
        db.add(Answer(id=secrets.token_hex(16), session_id=s.id, kind="takeaway", audience="group", text="private"))
        r = CheckinRound(session_id=s.id, kind="opening", status="closed", scales=["energy"])
        db.add(r)
        db.flush()
        db.add(CheckinAnswer(id=secrets.token_hex(16), round_id=r.id, scores={"energy": 2}))
    db.flush()
    assert [(e.session_id, e.start, e.end) for e in entries(db, w)] == before
    from reflect.models import hours as hours_models

    for table in hours_models.Base.metadata.sorted_tables:
        if table.name in {"people", "roster_links", "provider_profiles", "individual_meetings", "session_modes",
                          "attendance_corrections", "hours_letters", "practitioner_links"}:
            targets = {fk.column.table.name for fk in table.foreign_keys}
            assert not targets & {"answers", "checkin_answers", "checkin_marks", "response_marks", "reactions",
                                  "notes", "participants", "processed_commands"}, table.name


def test_demo_data_has_people_on_several_groups_individual_rsc_and_letters(db):
    from reflect import demo
    from reflect.models import RosterLink

    demo.seed_demo(db, groups=3, sessions_per_group=12, participants=5, password="demo password 1", seed=7)
    groups_per_person = {}
    for person_id, group_id in db.execute(select(RosterLink.person_id, RosterMember.group_id)
                                          .join(RosterMember, RosterMember.id == RosterLink.roster_member_id)):
        groups_per_person.setdefault(person_id, set()).add(group_id)
    assert sum(1 for groups in groups_per_person.values() if len(groups) > 1) >= 2
    assert db.scalar(select(func.count()).select_from(IndividualMeeting)) > 0
    issued = list(db.scalars(select(HoursLetter)))
    assert issued and any(letter.superseded_at is not None for letter in issued)
    assert all(letters.verify(db, letter.code) is not None for letter in issued)


def test_someone_who_joined_by_phone_call_is_credited_by_a_correction(db, world):
    w = world
    s = held(db, w["g1"], datetime(2025, 6, 3, 17, 0), minutes=60)  # Dana had no phone in the room
    assert s.id not in [e.session_id for e in entries(db, w)]
    record.correct_attendance(db, w["fac"], s, w["dana"], RULES, absent=False, arrived=s.started_at,
                              left=s.ended_at, mode="phone", reason="Joined by phone call")
    got = [e for e in entries(db, w) if e.session_id == s.id]
    assert [(str(e.hours), e.mode, e.kind) for e in got] == [("1.00", "phone", "group")]


def test_merging_two_people_corrected_for_the_same_session_keeps_the_kept_persons_correction(db, world):
    w = world
    s = w["s1"]
    dup = people.create_person(db, w["fac"], "Dana (duplicate)")
    other_member = member(db, w["g1"], "Dana again")
    people.link_roster_entry(db, w["fac"], other_member, dup)
    record.correct_attendance(db, w["fac"], s, w["dana"], RULES, absent=False, arrived=s.started_at,
                              left=s.started_at + timedelta(minutes=60), mode=None, reason="Left for a visit")
    record.correct_attendance(db, w["fac"], s, dup, RULES, absent=True, arrived=None, left=None, mode=None,
                              reason="Not there")
    people.merge(db, w["fac"], dup, w["dana"])
    got = [e for e in entries(db, w) if e.session_id == s.id]
    assert [str(e.hours) for e in got] == ["1.00"]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "people_merged")).one()
    assert event.detail == {"merged_person_id": dup.id, "dropped_corrections_of_sessions": [s.id]}

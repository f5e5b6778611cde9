"""The hours pages over HTTP: the directory and linking, a person's record, corrections,
individual meetings, letters as PDF (their text read back), the public verification
page, the practitioner's personal link, CSV exports, and who sees what."""
from __future__ import annotations

import csv
import html
import io
import re
import secrets
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from reflect.db import get_session
from reflect.hours import letters
from reflect.models import (
    AuditEvent,
    Group,
    GroupSession,
    HoursLetter,
    Participant,
    Person,
    ProviderProfile,
    RosterLink,
    RosterMember,
    SupervisorAssignment,
    User,
)
from tests.helpers import csrf, sign_in_as


def _session(db, group, start, minutes=90):
    s = GroupSession(group_id=group.id, facilitator_id=group.facilitator_id, deck_id="use-of-self", phase="ended",
                     started_at=start, ended_at=start + timedelta(minutes=minutes))
    db.add(s)
    db.flush()
    return s


def _phone(db, s, member, joined=None):
    db.add(Participant(session_id=s.id, token_hash=secrets.token_hex(32), display_name=member.display_name,
                       roster_member_id=member.id, status="admitted", joined_at=joined or s.started_at))


@pytest.fixture
def site(app):
    return _site(app)


def _site(app):
    clients = {role: app.test_client() for role in ("admin", "facilitator", "other", "supervisor", "unassigned")}
    ids = {}
    ids["admin"] = sign_in_as(app, clients["admin"], "admin", "admin@example.org")
    ids["facilitator"] = sign_in_as(app, clients["facilitator"], "facilitator", "fac@example.org")
    ids["other"] = sign_in_as(app, clients["other"], "facilitator", "other@example.org")
    ids["supervisor"] = sign_in_as(app, clients["supervisor"], "supervisor", "sup@example.org")
    ids["unassigned"] = sign_in_as(app, clients["unassigned"], "supervisor", "unassigned@example.org")
    with app.app_context():
        db = get_session()
        fac, other = db.get(User, ids["facilitator"]), db.get(User, ids["other"])
        db.add(ProviderProfile(user_id=fac.id, name="Ana Ruiz Peña", qualification="LMFT, IMH-E® Mentor"))
        g1 = Group(name="Martes", facilitator_id=fac.id)
        g2 = Group(name="Teachers", facilitator_id=other.id)
        db.add_all([g1, g2])
        db.flush()
        db.add(SupervisorAssignment(group_id=g1.id, user_id=ids["supervisor"]))
        m1 = RosterMember(group_id=g1.id, display_name="Dana")
        m2 = RosterMember(group_id=g2.id, display_name="Dana L.")
        m3 = RosterMember(group_id=g1.id, display_name="Eli")
        db.add_all([m1, m2, m3])
        db.flush()
        s1 = _session(db, g1, datetime(2025, 3, 4, 17, 0), 90)
        s2 = _session(db, g2, datetime(2025, 3, 11, 17, 0), 60)
        s3 = _session(db, g1, datetime(2025, 4, 1, 17, 0), 75)
        _phone(db, s1, m1)
        _phone(db, s2, m2)
        _phone(db, s3, m1, joined=s3.started_at + timedelta(minutes=30))
        _phone(db, s1, m3)
        db.commit()
        clients["app"] = app
        ids.update(g1=g1.id, g2=g2.id, m1=m1.id, m2=m2.id, m3=m3.id, s1=s1.id, s2=s2.id, s3=s3.id)
    return clients, ids


def read(app, fn):
    """Read the database in an app context of its own (a request made inside one would
    share its ``g``, and with it the signed-in user)."""
    with app.app_context():
        db = get_session()
        try:
            return fn(db)
        finally:
            db.rollback()


def post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf(client, "/hours/")})


def _link_dana(clients, ids):
    fac, other = clients["facilitator"], clients["other"]
    assert post(fac, f"/hours/roster/{ids['m1']}/link", {"person": "new"}).status_code == 302
    person_id = read(clients["app"], lambda db: db.scalar(select(Person.id).where(Person.display_name == "Dana")))
    # the other facilitator cannot see Dana yet (not on their roster): 404-like refusal
    page = other.get(f"/hours/people/{person_id}")
    assert page.status_code == 404
    # the admin links the other group's entry to the same person
    assert post(clients["admin"], f"/hours/roster/{ids['m2']}/link", {"person": str(person_id)}).status_code == 302
    return person_id


def test_one_person_across_groups_with_progress_and_providers(app, site):
    clients, ids = site
    person_id = _link_dana(clients, ids)
    page = clients["facilitator"].get(f"/hours/people/{person_id}").get_data(as_text=True)
    assert "Martes" in page and "Teachers" in page
    assert "Ana Ruiz Peña" in page and "LMFT, IMH-E® Mentor" in page
    # 1.50 (s1) + 0.75 (s3, arrived 30 min late: 45 min) + 1.00 (s2) = 3.25
    assert "3.25 h" in page
    assert "Infant Family Specialist: 3.25 of 24.00 h" in page
    assert "most hours (69%) come from Ana Ruiz Peña" in page
    # the other facilitator now sees Dana too (she is on their roster)
    assert clients["other"].get(f"/hours/people/{person_id}").status_code == 200


def test_a_supervisor_sees_only_the_assigned_groups_entries(app, site):
    clients, ids = site
    person_id = _link_dana(clients, ids)
    page = clients["supervisor"].get(f"/hours/people/{person_id}").get_data(as_text=True)
    assert "Martes" in page and "2.25 h" in page and ">Teachers<" not in page
    rows = list(csv.DictReader(io.StringIO(clients["supervisor"].get(
        f"/hours/people/{person_id}/entries.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["group"] for r in rows] == ["Martes", "Martes"]
    assert clients["unassigned"].get(f"/hours/people/{person_id}").status_code == 404
    assert "Dana" not in clients["unassigned"].get("/hours/").get_data(as_text=True)
    # a supervisor changes nothing
    assert post(clients["supervisor"], f"/hours/people/{person_id}/link", {}).status_code == 403


def test_csv_has_one_row_per_entry_in_the_portfolio_shape(app, site):
    clients, ids = site
    person_id = _link_dana(clients, ids)
    text = clients["admin"].get(f"/hours/people/{person_id}/entries.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(r["date"], r["hours"], r["type"], r["mode"], r["provider"], r["provider_qualification"], r["group"])
            for r in rows] == [
        ("2025-03-04", "1.50", "group", "in_person", "Ana Ruiz Peña", "LMFT, IMH-E® Mentor", "Martes"),
        ("2025-03-11", "1.00", "group", "in_person", "Facilitator", "", "Teachers"),
        ("2025-04-01", "0.75", "group", "in_person", "Ana Ruiz Peña", "LMFT, IMH-E® Mentor", "Martes"),
    ]
    program = clients["facilitator"].get("/hours/entries.csv").get_data(as_text=True)
    assert program.count("\r\n") == 1 + 3  # Eli is linked to no one: in no one's record
    targets = read(app, lambda db: set(db.scalars(select(AuditEvent.target).where(AuditEvent.action == "export"))))
    assert targets == {f"person:{person_id}", "hours:program"}


def test_a_correction_over_http_and_a_bad_one_changes_nothing(app, site):
    clients, ids = site
    person_id = _link_dana(clients, ids)
    fac = clients["facilitator"]
    url = f"/hours/sessions/{ids['s1']}/people/{person_id}/correct"
    count = lambda: read(app, lambda db: db.scalar(select(func.count()).select_from(AuditEvent)))  # noqa: E731
    before = count()
    bad = post(fac, url, {"arrived": "17:40", "left": "17:20", "reason": "Phone died"})
    assert bad.status_code == 302
    page = fac.get(bad.headers["Location"]).get_data(as_text=True)
    assert "the duration cannot be negative" in page
    assert count() == before
    assert post(fac, url, {"arrived": "17:00", "left": "18:00", "mode": "phone",
                           "reason": "Phone died, stayed on a call"}).status_code == 302
    assert "1.00 h, Phone" in fac.get(f"/hours/sessions/{ids['s1']}").get_data(as_text=True)
    # another facilitator's session: not theirs
    assert post(clients["other"], url, {"absent": "y", "reason": "x"}).status_code == 404


def _pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_a_letter_as_pdf_verified_in_public_and_superseded_after_a_correction(app, site):
    clients, ids = site
    person_id = _link_dana(clients, ids)
    fac = clients["facilitator"]
    assert post(fac, f"/hours/people/{person_id}/meetings",
                {"day": "2025-04-10", "start": "09:00", "minutes": "50", "mode": "video"}).status_code == 302
    bad = post(fac, f"/hours/people/{person_id}/meetings",
               {"day": "2025-04-10", "start": "09:30", "minutes": "-20", "mode": "video"})
    assert "cannot be negative" in fac.get(bad.headers["Location"]).get_data(as_text=True)
    assert post(fac, f"/hours/people/{person_id}/letters", {"from": "2025-01-01", "to": "2025-12-31"}).status_code == 302
    letter_id, code = read(app, lambda db: db.execute(select(HoursLetter.id, HoursLetter.code)).one())
    body = fac.get(f"/hours/letters/{letter_id}.pdf")
    assert body.status_code == 200 and body.mimetype == "application/pdf"
    text = " ".join(_pdf_text(body.data).split())
    # the person's language is English by default; every entry and every total
    for expected in ("Dana", "Ana Ruiz Peña", "LMFT, IMH-E® Mentor", "Mar 4, 2025", "Apr 1, 2025", "Apr 10, 2025",
                     "1.50", "0.75", "0.83", "Group RS/C", "Individual RS/C", "Video",
                     "Group RS/C: 2.25 hours (2 sessions)", "Individual RS/C: 0.83 hours (1 meetings)",
                     "Total RS/C: 3.08 hours", letters.display_code(code), "/verify/"):
        assert expected in text, expected
    assert "Teachers" not in text and "1.00" not in text  # the other provider's entry is not on it
    public = app.test_client()
    page = public.get(f"/verify/{letters.display_code(code)}")
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    assert "This letter was issued" in shown and "3.08 h" in shown and "Dana" in shown
    assert "Martes" not in shown and "Ana Ruiz" not in shown and "IMH-E" not in shown  # nothing else
    assert public.get("/verify/AAAAA-AAAAA").status_code == 404
    assert public.get("/verify/nonsense").status_code == 404
    post(fac, f"/hours/sessions/{ids['s1']}/people/{person_id}/correct",
         {"arrived": "17:00", "left": "17:45", "reason": "Left for a home visit"})
    assert "has since been superseded" in public.get(f"/verify/{code}").get_data(as_text=True)


def test_the_letter_is_in_the_practitioners_language(app, site):
    clients, ids = site
    person_id = _link_dana(clients, ids)
    admin = clients["admin"]
    assert post(admin, f"/hours/people/{person_id}", {"name": "Dana López Núñez", "locale": "es",
                                                      "year_start_month": "1"}).status_code == 302
    fac = clients["facilitator"]
    post(fac, f"/hours/people/{person_id}/letters", {"from": "2025-01-01", "to": "2025-12-31"})
    letter_id, code = read(app, lambda db: db.execute(select(HoursLetter.id, HoursLetter.code)).one())
    text = " ".join(_pdf_text(fac.get(f"/hours/letters/{letter_id}.pdf").data).split())
    for expected in ("Horas de supervisión/consulta reflexiva", "Dana López Núñez", "RS/C en grupo: 2,25 horas",
                     "RS/C en total: 2,25 horas", "Certificación", "Código de verificación", "1,50", "0,75"):
        assert expected in text, expected


def test_the_personal_link_shows_one_record_in_its_language_until_revoked(app, site):
    clients, ids = site
    person_id = _link_dana(clients, ids)
    fac = clients["facilitator"]
    post(fac, f"/hours/people/{person_id}", {"name": "Dana", "locale": "es", "year_start_month": "7"})
    post(fac, f"/hours/people/{person_id}/link", {})
    page = fac.get(f"/hours/people/{person_id}").get_data(as_text=True)
    url = re.search(r'id="new-link"[^>]*value="([^"]+)"', page).group(1)
    assert "new-link" not in fac.get(f"/hours/people/{person_id}").get_data(as_text=True)  # shown once
    path = url.split("localhost", 1)[1]
    visitor = app.test_client()
    own = visitor.get(path)
    assert own.status_code == 200
    html = own.get_data(as_text=True)
    assert 'lang="es"' in html and "Mis horas de supervisión reflexiva" in html
    assert "Eli" not in html and "Ana Ruiz Peña" in html
    post(fac, f"/hours/people/{person_id}/link/revoke", {})
    assert visitor.get(path).status_code == 404
    assert visitor.get("/my/" + secrets.token_urlsafe(32)).status_code == 404


def test_merging_over_http_and_into_oneself_is_refused(app, site):
    clients, ids = site
    person_id = _link_dana(clients, ids)
    admin = clients["admin"]
    post(admin, f"/hours/roster/{ids['m3']}/link", {"person": "new"})
    eli = read(app, lambda db: db.scalar(select(Person.id).where(Person.display_name == "Eli")))
    refused = post(admin, f"/hours/people/{person_id}/merge", {"source": str(person_id)})
    assert "cannot be merged into themselves" in admin.get(refused.headers["Location"]).get_data(as_text=True)
    assert read(app, lambda db: db.get(Person, person_id)) is not None
    assert post(admin, f"/hours/people/{person_id}/merge", {"source": str(eli)}).status_code == 302
    assert read(app, lambda db: db.get(Person, eli)) is None


def test_a_posted_person_that_cannot_be_an_id_is_not_found_and_changes_nothing(app, site):
    clients, ids = site
    person_id = _link_dana(clients, ids)
    admin = clients["admin"]
    people = lambda: read(app, lambda db: sorted(db.scalars(select(Person.id))))  # noqa: E731
    links = lambda: read(app, lambda db: sorted(db.execute(select(RosterLink.roster_member_id,  # noqa: E731
                                                                  RosterLink.person_id)).all()))
    before = (people(), links())
    for value in ("9" * 30, "²", "-1", " 1"):
        merged = post(admin, f"/hours/people/{person_id}/merge", {"source": value})
        assert merged.status_code == 302, value
        assert "not found" in admin.get(merged.headers["Location"]).get_data(as_text=True).lower(), value
        linked = post(admin, f"/hours/roster/{ids['m3']}/link", {"person": value})
        assert linked.status_code == 302, value
        assert (people(), links()) == before, value


def test_the_join_screen_says_a_typed_name_counts_in_no_ones_record(app, site):
    from reflect.prompts import get_builtin
    from reflect.rooms import lifecycle

    clients, ids = site
    with app.app_context():
        db = get_session()
        s = lifecycle.create_session(db, db.get(User, ids["facilitator"]), db.get(Group, ids["g1"]),
                                     get_builtin("multiple-perspectives"))
        db.commit()
        code = s.join_code
    phone = app.test_client()
    phone.post("/join", data={"code": code, "csrf_token": csrf(phone, "/join")})
    page = phone.get("/join/welcome").get_data(as_text=True)
    assert "this session counts in no one's hours record" in html.unescape(page)


def test_an_individual_session_run_live_is_credited_as_individual_rsc(app, site):
    clients, ids = site
    person_id = _link_dana(clients, ids)
    fac = clients["facilitator"]
    started = post(fac, f"/hours/people/{person_id}/live", {"group": str(ids["g1"]), "mode": "video"})
    assert started.status_code == 302 and "/facilitate/sessions/" in started.headers["Location"]
    session_id = int(started.headers["Location"].rsplit("/", 1)[1])

    def hold(db):
        s = db.get(GroupSession, session_id)
        assert s.locked and s.facilitator_id == ids["facilitator"]
        s.started_at, s.ended_at, s.phase = datetime(2025, 5, 2, 16, 0), datetime(2025, 5, 2, 16, 50), "ended"
        _phone(db, s, db.get(RosterMember, ids["m1"]))
        _phone(db, s, db.get(RosterMember, ids["m3"]))  # someone else who got in: not an individual entry of theirs
        db.commit()

    read(app, hold)
    rows = list(csv.DictReader(io.StringIO(clients["admin"].get(
        f"/hours/people/{person_id}/entries.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["date"], r["hours"], r["type"], r["mode"]) for r in rows if r["date"] == "2025-05-02"] == [
        ("2025-05-02", "0.83", "individual", "video")]
    assert read(app, lambda db: db.scalar(select(func.count()).select_from(Participant)
                                          .where(Participant.session_id == session_id))) == 2
    program = clients["admin"].get("/hours/entries.csv").get_data(as_text=True)
    assert program.count("2025-05-02") == 1  # once, as individual RS/C, never also as group RS/C


def test_a_letter_opens_to_print_or_downloads(app, site):
    clients, ids = site
    person_id = _link_dana(clients, ids)
    fac = clients["facilitator"]
    post(fac, f"/hours/people/{person_id}/letters", {"from": "2025-01-01", "to": "2025-12-31"})
    letter_id = read(app, lambda db: db.scalar(select(HoursLetter.id)))
    assert fac.get(f"/hours/letters/{letter_id}.pdf").headers["Content-Disposition"].startswith("inline;")
    assert fac.get(f"/hours/letters/{letter_id}.pdf?download=1").headers["Content-Disposition"].startswith("attachment;")


def test_the_session_summary_links_to_its_credited_hours(app, site):
    clients, ids = site
    page = clients["facilitator"].get(f"/facilitate/sessions/{ids['s1']}/summary").get_data(as_text=True)
    assert f'href="/hours/sessions/{ids["s1"]}"' in page


def test_the_personal_link_is_emailed_in_the_persons_language_when_email_is_set_up(database_url, tmp_path, caplog):
    """With SMTP settings, the facilitator can send the new link to an address typed once
    (not kept); the message, received by a real SMTP server, is in the person's language
    and carries the link also shown to copy; a bad address changes nothing."""
    import logging

    from tests.conftest import make_test_app
    from tests.mailserver import MailBox, parts

    box = MailBox().start()
    try:
        app = make_test_app(database_url, tmp_path / "instance", **box.settings())
        clients, ids = _site(app)
        person_id = _link_dana(clients, ids)
        fac = clients["facilitator"]
        post(fac, f"/hours/people/{person_id}", {"name": "Dana", "locale": "es", "year_start_month": "1"})
        refused = post(fac, f"/hours/people/{person_id}/link", {"email": "not an address"})
        assert refused.status_code == 302
        assert read(app, lambda db: db.scalar(select(func.count()).select_from(AuditEvent)
                                              .where(AuditEvent.action == "personal_link_issued"))) == 0
        with caplog.at_level(logging.INFO, logger="reflect"):
            post(fac, f"/hours/people/{person_id}/link", {"email": "dana@example.org"})
        page = fac.get(f"/hours/people/{person_id}").get_data(as_text=True)
        shown = html.unescape(re.search(r'id="new-link"[^>]*value="([^"]+)"', page).group(1))
        assert "dana@example.org" in page
        (message,) = box.wait_for("dana@example.org")
        assert message["Subject"] == "Tus horas de supervisión reflexiva"
        text, body = parts(message)
        assert shown in text and f'href="{shown}"' in body and 'lang="es"' in body
        assert shown.split("/my/", 1)[1] not in caplog.text  # the link's token is never logged
        assert "dana@example.org" not in " ".join(
            read(app, lambda db: [str(e.__dict__) for e in db.scalars(select(Person))]))
        app.extensions["reflect.store"].engine.dispose()
    finally:
        box.stop()

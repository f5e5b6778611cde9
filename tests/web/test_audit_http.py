"""The audit trail at /admin/audit: who did what and when — never what anyone wrote."""
from __future__ import annotations

import html
import re
import uuid
from datetime import datetime, timedelta

from reflect import retention
from reflect.db import get_session, utcnow
from reflect.models import Answer, CheckinAnswer, CheckinRound, Group, GroupSession, Note, User
from tests.helpers import PASSWORD, csrf, login, make_user, sign_in_as

ROW_RE = re.compile(r"<tr>\s*" + r"<td>(.*?)</td>\s*" * 5 + r"</tr>", re.S)
LINK_RE = re.compile(r'id="password-link"[^>]*value="([^"]+)"')
SECRET = "SECRET-" + uuid.uuid4().hex[:8]  # in everything people write below


def audit_rows(client) -> list[dict]:
    page = client.get("/admin/audit")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    rows = []
    for when, who, what, target, details in ROW_RE.findall(body):
        rows.append({
            "when": when.strip(), "who": html.unescape(who.strip()), "what": what.strip(),
            "target": target.strip(), "details": set(html.unescape(details).split()),
        })
    return rows, body


def find(rows, who, what, target, details=()):
    matches = [r for r in rows if (r["who"], r["what"], r["target"]) == (who, what, target)
               and set(details) <= r["details"]]
    assert matches, f"no audit row {who} {what} {target} {details} in {rows}"
    return matches


def ended_session_with_text(app, facilitator_id: int) -> int:
    with app.app_context():
        db = get_session()
        group = Group(name="Monday group", facilitator_id=facilitator_id)
        db.add(group)
        db.flush()
        session = GroupSession(group_id=group.id, facilitator_id=facilitator_id, deck_id="use-of-self",
                               phase="ended", started_at=utcnow() - timedelta(hours=2),
                               ended_at=utcnow() - timedelta(hours=1))
        db.add(session)
        db.flush()
        rnd = CheckinRound(session_id=session.id, kind="closing", status="closed", scales=["energy"])
        db.add(rnd)
        db.flush()
        db.add_all([
            Answer(id=uuid.uuid4().hex, session_id=session.id, audience="group", text=f"{SECRET} about a baby"),
            Answer(id=uuid.uuid4().hex, session_id=session.id, kind="takeaway", audience="facilitator",
                   text=f"{SECRET} takeaway"),
            Note(session_id=session.id, author_id=facilitator_id, client_id=uuid.uuid4().hex, phase="card",
                 text=f"{SECRET} note"),
            CheckinAnswer(id=uuid.uuid4().hex, round_id=rnd.id, scores={"energy": 3}, feeling="calm", free_word=f"{SECRET}"[:40]),
        ])
        db.commit()
        return session.id


def test_account_actions_and_a_purge_show_who_what_and_when_without_content(app, client):
    started = utcnow().replace(microsecond=0)
    admin_id = sign_in_as(app, client, "admin", "admin@example.org")

    # A new person: created, with a one-time password link.
    created = client.post("/admin/users", data={
        "csrf_token": csrf(client, "/admin/users"), "email": "new@example.org",
        "display_name": "New Person", "role": "facilitator"})
    assert created.status_code == 302
    first_link = LINK_RE.search(client.get("/admin/users").get_data(as_text=True)).group(1)
    with app.app_context():
        new_id = get_session().query(User).filter_by(email="new@example.org").one().id

    assert client.post(f"/admin/users/{new_id}/role", data={
        "csrf_token": csrf(client, "/admin/users"), "role": "supervisor"}).status_code == 302
    reset = client.post(f"/admin/users/{new_id}/reset", data={"csrf_token": csrf(client, "/admin/users")},
                        follow_redirects=True)
    second_link = LINK_RE.search(reset.get_data(as_text=True)).group(1)
    assert client.post(f"/admin/users/{new_id}/active",
                       data={"csrf_token": csrf(client, "/admin/users"), "active": "0"}).status_code == 302

    # A facilitator signs in and erases one session's text at once.
    fac_client = app.test_client()
    fac_id = sign_in_as(app, fac_client, "facilitator", "fac@example.org")
    session_id = ended_session_with_text(app, fac_id)
    with app.app_context():
        db = get_session()
        report = retention.purge_session_text(db, db.get(GroupSession, session_id), db.get(User, fac_id))
        db.commit()
    assert (report.answers, report.notes, report.feelings) == (2, 1, 1)

    rows, body = audit_rows(client)
    find(rows, "admin@example.org", "sign_in", f"user:{admin_id}")
    find(rows, "admin@example.org", "user_created", f"user:{new_id}", {"role=facilitator"})
    assert len(find(rows, "admin@example.org", "password_link_issued", f"user:{new_id}")) == 2
    find(rows, "admin@example.org", "role_changed", f"user:{new_id}", {"from=facilitator", "to=supervisor"})
    find(rows, "admin@example.org", "user_deactivated", f"user:{new_id}")
    find(rows, "fac@example.org", "sign_in", f"user:{fac_id}")
    find(rows, "fac@example.org", "purge", f"session:{session_id}",
         {"answers=2", "notes=1", "feelings=1", "reason=requested"})

    for row in rows:  # when: a UTC time stamp from this test's run
        at = datetime.strptime(row["when"], "%Y-%m-%d %H:%M:%S")
        assert started - timedelta(seconds=1) <= at <= utcnow() + timedelta(seconds=1)
    # Newest first.
    assert [r["what"] for r in rows[:2]] == ["purge", "sign_in"]

    # Never content: nothing anyone wrote, no one-time link, no password.
    assert SECRET not in body
    for link in (first_link, second_link):
        assert link.rsplit("/", 1)[-1].split("=")[-1] not in body
    assert PASSWORD not in body


def test_a_scheduled_purge_is_listed_with_no_person_as_its_author(app, client):
    sign_in_as(app, client, "admin", "admin@example.org")
    fac_id = make_user(app, "facilitator", "fac@example.org")
    session_id = ended_session_with_text(app, fac_id)
    with app.app_context():
        db = get_session()
        retention.purge_expired(db, utcnow() + timedelta(days=400), 365)
        db.commit()
    rows, body = audit_rows(client)
    find(rows, "—", "purge", f"session:{session_id}", {"answers=2", "notes=1", "feelings=1", "reason=retention"})
    assert SECRET not in body


def test_only_admins_may_open_the_audit_trail(app):
    for role in ("facilitator", "supervisor"):
        other = app.test_client()
        sign_in_as(app, other, role)
        assert other.get("/admin/audit").status_code == 403

    nobody = app.test_client()
    response = nobody.get("/admin/audit")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/admin/audit"

    make_user(app, "admin", "admin@example.org")
    admin = app.test_client()
    assert login(admin, "admin@example.org").status_code == 302
    assert admin.get("/admin/audit").status_code == 200

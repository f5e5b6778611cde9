"""The review area over HTTP: the permission matrix, the threshold in every page, export
and JSON path (with the differencing attack), note privacy, CSV content, audit, the
supervisor assignments, the chart library's confinement and ``reflect seed-demo``."""
from __future__ import annotations

import csv
import io
import json
import secrets
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from reflect.db import get_session, utcnow
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
)
from tests.helpers import csrf, sign_in_as

ROLES = ["admin", "owner", "other_facilitator", "assigned_supervisor", "unassigned_supervisor", "nobody"]
CSV_KINDS = ["themes", "checkins", "attendance", "attendance-years", "attendance-log"]


def _month_start(months_ago: int) -> datetime:
    now = utcnow()
    index = now.year * 12 + now.month - 1 - months_ago
    return datetime(index // 12, index % 12 + 1, 5, 17, 0)


def _session(db, group_id: int, facilitator_id: int, started: datetime, minutes: int = 90) -> GroupSession:
    s = GroupSession(group_id=group_id, facilitator_id=facilitator_id, deck_id="use-of-self", phase="ended",
                     min_group_size=3, started_at=started, ended_at=started + timedelta(minutes=minutes))
    db.add(s)
    db.flush()
    return s


def _round(db, session_id: int, kind: str, answers: list[tuple[int, str | None]]) -> None:
    r = CheckinRound(session_id=session_id, kind=kind, status="closed", scales=["energy", "supported", "weight"])
    db.add(r)
    db.flush()
    for value, feeling in answers:
        db.add(CheckinAnswer(id=secrets.token_hex(16), round_id=r.id, passed=False,
                             scores={"energy": value, "supported": value, "weight": value}, feeling=feeling))


def _takeaways(db, session_id: int, texts: list[str]) -> None:
    for text in texts:
        db.add(Answer(id=secrets.token_hex(16), session_id=session_id, kind="takeaway", audience="group", text=text))


def _tag(db, slug: str) -> int:
    return db.scalar(select(ThemeTag.id).where(ThemeTag.owner_id.is_(None), ThemeTag.slug == slug))


@pytest.fixture
def world(app):
    """Two groups; clients signed in for every role of the matrix; data in group G."""
    clients = {}
    ids = {}
    for role, account in [("admin", "admin"), ("owner", "facilitator"), ("other_facilitator", "facilitator"),
                          ("assigned_supervisor", "supervisor"), ("unassigned_supervisor", "supervisor")]:
        clients[role] = app.test_client()
        ids[role] = sign_in_as(app, clients[role], account, f"{role}@example.org")
    clients["nobody"] = app.test_client()
    with app.app_context():
        db = get_session()
        g = Group(name="Eastside home visitors", facilitator_id=ids["owner"])
        h = Group(name="Westside classroom team", facilitator_id=ids["other_facilitator"])
        db.add_all([g, h])
        db.flush()
        db.add(SupervisorAssignment(group_id=g.id, user_id=ids["assigned_supervisor"]))
        ana = RosterMember(group_id=g.id, display_name="=Ana Formula")
        bea = RosterMember(group_id=g.id, display_name="Beatriz Núñez")
        db.add_all([ana, bea])
        db.flush()
        s1 = _session(db, g.id, ids["owner"], _month_start(2), minutes=90)
        s2 = _session(db, g.id, ids["owner"], _month_start(1), minutes=75)
        _round(db, s1.id, "opening", [(2, "tired"), (3, "tired"), (4, "calm")])
        _round(db, s1.id, "closing", [(4, "light"), (4, "hopeful"), (5, "calm")])
        _round(db, s2.id, "opening", [(3, None), (3, None), (3, None), (4, None)])
        _takeaways(db, s1.id, ["Slow down first", "Ask what the teacher sees", "Walk at lunch"])
        card = SessionCard(session_id=s1.id, position=0, deck_card_id="us-then", languages=["en", "es"],
                           text={"en": "What did you feel then?", "es": "¿Qué sentiste?"}, perspective="practitioner",
                           themes=["professional-use-of-self"], shown_at=s1.started_at)
        db.add(card)
        db.flush()
        private = Note(session_id=s1.id, author_id=ids["owner"], client_id="n1", phase="reflect",
                       text="PRIVATE-NOTE-TEXT about the presenter", shared_with_supervisor=False)
        shared = Note(session_id=s1.id, author_id=ids["owner"], client_id="n2", phase="reflect",
                      session_card_id=card.id, text="SHARED-NOTE-TEXT parallel process", shared_with_supervisor=True)
        db.add_all([private, shared])
        db.flush()
        db.add_all([NoteTag(note_id=private.id, tag_id=_tag(db, "secondary-traumatic-stress")),
                    NoteTag(note_id=shared.id, tag_id=_tag(db, "parallel-process"))])
        for s, m in [(s1, ana), (s2, ana), (s1, bea)]:
            db.add(Participant(session_id=s.id, token_hash=secrets.token_hex(32), display_name=m.display_name,
                               roster_member_id=m.id, status="admitted"))
        db.commit()
        ids.update(g=g.id, h=h.id, s1=s1.id, s2=s2.id)
    return clients, ids


def _group_urls(gid: int) -> list[str]:
    return ([f"/review/groups/{gid}", f"/review/groups/{gid}/report", f"/api/review/groups/{gid}"]
            + [f"/review/groups/{gid}/export/{kind}.csv" for kind in CSV_KINDS])


def _overview_urls() -> list[str]:
    return ["/review/", "/api/review/overview"] + [f"/review/export/{kind}.csv" for kind in CSV_KINDS]


# --- the permission matrix ---------------------------------------------------------------------


def test_the_permission_matrix_for_every_review_page_export_and_endpoint(world):
    clients, ids = world
    group_allowed = {"admin", "owner", "assigned_supervisor"}
    for role in ROLES:
        client = clients[role]
        for url in _group_urls(ids["g"]):
            status = client.get(url).status_code
            if role == "nobody":
                assert status == (401 if url.startswith("/api/") else 302), (role, url, status)
            elif role in group_allowed:
                assert status == 200, (role, url, status)
            else:
                assert status == 404, (role, url, status)  # same as a group that does not exist
        for url in _group_urls(10**6):
            assert client.get(url).status_code in ((401, 302) if role == "nobody" else (404,)), (role, url)
        for url in _overview_urls():
            status = client.get(url).status_code
            assert status == ((401 if url.startswith("/api/") else 302) if role == "nobody" else 200), (role, url)
        status = client.get("/review/assignments").status_code
        assert status == {"admin": 200, "nobody": 302}.get(role, 403), (role, status)
        if role != "admin":  # changing assignments: admin only, even with a valid form token
            token = csrf(client, "/login" if role == "nobody" else "/account")
            add = client.post(f"/review/assignments/{ids['g']}/add",
                              data={"csrf_token": token, f"g{ids['g']}-user_id": ids["unassigned_supervisor"]})
            remove = client.post(f"/review/assignments/{ids['g']}/remove/{ids['assigned_supervisor']}",
                                 data={"csrf_token": token})
            expected = 302 if role == "nobody" else 403
            assert (add.status_code, remove.status_code) == (expected, expected), role
    assert clients["unassigned_supervisor"].get(f"/review/groups/{ids['g']}").status_code == 404
    assert clients["assigned_supervisor"].get(f"/review/groups/{ids['g']}").status_code == 200


def test_the_overview_shows_each_person_only_their_groups(world):
    clients, ids = world
    expected = {"admin": {"Eastside home visitors", "Westside classroom team"},
                "owner": {"Eastside home visitors"}, "other_facilitator": {"Westside classroom team"},
                "assigned_supervisor": {"Eastside home visitors"}, "unassigned_supervisor": set()}
    for role, names in expected.items():
        body = clients[role].get("/api/review/overview").get_json()
        assert {g["name"] for g in body["groups"]} == names, role
        page = clients[role].get("/review/").get_data(as_text=True)
        for name in {"Eastside home visitors", "Westside classroom team"} - names:
            assert name not in page, role
        exported = clients[role].get("/review/export/attendance-log.csv").get_data(as_text=True)
        if "Eastside home visitors" not in names:
            assert "Ana Formula" not in exported and "Núñez" not in exported, role
    nothing = clients["unassigned_supervisor"].get("/api/review/overview").get_json()
    assert nothing["sessions"]["held"] == 0 and nothing["checkins"] == [] and nothing["themes"]["totals"] == []


def test_admin_assigns_and_removes_a_supervisor_with_audit(app, world):
    clients, ids = world
    admin, sup = clients["admin"], clients["unassigned_supervisor"]
    page = admin.get("/review/assignments").get_data(as_text=True)
    assert "Eastside home visitors" in page and "assigned_supervisor@example.org" in page
    assert sup.get(f"/review/groups/{ids['g']}").status_code == 404
    token = csrf(admin, "/review/assignments")
    assert admin.post(f"/review/groups/{ids['g']}/assign").status_code in (404, 405)
    assert admin.post(f"/review/assignments/{ids['g']}/add", data={f"g{ids['g']}-user_id": ids["unassigned_supervisor"]}).status_code == 400
    response = admin.post(f"/review/assignments/{ids['g']}/add",
                          data={"csrf_token": token, f"g{ids['g']}-user_id": ids["unassigned_supervisor"]})
    assert response.status_code == 302
    assert sup.get(f"/review/groups/{ids['g']}").status_code == 200
    # a facilitator cannot be assigned; a supervisor cannot assign
    bad = admin.post(f"/review/assignments/{ids['g']}/add", data={"csrf_token": token, f"g{ids['g']}-user_id": ids["owner"]},
                     follow_redirects=True)
    assert "Choose a supervisor" in bad.get_data(as_text=True)
    sup_token = csrf(sup, "/account")
    assert sup.post(f"/review/assignments/{ids['g']}/add",
                    data={"csrf_token": sup_token, f"g{ids['g']}-user_id": ids["unassigned_supervisor"]}).status_code == 403
    response = admin.post(f"/review/assignments/{ids['g']}/remove/{ids['unassigned_supervisor']}", data={"csrf_token": token})
    assert response.status_code == 302
    assert sup.get(f"/review/groups/{ids['g']}").status_code == 404
    assert admin.post(f"/review/assignments/{10**6}/remove/{ids['unassigned_supervisor']}",
                      data={"csrf_token": token}).status_code == 404
    with app.app_context():
        events = get_session().execute(
            select(AuditEvent.action, AuditEvent.target, AuditEvent.detail, AuditEvent.actor_id)
            .where(AuditEvent.action.like("supervisor_%")).order_by(AuditEvent.id)).all()
    assert [(a, t, d["user_id"], actor) for a, t, d, actor in events] == [
        ("supervisor_assigned", f"group:{ids['g']}", ids["unassigned_supervisor"], ids["admin"]),
        ("supervisor_unassigned", f"group:{ids['g']}", ids["unassigned_supervisor"], ids["admin"])]


# --- the threshold in every path ---------------------------------------------------------------


def _answer_derived(client, gid: int) -> dict:
    """Everything an attacker could compare: JSON figures, CSV check-ins, page text."""
    body = client.get(f"/api/review/groups/{gid}").get_json()
    quarter = client.get(f"/api/review/groups/{gid}?by=quarter").get_json()
    whole = client.get(f"/api/review/groups/{gid}?by=period").get_json()
    overview = client.get("/api/review/overview?by=period").get_json()
    rows = list(csv.DictReader(io.StringIO(client.get(f"/review/groups/{gid}/export/checkins.csv").get_data(as_text=True).lstrip("\ufeff"))))
    return {
        "checkins": [[(r["bucket"], r["opening"], r["closing"], r["change"]) for r in s["rows"]] + [s["total"]]
                     for s in body["checkins"] + quarter["checkins"] + whole["checkins"]],
        "overview": overview["checkins"] + [overview["feelings"]],
        "feelings": body["feelings"],
        "takeaways": sorted(t["text"] for t in body["takeaways"]),
        "csv_ok": [r for r in rows if r["status"] == "ok"],
    }


def _ok_only(view: dict) -> str:
    """The figures that are shown (cells marked too few / none carry no number)."""
    return json.dumps(view, sort_keys=True).replace('"status": "none"', '"status": "too_few"')


def test_differencing_by_one_small_session_reveals_nothing_in_any_path(app, world):
    clients, ids = world
    sup = clients["assigned_supervisor"]
    before = _answer_derived(sup, ids["g"])
    with app.app_context():
        db = get_session()
        same_month = _session(db, ids["g"], ids["owner"], _month_start(2) + timedelta(days=7))
        _round(db, same_month.id, "opening", [(1, "SECRET-WORD")])
        _round(db, same_month.id, "closing", [(5, "SECRET-WORD"), (5, "OTHER-SECRET")])
        _takeaways(db, same_month.id, ["SECRET-TAKEAWAY"])
        own_month = _session(db, ids["g"], ids["owner"], _month_start(3))  # a month of its own
        _round(db, own_month.id, "opening", [(1, "SECRET-WORD"), (5, "OTHER-SECRET")])
        _takeaways(db, own_month.id, ["SECRET-TAKEAWAY", "SECOND-SECRET"])
        db.commit()
    after = _answer_derived(sup, ids["g"])
    assert after["feelings"] == before["feelings"] and after["takeaways"] == before["takeaways"]
    assert after["csv_ok"] == before["csv_ok"]
    assert _ok_only(after["checkins"]) == _ok_only(before["checkins"])
    assert _ok_only(after["overview"]) == _ok_only(before["overview"])
    for url in _group_urls(ids["g"]) + _overview_urls():
        text = sup.get(url).get_data(as_text=True)
        for secret in ("SECRET-WORD", "OTHER-SECRET", "SECRET-TAKEAWAY", "SECOND-SECRET"):
            assert secret not in text, (url, secret)


def test_small_check_ins_show_too_few_in_page_csv_and_json(app, world):
    clients, ids = world
    with app.app_context():
        db = get_session()
        lonely = _session(db, ids["g"], ids["owner"], _month_start(4))
        _round(db, lonely.id, "opening", [(1, None), (5, None)])
        db.commit()
    sup = clients["assigned_supervisor"]
    month = f"{_month_start(4):%Y-%m}"
    body = sup.get(f"/api/review/groups/{ids['g']}").get_json()
    energy = next(s for s in body["checkins"] if s["scale"] == "energy")
    cell = next(r for r in energy["rows"] if r["bucket"] == month)["opening"]
    assert cell == {"status": "too_few"}
    rows = list(csv.DictReader(io.StringIO(sup.get(f"/review/groups/{ids['g']}/export/checkins.csv").get_data(as_text=True).lstrip("\ufeff"))))
    lonely_rows = [r for r in rows if r["period"] == month and r["kind"] == "opening"]
    assert lonely_rows and all(r["status"] == "too_few" and r["mean"] == "" and r["answers"] == "" for r in lonely_rows)
    page = sup.get(f"/review/groups/{ids['g']}").get_data(as_text=True)
    assert "too few answers to show" in page
    ok = next(r for r in energy["rows"] if r["bucket"] == f"{_month_start(2):%Y-%m}")
    assert ok["opening"] == {"status": "ok", "n": 3, "rounds": 1, "mean": 3.0}
    assert ok["change"] == {"status": "ok", "n": 6, "sessions": 1, "mean": 1.33}


# --- note privacy -------------------------------------------------------------------------------


def test_private_notes_never_reach_a_supervisor_in_any_page_export_or_json(world):
    clients, ids = world
    for role in ("assigned_supervisor", "admin"):
        for url in _group_urls(ids["g"]) + _overview_urls():
            text = clients[role].get(url).get_data(as_text=True)
            assert "PRIVATE-NOTE-TEXT" not in text, (role, url)
            assert "secondary-traumatic-stress" not in text and "Secondary traumatic stress" not in text, (role, url)
        page = clients[role].get(f"/review/groups/{ids['g']}").get_data(as_text=True)
        assert "SHARED-NOTE-TEXT parallel process" in page and "What did you feel then?" in page
        body = clients[role].get(f"/api/review/groups/{ids['g']}").get_json()
        assert [n["text"] for n in body["shared_notes"]] == ["SHARED-NOTE-TEXT parallel process"]
        assert body["shared_notes"][0]["tags"] == [{"slug": "parallel-process", "label": "Parallel process"}]
        assert body["shared_notes"][0]["card"]["perspective"] == "practitioner"
    # The facilitator's own counts include the tags of their private notes (never the text).
    owner = clients["owner"].get(f"/api/review/groups/{ids['g']}").get_json()
    assert "secondary-traumatic-stress" in {t["slug"] for t in owner["themes"]["totals"]}
    assert "PRIVATE-NOTE-TEXT" not in json.dumps(owner)


# --- CSV content and audit ----------------------------------------------------------------------


def _csv(client, url: str) -> tuple[list[dict], object]:
    response = client.get(url)
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")))), response


def test_csv_exports_hold_the_figures_and_are_audited(app, world):
    clients, ids = world
    sup, g = clients["assigned_supervisor"], ids["g"]
    members, response = _csv(sup, f"/review/groups/{g}/export/attendance.csv")
    assert response.mimetype == "text/csv" and "attachment;" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert [(m["person"], m["sessions_attended"], m["hours"]) for m in members] == [
        ("'=Ana Formula", "2", "2.75"), ("Beatriz Núñez", "1", "1.50")]  # a formula is never run
    log, _ = _csv(sup, f"/review/groups/{g}/export/attendance-log.csv")
    assert [(r["person"], r["hours"]) for r in log] == [("'=Ana Formula", "1.50"), ("'=Ana Formula", "1.25"),
                                                        ("Beatriz Núñez", "1.50")]
    assert list(log[0]) == ["group_id", "group", "person", "date", "start_utc", "end_utc", "hours", "start_local",
                            "end_local", "timezone"]
    assert log[0]["timezone"] == "UTC" and log[0]["start_local"] == log[0]["start_utc"]
    themes, _ = _csv(sup, f"/review/groups/{g}/export/themes.csv")
    whole = {r["theme"]: (r["from_cards"], r["from_notes"], r["total"]) for r in themes if r["period"] == "all"}
    assert whole == {"professional-use-of-self": ("1", "0", "1"), "parallel-process": ("0", "1", "1")}
    checkins, _ = _csv(sup, f"/review/groups/{g}/export/checkins.csv")
    whole = [r for r in checkins if r["period"] == "all" and r["scale"] == "energy"]
    assert [(r["kind"], r["status"], r["answers"], r["mean"]) for r in whole] == [
        ("opening", "ok", "7", "3.14"), ("closing", "ok", "3", "4.33"), ("change", "ok", "6", "1.33")]
    assert sup.get(f"/review/groups/{g}/export/secrets.csv").status_code == 404
    sup.get(f"/api/review/groups/{g}")
    sup.get(f"/review/groups/{g}/report")
    sup.get("/review/export/themes.csv")
    with app.app_context():
        events = get_session().execute(
            select(AuditEvent.target, AuditEvent.detail).where(AuditEvent.action == "export",
                                                              AuditEvent.actor_id == ids["assigned_supervisor"])
            .order_by(AuditEvent.id)).all()
    formats = [(t, d["format"], d.get("kind")) for t, d in events]
    assert formats == [(f"group:{g}", "csv", "attendance"), (f"group:{g}", "csv", "attendance-log"),
                       (f"group:{g}", "csv", "themes"), (f"group:{g}", "csv", "checkins"),
                       (f"group:{g}", "json", None), (f"group:{g}", "print", None),
                       ("review:overview", "csv", "themes")]
    assert all("Ana" not in json.dumps(d) for _t, d in events)  # no content in the audit trail


def test_the_period_is_validated(world):
    clients, ids = world
    sup, g = clients["assigned_supervisor"], ids["g"]
    assert sup.get(f"/review/groups/{g}?from=2025-05-01&to=2025-01-01").status_code == 400
    assert "after the end date" in sup.get(f"/review/groups/{g}?from=2025-05-01&to=2025-01-01").get_data(as_text=True)
    assert sup.get(f"/review/groups/{g}?from=yesterday").status_code == 400
    bad = sup.get(f"/api/review/groups/{g}?from=2025-13-01")
    assert bad.status_code == 400 and "fields" in bad.get_json()
    assert sup.get(f"/api/review/groups/{g}?by=week").status_code == 400
    ok = sup.get(f"/api/review/groups/{g}?from=2020-01-01&to=2020-03-31&by=quarter").get_json()
    assert ok["period"] == {"from": "2020-01-01", "to": "2020-03-31", "by": "quarter", "timezone": "UTC"}
    assert ok["sessions"]["held"] == 0 and [b["bucket"] for b in ok["buckets"]] == ["2020-Q1"]


def test_the_print_report_and_the_chart_library_only_on_review_pages(world):
    clients, ids = world
    sup = clients["assigned_supervisor"]
    page = sup.get(f"/review/groups/{ids['g']}").get_data(as_text=True)
    assert "vendor/chartjs-4.6.1/chart.umd.min.js" in page and "js/review-charts.js" in page
    assert page.count("<canvas") >= 3 and page.count("<caption>") >= 3 and 'role="img"' in page
    assert "<script>" not in page and " style=" not in page and "onclick" not in page
    report = sup.get(f"/review/groups/{ids['g']}/report").get_data(as_text=True)
    assert "data-print" in report and "css/review.css" in report
    for path in ("/login", "/join", "/account"):
        assert "chartjs" not in sup.get(path).get_data(as_text=True), path
    assert "chartjs" not in clients["nobody"].get("/join").get_data(as_text=True)
    assert clients["nobody"].get("/static/vendor/chartjs-4.6.1/LICENSE.md").status_code == 200


def test_seed_demo_command(app):
    from reflect.demo import seed_demo_command

    runner = app.test_cli_runner()
    result = runner.invoke(seed_demo_command, ["--groups", "2", "--sessions-per-group", "3", "--participants", "4",
                                               "--password", "a demo password"])
    assert result.exit_code == 0, result.output
    assert "supervisor@demo.example.org" in result.output and "a demo password" in result.output
    again = runner.invoke(seed_demo_command, ["--groups", "1"])
    assert again.exit_code != 0 and "--force" in again.output
    short = runner.invoke(seed_demo_command, ["--force", "--password", "short"])
    assert short.exit_code != 0
    with app.app_context():
        db = get_session()
        assert db.scalar(select(GroupSession.id).where(GroupSession.ended_at.is_(None))) is None
        assert len(db.scalars(select(Group)).all()) == 2

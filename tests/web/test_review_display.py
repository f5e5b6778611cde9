"""How the review pages show what they show: the phase names the console uses, numbers in
the reader's language, and a message for every field of the period form."""
from __future__ import annotations

import re

from reflect.db import get_session
from reflect.models import Note
from reflect.templating import PHASE_LABELS
from tests.web.test_review_http import world  # noqa: F401  (the shared fixture)

SPANISH = {"Accept-Language": "es"}


def test_the_review_names_phases_as_the_console_and_summary_do(app, world):  # noqa: F811
    clients, ids = world
    with app.app_context():
        db = get_session()
        for phase in ("connect", "grow", "ended"):
            db.add(Note(session_id=ids["s1"], author_id=ids["owner"], client_id=f"phase-{phase}", phase=phase,
                        text=f"Note written in {phase}", shared_with_supervisor=True))
        db.commit()
    sup = clients["assigned_supervisor"]
    with app.test_request_context():
        wanted = {phase: str(label) for phase, label in PHASE_LABELS.items()}
    body = sup.get(f"/api/review/groups/{ids['g']}").get_json()
    labels = {n["phase"]: n["phase_label"] for n in body["shared_notes"]}
    assert labels == {p: wanted[p] for p in ("connect", "grow", "ended", "reflect")}
    assert labels["connect"] == "Check-in" and labels["grow"] == "Closing" and labels["ended"] == "Ended"
    page = sup.get(f"/review/groups/{ids['g']}").get_data(as_text=True)
    for old in ("<span>Connect</span>", "<span>Grow</span>", "After the session"):
        assert old not in page
    assert "<span>Closing</span>" in page and "<span>Check-in</span>" in page
    spanish = sup.get(f"/api/review/groups/{ids['g']}", headers=SPANISH).get_json()
    with app.test_request_context(headers=SPANISH):
        from flask_babel import refresh

        refresh()
        wanted_es = {phase: str(label) for phase, label in PHASE_LABELS.items()}
    assert {n["phase"]: n["phase_label"] for n in spanish["shared_notes"]} == {
        p: wanted_es[p] for p in ("connect", "grow", "ended", "reflect")}


def test_numbers_on_the_review_pages_follow_the_readers_language(world):  # noqa: F811
    clients, ids = world
    sup = clients["assigned_supervisor"]
    # Two sessions, three attendances: 1.5 people per session; the energy change is +1.33.
    overview = sup.get("/review/?by=period", headers=SPANISH).get_data(as_text=True)
    assert "<td>1,5</td>" in overview and "<td>1.5</td>" not in overview
    page = sup.get(f"/review/groups/{ids['g']}?by=period", headers=SPANISH).get_data(as_text=True)
    figures = re.findall(r'<span class="figure">([^<]*)</span>', page)
    assert "+1,33" in figures and "+1.33" not in figures
    english = sup.get(f"/review/groups/{ids['g']}?by=period").get_data(as_text=True)
    assert "+1.33" in re.findall(r'<span class="figure">([^<]*)</span>', english)
    assert "<td>1.5</td>" in sup.get("/review/?by=period").get_data(as_text=True)


def test_a_bad_by_value_says_what_to_choose(world):  # noqa: F811
    clients, ids = world
    sup = clients["assigned_supervisor"]
    for url in (f"/review/groups/{ids['g']}?by=week", "/review/?by=week"):
        response = sup.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "Choose by month, by quarter or the whole period." in page
        error_id = re.search(r'<p class="error" id="([^"]+)">Choose by month', page).group(1)
        assert re.search(rf'<select[^>]*aria-describedby="{error_id}"', page)
        assert re.search(r'<select[^>]*aria-invalid="true"', page)
        spanish = sup.get(url, headers=SPANISH).get_data(as_text=True)
        assert "Choose by month" not in spanish and 'class="error"' in spanish

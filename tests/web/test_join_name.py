"""The join page's name choice: a name typed in the box is meant even when "Without a
name" (pre-selected) was left chosen; a refused join keeps what was typed and chosen;
with a roster, the page says that choosing one's roster name records attendance."""
from sqlalchemy import select

from reflect.db import get_session
from reflect.models import Participant
from tests.helpers import csrf, csrf_from
from tests.socket.conftest import live  # noqa: F401  (the fixture: a session with a roster)


def _welcome(live):  # noqa: F811
    client = live.app.test_client()
    response = client.post("/join", data={"code": live.code, "csrf_token": csrf(client, "/join")})
    assert response.status_code == 302
    return client, client.get("/join/welcome").get_data(as_text=True)


def _last_participant(live):  # noqa: F811
    with live.app.app_context():
        return get_session().scalars(select(Participant).order_by(Participant.id.desc())).first()


def test_a_typed_name_is_used_even_with_without_a_name_chosen(live):  # noqa: F811
    client, page = _welcome(live)
    response = client.post("/join/welcome", data={"csrf_token": csrf_from(page), "agree": "yes", "who": "none",
                                                  "display_name": "  Sofía "})
    assert response.status_code == 302
    assert _last_participant(live).display_name == "Sofía"


def test_without_a_name_and_an_empty_box_joins_without_a_name(live):  # noqa: F811
    client, page = _welcome(live)
    response = client.post("/join/welcome", data={"csrf_token": csrf_from(page), "agree": "yes", "who": "none",
                                                  "display_name": "   "})
    assert response.status_code == 302
    assert _last_participant(live).display_name is None


def test_a_refused_join_keeps_the_typed_name_and_the_choice(live):  # noqa: F811
    client, page = _welcome(live)
    response = client.post("/join/welcome", data={"csrf_token": csrf_from(page), "who": "typed",
                                                  "display_name": "Sofía <b>"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'value="Sofía &lt;b&gt;"' in html
    assert 'id="who-typed" value="typed" checked' in html
    assert 'id="who-none" value="none" checked' not in html


def test_a_refused_join_keeps_the_roster_choice(live):  # noqa: F811
    client, page = _welcome(live)
    with live.app.app_context():
        from reflect.models import RosterMember
        ana = get_session().scalar(select(RosterMember).where(RosterMember.display_name == "Ana"))
    response = client.post("/join/welcome", data={"csrf_token": csrf_from(page), "who": f"roster:{ana.id}"})
    assert response.status_code == 400
    assert f'value="roster:{ana.id}" checked' in response.get_data(as_text=True)


def test_the_roster_hint_says_a_roster_name_records_attendance(live):  # noqa: F811
    _client, page = _welcome(live)
    assert "records your attendance" in page
    assert "Check-ins are always anonymous" in page

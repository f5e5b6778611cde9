"""Two-step sign-in through HTTP: enrolment with a confirmation code, the second step,
codes used once, recovery codes, the admin's reset, and REFLECT_REQUIRE_2FA."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from reflect.db import get_session
from reflect.models import AuditEvent, RecoveryCode, User
from tests.conftest import make_test_app
from tests.helpers import PASSWORD, csrf, csrf_from, login, make_user, sign_in_as

SECRET_RE = re.compile(r'<code class="secret">([A-Z2-7 ]+)</code>')
CODES_RE = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


def code_at(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def enrol(client) -> tuple[str, list[str]]:
    page = client.get("/account/two-step").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    assert "<svg" in page and "QR code for your authenticator app" in page
    response = client.post("/account/two-step", data={"csrf_token": csrf_from(page), "code": code_at(secret)})
    assert response.status_code == 200
    codes = CODES_RE.findall(response.get_data(as_text=True))
    return secret, codes


def user_row(app, email):
    with app.app_context():
        return get_session().scalar(select(User).where(User.email == email))


def actions(app) -> list[tuple[str, str, dict]]:
    with app.app_context():
        return [(e.action, e.target, e.detail) for e in get_session().scalars(select(AuditEvent).order_by(AuditEvent.id))]


def second_step(client, code):
    page = client.get("/login/code").get_data(as_text=True)
    return client.post("/login/code", data={"csrf_token": csrf_from(page), "code": code})


def test_enrolment_needs_a_right_code_and_shows_ten_recovery_codes_once(app, client):
    sign_in_as(app, client, "facilitator", "f@example.org")
    page = client.get("/account/two-step").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    wrong = client.post("/account/two-step", data={"csrf_token": csrf_from(page), "code": "000000"})
    assert wrong.status_code == 400 and "That code is wrong" in wrong.get_data(as_text=True)
    assert user_row(app, "f@example.org").totp_secret is None  # changed nothing
    # the same secret is offered again (kept until confirmed), so the app's entry still works
    assert SECRET_RE.search(wrong.get_data(as_text=True)).group(1).replace(" ", "") == secret

    response = client.post("/account/two-step", data={"csrf_token": csrf_from(page), "code": code_at(secret)})
    codes = CODES_RE.findall(response.get_data(as_text=True))
    assert len(codes) == 10 == len(set(codes))
    user = user_row(app, "f@example.org")
    assert user.totp_secret == secret
    with app.app_context():
        stored = get_session().scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not any(code.replace("-", "") in h or code in h for h in stored for code in codes)
    assert "Two-step sign-in is on" in client.get("/account/two-step").get_data(as_text=True)
    assert not CODES_RE.search(client.get("/account/two-step").get_data(as_text=True))  # shown once


def test_sign_in_asks_for_a_code_that_works_once(app):
    first = app.test_client()
    sign_in_as(app, first, "facilitator", "f@example.org")
    secret, _codes = enrol(first)

    client = app.test_client()
    response = login(client, "f@example.org")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code")
    assert client.get("/account").status_code == 302  # not signed in by the password alone

    wrong = second_step(client, "123456" if code_at(secret, 1) != "123456" else "654321")
    assert wrong.status_code == 400 and "wrong or was already used" in wrong.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    code = code_at(secret, 1)  # the next step's code: the enrolment used this one
    assert second_step(client, code).status_code == 302
    assert client.get("/account").status_code == 200

    again = app.test_client()
    login(again, "f@example.org")
    reused = second_step(again, code)
    assert reused.status_code == 400 and "already used" in reused.get_data(as_text=True)
    assert again.get("/account").status_code == 302
    failures = [detail["reason"] for action, _t, detail in actions(app) if action == "second_factor_failed"]
    assert failures == ["wrong", "reused"]
    assert code not in repr(actions(app))


def test_a_recovery_code_signs_in_once(app):
    first = app.test_client()
    sign_in_as(app, first, "facilitator", "f@example.org")
    _secret, codes = enrol(first)
    client = app.test_client()
    login(client, "f@example.org")
    response = second_step(client, codes[3].upper().replace("-", " "))
    assert response.status_code == 302
    assert "9 are left" in client.get("/account").get_data(as_text=True)
    other = app.test_client()
    login(other, "f@example.org")
    assert second_step(other, codes[3]).status_code == 400
    assert other.get("/account").status_code == 302


def test_the_second_step_is_rate_limited_per_account(app):
    first = app.test_client()
    sign_in_as(app, first, "facilitator", "f@example.org")
    enrol(first)
    client = app.test_client()
    login(client, "f@example.org")
    statuses = [second_step(client, "000000").status_code for _ in range(8)]
    assert statuses[0] == 400 and 429 in statuses


def test_the_admin_resets_a_lost_second_factor_and_it_is_audited(app):
    person = app.test_client()
    user_id = sign_in_as(app, person, "facilitator", "f@example.org")
    enrol(person)
    admin = app.test_client()
    sign_in_as(app, admin, "admin", "admin@example.org")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert f"/admin/users/{user_id}/two-step/reset" in page
    response = admin.post(f"/admin/users/{user_id}/two-step/reset", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert user_row(app, "f@example.org").totp_secret is None
    with app.app_context():
        assert get_session().scalars(select(RecoveryCode)).all() == []
    assert ("second_factor_reset", f"user:{user_id}", {}) in actions(app)
    assert login(app.test_client(), "f@example.org").headers["Location"].endswith("/facilitate")


def test_turning_it_off_needs_a_current_code(app, client):
    sign_in_as(app, client, "facilitator", "f@example.org")
    secret, _ = enrol(client)
    token = csrf(client, "/account/two-step")
    assert client.post("/account/two-step/off", data={"csrf_token": token, "code": "000000"}).status_code == 302
    assert user_row(app, "f@example.org").totp_secret == secret
    client.post("/account/two-step/off", data={"csrf_token": token, "code": code_at(secret, 1)})
    assert user_row(app, "f@example.org").totp_secret is None


@pytest.fixture
def strict_app(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path / "instance", REFLECT_REQUIRE_2FA="admins")
    from reflect.extensions import limiter

    limiter.reset()
    yield app
    app.extensions["reflect.store"].engine.dispose()


def test_required_for_admins_means_setting_it_up_at_the_next_sign_in(strict_app):
    make_user(strict_app, "admin", "admin@example.org")
    make_user(strict_app, "facilitator", "f@example.org")
    assert login(strict_app.test_client(), "f@example.org").headers["Location"].endswith("/facilitate")

    client = strict_app.test_client()
    response = login(client, "admin@example.org")
    assert response.headers["Location"].endswith("/login/enrol")
    refused = client.get("/admin/users")  # not signed in until it is set up
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    page = client.get("/login/enrol").get_data(as_text=True)
    assert "requires two-step sign-in" in page
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    wrong = client.post("/login/enrol", data={"csrf_token": csrf_from(page), "code": "000000"})
    assert wrong.status_code == 400 and user_row(strict_app, "admin@example.org").totp_secret is None
    done = client.post("/login/enrol", data={"csrf_token": csrf_from(page), "code": code_at(secret)})
    assert done.status_code == 200 and len(CODES_RE.findall(done.get_data(as_text=True))) == 10
    assert client.get("/admin/users").status_code == 200
    # and it cannot be turned off while required
    assert "Turn off two-step sign-in" not in client.get("/account/two-step").get_data(as_text=True)
    token = csrf(client, "/account/two-step")
    client.post("/account/two-step/off", data={"csrf_token": token, "code": code_at(secret, 1)})
    assert user_row(strict_app, "admin@example.org").totp_secret == secret
    assert login(strict_app.test_client(), "admin@example.org", PASSWORD).headers["Location"].endswith("/login/code")

"""Email: invitations, password resets and the forgotten-password page, received and
parsed by a real SMTP server on 127.0.0.1 (aiosmtpd)."""
from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from reflect.db import get_session
from reflect.models import AuditEvent
from tests.conftest import make_test_app
from tests.helpers import PASSWORD, csrf, login, make_user, sign_in_as
from tests.mailserver import MailBox, parts

LINK = re.compile(r"http://localhost/password/[A-Za-z0-9_-]{20,}")


@pytest.fixture
def mailbox():
    box = MailBox().start()
    yield box
    box.stop()


@pytest.fixture
def mail_app(database_url, tmp_path, mailbox):
    app = make_test_app(database_url, tmp_path / "instance", **mailbox.settings())
    from reflect.extensions import limiter

    limiter.reset()
    yield app
    app.extensions["reflect.store"].engine.dispose()


def _add_person(client, email, lang="es", name="Lucía"):
    token = csrf(client, "/admin/users")
    return client.post("/admin/users", data={"csrf_token": token, "email": email, "display_name": name,
                                             "role": "facilitator", "lang": lang})


def test_a_new_account_gets_its_invitation_by_email_in_its_language_as_text_and_html(mail_app, mailbox, caplog):
    admin = mail_app.test_client()
    sign_in_as(mail_app, admin, "admin")
    with caplog.at_level(logging.INFO, logger="reflect"):
        response = _add_person(admin, "lucia@example.org")
    assert response.status_code == 302
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "was emailed to lucia@example.org" in page
    shown = LINK.search(page).group(0)  # the link can still be copied

    (message,) = mailbox.wait_for("lucia@example.org")
    assert message["From"] == "reflect@example.org"
    assert message["Subject"] == "Tu cuenta de reflect"
    text, html = parts(message)
    assert "Hola Lucía" in text and "Elige tu contraseña" in text
    assert LINK.search(text).group(0) == shown
    assert f'href="{shown}"' in html and 'lang="es"' in html
    # no tracking: no images, no remote content, nothing but the one link
    assert "<img" not in html and "src=" not in html
    assert set(re.findall(r'href="([^"]+)"', html)) == {shown}
    # and the link works
    fresh = mail_app.test_client()
    assert fresh.get(shown.replace("http://localhost", "")).status_code == 200
    assert shown.rsplit("/", 1)[1] not in caplog.text


def test_a_failed_send_is_reported_to_the_admin_and_logged_without_the_link(mail_app, mailbox, caplog):
    admin = mail_app.test_client()
    sign_in_as(mail_app, admin, "admin")
    mailbox.refuse = True
    with caplog.at_level(logging.INFO, logger="reflect"):
        _add_person(admin, "ana@example.org", lang="en", name="Ana")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "could not be sent" in page
    link = LINK.search(page).group(0)  # nothing is lost: the link is there to copy
    logged = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("reflect"))
    assert "could not be sent" in logged and "SMTPDataError 554" in logged
    assert link.rsplit("/", 1)[1] not in logged and "ana@example.org" not in logged


def test_an_admins_reset_is_emailed(mail_app, mailbox):
    admin = mail_app.test_client()
    sign_in_as(mail_app, admin, "admin")
    user_id = make_user(mail_app, "facilitator", "f@example.org", name="Fe")
    token = csrf(admin, "/admin/users")
    admin.post(f"/admin/users/{user_id}/reset", data={"csrf_token": token})
    (message,) = mailbox.wait_for("f@example.org")
    assert message["Subject"] == "Choose a new reflect password"
    assert "Hello Fe," in parts(message)[0]


def _forgot(client, email):
    token = csrf(client, "/password/forgot")
    return client.post("/password/forgot", data={"csrf_token": token, "email": email})


def test_forgot_password_sends_a_link_and_never_says_whether_the_address_exists(mail_app, mailbox, caplog):
    make_user(mail_app, "facilitator", "f@example.org")
    client = mail_app.test_client()
    assert "Forgot your password?" in client.get("/login").get_data(as_text=True)
    with caplog.at_level(logging.INFO, logger="reflect"):
        known = _forgot(client, "F@example.org ")
        unknown = _forgot(mail_app.test_client(), "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(known) == strip(unknown)

    (message,) = mailbox.wait_for("f@example.org")
    link = LINK.search(parts(message)[0]).group(0).replace("http://localhost", "")
    fresh = mail_app.test_client()
    form = fresh.get(link).get_data(as_text=True)
    response = fresh.post(link, data={"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
                                      .group(1), "password": "a brand new secret", "confirm": "a brand new secret"})
    assert response.status_code == 302
    assert login(mail_app.test_client(), "f@example.org", "a brand new secret").status_code == 302
    assert login(mail_app.test_client(), "f@example.org", PASSWORD).status_code == 200  # the old one no more
    # used once: the same link now explains itself and changes nothing
    again = fresh.get(link)
    assert again.status_code == 404 and "expired or was already used" in again.get_data(as_text=True)
    assert mailbox.to("nobody@example.org") == []
    assert link.rsplit("/", 1)[1] not in caplog.text
    with mail_app.app_context():
        events = get_session().scalars(select(AuditEvent)).all()
        assert link.rsplit("/", 1)[1] not in repr([(e.action, e.target, e.detail) for e in events])


def test_an_expired_reset_link_is_refused_and_changes_nothing(mail_app, mailbox):
    from datetime import timedelta

    from reflect.models import PasswordToken, User

    make_user(mail_app, "facilitator", "f@example.org")
    _forgot(mail_app.test_client(), "f@example.org")
    (message,) = mailbox.wait_for("f@example.org")
    link = LINK.search(parts(message)[0]).group(0).replace("http://localhost", "")
    with mail_app.app_context():
        db = get_session()
        for token in db.scalars(select(PasswordToken)):
            token.expires_at -= timedelta(days=4)
        before = db.scalar(select(User.password_hash))
        db.commit()
    client = mail_app.test_client()
    assert client.get(link).status_code == 404
    response = client.post(link, data={"csrf_token": csrf(client, "/login"), "password": "x" * 12,
                                       "confirm": "x" * 12})
    assert response.status_code == 404 and "expired or was already used" in response.get_data(as_text=True)
    with mail_app.app_context():
        assert get_session().scalar(select(User.password_hash)) == before


def test_forgot_password_is_rate_limited_per_address(mail_app, mailbox):
    client = mail_app.test_client()
    statuses = [_forgot(client, "someone@example.org").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and 429 in statuses


def test_without_smtp_settings_links_are_shown_to_copy_and_nothing_is_sent(app, client, mailbox):
    sign_in_as(app, client, "admin")
    _add_person(client, "lucia@example.org")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Send this one-time link" in page and re.search(r"/password/[A-Za-z0-9_-]{20,}", page)
    assert "Forgot your password?" not in app.test_client().get("/login").get_data(as_text=True)
    assert "does not send email" in app.test_client().get("/password/forgot").get_data(as_text=True)
    assert mailbox.messages == []


def test_starttls_and_a_login_are_used_when_the_server_asks_for_them(database_url, tmp_path, monkeypatch):
    box = MailBox(tls_folder=tmp_path).start()
    monkeypatch.setenv("SSL_CERT_FILE", str(box.cert_path))  # trust the test server's certificate
    try:
        app = make_test_app(database_url, tmp_path / "instance", **box.settings())
        admin = app.test_client()
        sign_in_as(app, admin, "admin")
        _add_person(admin, "ana@example.org", lang="en", name="Ana")
        assert "was emailed to ana@example.org" in admin.get("/admin/users").get_data(as_text=True)
        (message,) = box.wait_for("ana@example.org")
        assert message["Subject"] == "Your reflect account"
        assert box.logins  # logged in, which this server allows only after STARTTLS
        app.extensions["reflect.store"].engine.dispose()
    finally:
        box.stop()


def test_a_server_whose_certificate_is_not_trusted_gets_nothing(database_url, tmp_path, caplog):
    box = MailBox(tls_folder=tmp_path).start()
    try:
        app = make_test_app(database_url, tmp_path / "instance", **box.settings())
        admin = app.test_client()
        sign_in_as(app, admin, "admin")
        with caplog.at_level(logging.INFO, logger="reflect"):
            _add_person(admin, "ana@example.org", lang="en", name="Ana")
        assert "could not be sent" in admin.get("/admin/users").get_data(as_text=True)
        assert box.messages == [] and box.logins == []
        assert "SSLCertVerificationError" in caplog.text
        app.extensions["reflect.store"].engine.dispose()
    finally:
        box.stop()

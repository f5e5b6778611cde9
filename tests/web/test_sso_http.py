"""Single sign-on against a real OpenID provider (npm oidc-provider) on 127.0.0.1: signing
in, accounts matched by verified email or made with the default role, password sign-in
off for SSO accounts, and each refusal with a clear message that changes nothing: a wrong
audience, an expired token, a replayed state, an unverified email, a misconfigured
identity provider."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from reflect.db import get_session
from reflect.models import AuditEvent, LoginSession, User
from tests.conftest import make_test_app
from tests.helpers import csrf, login, make_user
from tests.oidc.provider import OpenIdProvider

CALLBACK = "http://localhost/login/sso/callback"


@pytest.fixture(scope="module")
def provider():
    idp = OpenIdProvider([CALLBACK])
    yield idp
    idp.stop()


@pytest.fixture
def sso_app(database_url, tmp_path, provider):
    provider.tamper("none")
    app = make_test_app(database_url, tmp_path / "instance", REFLECT_PUBLIC_URL="http://localhost",
                        **provider.settings())
    from reflect.extensions import limiter

    limiter.reset()
    yield app
    app.extensions["reflect.store"].engine.dispose()


def at_provider(client, account: str, next_url: str = "") -> str:
    """Start single sign-on in ``client``, sign in at the provider as ``account``, and
    return the callback's path and query the provider sends the browser back with."""
    start = client.get("/login/sso" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start.get_data(as_text=True)[:300]
    browser = requests.Session()
    url = start.headers["Location"]
    for _ in range(10):
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.status_code in (302, 303):
            url = urljoin(url, response.headers["Location"])
            if url.startswith(CALLBACK):
                parts = urlsplit(url)
                return f"{parts.path}?{parts.query}"
            continue
        form = re.search(r'<form[^>]*action="([^"]+)"', response.text)
        assert form and 'name="login"' in response.text, response.text[:500]
        posted = browser.post(urljoin(url, form.group(1)), data={"prompt": "login", "login": account,
                                                                   "password": "anything"},
                              allow_redirects=False, timeout=10)
        assert posted.status_code in (302, 303), posted.text[:500]
        url = urljoin(url, posted.headers["Location"])
    raise AssertionError("the provider never sent the browser back")


def counts(app):
    with app.app_context():
        db = get_session()
        return (db.scalar(select(func.count()).select_from(User)),
                db.scalar(select(func.count()).select_from(LoginSession)))


def test_an_existing_account_signs_in_with_single_sign_on_matched_by_verified_email(sso_app):
    user_id = make_user(sso_app, "facilitator", "ana@example.org")
    client = sso_app.test_client()
    assert "Sign in with Test IdP" in client.get("/login").get_data(as_text=True)
    callback = at_provider(client, "ana", next_url="/account")
    response = client.get(callback)
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200
    with sso_app.app_context():
        db = get_session()
        user = db.get(User, user_id)
        assert user.oidc_subject == "ana" and user.oidc_issuer.startswith("http://127.0.0.1:")
        assert db.scalar(select(LoginSession.method)) == "sso"
        assert "sso_linked" in {e.action for e in db.scalars(select(AuditEvent))}
    assert "with single sign-on" in client.get("/account/sign-ins").get_data(as_text=True)


def test_the_same_state_cannot_be_used_twice(sso_app):
    make_user(sso_app, "facilitator", "ana@example.org")
    client = sso_app.test_client()
    callback = at_provider(client, "ana")
    assert client.get(callback).status_code == 302
    client.post("/logout", data={"csrf_token": csrf(client, "/account")})
    before = counts(sso_app)
    replay = client.get(callback)
    assert replay.status_code == 400
    assert "already used or has expired" in replay.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    assert counts(sso_app) == before
    # a state from another browser is no better
    stranger = sso_app.test_client()
    assert stranger.get(at_provider(client, "ana")).status_code == 400


@pytest.mark.parametrize("mode", ["audience", "expired"])
def test_a_token_for_someone_else_or_expired_is_refused(sso_app, provider, mode):
    make_user(sso_app, "facilitator", "ana@example.org")
    client = sso_app.test_client()
    callback = at_provider(client, "ana")
    provider.tamper(mode)
    before = counts(sso_app)
    response = client.get(callback)
    assert response.status_code == 400
    assert "could not be trusted" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    assert counts(sso_app) == before
    with sso_app.app_context():
        assert get_session().scalar(select(User.oidc_subject)) is None


def test_an_unverified_email_is_refused(sso_app):
    make_user(sso_app, "facilitator", "unverified-ana@example.org")
    client = sso_app.test_client()
    response = client.get(at_provider(client, "unverified-ana"))
    assert response.status_code == 400
    assert "has not verified your email address" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    with sso_app.app_context():
        assert get_session().scalar(select(User.oidc_subject)) is None


def test_no_account_is_made_unless_the_admin_allows_it(sso_app):
    client = sso_app.test_client()
    response = client.get(at_provider(client, "newcomer"))
    assert response.status_code == 400 and "no account for this email" in response.get_data(as_text=True)
    assert counts(sso_app) == (0, 0)


def test_an_account_is_made_with_the_default_role_when_allowed(database_url, tmp_path, provider):
    provider.tamper("none")
    app = make_test_app(database_url, tmp_path / "instance", REFLECT_PUBLIC_URL="http://localhost",
                        REFLECT_OIDC_CREATE_ROLE="supervisor", **provider.settings())
    client = app.test_client()
    assert client.get(at_provider(client, "newcomer")).status_code == 302
    with app.app_context():
        user = get_session().scalar(select(User))
        assert (user.email, user.role, user.password_hash) == ("newcomer@example.org", "supervisor", None)
    assert client.get("/account").status_code == 200
    app.extensions["reflect.store"].engine.dispose()


def test_password_sign_in_can_be_turned_off_for_sso_accounts(database_url, tmp_path, provider):
    provider.tamper("none")
    app = make_test_app(database_url, tmp_path / "instance", REFLECT_PUBLIC_URL="http://localhost",
                        REFLECT_OIDC_PASSWORD_LOGIN=False, **provider.settings())
    make_user(app, "facilitator", "ana@example.org")
    make_user(app, "facilitator", "bea@example.org")
    assert login(app.test_client(), "ana@example.org").status_code == 302  # not linked yet
    client = app.test_client()
    assert client.get(at_provider(client, "ana")).status_code == 302
    refused = login(app.test_client(), "ana@example.org")
    assert refused.status_code == 200 and "signs in with single sign-on" in refused.get_data(as_text=True)
    assert login(app.test_client(), "bea@example.org").status_code == 302  # no SSO yet: password as before
    app.extensions["reflect.store"].engine.dispose()


def test_a_misconfigured_identity_provider_gets_a_clear_error(database_url, tmp_path, provider):
    from tests.servers import free_port

    app = make_test_app(database_url, tmp_path / "instance", REFLECT_PUBLIC_URL="http://localhost",
                        **{**provider.settings(),
                           "REFLECT_OIDC_DISCOVERY_URL": f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"})
    response = app.test_client().get("/login/sso")
    assert response.status_code == 502 and "not working right now" in response.get_data(as_text=True)
    # a wrong client secret: the provider refuses the code exchange
    wrong = make_test_app(database_url, tmp_path / "instance2", REFLECT_PUBLIC_URL="http://localhost",
                          **{**provider.settings(), "REFLECT_OIDC_CLIENT_SECRET": "not-the-secret"})
    make_user(wrong, "facilitator", "ana@example.org")
    client = wrong.test_client()
    response = client.get(at_provider(client, "ana"))
    assert response.status_code == 502 and "not set up correctly" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    for each in (app, wrong):
        each.extensions["reflect.store"].engine.dispose()

"""First run, sign in and out, roles, throttling, language and headers — through HTTP."""
import logging
import re

from tests.helpers import PASSWORD, csrf, csrf_from, login, make_user, sign_in_as


def test_fresh_install_leads_to_the_first_run_page_with_a_token_in_the_log(client, caplog):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/setup")
    with caplog.at_level(logging.WARNING, logger="reflect.auth"):
        page = client.get("/setup")
    assert page.status_code == 200
    assert "server has just written to its log" in page.get_data(as_text=True)
    token = re.search(r"setup\?token=(\S+)", caplog.text).group(1)

    form = client.get(f"/setup?token={token}").get_data(as_text=True)
    response = client.post(
        "/setup",
        data={"csrf_token": csrf_from(form), "token": token, "email": "admin@example.org",
              "display_name": "Ada", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/setup").status_code == 404  # closed once an account exists
    assert login(client, "admin@example.org").headers["Location"].endswith("/admin/users")


def test_the_first_run_form_refuses_a_wrong_token(client):
    client.get("/setup")  # issues a token we do not know
    form = client.get("/setup?token=guess").get_data(as_text=True)
    response = client.post(
        "/setup",
        data={"csrf_token": csrf_from(form), "token": "guess", "email": "admin@example.org",
              "display_name": "Eve", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert "setup token is wrong" in response.get_data(as_text=True)
    assert client.get("/setup").status_code == 200  # still no account


def test_forms_without_a_csrf_token_are_refused(app, client):
    make_user(app, "admin", "admin@example.org")
    response = client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "_user_id" not in (client.get_cookie("reflect_session").value if client.get_cookie("reflect_session") else "")


def test_sign_in_renews_the_session_and_sign_out_really_ends_it(app, client):
    make_user(app, "facilitator", "f@example.org")
    client.get("/login")
    before = client.get_cookie("reflect_session").value
    assert login(client, "f@example.org").status_code == 302
    after = client.get_cookie("reflect_session").value
    assert after != before
    assert client.get("/account").status_code == 200

    stolen = after  # a copy of the cookie, as someone else might hold it
    client.post("/logout", data={"csrf_token": csrf(client, "/account")})
    assert client.get("/account").status_code == 302
    other = app.test_client()
    other.set_cookie("reflect_session", stolen)
    assert other.get("/account").status_code == 302  # the login session itself is over


def test_wrong_passwords_are_throttled(app, client):
    make_user(app, "facilitator", "f@example.org")
    statuses = [login(client, "f@example.org", "wrong password!").status_code for _ in range(8)]
    assert statuses[0] == 200 and 429 in statuses


def test_each_role_is_refused_the_pages_of_another(app):
    for role, allowed, refused in [
        ("facilitator", "/account", "/admin/users"),
        ("supervisor", "/account", "/admin/audit"),
    ]:
        client = app.test_client()
        sign_in_as(app, client, role)
        assert client.get(allowed).status_code == 200
        assert client.get(refused).status_code == 403


def test_nobody_signed_in_is_sent_to_sign_in(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_admin_adds_a_person_who_sets_a_password_with_a_one_time_link(app, client):
    sign_in_as(app, client, "admin")
    response = client.post(
        "/admin/users",
        data={"csrf_token": csrf(client, "/admin/users"), "email": "new@example.org",
              "display_name": "Nuevo", "role": "supervisor"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users")  # PRG
    page = client.get("/admin/users").get_data(as_text=True)
    link = re.search(r'id="password-link"[^>]*value="http://localhost(/password/[^"]+)"', page).group(1)
    newcomer = app.test_client()
    form = newcomer.get(link).get_data(as_text=True)
    response = newcomer.post(link, data={"csrf_token": csrf_from(form), "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    assert newcomer.get(link).status_code == 404  # used up
    assert login(newcomer, "new@example.org").status_code == 302


def test_admin_changes_a_role_and_deactivates_an_account(app, client):
    sign_in_as(app, client, "admin")
    uid = make_user(app, "facilitator", "f@example.org")
    person = app.test_client()
    login(person, "f@example.org")
    assert person.get("/account").status_code == 200

    client.post(f"/admin/users/{uid}/role", data={"csrf_token": csrf(client, "/admin/users"), "role": "supervisor"})
    client.post(f"/admin/users/{uid}/active", data={"csrf_token": csrf(client, "/admin/users"), "active": "0"})
    assert person.get("/account").status_code == 302  # signed out by deactivation
    assert login(person, "f@example.org").status_code == 200  # and cannot sign in again
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "role_changed" in audit and "user_deactivated" in audit


def test_language_follows_the_browser_then_a_switch_that_sticks(client):
    page = client.get("/login", headers={"Accept-Language": "es-MX,es;q=0.9"}).get_data(as_text=True)
    assert '<html lang="es">' in page and "Iniciar sesión" in page
    client.post("/lang", data={"csrf_token": csrf(client), "lang": "en", "next": "/login"})
    page = client.get("/login", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign in" in page


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "wss://localhost"):
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_stylesheets_and_scripts_carry_only_the_headers_that_act_on_them(client):
    """A document's policies (CSP, framing, features) do nothing on a stylesheet or a
    script, and a phone on a weak network downloads them with every file; nosniff and the
    referrer policy stay. A page keeps them all."""
    import re

    page = client.get("/join").get_data(as_text=True)
    for asset in re.findall(r'(/static/[^"]+\.(?:css|js)\?v=\w+)', page):
        headers = client.get(asset).headers
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer"
        assert "Content-Security-Policy" not in headers and "X-Frame-Options" not in headers, asset
    assert "Content-Security-Policy" in client.get("/join").headers

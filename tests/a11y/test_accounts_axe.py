"""The account screens in Chromium, as people go through them, with axe-core on each:
two-step sign-in required for admins (set-up with the QR code, recovery codes, the second
step), an invitation received by a real SMTP server and opened, open sign-ins and ending
one, the forgotten-password pages, and single sign-on through a real OpenID provider.

With ``REFLECT_SCREENSHOTS=<folder>`` each screen is also saved there at 1366×768 and
360×640, to be looked at."""
from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from playwright.sync_api import expect

from tests.a11y import flows
from tests.a11y.test_axe import Audit
from tests.mailserver import MailBox, parts
from tests.oidc.provider import OpenIdProvider
from tests.servers import free_port, prepared_server

SHOTS = os.environ.get("REFLECT_SCREENSHOTS")


class Screens(Audit):
    def __call__(self, page, state: str) -> None:
        super().__call__(page, state)
        if SHOTS:
            folder = Path(SHOTS)
            folder.mkdir(parents=True, exist_ok=True)
            size = page.viewport_size
            name = re.sub(r"\W+", "-", state).strip("-")
            for width, height in ((1366, 768), (360, 640)):
                page.set_viewport_size({"width": width, "height": height})
                page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
            page.set_viewport_size(size)


@pytest.fixture
def account_server(tmp_path):
    mailbox = MailBox().start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    provider = OpenIdProvider([f"{base}/login/sso/callback"])
    server = prepared_server("eventlet", tmp_path, REFLECT_REQUIRE_2FA="admins", **{
        k: str(v) for k, v in {**mailbox.settings(), **provider.settings(), "REFLECT_PUBLIC_URL": base}.items()})
    server.port = port
    server.start()
    yield server, mailbox, provider
    server.stop()
    provider.stop()
    mailbox.stop()


def read_qr(png: bytes) -> str:
    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1, found
    return found[0].text


def secret_on(page) -> str:
    return page.locator("code.secret").inner_text().replace(" ", "")


def test_account_screens_are_accessible_and_work(account_server, new_page):
    server, mailbox, provider = account_server
    audit = Screens()
    done = server.cli("create-user", "--email", "admin@example.org", "--role", "admin", "--password-stdin",
                      input=flows.PASSWORD + "\n")
    assert done.returncode == 0, done.stderr

    # the admin signs in: two-step sign-in is required for admins, so it is set up first
    admin = new_page("laptop")
    admin.goto(server.url + "/login")
    expect(admin.get_by_role("link", name="Sign in with Test IdP")).to_be_visible()
    audit(admin, "sign in with SSO and forgot password")
    admin.get_by_label("Email").fill("admin@example.org")
    admin.get_by_label("Password").fill(flows.PASSWORD)
    admin.get_by_role("button", name="Sign in").click()
    expect(admin.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    expect(admin.locator(".totp-qr svg")).to_be_visible()
    audit(admin, "two-step set-up at sign-in with the QR code")
    secret = secret_on(admin)
    # the QR code, read back from what Chromium drew, is the app's entry for this account and key
    scanned = read_qr(admin.locator(".totp-qr svg").screenshot())
    assert scanned.startswith("otpauth://totp/reflect:admin%40example.org?")
    assert parse_qs(urlsplit(scanned).query) == {"secret": [secret], "issuer": ["reflect"]}
    admin.get_by_label("Code from the app").fill("000000")
    admin.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(admin.get_by_text("That code is wrong")).to_be_visible()
    audit(admin, "two-step set-up with a wrong code")
    admin.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    admin.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(admin.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert admin.locator(".recovery-codes li").count() == 10
    audit(admin, "recovery codes")
    admin.get_by_role("link", name="I have kept them: continue").click()
    expect(admin.get_by_role("heading", name="People")).to_be_visible()

    # an invitation in Spanish, by email
    admin.get_by_label("Name", exact=True).fill("Lucía")
    admin.get_by_label("Email").fill("lucia@example.org")
    admin.get_by_label("Their language").select_option("es")
    admin.get_by_role("button", name="Add", exact=True).click()
    expect(admin.get_by_text("The link was emailed to lucia@example.org")).to_be_visible()
    audit(admin, "people after an invitation was emailed")
    (message,) = mailbox.wait_for("lucia@example.org")
    link = re.search(r"http://127\.0\.0\.1:\d+/password/\S+", parts(message)[0]).group(0)

    lucia = new_page("phone", locale="es-ES")
    lucia.goto(link)
    lucia.get_by_label("Contraseña nueva").fill(flows.PASSWORD)
    lucia.get_by_label("Repite la contraseña").fill(flows.PASSWORD)
    lucia.get_by_role("button", name="Guardar la contraseña").click()
    lucia.get_by_label("Contraseña", exact=True).fill(flows.PASSWORD)
    lucia.get_by_role("button", name="Iniciar sesión", exact=True).click()
    expect(lucia.get_by_role("button", name="Cerrar sesión")).to_be_visible()

    # the admin again, in another browser: the second step
    other = new_page("phone")
    other.goto(server.url + "/login")
    other.get_by_label("Email").fill("admin@example.org")
    other.get_by_label("Password").fill(flows.PASSWORD)
    other.get_by_role("button", name="Sign in").click()
    expect(other.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
    audit(other, "second step")
    other.get_by_label("Code", exact=True).fill(pyotp.TOTP(secret).at(time.time() + 30))
    other.get_by_role("button", name="Continue").click()
    expect(other.get_by_role("heading", name="People")).to_be_visible()

    # open sign-ins: the laptop ends the phone's
    admin.goto(server.url + "/account")
    audit(admin, "account")
    admin.get_by_role("link", name="Where you are signed in").click()
    expect(admin.get_by_text("this browser")).to_be_visible()
    audit(admin, "open sign-ins")
    admin.get_by_role("button", name=re.compile("End this sign-in")).click()
    expect(admin.get_by_text("That sign-in has ended")).to_be_visible()
    other.goto(server.url + "/admin/users")
    expect(other.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()

    # the two-step page once it is on
    admin.goto(server.url + "/account/two-step")
    audit(admin, "two-step on")

    # a forgotten password (the same answer whatever the address)
    guest = new_page("phone")
    guest.goto(server.url + "/login")
    guest.get_by_role("link", name="Forgot your password?").click()
    audit(guest, "forgot password")
    guest.get_by_label("Email").fill("lucia@example.org")
    guest.get_by_role("button", name="Send the link").click()
    expect(guest.get_by_role("heading", name="Check your email")).to_be_visible()
    audit(guest, "forgot password sent")
    mailbox.wait_for("lucia@example.org", count=2)

    # single sign-on through the real provider: Lucía's account, matched by verified email
    sso = new_page("laptop")
    sso.goto(server.url + "/login")
    sso.get_by_role("link", name="Sign in with Test IdP").click()
    sso.locator("input[name=login]").fill("lucia@example.org")
    sso.locator("input[name=password]").fill("anything")
    sso.locator("button[type=submit]").click()
    expect(sso.get_by_role("button", name="Cerrar sesión")).to_be_visible()  # in her language
    sso.goto(server.url + "/account/sign-ins")
    expect(sso.get_by_text("con inicio de sesión único")).to_be_visible()
    audit(sso, "open sign-ins with single sign-on")

    # a refused single sign-on: an unverified email
    refused = new_page("phone")
    refused.goto(server.url + "/login/sso")
    refused.locator("input[name=login]").fill("unverified-someone")
    refused.locator("input[name=password]").fill("anything")
    refused.locator("button[type=submit]").click()
    expect(refused.get_by_text("has not verified your email address")).to_be_visible()
    audit(refused, "single sign-on refused")

    audit.assert_clean(at_least=12)
    assert "Traceback" not in server.log()

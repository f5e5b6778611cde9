"""Passkeys as a second method of the second step, in Chromium with its virtual
authenticator (DevTools' WebAuthn domain): added on the account page once the
authenticator app is set up, used to sign in, refused when the authenticator no longer
holds the key; axe-core on each screen."""
from __future__ import annotations

import re

import pyotp
from playwright.sync_api import expect

from tests.a11y import flows
from tests.a11y.test_accounts_axe import Screens


def test_a_passkey_is_added_and_used_for_the_second_step(server, new_page):
    flows.create_facilitator(server)
    base = server.url.replace("127.0.0.1", "localhost")  # a passkey's site must be a name, not an address
    audit = Screens()
    page = new_page("laptop")
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    authenticator = devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})["authenticatorId"]

    def password_step():
        page.goto(base + "/login")
        page.get_by_label("Email").fill("fac@example.org")
        page.get_by_label("Password").fill(flows.PASSWORD)
        page.get_by_role("button", name="Sign in").click()

    password_step()
    page.goto(base + "/account/two-step")
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    page.get_by_role("link", name="I have kept them: continue").click()

    page.goto(base + "/account/two-step")
    page.get_by_label("Name of the new passkey").fill("Work laptop")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("The passkey was added.")).to_be_visible()
    expect(page.get_by_text(re.compile("Work laptop · added"))).to_be_visible()
    audit(page, "two-step on with a passkey")
    assert len(devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]) == 1

    page.get_by_role("button", name="Sign out").click()
    password_step()
    expect(page.get_by_role("button", name="Use a passkey")).to_be_visible()
    audit(page, "second step with a passkey")
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.url.endswith("/facilitate")

    # the key is gone from the authenticator: refused, with a message, still not signed in
    page.get_by_role("button", name="Sign out").click()
    devtools.send("WebAuthn.clearCredentials", {"authenticatorId": authenticator})
    password_step()
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_text("The passkey could not be used")).to_be_visible()
    audit(page, "second step, passkey refused")
    page.goto(base + "/facilitate")
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    audit.assert_clean(at_least=3)
    assert "Traceback" not in server.log()

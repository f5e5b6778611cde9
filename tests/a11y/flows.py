"""Driving reflect's pages into each state that matters, the way a person would.

Shared by the accessibility, weight and real-phone tests. English labels (the tests'
browsers ask for English unless they say otherwise)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.servers import create_account

PASSWORD = "a long enough password"


def create_facilitator(server, email: str = "fac@example.org") -> str:
    create_account(server, email, "facilitator", PASSWORD)
    return email


def sign_in(server, page, email: str, password: str = PASSWORD) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def open_session(server, console, *, roster: str = "Ana\nBeto") -> str:
    """A facilitator (signed in on ``console``) creates a group and opens a session on its
    console; returns the join code."""
    console.goto(server.url + "/facilitate")
    console.get_by_label("Group name").fill("Home visitors")
    console.get_by_label("Regular members (optional)").fill(roster)
    console.get_by_role("button", name="Create group").click()
    console.get_by_role("button", name="Open the session").click()
    expect(console.locator("#join-code")).not_to_have_text("")
    expect(console.locator("#phase-name")).to_have_text("Lobby")
    return console.locator("#join-code").inner_text().replace(" ", "")


def open_display(console, display) -> None:
    display.goto(console.get_by_role("link", name="Open the projector view").get_attribute("href"))
    expect(display.locator("[data-screen=lobby]")).to_be_visible()


def join(server, page, code: str, *, name: str | None = None) -> None:
    page.goto(server.url + "/join")
    page.locator("#code").fill(code)
    page.locator("main form button[type=submit]").click()
    page.locator("#agree").check()
    if name:
        page.locator("#who-typed").check()
        page.locator("#display-name").fill(name)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/p$"))
    expect(page.locator("[data-screen=lobby]")).to_be_visible()


def phase(console, name: str) -> None:
    console.locator(f".phase-button[data-phase={name}]").click()
    expect(console.locator(f".phase-button[data-phase={name}]")).to_have_attribute("aria-current", "step")


def check_in(page, energy: int = 3, kind: str = "opening") -> None:
    page.locator(f"input[name=energy][value='{energy}']").check()
    page.locator("input[name=supported][value='3']").check()
    page.locator("#checkin-form button[type=submit]").click()
    if kind == "opening":
        expect(page.locator("#checkin-done")).to_be_visible()
    else:
        expect(page.locator("#takeaway-form")).to_be_visible()


def answer(page, text: str, *, audience: str = "group") -> None:
    page.locator("#answer-text").fill(text)
    page.locator("#aud-group" if audience == "group" else "#aud-facilitator").check()
    page.locator("#answer-form button[type=submit]").click()
    expect(page.locator("#answer-done")).to_be_visible()

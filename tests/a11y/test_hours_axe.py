"""axe-core on every hours page (reflect/hours), in English and Spanish, on a phone and a
laptop: the directory, a person's record with a new personal link and an error, a
session's attendance with a correction open, the provider's details, the verification
pages (current, superseded, unknown code) and the practitioner's own page."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.a11y import flows
from tests.a11y.test_axe import Audit


def test_hours_pages(server, new_page):
    audit = Audit()
    done = server.cli("seed-demo", "--groups", "2", "--sessions-per-group", "6", "--participants", "5",
                      "--password", flows.PASSWORD, "--seed", "7")
    assert done.returncode == 0, done.stderr
    page = new_page("laptop")
    flows.sign_in(server, page, "facilitator1@demo.example.org")
    page.goto(server.url + "/hours/")
    expect(page.get_by_role("heading", name="Reflective-supervision hours")).to_be_visible()
    audit(page, "hours: the directory")
    page.locator("tbody th a").first.click()
    expect(page.get_by_role("heading", name="Progress")).to_be_visible()
    audit(page, "hours: a person's record")
    page.get_by_label("Duration (minutes)").fill("-30")
    page.get_by_label("Start time").fill("09:00")
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_text("the duration cannot be negative")).to_be_visible()
    audit(page, "hours: a refused meeting")
    page.get_by_label("From", exact=True).fill("2020-01-01")
    page.get_by_role("button", name="Sign off and issue the letter").click()
    flash = page.locator(".flash").inner_text()
    assert re.search(r"[A-Z0-9]{5}-[A-Z0-9]{5}", flash), flash
    code = re.search(r"[A-Z0-9]{5}-[A-Z0-9]{5}", flash).group(0)
    page.get_by_role("button", name=re.compile("personal link")).first.click()
    link = page.locator("#new-link").input_value()
    page.get_by_text("Details and merging").click()
    audit(page, "hours: a person with a new letter, a new link and the details open")
    page.locator("#entries-group a").first.click()
    expect(page.get_by_role("heading", name=re.compile("^Attendance"))).to_be_visible()
    page.locator("details summary").first.click()
    audit(page, "hours: a session's attendance with a correction open")
    page.goto(server.url + "/hours/provider")
    audit(page, "hours: the provider's details")

    phone = new_page("phone")
    phone.goto(server.url + "/verify")
    audit(phone, "verify: the form")
    phone.get_by_label("Verification code").fill(code)
    phone.get_by_role("button", name="Check").click()
    expect(phone.get_by_role("heading", name="This letter was issued")).to_be_visible()
    audit(phone, "verify: a current letter")
    phone.goto(server.url + "/verify/AAAAA-AAAAA")
    audit(phone, "verify: an unknown code")
    phone.goto(link)
    expect(phone.get_by_role("heading", name="My reflective-supervision hours")).to_be_visible()
    audit(phone, "own record (phone)")
    phone.get_by_role("button", name="Español").click()
    expect(phone.get_by_role("heading", name="Mis horas de supervisión reflexiva")).to_be_visible()
    audit(phone, "own record in Spanish (phone)")

    spanish = new_page("phone")
    flows.sign_in(server, spanish, "supervisor@demo.example.org")
    spanish.goto(server.url + "/hours/")
    spanish.get_by_role("button", name="Español").click()
    expect(spanish.get_by_role("heading", name="Horas de supervisión reflexiva")).to_be_visible()
    audit(spanish, "hours: the supervisor's directory in Spanish (phone)")
    spanish.locator("tbody th a").first.click()
    audit(spanish, "hours: a person's record as the supervisor, in Spanish (phone)")
    audit.assert_clean(13)

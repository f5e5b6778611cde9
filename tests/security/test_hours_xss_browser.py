"""Script and markup typed into the hours pages (a person's name, a provider's name and
qualification, a correction's reason) stay text on every hours page that shows them,
the verification page and the practitioner's own page included, in a real browser; and
the letter's PDF carries them as text."""
from __future__ import annotations

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.security.test_xss_browser import ALL, IMG, SVG, Watched, create_user, sign_in


def test_markup_and_script_stay_text_on_the_hours_pages(server, new_page):
    create_user(server, "fac@example.org", "facilitator", SVG)
    watched = Watched(new_page("laptop"), "hours")
    page = watched.page
    sign_in(page, server, "fac@example.org")
    page.goto(server.url + "/hours/provider")
    page.locator("#name").fill(ALL)
    page.locator("#qualification").fill(IMG + " LCSW")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    watched.check("the provider's details")
    page.goto(server.url + "/hours/")
    page.locator("#name").fill(ALL)
    page.locator("main form[action$='/hours/people'] button[type=submit]").click()
    expect(page.get_by_role("heading", name="Progress")).to_be_visible()
    watched.check("a new person's page", ALL)
    page.locator("#day").fill("2025-03-04")
    page.locator("#start").fill("10:00")
    page.locator("#minutes").fill("50")
    page.get_by_role("button", name="Record", exact=True).click()
    page.get_by_label("From", exact=True).fill("2025-01-01")
    page.get_by_label("To", exact=True).fill("2025-12-31")
    page.get_by_role("button", name="Sign off and issue the letter").click()
    code = re.search(r"[A-Z0-9]{5}-[A-Z0-9]{5}", page.locator(".flash-success").inner_text()).group(0)
    watched.check("the person's page with an entry and a letter", ALL, IMG + " LCSW")
    page.get_by_role("button", name=re.compile("personal link")).first.click()
    link = page.locator("#new-link").input_value()
    page.goto(server.url + "/hours/")
    watched.check("the directory", ALL)
    pdf = page.request.get(server.url + "/hours/letters/1.pdf")
    text = " ".join(PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text().split())
    assert ALL in text and IMG in text

    public = Watched(new_page("phone"), "public")
    public.page.goto(server.url + f"/verify/{code}")
    public.check("the verification page", ALL)
    public.page.goto(link)
    public.check("the practitioner's own page", ALL, IMG + " LCSW")

"""Script and markup typed anywhere text is accepted stays text, in every page that
shows it, in a real browser (Playwright + Debian's Chromium, against a real server).

Payloads go into participant display names, roster names, check-in feeling words,
answers (named and anonymous, shared and private), takeaways, facilitator notes and
tags, the deck editor (title, description, card text), group names and session titles.
Each page that shows them (the join welcome, the phone, the console, the projector, the
summary, the deck pages, the facilitator's pages, the review pages of the facilitator
and of an assigned supervisor, the admin's pages) must show the text exactly as typed,
with ``window.__xss`` never set, no dialog opened by a payload, no Content-Security-Policy
violation (an injected inline script that CSP blocked would still be a bug) and no
script error.
"""
from __future__ import annotations

import re
import sqlite3

from playwright.sync_api import expect

from tests.servers import create_account

PASSWORD = "a long enough password"
SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'
SVG = '"><svg onload=window.__xss=1>'
TEMPLATE = "{{7*7}}"
PAYLOADS = [SCRIPT, IMG, SVG, TEMPLATE]
ALL = " ".join(PAYLOADS)  # 106 characters: fits every field of 120 or more

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline")));
"""


class Watched:
    """A page with the dialog, console-error and CSP listeners installed."""

    def __init__(self, page, name: str, expected_dialogs: tuple[str, ...] = ()):
        self.page, self.name = page, name
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.expected_dialogs = expected_dialogs
        page.add_init_script(WATCH)
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda err: self.errors.append(str(err)))
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.accept()

    def check(self, where: str, *texts: str) -> None:
        """Nothing ran, nothing was blocked, and each text is on the page as typed."""
        page = self.page
        label = f"{self.name} at {where} ({page.url})"
        for text in texts:
            expect(page.locator("body"), label).to_contain_text(text)
        assert page.evaluate("() => window.__xss") is None, f"{label}: a payload ran"
        assert page.evaluate("() => window.__csp") == [], f"{label}: CSP violations {page.evaluate('() => window.__csp')}"
        unexpected = [d for d in self.dialogs if not any(e in d for e in self.expected_dialogs)]
        assert not unexpected, f"{label}: dialogs {unexpected}"
        assert not self.errors, f"{label}: script errors {self.errors}"
        assert page.locator("img[src='x'], svg[onload], script:not([src])").count() == 0, f"{label}: injected markup"


def create_user(server, email: str, role: str, name: str) -> None:
    create_account(server, email, role, PASSWORD, name)


def sign_in(page, server, email: str) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def join(server, phone: Watched, code: str, *, name: str | None = None, roster: str | None = None) -> None:
    page = phone.page
    page.goto(server.url + "/join")
    page.locator("#code").fill(code)
    page.locator("main form button[type=submit]").click()
    phone.check("the welcome page (roster names)", *PAYLOADS)
    page.locator("#agree").check()
    if roster:
        page.get_by_label(roster, exact=True).check()
    else:
        page.locator("#who-typed").check()
        page.locator("#display-name").fill(name)
    # A long unbroken title overflows a phone's width (reported), which can put the button
    # under another element for a pointer: press it with the keyboard instead.
    page.locator("main form button[type=submit]").press("Enter")
    expect(page).to_have_url(re.compile(r"/p$"))


def send(page, form: str, text_field: str, text: str, guard_share: str, done: str) -> None:
    """Submit a text form; if the identifier guard holds it back, share anyway."""
    page.locator(text_field).fill(text)
    page.locator(f"{form} button[type=submit]").press("Enter")
    done_or_guard = page.locator(f"{done}:visible, {guard_share}:visible")
    expect(done_or_guard.first).to_be_visible()
    if page.locator(guard_share).is_visible():
        page.locator(guard_share).press("Enter")
    expect(page.locator(done)).to_be_visible()


def test_markup_and_script_stay_text_on_every_page(server, new_page):
    create_user(server, "fac@example.org", "facilitator", "Facilitator")
    create_user(server, "sup@example.org", "supervisor", SVG)
    create_user(server, "admin@example.org", "admin", IMG)

    console = Watched(new_page("laptop"), "console", expected_dialogs=("End",))
    page = console.page
    sign_in(page, server, "fac@example.org")

    # --- the deck editor ---------------------------------------------------------------------
    page.goto(server.url + "/decks/new")
    page.locator("#title_en").fill(ALL)
    page.locator("#description_en").fill(ALL)
    page.locator("#text_en").fill(ALL)
    page.locator("#followup_en").fill(SCRIPT)
    page.locator("select#perspective").select_option("parent")
    page.locator("#theme-describing").check()
    page.locator("main form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/decks/[^/]+/$"))
    deck_url = page.url
    deck_id = deck_url.rstrip("/").rsplit("/", 1)[1]
    console.check("the deck page", ALL)
    page.goto(server.url + "/decks/")
    console.check("the deck list", ALL)
    page.goto(deck_url + "edit")
    expect(page.locator("#title_en")).to_have_value(ALL)
    console.check("the deck's edit form")
    page.goto(deck_url)
    page.locator("a[href*='/cards/'][href$='/edit']").first.click()
    expect(page.locator("#text_en")).to_have_value(ALL)
    console.check("the card's edit form")

    # --- a group with a roster, a session with a title, on that deck ---------------------------
    page.goto(server.url + "/facilitate")
    page.get_by_label("Group name").fill(ALL)
    page.get_by_label("Regular members (optional)").fill("\n".join(PAYLOADS))
    page.get_by_role("button", name="Create group").click()
    console.check("the group page", ALL)
    roster = page.get_by_label("Regular members (optional)").input_value().splitlines()
    assert sorted(roster) == sorted(PAYLOADS)
    group_url = page.url
    page.locator("#title").fill(ALL)
    page.locator("select#deck").select_option(deck_id)
    page.locator("#allow_free_feeling").check()  # words of their own: the facilitator sees them
    page.get_by_role("button", name="Open the session").click()
    expect(page.locator("#join-code")).to_be_visible()
    code = page.locator("#join-code").inner_text().replace(" ", "")
    console.check("the console in the lobby", ALL)

    display = Watched(new_page("laptop"), "display")
    # a tall screen: the projector shows only the answers that fit, and every one of these
    # long payload answers must be rendered to be checked
    display.page.set_viewport_size({"width": 1920, "height": 6000})
    display.page.goto(page.get_by_role("link", name="Open the projector view").get_attribute("href"))
    expect(display.page.locator("#join-code")).to_be_visible()
    display.check("the lobby", ALL)

    # --- phones: typed names and a roster name ------------------------------------------------
    phones = [Watched(new_page("phone"), f"phone {i}") for i in range(4)]
    for phone, name in zip(phones[:3], (SCRIPT, SVG, TEMPLATE)):
        join(server, phone, code, name=name)
    join(server, phones[3], code, roster=IMG)
    expect(page.locator("#people-count")).to_contain_text("4 here")
    console.check("the people list", *PAYLOADS)
    for phone in phones:
        phone.check("the lobby", ALL)

    # --- connect: feeling words ------------------------------------------------------------------
    page.get_by_role("button", name="Check-in").click()
    for phone, feeling in zip(phones, PAYLOADS):
        phone.page.locator("input[name=energy][value='3']").check()
        phone.page.locator("#feeling").select_option("calm")
        phone.page.locator("#free-word").fill(feeling)
        phone.page.locator("#checkin-form button[type=submit]").press("Enter")
        expect(phone.page.locator("#checkin-done")).to_be_visible()
    expect(page.locator("#checkin-count")).to_contain_text("4 answered, ")
    page.get_by_role("button", name="Close and show the results").click()
    expect(display.page.locator("#checkin-result")).to_contain_text("average")
    expect(page.locator("#checkin-result")).to_contain_text(PAYLOADS[0][:20])  # the console alone shows them
    for watched in (console, display, *phones):
        watched.check("the check-in results")

    # --- reflect: the deck's card, answers named and anonymous, shared and private ---------------
    page.get_by_role("button", name="Reflect").click()
    for watched in (display, *phones):
        expect(watched.page.locator("body")).to_contain_text(ALL)
    console.check("the card", ALL)
    for i, phone in enumerate(phones):
        if i == 0:
            phone.page.locator("#named-yes").check()
        if i == 3:
            phone.page.locator("#aud-facilitator").check()
        send(phone.page, "#answer-form", "#answer-text", f"answer {i}: {ALL}", "#guard-share", "#answer-done")
    expect(page.locator("#answer-counts")).to_contain_text("4 answered")
    page.get_by_role("button", name="Reveal shared answers").click()
    expect(display.page.locator("#revealed li")).to_have_count(3)
    expect(display.page.locator("#revealed")).to_contain_text(f"— {SCRIPT}")
    display.check("the revealed answers", *(f"answer {i}: {ALL}" for i in range(3)))
    for phone in phones:
        phone.check("the revealed answers", *(f"answer {i}: {ALL}" for i in range(3)))
    console.check("the answers", *(f"answer {i}: {ALL}" for i in range(4)))

    # --- notes and tags --------------------------------------------------------------------------
    page.locator("#note-text").fill(f"note: {ALL}")
    expect(page.locator("#note-status")).to_have_text("Saved")
    for tag in PAYLOADS:
        page.locator("#new-tag").fill(tag)
        page.locator("#add-tag").click()
        expect(page.locator("#note-tags")).to_contain_text(tag)
    for tag in PAYLOADS:
        page.locator("#note-tags").get_by_label(tag, exact=True).check()
    page.locator("#note-share").check()
    expect(page.locator("#note-status")).to_have_text("Saved")
    console.check("the notes and tags", f"note: {ALL}", *PAYLOADS)

    # --- grow: takeaways ---------------------------------------------------------------------------
    page.get_by_role("button", name="Closing").click()
    for i, phone in enumerate(phones[:3]):
        if phone.page.locator("#checkin-pass").is_visible():
            phone.page.locator("#checkin-pass").press("Enter")
        send(phone.page, "#takeaway-form", "#takeaway-text", f"takeaway {i}: {ALL}", "#t-guard-share",
             "#takeaway-done")
    page.get_by_role("button", name="Reveal shared takeaways").click()
    expect(display.page.locator("#takeaways li")).to_have_count(3)
    display.check("the takeaways", *(f"takeaway {i}: {ALL}" for i in range(3)))
    for phone in phones:
        phone.check("the takeaways", *(f"takeaway {i}: {ALL}" for i in range(3)))
    console.check("the takeaways", *(f"takeaway {i}: {ALL}" for i in range(3)))

    # --- the summary ---------------------------------------------------------------------------------
    page.get_by_role("button", name="End the session").click()
    expect(page.get_by_role("heading", name=re.compile("^Summary"))).to_be_visible()
    console.check("the summary", ALL, f"note: {ALL}", f"takeaway 0: {ALL}", f"answer 0: {ALL}", *PAYLOADS)
    for phone in phones:
        phone.check("the end")
    display.check("the end")
    page.goto(group_url)
    console.check("the group page with its session", ALL)
    page.goto(server.url + "/facilitate")
    console.check("the facilitator's home", ALL)

    # --- review: the facilitator, an assigned supervisor, the admin -----------------------------------
    page.goto(server.url + "/review/")
    console.check("the review overview", ALL)
    page.get_by_role("link", name=ALL).first.click()
    console.check("the group's review", ALL, *PAYLOADS)  # their own tags are counted by label
    group_id = int(re.search(r"/review/groups/(\d+)", page.url).group(1))
    page.goto(f"{server.url}/review/groups/{group_id}/report")
    console.check("the print report", ALL)

    db = server.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(db) as conn:
        sup = conn.execute("SELECT id FROM users WHERE email = 'sup@example.org'").fetchone()[0]
        conn.execute("INSERT INTO supervisor_assignments (group_id, user_id) VALUES (?, ?)", (group_id, sup))
    supervisor = Watched(new_page("laptop"), "supervisor")
    sign_in(supervisor.page, server, "sup@example.org")
    supervisor.page.goto(server.url + "/review/")
    supervisor.check("the review overview", ALL)
    supervisor.page.goto(f"{server.url}/review/groups/{group_id}")
    supervisor.check("the group's review", ALL, *PAYLOADS)  # tags of the shared note
    supervisor.page.goto(f"{server.url}/review/groups/{group_id}/report")
    supervisor.check("the print report", ALL)

    admin = Watched(new_page("laptop"), "admin")
    sign_in(admin.page, server, "admin@example.org")
    admin.page.goto(server.url + "/admin/users")
    admin.check("the people page", SVG, IMG)
    admin.page.goto(server.url + "/review/assignments")
    admin.check("the assignments", ALL, SVG)
    admin.page.goto(server.url + "/admin/audit")
    admin.check("the audit trail")
    admin.page.goto(server.url + "/decks/")
    admin.check("every deck", ALL)

"""A whole reflective session in a real browser: a facilitator console, a projector
display and three phones (one in Spanish), from lobby to summary."""
import re

from playwright.sync_api import expect

from tests.servers import create_account

PASSWORD = "a long enough password"


def sign_in_facilitator(server, page):
    create_account(server, "fac@example.org", "facilitator", PASSWORD)
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill("fac@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def join(server, page, code, *, name=None, roster=None):
    page.goto(server.url + "/join")
    page.locator("#code").fill(code)
    page.locator("main form button[type=submit]").click()
    page.locator("#agree").check()
    if roster:
        page.get_by_label(roster, exact=True).check()
    elif name:
        page.locator("#who-typed").check()
        page.locator("#display-name").fill(name)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/p$"))


def check_in(page, energy, kind="opening"):
    page.locator(f"input[name=energy][value='{energy}']").check()
    page.locator("input[name=supported][value='3']").check()
    page.locator("#checkin-form button[type=submit]").click()
    if kind == "opening":
        expect(page.locator("#checkin-done")).to_be_visible()
    else:  # after the closing check-in the phone moves on to the takeaway
        expect(page.locator("#takeaway-form")).to_be_visible()


def answer(page, text, *, audience="group", named=False):
    page.locator("#answer-text").fill(text)
    page.locator("#aud-group" if audience == "group" else "#aud-facilitator").check()
    if named:
        page.locator("#named-yes").check()
    page.locator("#answer-form button[type=submit]").click()
    expect(page.locator("#answer-done")).to_be_visible()


def test_full_session_console_display_and_three_phones(server, new_page):
    sockets: list[str] = []  # every page's websocket address

    def opened(kind, **kwargs):
        page = new_page(kind, **kwargs)
        page.on("websocket", lambda ws: sockets.append(ws.url))
        return page

    console = opened("laptop")
    sign_in_facilitator(server, console)
    console.get_by_label("Group name").fill("Home visitors")
    console.get_by_label("Regular members (optional)").fill("Ana\nBeto")
    console.get_by_role("button", name="Create group").click()
    console.get_by_role("button", name="Open the session").click()
    code = console.locator("#join-code").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{8}", code)

    display = opened("laptop")
    display_url = console.get_by_role("link", name="Open the projector view").get_attribute("href")
    session_id = re.search(r"/display/(\d+)/", display_url).group(1)
    display.goto(display_url)
    expect(display.locator("#join-code")).to_have_text(code[:4] + " " + code[4:])
    expect(display.locator(".qr svg")).to_be_visible()

    ana, beto, sofia = opened("phone"), opened("phone"), opened("phone", locale="es-MX")
    join(server, ana, code, roster="Ana")
    join(server, beto, code, roster="Beto")
    join(server, sofia, code, name="Sofía")
    expect(console.locator("#people-count")).to_contain_text("3 here")
    # the console, the projector and each phone name their session in their socket's
    # address, so that a proxy can keep a session's sockets on one process (deploy/)
    assert len(sockets) >= 5 and all(f"room={session_id}&" in url or url.endswith(f"room={session_id}")
                                     for url in sockets), sockets
    expect(display.locator("#counts")).to_contain_text("3")

    # Connect: anonymous check-in, aggregates only after closing.
    console.get_by_role("button", name="Check-in").click()
    for page, energy in ((ana, 2), (beto, 4), (sofia, 4)):
        check_in(page, energy)
    expect(console.locator("#checkin-count")).to_contain_text("3 answered, ")
    expect(display.locator(".bar")).to_have_count(0)
    console.get_by_role("button", name="Close and show the results").click()
    expect(display.locator("#checkin-result")).to_contain_text("average 3.33")
    expect(ana.locator("#checkin-result")).to_contain_text("average 3.33")

    # Reflect: three cards, each phone in its own language.
    console.get_by_role("button", name="Reflect").click()
    expect(ana.locator("#card-text")).not_to_be_empty()
    expect(sofia.locator("#card-text")).to_have_text(re.compile(r"[¿áéíóúñ]"))
    english_text = ana.locator("#card-text").inner_text()
    spanish_text = sofia.locator("#card-text").inner_text()
    assert english_text != spanish_text and re.search(r"[¿áéíóúñ]", spanish_text)

    for number in range(3):
        if number:
            console.get_by_role("button", name="Next card").click()
            expect(ana.locator("#card-meta")).to_contain_text(f"Card {number + 1} of")
            expect(ana.locator("#answer-form")).to_be_visible()
        answer(ana, f"I share this with my name on card {number + 1}", named=True)
        answer(beto, f"This is only for the facilitator on card {number + 1}", audience="facilitator")
        if number == 2:  # the identifier guard: highlight, then "share anyway"
            sofia.locator("#answer-text").fill("Pienso en la mamá de Lucía y su tristeza")
            sofia.locator("#answer-form button[type=submit]").click()
            expect(sofia.locator("#guard-text mark")).to_have_text("Lucía")
            sofia.locator("#guard-share").click()
            expect(sofia.locator("#answer-done")).to_be_visible()
            # marked on the console and held back from "reveal all" until approved
            expect(console.locator("#answers .is-flagged mark")).to_have_text("Lucía")
            console.get_by_role("button", name="Approve for reveal").click()
        else:
            answer(sofia, f"Comparto esto sin nombre en la tarjeta {number + 1}")
        expect(console.locator("#answer-counts")).to_contain_text("3 answered")
        console.get_by_role("button", name="Reveal shared answers").click()
        expect(display.locator("#revealed li")).to_have_count(2)
        expect(display.locator("#revealed")).to_contain_text("— Ana")
        expect(display.locator("#revealed")).not_to_contain_text("only for the facilitator")
        expect(beto.locator("#revealed li")).to_have_count(2)
        expect(console.locator("#answers")).to_contain_text("only for the facilitator")

    console.locator("#note-text").fill("PRIVATE NOTE: parallel process with the classroom")
    expect(console.locator("#note-status")).to_have_text("Saved")

    # Grow: closing check-in and anonymous takeaways.
    console.get_by_role("button", name="Closing").click()
    console.get_by_role("button", name="Open the check-in").click()
    for page, energy in ((ana, 3), (beto, 5), (sofia, 4)):
        check_in(page, energy, kind="closing")
    console.get_by_role("button", name="Close and show the results").click()
    for page, text in ((ana, "Slowing down helps me listen"), (sofia, "Voy a descansar esta semana")):
        page.locator("#takeaway-text").fill(text)
        page.locator("#takeaway-form button[type=submit]").click()
        expect(page.locator("#takeaway-done")).to_be_visible()
    console.get_by_role("button", name="Reveal shared takeaways").click()
    expect(display.locator("#takeaways li")).to_have_count(2)

    sofia.reload()  # a reload puts the phone back where it was, as the same participant
    expect(sofia.locator("#takeaway-done")).to_be_visible()
    expect(console.locator("#people-count")).to_contain_text("3 here")

    for page in (display, ana, beto, sofia):
        assert "PRIVATE NOTE" not in page.content()
    assert "only for the facilitator" not in display.content() + ana.content() + sofia.content()

    console.once("dialog", lambda dialog: dialog.accept())
    console.get_by_role("button", name="End the session").click()
    expect(console.get_by_role("heading", name=re.compile("^Summary"))).to_be_visible()
    summary = console.locator("main")
    expect(summary).to_contain_text("3 people took part")
    expect(summary).to_contain_text("Ana, Beto")
    expect(summary).to_contain_text("Change from opening to closing")
    expect(summary).to_contain_text("Slowing down helps me listen")
    expect(summary).to_contain_text("PRIVATE NOTE")
    expect(ana.get_by_role("heading", name="The session has ended. Thank you for being here.")).to_be_visible()
    expect(display.locator("[data-screen=ended]")).to_be_visible()

    console.get_by_role("button", name="Delete this session's written text").click()
    expect(console.locator(".flash-success")).to_contain_text("The written text of this session was deleted")
    expect(console.locator("main")).not_to_contain_text("Slowing down helps me listen")
    expect(console.locator("main")).to_contain_text("3 people took part")

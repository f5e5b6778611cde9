"""The participant's phone and the facilitator's console, used as people with different
needs use them: keyboard only, a screen reader's live regions and focus, fingers on a
small touch screen (44×44 px targets), a 320 px wide screen, 200% zoom on a laptop, and
reduced motion."""
from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.a11y import flows
from tests.browsers import close_or_kill

FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  const style = getComputedStyle(el);
  return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
}"""


def tab_to(page, selector: str, limit: int = 80, backwards: bool = False) -> None:
    """Press Tab until the element matching ``selector`` has the focus; every element on
    the way shows where the focus is."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        assert page.evaluate(FOCUS_VISIBLE), page.evaluate("document.activeElement.outerHTML.slice(0, 200)")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with the keyboard in {limit} steps")


def test_check_in_answer_and_reveal_with_the_keyboard_only(server, new_page):
    flows.create_facilitator(server)
    console = new_page("laptop")
    flows.sign_in(server, console, "fac@example.org")
    code = flows.open_session(server, console)
    phone = new_page("phone")
    others = [new_page("phone"), new_page("phone")]

    # joining: type the code, accept the agreements, join, all from the keyboard
    phone.goto(server.url + "/join")
    tab_to(phone, "#code")
    phone.keyboard.type(code)
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name="Our group agreements")).to_be_visible()
    tab_to(phone, "#agree")
    phone.keyboard.press("Space")
    expect(phone.locator("#agree")).to_be_checked()
    tab_to(phone, "main button[type=submit]")
    phone.keyboard.press("Enter")
    expect(phone.locator("[data-screen=lobby]")).to_be_visible()
    for other in others:
        flows.join(server, other, code)

    # the facilitator opens the check-in
    console.locator("body").focus()
    tab_to(console, ".phase-button[data-phase=connect]")
    console.keyboard.press("Enter")
    expect(phone.locator("#checkin-form")).to_be_visible()
    expect(phone.locator("#announcer")).to_have_text("Check-in")

    # the check-in: arrow keys in each 1–5 group, a word, Enter
    tab_to(phone, "input[name=energy]")
    phone.keyboard.press("ArrowRight")
    phone.keyboard.press("ArrowRight")
    expect(phone.locator("input[name=energy][value='3']")).to_be_checked()
    tab_to(phone, "input[name=supported]")
    phone.keyboard.press("ArrowRight")
    expect(phone.locator("input[name=supported]:checked")).to_have_count(1)
    tab_to(phone, "#feeling")  # the shared list of feelings: typing picks one
    phone.keyboard.type("calm")
    expect(phone.locator("#feeling")).to_have_value("calm")
    tab_to(phone, "#checkin-form button[type=submit]")
    phone.keyboard.press("Enter")
    expect(phone.locator("#checkin-done")).to_be_visible()
    expect(phone.locator("#checkin-heading")).to_be_focused()  # not lost on the page's body
    for other in others:
        flows.check_in(other)

    tab_to(console, "#checkin-toggle")
    expect(console.locator("#checkin-toggle")).to_have_text("Close and show the results")
    console.keyboard.press("Enter")
    expect(phone.locator("#checkin-result .bar").first).to_be_visible()
    expect(phone.locator("#announcer")).to_have_text("The check-in results are shown.")

    # a card: the focus moves to it, the answer is typed and sent from the keyboard
    tab_to(console, ".phase-button[data-phase=reflect]", backwards=True)
    console.keyboard.press("Enter")
    expect(phone.locator("#card-text")).not_to_be_empty()
    expect(phone.locator("#card")).to_be_focused()
    expect(phone.locator("#announcer")).to_contain_text("Card 1 of")
    tab_to(phone, "#answer-text")
    phone.keyboard.type("Listening first, then wondering aloud")
    tab_to(phone, "#answer-form button[type=submit]")
    phone.keyboard.press("Enter")
    expect(phone.locator("#answer-done")).to_have_text("Your answer was sent.")
    expect(phone.locator("#card")).to_be_focused()
    flows.answer(others[0], "A second answer for the group")

    # the facilitator reveals; the phone announces it, and a reaction is one key away
    tab_to(console, "#reveal-answers")
    console.keyboard.press("Enter")
    expect(phone.locator("#revealed li")).to_have_count(2)
    expect(phone.locator("#announcer")).to_have_text("Answers shared with the group: 2")
    tab_to(phone, "#revealed button")
    phone.keyboard.press("Enter")
    expect(console.locator("#answers")).to_contain_text("resonates: 1")

    # the next card takes the focus and is announced
    tab_to(console, "#next-card", backwards=True)
    console.keyboard.press("Enter")
    expect(phone.locator("#card-meta")).to_contain_text("Card 2 of")
    expect(phone.locator("#card")).to_be_focused()
    expect(phone.locator("#announcer")).to_contain_text("New card: ")
    assert phone.locator("#announcer").get_attribute("aria-live") == "polite"
    assert phone.locator("#connection").get_attribute("aria-live") == "polite"


TARGETS = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  const out = [];
  const width = document.documentElement.clientWidth;
  for (const el of document.querySelectorAll(selector)) {
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!el.getClientRects().length || style.visibility === 'hidden') continue;
    if (rect.right <= 0 || rect.left >= width) continue;  // off screen: the skip link until focused
    let box = { left: rect.left, top: rect.top, right: rect.right, bottom: rect.bottom };
    if (el.labels && (el.type === 'checkbox' || el.type === 'radio')) {
      for (const label of el.labels) {  // the label is part of a check box's target
        const r = label.getBoundingClientRect();
        box = { left: Math.min(box.left, r.left), top: Math.min(box.top, r.top),
                right: Math.max(box.right, r.right), bottom: Math.max(box.bottom, r.bottom) };
      }
    }
    out.push({ what: el.outerHTML.slice(0, 120), width: box.right - box.left, height: box.bottom - box.top });
  }
  return out;
}"""

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def check_phone_page(page, state: str, problems: list) -> None:
    targets = page.evaluate(TARGETS)
    assert targets, state
    for target in targets:
        if target["width"] < 43.5 or target["height"] < 43.5:
            problems.append(f"{state}: {target['width']:.0f}×{target['height']:.0f} {target['what']}")
    if not page.evaluate(NO_SIDEWAYS_SCROLL):
        problems.append(f"{state}: scrolls sideways at {page.viewport_size['width']} px")


def test_phone_pages_have_44_px_targets_and_fit_320_px(server, new_page, browser):
    """Every state a participant sees, on a 390 px phone and on a 320 px one."""
    flows.create_facilitator(server)
    console = new_page("laptop")
    flows.sign_in(server, console, "fac@example.org")
    code = flows.open_session(server, console)
    small = browser.new_context(viewport={"width": 320, "height": 640}, device_scale_factor=2,
                                is_mobile=True, has_touch=True, locale="es-MX")
    try:
        phones = [new_page("phone"), small.new_page(), new_page("phone")]
        problems: list[str] = []
        for phone in phones[:2]:
            phone.goto(server.url + "/join")
            check_phone_page(phone, "join", problems)
            phone.locator("#code").fill(code)
            phone.locator("main form button[type=submit]").click()
            expect(phone.locator("#agree")).to_be_visible()
            check_phone_page(phone, "agreements", problems)
            phone.locator("#agree").check()
            phone.locator("#who-typed").check()
            phone.locator("#display-name").fill("Sofía")
            phone.locator("main form button[type=submit]").click()
            expect(phone.locator("[data-screen=lobby]")).to_be_visible()
        flows.join(server, phones[2], code)
        console.get_by_label("Allow answers with names").check()

        def every_phone(state):
            for phone in phones[:2]:
                check_phone_page(phone, f"{state} ({phone.viewport_size['width']} px)", problems)

        every_phone("lobby")
        flows.phase(console, "connect")
        expect(phones[1].locator("#checkin-form")).to_be_visible()
        every_phone("check-in")
        for phone in phones:
            flows.check_in(phone)
        console.get_by_role("button", name="Close and show the results").click()
        expect(phones[1].locator("#checkin-result .bar").first).to_be_visible()
        every_phone("check-in results")
        flows.phase(console, "reflect")
        expect(phones[1].locator("#answer-form")).to_be_visible()
        every_phone("a card")
        for phone in phones[:2]:
            phone.locator("#answer-text").fill("Pienso en Lucía y su mamá, y en su cansancio " * 3)
            phone.locator("#answer-form button[type=submit]").click()
            expect(phone.locator("#guard")).to_be_visible()
        every_phone("the identifier guard")
        for phone in phones[:2]:
            phone.locator("#guard-edit").click()
            phone.locator("#named-yes").check()
            phone.locator("#answer-text").fill("Una respuesta larga con mi nombre, para ver que nada se sale de la pantalla")
            phone.locator("#answer-form button[type=submit]").click()
            expect(phone.locator("#answer-done")).to_be_visible()
        flows.answer(phones[2], "A third answer")
        console.get_by_role("button", name="Reveal shared answers").click()
        expect(phones[1].locator("#revealed li")).to_have_count(3)
        phones[1].locator("#hand").click()
        every_phone("revealed answers, my named answer, a raised hand")
        flows.phase(console, "grow")
        expect(phones[1].locator("#takeaway-form")).to_be_visible()
        every_phone("takeaway")
        console.once("dialog", lambda dialog: dialog.accept())
        console.get_by_role("button", name="End the session").click()
        expect(phones[1].locator("[data-screen=ended]")).to_be_visible()
        every_phone("ended")
        assert not problems, "\n".join(problems)
    finally:
        close_or_kill(small, "a context")


def test_laptop_pages_reflow_at_200_percent_zoom_and_motion_can_be_reduced(server, browser):
    """1280×800 at 200% zoom is a 640×400 CSS px viewport with twice the pixels."""
    flows.create_facilitator(server)
    context = browser.new_context(viewport={"width": 640, "height": 400}, device_scale_factor=2,
                                  reduced_motion="reduce", locale="en-US")
    context.set_default_timeout(10_000)
    try:
        console = context.new_page()
        flows.sign_in(server, console, "fac@example.org")
        code = flows.open_session(server, console)
        display = context.new_page()
        flows.open_display(console, display)
        phone = context.new_page()
        flows.join(server, phone, code)
        flows.phase(console, "reflect")
        expect(display.locator("#card-text")).not_to_be_empty()
        problems = []
        for page, name in ((console, "console"), (display, "display"), (phone, "phone")):
            if not page.evaluate(NO_SIDEWAYS_SCROLL):
                problems.append(name)
            # reduced motion: nothing moves, nothing transitions
            moving = page.evaluate("""() => document.getAnimations().length + [...document.querySelectorAll('*')]
                .filter((el) => { const s = getComputedStyle(el);
                  return s.animationName !== 'none' || s.transitionDuration.split(',').some((d) => parseFloat(d) > 0)
                    || s.scrollBehavior === 'smooth'; }).length""")
            assert moving == 0, name
        for path in ("/facilitate", "/decks", "/account", "/login"):
            console.goto(server.url + path)
            if not console.evaluate(NO_SIDEWAYS_SCROLL):
                problems.append(path)
        console.goto(server.url + "/facilitate")
        console.get_by_role("link", name="Home visitors", exact=True).click()
        if not console.evaluate(NO_SIDEWAYS_SCROLL):
            problems.append("group")
        assert not problems, problems
    finally:
        close_or_kill(context, "a context")


def test_the_reconnecting_notice_is_clear_and_readable(server, new_page):
    flows.create_facilitator(server)
    console = new_page("laptop")
    flows.sign_in(server, console, "fac@example.org")
    code = flows.open_session(server, console)
    phone = new_page("phone")
    flows.join(server, phone, code)
    phone.context.set_offline(True)
    notice = phone.locator("#connection")
    expect(notice).to_have_text(re.compile("Reconnecting… your answers are kept"))
    phone.mouse.wheel(0, 2000)
    expect(notice).to_be_in_viewport()  # it stays at the top while the page scrolls
    violations = Axe().run(phone).response["violations"]
    assert not violations, [(v["id"], v["nodes"][0]["target"]) for v in violations]
    phone.context.set_offline(False)
    expect(notice).to_have_text("")

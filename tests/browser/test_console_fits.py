"""The console is laid out for the laptop it runs on: at 1366x768 and 1280x800, in every
phase, with long Spanish and English content, this phase's controls, the current card, the
incoming answers and the notes are on the screen without scrolling the page; the Joining
panel folds away after the lobby with the code still in view; the theme tags are grouped
by category, sorted by name and filtered by typing; and the keyboard shortcuts (listed in
a help dialog) move the cards, reveal and set the timer."""
from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from tests.a11y import flows

FRAME = re.compile(r"^42/facilitator,\[\"(state|snapshot)\",")
LONG = {
    "es": ("Piense en una visita reciente en la que la persona cuidadora parecía desbordada por el llanto del "
           "bebé y usted sintió el impulso de resolverlo todo de inmediato: ¿qué le pasaba a usted por dentro, "
           "qué necesitaba esa familia de verdad y qué hubiera cambiado si se hubiera quedado con la duda?"),
    "en": ("Think of a recent visit where the caregiver seemed overwhelmed by the baby's crying and you felt the "
           "pull to fix everything at once: what was happening inside you, what did that family really need, "
           "and what might have changed had you stayed a little longer with not knowing?"),
}

# Each element named here lies whole inside the viewport and inside every box that clips
# it (a panel that scrolls), and the page does not scroll.
IN_VIEW = """(selectors) => {
  const W = window.innerWidth, H = window.innerHeight, bad = [];
  const de = document.documentElement;
  if (de.scrollHeight > H || de.scrollWidth > W) bad.push(`page ${de.scrollWidth}x${de.scrollHeight}`);
  for (const selector of selectors) {
    const e = document.querySelector(selector);
    if (!e || !e.getClientRects().length) { bad.push(`${selector} not shown`); continue; }
    const r = e.getBoundingClientRect();
    if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1) {
      bad.push(`${selector} at ${Math.round(r.left)},${Math.round(r.top)}-${Math.round(r.right)},${Math.round(r.bottom)}`);
    }
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflowX === "visible" && s.overflowY === "visible") continue;
      const b = a.getBoundingClientRect();
      if (r.top < b.top - 1 || r.bottom > b.bottom + 1 || r.left < b.left - 1 || r.right > b.right + 1) {
        bad.push(`${selector} cut by ${a.id || a.className}`);
      }
    }
  }
  return bad;
}"""
ALWAYS = [".phase-button[data-phase=lobby]", ".phase-button[data-phase=grow]", "#end-session", "#note-text",
          "#note-share", "#new-note", "#join-code", "#people-heading"]
PHASES = {
    "lobby": ["#joining #join-link", "#lock-room", "#allow-names"],
    "connect": ["#checkin-toggle", "#checkin-count"],
    "reflect": ["#prev-card", "#next-card", "#current-card", ".timer-button", "#timer-stop", "#reveal-answers",
                "#answer-counts", "#answers > li"],
    "grow": ["#checkin-toggle", "#reveal-takeaways", "#takeaway-counts", "#takeaways > li"],
}


class Console:
    """A console page at one size, with a relay on its socket to give it a big room's state."""

    def __init__(self, page, width: int, height: int):
        self.page = page
        page.set_viewport_size({"width": width, "height": height})
        self.last: dict = {}
        self.socket = None

        def relay(ws):
            upstream = ws.connect_to_server()
            self.socket = ws

            def from_server(message):
                if isinstance(message, str) and FRAME.match(message):
                    state = json.loads(message[message.index(","):][1:])[1]
                    self.last = {**self.last, **state} if state.get("partial") else state
                ws.send(message)

            upstream.on_message(from_server)

        page.route_web_socket(re.compile(r".*/socket\.io/.*"), relay)

    def send(self, **changes) -> None:
        state = dict(self.last, **changes, version=self.last["version"] + 1)
        state.pop("partial", None)
        self.socket.send("42/facilitator," + json.dumps(["state", state]))

    def problems(self, phase: str) -> list[str]:
        return self.page.evaluate(IN_VIEW, ALWAYS + PHASES[phase])


def big_room(console: Console, lang: str) -> None:
    """A long card, twenty long answers and takeaways, ten notes."""
    text = LONG[lang]
    answers = [{"id": f"{n:032x}", "text": text[: 90 + n * 11], "audience": "group" if n % 3 else "facilitator",
                "author": None, "hidden": False, "revealed": n % 2 == 0, "resonates": n % 4, "flagged": None,
                "approved": False} for n in range(20)]
    notes = [{"client_id": f"note-{n:04d}", "text": text, "tags": [], "shared": False, "phase": "reflect",
              "card_position": 0, "created_at": console.last["server_now"]} for n in range(10)]
    card = dict(console.last["card"], text=text, followup=text[:120], lang=lang) if console.last.get("card") else None
    console.send(card=card, answers=answers, takeaways=answers, notes=notes,
                 counts=dict(console.last["counts"], card={"answered": 20, "passed": 3}))


def test_the_console_fits_a_laptop_in_every_phase(server, new_page):
    flows.create_facilitator(server)
    english = new_page("laptop")
    flows.sign_in(server, english, "fac@example.org")
    flows.open_session(server, english)
    spanish_page = new_page("laptop")
    flows.sign_in(server, spanish_page, "fac@example.org")
    spanish_page.get_by_role("button", name="Español").click()
    expect(spanish_page.locator("html")).to_have_attribute("lang", "es")
    english.get_by_role("button", name="English").click()  # each page keeps its own language (cookie)
    expect(english.locator("html")).to_have_attribute("lang", "en")
    consoles = {"en": Console(english, 1366, 768), "es": Console(spanish_page, 1280, 800)}
    url = english.url
    for console in consoles.values():
        console.page.goto(url)
        expect(console.page.locator("#phase-name")).not_to_be_empty()

    for phase in ("lobby", "connect", "reflect", "grow"):
        if phase != "lobby":
            flows.phase(english, phase)
        for lang, console in consoles.items():
            page = console.page
            expect(page.locator(f".phase-button[data-phase={phase}]")).to_have_attribute("aria-current", "step")
            if phase in ("reflect", "grow"):
                big_room(console, lang)
                expect(page.locator("#answers > li" if phase == "reflect" else "#takeaways > li")).to_have_count(20)
            # the Joining panel folds away after the lobby; the code stays in view
            expect(page.locator("#joining")).to_have_js_property("open", phase == "lobby")
            problems = console.problems(phase)
            assert not problems, f"{lang} {page.viewport_size}, {phase}: {problems}"

    page = english
    # theme tags: grouped by category, sorted by name, filtered by typing
    groups = page.locator("#note-tags .tag-group-title").all_inner_texts()
    assert groups[:2] == ["Essential elements", "Collaborative tasks"], groups
    first_group = page.locator("#note-tags .tag-group").first.locator("label").all_inner_texts()
    assert first_group == sorted(first_group, key=str.lower) and len(first_group) > 2
    page.locator("#tag-filter").fill("parallel")
    expect(page.locator("#note-tags .check-field:visible label")).to_have_text(["Parallel process"])
    page.locator("#tag-filter").fill("")

    # keyboard shortcuts, and their help
    flows.phase(page, "reflect")
    page.locator("#stage-heading").click()
    page.keyboard.press("n")
    expect(page.locator("#current-card")).to_contain_text("Card 2 of")
    page.keyboard.press("p")
    expect(page.locator("#current-card")).to_contain_text("Card 1 of")
    page.keyboard.press("t")
    expect(page.locator("#timer")).to_have_text(re.compile(r"[12]:\d\d"))
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).to_be_hidden()
    # typed in a note, the same keys are text
    page.locator("#note-text").fill("")
    page.locator("#note-text").press_sequentially("np")
    expect(page.locator("#current-card")).to_contain_text("Card 1 of")

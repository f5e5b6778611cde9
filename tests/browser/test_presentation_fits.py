"""The projector is a full-screen presentation that fits every screen it is shown on:
at each size people use (a 1024x768 projector, a laptop, a 1280x720 video call, Full HD,
1440p, 4K), in every phase, with long Spanish and English content, the page has no
scrollbar, every element's box lies inside the viewport and inside any box that clips it,
answers that do not fit are paged (never cut), and the QR code read from a screenshot by
a real decoder (zxing-cpp) is the join link.

The phases are switched through the server from the facilitator's console; the long
content (a long card, forty long answers, three scales with many feeling words) is what
the server would send for a big room, given to each projector's socket as a state."""
from __future__ import annotations

import io
import json
import re

import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.a11y import flows

FRAME = re.compile(r"^42/display,\[\"state\",")
VIEWPORTS = [(1280, 720, "es-ES"), (1366, 768, "en-US"), (1024, 768, "es-ES"), (1920, 1080, "en-US"),
             (2560, 1440, "es-ES"), (3840, 2160, "es-ES")]

LONG_CARD = {
    "es": ("Piense en una visita reciente en la que la madre, el padre o la persona cuidadora parecía "
           "desbordada por el llanto del bebé y usted sintió el impulso de resolverlo todo de inmediato: "
           "¿qué le pasaba a usted por dentro, qué necesitaba esa familia de verdad en ese momento, y qué "
           "hubiera cambiado si se hubiera permitido quedarse un rato más con la incertidumbre compartida?"),
    "en": ("Think of a recent visit where the mother, father or caregiver seemed overwhelmed by the baby's "
           "crying and you felt the pull to fix everything at once: what was happening inside you, what did "
           "that family really need in that moment, and what might have changed had you allowed yourself to "
           "stay a little longer with the uncertainty you were sharing?"),
}
FOLLOWUP = {
    "es": "Si le ayuda, recuerde un gesto concreto, una frase o un silencio que todavía lleva consigo.",
    "en": "If it helps, recall one concrete gesture, sentence or silence you still carry with you.",
}
ANSWER = {
    "es": ("Me di cuenta de que mi prisa por calmar al bebé tenía más que ver con mi propia incomodidad que "
           "con lo que la familia necesitaba; cuando por fin me senté en el suelo con ellos, la madre empezó "
           "a hablar de su propia infancia y de lo sola que se había sentido."),
    "en": ("I noticed that my hurry to settle the baby had more to do with my own discomfort than with what "
           "the family needed; when I finally sat on the floor with them, the mother began to talk about her "
           "own childhood and how alone she had felt."),
}
WORDS = {"es": ["esperanzada", "agotadísima", "acompañada", "desbordada", "tranquila", "preocupadísima",
                "agradecida", "inquieta", "descansada", "conmovida", "desconcertada", "serena"],
         "en": ["hopeful", "exhausted", "accompanied", "overwhelmed", "calm", "worried", "grateful", "restless",
                "rested", "moved", "bewildered", "serene"]}

# Every visible element inside the viewport and inside every ancestor that clips it, and
# no box whose content is wider or taller than it (text cut off or running out).
FITS = """() => {
  const W = window.innerWidth, H = window.innerHeight, bad = [];
  const de = document.documentElement;
  if (de.scrollWidth > W || de.scrollHeight > H) bad.push(`page ${de.scrollWidth}x${de.scrollHeight} in ${W}x${H}`);
  const name = (e) => e.id ? `#${e.id}` : `${e.tagName.toLowerCase()}.${e.className?.baseVal ?? e.className}`;
  const clips = (e) => { const s = getComputedStyle(e); return s.overflowX !== "visible" || s.overflowY !== "visible"; };
  for (const e of document.querySelectorAll("body *")) {
    if (!e.getClientRects().length || e.closest(".visually-hidden, [hidden], #i18n")) continue;
    if (getComputedStyle(e).visibility === "hidden") continue;
    const r = e.getBoundingClientRect();
    if (!r.width && !r.height) continue;
    if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1) {
      bad.push(`${name(e)} at ${Math.round(r.left)},${Math.round(r.top)}-${Math.round(r.right)},${Math.round(r.bottom)}`);
    }
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (!clips(a)) continue;
      const b = a.getBoundingClientRect();
      if (r.left < b.left - 1 || r.top < b.top - 1 || r.right > b.right + 1 || r.bottom > b.bottom + 1) {
        bad.push(`${name(e)} cut by ${name(a)}`);
      }
    }
    if (e instanceof HTMLElement && e.clientWidth && (e.scrollWidth > e.clientWidth + 1 || (clips(e) && e.scrollHeight > e.clientHeight + 1))) {
      bad.push(`${name(e)} content ${e.scrollWidth}x${e.scrollHeight} in ${e.clientWidth}x${e.clientHeight}`);
    }
  }
  return bad;
}"""


class Projector:
    """A projector page at one size, with a relay on its socket: the last state the server
    sent, and a way to send it a state as the server would."""

    def __init__(self, new_page, console, width: int, height: int, locale: str):
        self.page = new_page("laptop", locale=locale)
        self.page.set_viewport_size({"width": width, "height": height})
        self.lang = locale[:2]
        self.last: dict = {}
        self.labels: list[dict] = []
        self.socket = None

        def relay(ws):
            upstream = ws.connect_to_server()
            self.socket = ws

            def from_server(message):
                if isinstance(message, str) and FRAME.match(message):
                    self.last = json.loads(message[len("42/display,"):])[1]
                ws.send(message)

            upstream.on_message(from_server)

        self.page.route_web_socket(re.compile(r".*/socket\.io/.*"), relay)
        flows.open_display(console, self.page)

    @property
    def size(self) -> str:
        viewport = self.page.viewport_size
        return f"{viewport['width']}x{viewport['height']} ({self.lang})"

    def wait_for(self, screen: str) -> None:
        expect(self.page.locator(f"section[data-screen={screen}]")).to_be_visible()

    def until(self, condition) -> None:
        """Until the last state the server sent meets ``condition`` (the relay hears the
        server while Playwright waits)."""
        for _ in range(300):
            if self.last and condition(self.last):
                return
            self.page.wait_for_timeout(50)
        raise AssertionError(f"{self.size}: the server's state never came")

    def send(self, state: dict) -> None:
        state = dict(state, version=state["version"] + 1)
        self.socket.send("42/display," + json.dumps(["state", state]))

    def problems(self) -> list[str]:
        return self.page.evaluate(FITS)

    def qr_text(self) -> list[str]:
        image = Image.open(io.BytesIO(self.page.screenshot()))
        return [code.text for code in zxingcpp.read_barcodes(image)]


def long_checkin(lang: str, labels: list[dict]) -> dict:
    return {"kind": "opening", "status": "closed", "scales": [s["slug"] for s in labels], "answered": 14,
            "passed": 3, "shown": True, "too_few": False, "n": 14,
            "distribution": {s["slug"]: [1, 2, 4, 4, 3] for s in labels},
            "means": {s["slug"]: 3.4 for s in labels}, "words": WORDS[lang], "scale_labels": labels}


def long_card(state: dict, lang: str) -> dict:
    card = dict(state["card"], text=LONG_CARD[lang], followup=FOLLOWUP[lang], lang=lang, followup_lang=lang)
    answers = [{"id": f"{n:032x}", "text": ANSWER[lang][: 60 + (n * 37) % 540] if n % 7 else ANSWER[lang] * 2,
                "author": "Ana" if n % 5 == 0 else None, "resonates": n % 3} for n in range(40)]
    return dict(state, card=card, revealed=answers, timer_ends_at=state["server_now"],
                counts=dict(state["counts"], card={"answered": 40, "passed": 2}))


def check(projector: Projector, phase: str, join_link: str | None) -> None:
    problems = projector.problems()
    assert not problems, f"{projector.size}, {phase}: {problems[:8]}"
    if join_link:
        assert join_link in projector.qr_text(), f"{projector.size}, {phase}: the QR code does not read as the join link"


def test_the_presentation_fits_every_screen_in_every_phase(server, new_page):
    flows.create_facilitator(server)
    console = new_page("laptop")
    flows.sign_in(server, console, "fac@example.org")
    code = flows.open_session(server, console)
    join_link = f"{server.url}/join?code={code}"
    projectors = [Projector(new_page, console, w, h, locale) for w, h, locale in VIEWPORTS]

    # the lobby: how to join, large; no site header or navigation
    for p in projectors:
        expect(p.page.locator(".site-header")).to_have_count(0)
        check(p, "lobby", join_link)
        qr = p.page.locator("#qr svg").bounding_box()
        # from the back of a room: at least a third of the screen's height
        assert qr["height"] >= p.page.viewport_size["height"] / 3, p.size

    # the check-in, closed, with three long scales and many feeling words
    flows.phase(console, "connect")
    console.locator("#checkin-toggle").click()
    for p in projectors:
        p.wait_for("checkin")
        p.until(lambda st: (st.get("checkin") or {}).get("status") == "closed")
        labels = p.labels = p.last["checkin"]["scale_labels"]
        assert len(labels) == 3
        p.send(dict(p.last, checkin=long_checkin(p.lang, labels)))
        expect(p.page.locator("#checkin-result .result-scale")).to_have_count(3)
        expect(p.page.locator("#checkin-count")).to_contain_text("14")
        check(p, "check-in", join_link)
        expect(p.page.locator("#checkin-count")).to_contain_text("14")  # still the big room's

    # a long card with forty long answers revealed: paged, never cut
    flows.phase(console, "reflect")
    for p in projectors:
        p.wait_for("card")
        p.until(lambda st: st["phase"] == "reflect")
        p.send(long_card(p.last, p.lang))
        expect(p.page.locator("#card-text")).to_have_text(LONG_CARD[p.lang])
        expect(p.page.locator("#revealed-page")).to_be_visible()
        note = p.page.locator("#revealed-page").inner_text()
        pages = int(re.findall(r"\d+", note)[-1])
        assert pages > 1, p.size
        shown = p.page.locator("#revealed > li:not([hidden])").count()
        assert 1 <= shown < 40, p.size
        check(p, "card", join_link)
        expect(p.page.locator("#card-text")).to_have_text(LONG_CARD[p.lang])
    # the takeaways beside the closing check-in's results
    flows.phase(console, "grow")
    for p in projectors:
        p.wait_for("grow")
        p.until(lambda st: st["phase"] == "grow")
        takeaways = [{"id": f"{n:032x}", "text": ANSWER[p.lang][: 80 + n * 13], "author": None, "resonates": 0}
                     for n in range(30)]
        closing = dict(long_checkin(p.lang, p.labels), kind="closing")
        p.send(dict(p.last, takeaways=takeaways, checkin=closing))
        expect(p.page.locator("#grow-checkin")).to_be_visible()
        check(p, "grow", join_link)
        expect(p.page.locator("#grow-checkin-count")).to_contain_text("14")

    # high contrast, for a washed-out projector: still fits, still scans
    for p in projectors[:2]:
        p.page.locator("#contrast").click()
        expect(p.page.locator("html")).to_have_class(re.compile("high-contrast"))
        check(p, "grow, high contrast", join_link)

    console.once("dialog", lambda dialog: dialog.accept())
    console.locator("#end-session").click()
    for p in projectors:
        p.wait_for("ended")
        check(p, "ended", None)

"""The "try again in a moment" page, in a browser: a phone joins while the rate limits'
Redis is down (a redis-server of the test's own, stopped), sees the page in its
language, accessible, and joins once Redis is back."""
from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.servers import own_redis, prepared_server, seed_sessions

EMAIL, PASSWORD = "fac@example.org", "a long enough password"
SIZES = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 360, "height": 640}}


def test_joining_while_redis_is_down_shows_try_again_then_works(tmp_path, browser):
    with own_redis(tmp_path) as storage:
        server = prepared_server("eventlet", tmp_path, REFLECT_RATELIMIT_STORAGE_URL=storage.url)
        (session,) = seed_sessions(server.database_url, tmp_path / "seed", email=EMAIL, password=PASSWORD)
        server.start()
        contexts = []
        try:
            storage.stop()
            for lang, heading in (("en-US", "The server is busy just now. Try again in a moment."),
                                  ("es-ES", "El servidor está ocupado ahora mismo. Vuelve a intentarlo en un momento.")):
                for kind, size in SIZES.items():
                    context = browser.new_context(viewport=size, locale=lang)
                    contexts.append(context)
                    page = context.new_page()
                    page.goto(server.url + "/join")
                    page.locator("#code").fill(session["code"])
                    page.locator("main form button[type=submit]").click()
                    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
                    assert page.evaluate("document.documentElement.lang") == lang[:2]
                    violations = Axe().run(page).response["violations"]
                    assert not violations, [(v["id"], v["impact"]) for v in violations]
            storage.start()
            page = contexts[0].new_page()
            page.goto(server.url + "/join")
            page.locator("#code").fill(session["code"])
            page.locator("main form button[type=submit]").click()
            expect(page.locator("#agree")).to_be_visible()  # the welcome page: joined the session's flow
        finally:
            for context in contexts:
                context.close()
            server.stop()
    assert "Traceback" not in server.log(), server.log()[-3000:]

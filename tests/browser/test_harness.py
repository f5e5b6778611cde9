"""The browser harness itself: a close that Chromium never answers ends when the harness
kills the browser, and the next test gets a new browser that works."""
from __future__ import annotations

import time

import tests.browsers as browsers


class _NeverAnswers:
    """Stands for a page whose close Chromium never acknowledges: a call with no timeout
    of its own that never returns."""

    def __init__(self, page):
        self.page = page

    def close(self):
        self.page.evaluate("new Promise(() => {})")


def test_a_close_chromium_never_answers_ends_and_the_browser_is_replaced(_playwright, browser, monkeypatch, capfd):
    monkeypatch.setattr(browsers, "CLOSE_GRACE_S", 2)
    assert browsers._browser_pids(), "the shared Chromium is found among this process's grandchildren"
    page = browser.new_page()
    started = time.monotonic()
    browsers.close_or_kill(_NeverAnswers(page), "a page")
    assert time.monotonic() - started < 60
    assert not browser.is_connected()
    assert "closing a page took over 2 s: killing Chromium" in capfd.readouterr().err
    replacement = browsers.shared_browser(_playwright)
    assert replacement is not browser and replacement.is_connected()
    fresh = replacement.new_page()
    fresh.set_content("<p>still here</p>")
    assert fresh.text_content("p") == "still here"
    fresh.close()

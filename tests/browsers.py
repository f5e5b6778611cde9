"""Fixtures for every test that drives a browser: Playwright with Debian's Chromium
(Playwright cannot download browsers here), against a real server process.

Registered for the whole suite by tests/conftest.py: Playwright's sync API allows one
running instance per thread, so every tier shares this one session-scoped Chromium."""
from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.servers import prepared_server

CHROMIUM = os.environ.get("REFLECT_CHROMIUM", "/usr/bin/chromium")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}
# How long a step may wait for the page to get where the test expects. Generous: CI
# machines are shared, and a test that waits a little longer still checks the same thing.
STEP_TIMEOUT_MS = 15_000
expect.set_options(timeout=STEP_TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Debian's Chromium is required at {CHROMIUM} (apt-get install chromium)", pytrace=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  # several pages of one test (console, display, phones) are all "in front":
                  # none is throttled or deprioritised as a background tab would be
                  "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                  "--disable-backgrounding-occluded-windows"],
        )
        yield browser
        browser.close()


@pytest.fixture
def server(tmp_path):
    server = prepared_server("eventlet", tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(kind: str = "laptop", locale: str = "en-US"):
        context = browser.new_context(**(PHONE if kind == "phone" else LAPTOP), locale=locale)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        # Leave every page first, so that no socket.io client is still reconnecting while
        # Chromium tears the context down: in full-suite runs, closing a context whose
        # pages still held live sockets hung now and then for the whole test timeout.
        for page in context.pages:
            try:
                page.goto("about:blank", timeout=5_000)
            except Exception:  # noqa: BLE001 (a page that will not leave is closed anyway)
                pass
            page.close(run_before_unload=False)
        context.close()

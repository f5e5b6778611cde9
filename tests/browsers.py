"""Fixtures for every test that drives a browser: Playwright with Debian's Chromium
(Playwright cannot download browsers here), against a real server process.

Registered for the whole suite by tests/conftest.py: Playwright's sync API allows one
running instance per thread, so every tier shares one Chromium, launched again only if
a teardown had to kill it (``close_or_kill``)."""
from __future__ import annotations

import os
import signal
import sys
import threading

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


def wait_in_page(page, condition, timeout_ms: int = 5000):
    """Wait, at most ``timeout_ms``, until ``condition()`` is true; returns its last value.
    For what a route's handler records (a request held back, a message relayed):
    Playwright runs those handlers only while the test waits on a page, so the wait is
    the page's own."""
    waited = 0
    while not (value := condition()) and waited < timeout_ms:
        page.wait_for_timeout(20)
        waited += 20
    return value


ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        # several pages of one test (console, display, phones) are all "in front":
        # none is throttled or deprioritised as a background tab would be
        "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows"]
# How long closing a page or a context may take before the browser is killed (see
# ``close_or_kill``); a close normally takes milliseconds.
CLOSE_GRACE_S = 30
_current: dict = {}


@pytest.fixture(scope="session")
def _playwright():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Debian's Chromium is required at {CHROMIUM} (apt-get install chromium)", pytrace=False)
    with sync_playwright() as p:
        yield p
        browser = _current.pop("browser", None)
        if browser is not None and browser.is_connected():
            close_or_kill(browser, "the browser")


def shared_browser(playwright):
    """The shared Chromium, launched again if a test's teardown had to kill it."""
    current = _current.get("browser")
    if current is None or not current.is_connected():
        current = _current["browser"] = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                                    args=ARGS)
    return current


@pytest.fixture
def browser(_playwright):
    return shared_browser(_playwright)


def _browser_pids() -> list[int]:
    """The Chromium browser processes this test process's Playwright driver started."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    drivers = {pid for pid, parent in parents.items() if parent == os.getpid()}
    found = []
    for pid, parent in parents.items():
        if parent in drivers:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                    if b"chrom" in cmdline.read().split(b"\0", 1)[0]:
                        found.append(pid)
            except OSError:
                continue
    return found


def close_or_kill(closable, what: str) -> None:
    """Close a page, a context or the browser. Closing waits for Chromium's answer and has
    no timeout of its own; in long full-suite runs Chromium sometimes never answered (a
    teardown hung for the whole test timeout after the test had passed, in three runs on
    three machines). If it does not answer within CLOSE_GRACE_S, the browser is killed,
    which ends the wait; the next test gets a new one. Said on stderr, never silent."""
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        pids = _browser_pids()
        print(f"\n[browsers] closing {what} took over {CLOSE_GRACE_S} s: killing Chromium {pids}",
              file=sys.__stderr__, flush=True)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    timer = threading.Timer(CLOSE_GRACE_S, kill)
    timer.start()
    try:
        closable.close()
    except Exception:  # noqa: BLE001 (after a kill the close fails: the browser is gone)
        if not killed.is_set():
            raise
    finally:
        timer.cancel()


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
        if not browser.is_connected():
            break
        # Leave every page first, so that no socket.io client is still reconnecting while
        # Chromium tears the context down.
        for page in context.pages:
            try:
                page.goto("about:blank", timeout=5_000)
            except Exception:  # noqa: BLE001 (a page that will not leave is closed anyway)
                pass
            if browser.is_connected():
                close_or_kill(page, "a page")
        if browser.is_connected():
            close_or_kill(context, "a context")

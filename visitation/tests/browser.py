"""Fixtures for real-browser tests: Playwright driving Debian's Chromium against
pytest-django's live server. Loaded by the root conftest (pytest_plugins).

Mark a test `@pytest.mark.browser` and ask for `page` (and `live_server`, `screenshot`).
Without Chromium the tests are skipped with the reason, unless REQUIRE_BROWSER is set
(CI sets it), where a missing browser is a failure.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

CHROMIUM_PATH = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SCREENSHOTS_DIR = settings.BASE_DIR / "var" / "screenshots"


def _require_chromium():
    if CHROMIUM_PATH.exists():
        return
    message = (
        f"Chromium not found at {CHROMIUM_PATH}: install Debian's `chromium` package "
        "or set CHROMIUM_PATH."
    )
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"{message} REQUIRE_BROWSER is set, so this is a failure.", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def browser(monkeypatch):
    """A headless Chromium for one test.

    Playwright's sync API keeps an asyncio loop running in this thread while it is open.
    Django then refuses ORM calls unless DJANGO_ALLOW_ASYNC_UNSAFE is set, and (through
    asgiref) gives this thread database connections of their own: they are closed before
    Playwright stops, or they would be left open and PostgreSQL could not drop the test
    database. Hence one browser per test rather than one per session.
    """
    _require_chromium()
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            connections.close_all()
            browser.close()


@pytest.fixture
def page(browser, live_server, settings):
    """A fresh browser tab on the live server. Links in emails point at the live server."""
    settings.SITE_URL = live_server.url
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page, request):
    """`screenshot("step")` saves the whole page to var/screenshots/<test>-<n>-step.png."""
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^\w-]+", "_", request.node.name)
    taken = []

    def take(step):
        taken.append(step)
        path = SCREENSHOTS_DIR / f"{test_name}-{len(taken):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take

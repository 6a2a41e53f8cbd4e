"""Browser tests: the application served by a real HTTP server in a thread, driven by Debian's Chromium
through Playwright. Without Chromium the tests skip with a reason on a laptop, and fail under CI=true."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import CI

CHROMIUM = os.environ.get("REGISTRY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "bench" / "out" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def live_server(app):
    """The test application served on a free local port for the whole session."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's), shared by the session."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Chromium introuvable ({CHROMIUM}) : installez le paquet Debian chromium."
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) with a page whose relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server, locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot under bench/out/screenshots/ (for people to look at; not asserted)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture
def watched(browser, live_server):
    """A factory of fresh pages (new contexts, no cookies) whose CSP violations are recorded in ``page.csp``;
    map tiles are refused at once (no network in tests)."""
    from tests.e2e.csp import CspWatch

    contexts = []

    def open_page(width=1280, height=900):
        context = browser.new_context(base_url=live_server, locale="fr-FR", viewport={"width": width, "height": height})
        context.set_default_timeout(10_000)
        context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
        watch = CspWatch(context)
        page = context.new_page()
        page.csp = watch
        contexts.append(context)
        return page

    yield open_page
    for context in contexts:
        context.close()

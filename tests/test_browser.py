"""End-to-end: Debian's Chromium, headless through Playwright, against a live uvicorn server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_web_support import PASSWORD, add_user, live_server, settings_for
from vetline.db import get_engine, session_scope
from vetline.web import create_app

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """A fresh Chromium profile per test; the Debian binary, never a downloaded browser."""
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: apt-get install -y chromium (see .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1366, "height": 768},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def server(tmp_path: Path, sqlite_url: str) -> Iterator[str]:
    settings = settings_for(sqlite_url, tmp_path / "data")
    app = create_app(settings)
    with session_scope(get_engine(sqlite_url)) as s:
        add_user(s, "rita", "reviewer")
        add_user(s, "sam", "senior")
        add_user(s, "tess", "senior")
        add_user(s, "audrey", "auditor")
    with live_server(app) as url:
        yield url


def log_in(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")


def test_login_shows_dashboard_and_logout_ends_session(browser: Any, server: str) -> None:
    page = browser.new_page()
    page.goto(f"{server}/")
    assert page.url.startswith(f"{server}/login")
    page.get_by_label("User name").fill("rita")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    assert "Wrong user name or password" in page.get_by_role("alert").inner_text()
    log_in(page, server, "rita")
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{server}/login")
    page.goto(f"{server}/")
    assert page.url.startswith(f"{server}/login")

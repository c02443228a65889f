"""End-to-end: Debian's Chromium, headless through Playwright, against a live uvicorn server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_web_support import PASSWORD, copy_template, live_server, settings_for
from test_web_support import seeded_template as seeded_template
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
def server(tmp_path: Path, sqlite_url: str, seeded_template: tuple[Path, int]) -> Iterator[str]:
    copy_template(seeded_template, sqlite_url)
    app = create_app(settings_for(sqlite_url, tmp_path / "data"))
    with live_server(app) as url:
        yield url


def press(page: Any, button: str) -> None:
    """Click a submit button and wait for the page it leads to (it may be the same URL)."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def log_in(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    press(page, "Log in")
    page.wait_for_url(f"{base}/")


def test_login_shows_dashboard_and_logout_ends_session(browser: Any, server: str) -> None:
    page = browser.new_page()
    page.goto(f"{server}/")
    assert page.url.startswith(f"{server}/login")
    page.get_by_label("User name").fill("rita")
    page.get_by_label("Password").fill("wrong")
    press(page, "Log in")
    assert "Wrong user name or password" in page.get_by_role("alert").inner_text()
    log_in(page, server, "rita")
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    press(page, "Log out")
    page.wait_for_url(f"{server}/login")
    page.goto(f"{server}/")
    assert page.url.startswith(f"{server}/login")


def log_out(page: Any, base: str) -> None:
    press(page, "Log out")
    page.wait_for_url(f"{base}/login")


def test_review_path_claim_propose_approve_notice_appeal(browser: Any, server: str) -> None:
    """Log in, claim, propose exclusion; a second senior approves; the notice appears; an
    appeal is lodged and heard by a third user. The applicant's name is hostile markup."""
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, server, "rita")
    page.get_by_role("link", name="Queue").click()
    press(page, "Claim next case")
    page.wait_for_url(f"{server}/cases/*")
    case_url = page.url
    assert page.locator("#case-status").inner_text() == "claimed"
    assert "<script>alert(1)</script>" in page.get_by_role("heading", level=1).inner_text()
    comparison = page.locator("table.compare").first
    assert comparison.locator("td.agree").count() >= 3  # names and date of birth agree
    page.get_by_label("exclude", exact=False).check()
    page.get_by_label("Reason").fill("Ward officer of another party: hit on the other-party list.")
    press(page, "Record decision")
    page.wait_for_url(case_url)
    assert page.locator("#case-status").inner_text() == "proposed"
    assert page.get_by_role("button", name="Approve the proposal").count() == 0  # not a senior
    log_out(page, server)

    log_in(page, server, "sam")
    page.goto(case_url)
    press(page, "Approve the proposal")
    page.wait_for_url(case_url)
    assert page.locator("#case-status").inner_text() == "closed"
    assert page.locator("#case-outcome").inner_text() == "exclude"
    notice = page.locator('article.notice-item[data-kind="decision"]')
    assert notice.count() == 1
    assert "LAB-2.1" in notice.locator("pre.notice").inner_text()
    log_out(page, server)

    log_in(page, server, "rita")
    page.goto(case_url)
    page.get_by_label("Grounds of appeal").fill("I resigned from the other party in 2015.")
    press(page, "Lodge appeal")
    page.wait_for_url(f"{server}/cases/*")
    appeal_url = page.url
    assert appeal_url != case_url
    log_out(page, server)

    log_in(page, server, "tess")
    page.get_by_role("link", name="Queue").click()
    press(page, "Claim next case")
    page.wait_for_url(appeal_url)
    assert page.locator("#case-status").inner_text() == "claimed"
    page.get_by_label("overturn", exact=False).check()
    page.get_by_label("Reason").fill("Resignation letter of 2015 seen; the exclusion is lifted.")
    press(page, "Record decision")
    page.wait_for_url(appeal_url)
    assert page.locator("#case-outcome").inner_text() == "overturn"
    page.goto(case_url)
    assert page.locator("#case-outcome").inner_text() == "exclude"  # the original stays
    assert dialogs == []  # the <script> in the name never ran


def test_keyboard_only_login_and_skip_link(browser: Any, server: str) -> None:
    page = browser.new_page()
    page.goto(f"{server}/login")
    assert page.evaluate("document.activeElement.id") == "username"  # autofocus
    page.keyboard.type("rita")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{server}/"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")  # follow the skip link
    assert page.evaluate("document.activeElement.id") == "main"


def test_main_pages_pass_axe_core(browser: Any, server: str) -> None:
    """axe-core (shipped inside axe-playwright-python, so it runs offline) finds no violations."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = browser.new_page()
    page.goto(f"{server}/login")
    problems: dict[str, list[str]] = {}

    def check(path: str) -> None:
        results = axe.run(page)
        assert results.response["testEngine"]["name"] == "axe-core"
        assert results.response["url"].endswith(path) or path == "/login"
        found = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]
        ]
        if found:
            problems[path] = found

    check("/login")
    log_in(page, server, "sam")
    page.wait_for_selector("#figures h2")  # the htmx-loaded figures are part of the page
    check("/")
    for path in ["/queue", "/cases/1", "/appeals", "/notices", "/reference", "/audit"]:
        page.goto(f"{server}{path}")
        check(path)
    assert problems == {}


def test_queue_filter_swaps_rows_with_htmx(browser: Any, server: str) -> None:
    page = browser.new_page()
    log_in(page, server, "rita")
    page.goto(f"{server}/queue")
    rows = page.locator("#queue-rows tbody tr")
    assert rows.count() == 1 and "Case" in rows.first.inner_text()
    with page.expect_response(lambda r: "/queue?" in r.url and r.request.headers.get("hx-request")):
        page.get_by_label("Track").select_option("administrative")
    page.wait_for_function("document.querySelector('#queue-rows td').textContent.includes('No')")
    assert page.locator("#queue-rows tbody tr").first.inner_text() == "No cases match."
    assert "track=administrative" in page.url  # the filter is in the address, shareable
    assert page.locator("h1").count() == 1  # a partial was swapped in, not a whole page

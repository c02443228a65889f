"""The report in a real browser: it opens offline from a file, makes no network request, and
axe-core finds no accessibility violation."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from vetline.oversight import ReportOptions, compute_figures, render
from vetline.oversight.records import ApplicationRecord, CaseRecord

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
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
def page(tmp_path: Path) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: apt-get install -y chromium (see .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def _figures() -> dict[str, Any]:
    rng = random.Random(4)
    t0 = datetime(2016, 7, 1, tzinfo=UTC)
    apps = []
    for hour in range(24 * 8):
        for _ in range(rng.randint(1, 5) + (60 if hour in (30, 31) else 0)):
            source = rng.choice(["direct", "Flood <b>in</b>", "#Saving"])
            biased = source == "#Saving"
            apps.append(
                ApplicationRecord(
                    id=len(apps) + 1,
                    applied_at=t0 + timedelta(hours=hour, seconds=rng.randint(0, 3599)),
                    source=source,
                    payment_ref="card-7" if len(apps) % 97 == 0 else None,
                    has_hit=rng.random() < (0.3 if biased else 0.1),
                    decided=(d := rng.random() < 0.5),
                    excluded=d and rng.random() < 0.05,
                )
            )
    cases = [
        CaseRecord(i, "conduct", t0 + timedelta(days=i % 7), t0 + timedelta(days=i % 7 + 1),
                   rng.choice(["ann", "bob"]), rng.random() < 0.3)
        for i in range(60)
    ]  # fmt: skip
    return compute_figures(apps, cases, ReportOptions(freeze_date=date(2016, 7, 20)))


def test_report_opens_offline_and_passes_axe(page: Any, tmp_path: Path) -> None:
    from axe_playwright_python.sync_playwright import Axe

    out = tmp_path / "report.html"
    out.write_text(render(_figures()), encoding="utf-8")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(out.as_uri())
    assert requests == [out.as_uri()]  # nothing else fetched
    assert page.locator("svg").count() >= 5
    assert page.locator("h2").count() >= 6
    assert "Flood <b>in</b>" in page.inner_text("body")  # hostile text shown as text
    results = Axe().run(page)
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]
    assert violations == []

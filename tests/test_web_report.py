"""The oversight report of issue #6 is also served by the web app, to logged-in users only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from test_web_support import HOSTILE_SCRIPT, copy_template, login, settings_for
from test_web_support import seeded_template as seeded_template
from vetline.web import create_app


@pytest.fixture
def client(
    sqlite_url: str, tmp_path: Path, seeded_template: tuple[Path, int]
) -> Iterator[TestClient]:
    copy_template(seeded_template, sqlite_url)
    with TestClient(create_app(settings_for(sqlite_url, tmp_path / "data"))) as c:
        yield c


def test_report_needs_login(client: TestClient) -> None:
    r = client.get("/report", follow_redirects=False)
    assert r.status_code in (302, 303, 401)


@pytest.mark.parametrize("who", ["rita", "audrey"])
def test_report_page(client: TestClient, who: str) -> None:
    login(client, who)
    r = client.get("/report")
    assert r.status_code == 200
    for section in ("surge", "Coordinated sign-ups", "Projection", "Capacity", "Even-handedness"):
        assert section.lower() in r.text.lower(), section
    csp = r.headers["content-security-policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp
    assert "<script" not in r.text.lower()
    assert HOSTILE_SCRIPT not in r.text
    assert 'href="/report"' in client.get("/").text

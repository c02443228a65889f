"""The pages: login security (CSRF, cookie flags, rate limit, redirects), every page per role,
and hostile applicant data shown as inert text everywhere."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from test_web_support import (
    HOSTILE_FORMULA,
    HOSTILE_SCRIPT,
    PASSWORD,
    copy_template,
    csrf_of,
    login,
    settings_for,
)
from test_web_support import seeded_template as seeded_template
from vetline.web import create_app

PAGES = ["/", "/queue", "/appeals", "/notices", "/reference", "/audit", "/dashboard/figures"]


@pytest.fixture
def app_and_case(
    sqlite_url: str, tmp_path: Path, seeded_template: tuple[Path, int]
) -> Iterator[tuple[TestClient, int]]:
    case_id = copy_template(seeded_template, sqlite_url)
    app = create_app(settings_for(sqlite_url, tmp_path / "data"))
    with TestClient(app) as c:
        yield c, case_id


def test_pages_need_login(app_and_case: tuple[TestClient, int]) -> None:
    c, case_id = app_and_case
    for path in [*PAGES, f"/cases/{case_id}"]:
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login?next=")


def test_htmx_request_without_session_gets_hx_redirect(
    app_and_case: tuple[TestClient, int],
) -> None:
    c, _ = app_and_case
    r = c.get("/queue", headers={"HX-Request": "true"}, follow_redirects=False)
    assert r.status_code == 401
    assert r.headers["hx-redirect"].startswith("/login")


@pytest.mark.parametrize("who", ["rita", "sam", "audrey", "ada"])
def test_every_page_renders_for_every_role(app_and_case: tuple[TestClient, int], who: str) -> None:
    c, case_id = app_and_case
    login(c, who)
    for path in [*PAGES, f"/cases/{case_id}"]:
        r = c.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        assert "<main" in r.text


def test_session_cookie_flags(app_and_case: tuple[TestClient, int]) -> None:
    c, _ = app_and_case
    page = c.get("/login")
    r = c.post(
        "/login",
        data={"username": "rita", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # plain http on loopback


def test_session_cookie_is_secure_over_https(sqlite_url: str, tmp_path: Path) -> None:
    app = create_app(settings_for(sqlite_url, tmp_path / "data"))
    with TestClient(app, base_url="https://vetline.test") as c:
        r = c.get("/login")
        assert "; secure" in r.headers["set-cookie"].lower()


def test_login_without_csrf_token_is_refused(app_and_case: tuple[TestClient, int]) -> None:
    c, _ = app_and_case
    c.get("/login")
    r = c.post("/login", data={"username": "rita", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403
    r = c.post(
        "/login",
        data={"username": "rita", "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert r.status_code == 403


def test_cross_site_post_is_refused(app_and_case: tuple[TestClient, int]) -> None:
    c, case_id = app_and_case
    login(c, "rita")
    token = csrf_of(c.get("/queue").text)
    r = c.post(
        f"/cases/{case_id}/claim",
        data={"csrf_token": token},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert r.status_code == 403


def test_actions_need_the_csrf_token(app_and_case: tuple[TestClient, int]) -> None:
    c, case_id = app_and_case
    login(c, "rita")
    r = c.post(f"/cases/{case_id}/claim", data={}, follow_redirects=False)
    assert r.status_code == 403
    token = csrf_of(c.get("/queue").text)
    r = c.post(f"/cases/{case_id}/claim", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    htmx = c.post(
        f"/cases/{case_id}/release", headers={"X-CSRF-Token": token}, follow_redirects=False
    )
    assert htmx.status_code == 303


def test_login_rate_limit(app_and_case: tuple[TestClient, int]) -> None:
    c, _ = app_and_case
    codes = []
    for _ in range(6):
        token = csrf_of(c.get("/login").text)
        r = c.post("/login", data={"username": "rita", "password": "x", "csrf_token": token})
        codes.append(r.status_code)
    assert codes == [401] * 5 + [429]
    token = csrf_of(c.get("/login").text)
    right = {"username": "rita", "password": PASSWORD, "csrf_token": token}
    assert c.post("/login", data=right, follow_redirects=False).status_code == 429


def test_login_redirects_only_within_the_site(app_and_case: tuple[TestClient, int]) -> None:
    c, _ = app_and_case
    token = csrf_of(c.get("/login").text)
    data = {"username": "rita", "password": PASSWORD, "csrf_token": token}
    r = c.post("/login", data={**data, "next": "//evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_logout_forgets_the_user(app_and_case: tuple[TestClient, int]) -> None:
    c, _ = app_and_case
    login(c, "rita")
    token = csrf_of(c.get("/").text)
    assert c.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert c.get("/", follow_redirects=False).status_code == 303


def test_hostile_names_are_inert_text_on_every_page(app_and_case: tuple[TestClient, int]) -> None:
    c, case_id = app_and_case
    login(c, "audrey")
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    seen = 0
    for path in [*PAGES, f"/cases/{case_id}"]:
        html = c.get(path).text
        assert HOSTILE_SCRIPT not in html, path
        seen += escaped in html
    assert seen >= 3  # queue, case page and notices at least show the name, escaped
    case_html = c.get(f"/cases/{case_id}").text
    assert "=HYPERLINK(&#34;http://evil.example&#34;" in case_html
    assert HOSTILE_FORMULA not in case_html


def test_security_headers(app_and_case: tuple[TestClient, int]) -> None:
    c, _ = app_and_case
    r = c.get("/login")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_refused_action_shows_the_domain_reason(app_and_case: tuple[TestClient, int]) -> None:
    c, case_id = app_and_case
    login(c, "audrey")
    token = csrf_of(c.get("/queue").text)
    r = c.post(f"/cases/{case_id}/claim", data={"csrf_token": token})
    assert r.status_code == 403
    assert "audrey" in r.text and 'role="alert"' in r.text


def test_reference_upload_page(app_and_case: tuple[TestClient, int]) -> None:
    c, _ = app_and_case
    login(c, "sam")
    token = csrf_of(c.get("/reference").text)
    files = {"file": ("expelled.csv", b"id,first_name,last_name\nE-1,Ed,Ward\n", "text/csv")}
    data = {"csrf_token": token, "name": "expelled", "kind": "expelled"}
    r = c.post("/reference/upload", data=data, files=files)
    assert r.status_code == 200
    assert "expelled: version 1" in r.text
    assert c.get("/reference/expelled/versions/1").status_code == 200
    bad = {"file": ("bad.csv", b"id,nonsense\nE-1,x\n", "text/csv")}
    r = c.post("/reference/upload", data=data, files=bad)
    assert r.status_code == 422
    assert "bad.csv" in r.text


def test_audit_page_verifies_the_chain(app_and_case: tuple[TestClient, int]) -> None:
    c, _ = app_and_case
    login(c, "audrey")
    token = csrf_of(c.get("/audit").text)
    r = c.post("/audit/verify", data={"csrf_token": token})
    assert "The chain is intact" in r.text


def test_queue_export_neutralises_formulas(app_and_case: tuple[TestClient, int]) -> None:
    c, case_id = app_and_case
    login(c, "rita")
    r = c.get("/queue.csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["id"] for row in rows] == [str(case_id)]
    assert rows[0]["applicant"] == "'" + HOSTILE_FORMULA + " " + HOSTILE_SCRIPT
    assert not any(v.startswith(("=", "+", "-", "@")) for row in rows for v in row.values())


def test_login_is_on_the_audit_trail(app_and_case: tuple[TestClient, int]) -> None:
    c, _ = app_and_case
    login(c, "audrey")
    html = c.get("/audit", params={"action": "user.login"}).text
    assert "user.login" in html and "audrey" in html


def test_proposer_is_not_offered_the_approval(app_and_case: tuple[TestClient, int]) -> None:
    c, case_id = app_and_case
    login(c, "sam")  # a senior can propose and could approve someone else's proposal
    token = csrf_of(c.get("/queue").text)
    assert c.post(f"/cases/{case_id}/claim", data={"csrf_token": token}).status_code == 200
    r = c.post(
        f"/cases/{case_id}/propose",
        data={
            "csrf_token": token,
            "outcome": "exclude",
            "reason": "Ward officer of another party.",
            "clause_ids": "LAB-2.1-other-party",
            "evidence_hit_ids": "1",
        },
    )
    assert r.status_code == 200, r.text
    assert 'id="case-status">proposed' in r.text
    assert "Approve the proposal" not in r.text
    login(c, "tess")
    assert "Approve the proposal" in c.get(f"/cases/{case_id}").text

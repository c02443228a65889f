"""The JSON API: tokens and scopes, lookups, error mapping; the role checks come from the domain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from test_web_support import PASSWORD, add_user, api_token, settings_for
from vetline.db import get_engine, session_scope
from vetline.db.people import Application, Member
from vetline.web import create_app
from vetline.web.deps import SCOPES

ALL = list(SCOPES)


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(settings_for(db_url, tmp_path / "data"))
    with session_scope(get_engine(db_url)) as s:
        add_user(s, "rita", "reviewer")
        add_user(s, "sam", "senior")
        add_user(s, "audrey", "auditor")
        add_user(s, "ada", "admin")
        seed_people(s)
    with TestClient(app) as c:
        yield c


def seed_people(s: Session) -> None:
    s.add(
        Application(
            external_id="A-1",
            first_name="<script>alert(1)</script>",
            last_name='=HYPERLINK("http://x")',
            applied_at=datetime(2016, 7, 12, 9, 30, tzinfo=UTC),
            content_hash="0" * 64,
        )
    )
    s.add(
        Member(
            external_id="M-1",
            first_name="Ann",
            last_name="Lee",
            joined_at=datetime(2010, 1, 1, tzinfo=UTC),
            content_hash="1" * 64,
        )
    )


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_token_needs_the_right_password(client: TestClient) -> None:
    r = client.post(
        "/api/tokens", json={"username": "rita", "password": "nope", "scopes": ["cases:read"]}
    )
    assert r.status_code == 401


def test_token_rejects_unknown_scope(client: TestClient) -> None:
    r = client.post(
        "/api/tokens",
        json={"username": "rita", "password": PASSWORD, "scopes": ["root"]},
    )
    assert r.status_code == 422
    assert "unknown scope" in r.json()["detail"]


def test_token_exchange_is_rate_limited(client: TestClient) -> None:
    body = {"username": "rita", "password": "bad", "scopes": ["cases:read"]}
    codes = [client.post("/api/tokens", json=body).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    good = {**body, "password": PASSWORD}
    assert client.post("/api/tokens", json=good).status_code == 429


def test_token_list_and_revoke(client: TestClient) -> None:
    headers = api_token(client, "rita", ["cases:read"])
    listed = client.get("/api/tokens", headers=headers).json()
    assert [t["scopes"] for t in listed] == [["cases:read"]]
    assert "token" not in listed[0]
    r = client.delete(f"/api/tokens/{listed[0]['id']}", headers=headers)
    assert r.status_code == 200
    assert r.json()["revoked_at"] is not None
    assert client.get("/api/tokens", headers=headers).status_code == 401


def test_other_users_token_cannot_be_revoked_by_a_reviewer(client: TestClient) -> None:
    sams = api_token(client, "sam", ["cases:read"])
    sam_id = client.get("/api/tokens", headers=sams).json()[0]["id"]
    ritas = api_token(client, "rita", ["cases:read"])
    assert client.delete(f"/api/tokens/{sam_id}", headers=ritas).status_code == 403
    admins = api_token(client, "ada", ["cases:read"])
    assert client.delete(f"/api/tokens/{sam_id}", headers=admins).status_code == 200


def test_api_requires_a_bearer_token(client: TestClient) -> None:
    r = client.get("/api/applications/A-1")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    bad = client.get("/api/applications/A-1", headers={"Authorization": "Bearer vtl_forged"})
    assert bad.status_code == 401


def test_scope_is_enforced(client: TestClient) -> None:
    headers = api_token(client, "rita", ["members:read"])
    r = client.get("/api/applications/A-1", headers=headers)
    assert r.status_code == 403
    assert "applications:read" in r.json()["detail"]


def test_application_lookup_returns_hostile_text_verbatim(client: TestClient) -> None:
    headers = api_token(client, "audrey", ALL)
    r = client.get("/api/applications/A-1", headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert body["first_name"] == "<script>alert(1)</script>"
    assert r.headers["content-type"].startswith("application/json")
    assert body["status"] == "received"
    assert body["hits"] == [] and body["outcome"] is None


def test_application_lookup_unknown_is_404(client: TestClient) -> None:
    headers = api_token(client, "rita", ALL)
    r = client.get("/api/applications/nope", headers=headers)
    assert r.status_code == 404
    assert "nope" in r.json()["detail"]


def test_application_search_by_surname(client: TestClient) -> None:
    headers = api_token(client, "rita", ALL)
    r = client.get(
        "/api/applications", params={"last_name": '=hyperlink("http://x")'}, headers=headers
    )
    assert [a["external_id"] for a in r.json()] == ["A-1"]


def test_member_lookup_and_search(client: TestClient) -> None:
    headers = api_token(client, "rita", ["members:read"])
    assert client.get("/api/members/M-1", headers=headers).json()["last_name"] == "Lee"
    assert client.get("/api/members/M-2", headers=headers).status_code == 404
    found = client.get("/api/members", params={"last_name": "lee"}, headers=headers).json()
    assert [m["external_id"] for m in found] == ["M-1"]


def test_openapi_documents_every_api_route(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {"/healthz", "/api/tokens", "/api/applications/{external_id}", "/api/members"} <= paths
    assert not any(p.startswith(("/login", "/queue")) for p in paths)

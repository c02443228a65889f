"""Cases over the API: the whole review path and its refusals (roles, scopes, four eyes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from test_web_support import (
    WEB_USERS,
    add_user,
    api_token,
    copy_template,
    seed_case,
    settings_for,
)
from test_web_support import seeded_template as seeded_template
from vetline.db import get_engine, session_scope
from vetline.web import create_app

RW = ["cases:read", "cases:write"]


@pytest.fixture
def setup(
    db_url: str, tmp_path: Path, seeded_template: tuple[Path, int]
) -> Iterator[tuple[TestClient, int]]:
    if db_url.startswith("sqlite"):
        case_id = copy_template(seeded_template, db_url)
    else:
        with session_scope(get_engine(db_url)) as s:
            for name, role in WEB_USERS:
                add_user(s, name, role)
            case_id = seed_case(s, tmp_path / "in")
    app = create_app(settings_for(db_url, tmp_path / "data"))
    with TestClient(app) as c:
        yield c, case_id


def test_review_path_with_four_eyes_notice_and_appeal(setup: tuple[TestClient, int]) -> None:
    c, case_id = setup
    rita, ravi = api_token(c, "rita", RW), api_token(c, "ravi", RW)
    rita_apps = api_token(c, "rita", ["applications:read"])
    sam, tess = api_token(c, "sam", RW), api_token(c, "tess", RW)

    queue = c.get("/api/cases", headers=rita).json()
    assert [q["id"] for q in queue] == [case_id]
    claimed = c.post("/api/cases/claim-next", headers=rita).json()["case"]
    assert (claimed["id"], claimed["claimed_by"]) == (case_id, "rita")
    assert c.post(f"/api/cases/{case_id}/claim", headers=ravi).status_code == 409

    hit_ids = [h["id"] for h in c.get("/api/applications/A-9", headers=rita_apps).json()["hits"]]
    proposal = {
        "outcome": "exclude",
        "reason": "Officer of another party (hit on the other-party list).",
        "clause_ids": ["LAB-2.1-other-party"],
        "evidence_hit_ids": hit_ids,
    }
    r = c.post(f"/api/cases/{case_id}/propose", json=proposal, headers=rita)
    assert r.status_code == 200, r.text
    assert r.json()["is_final"] is False

    assert c.post(f"/api/cases/{case_id}/approve", json={}, headers=rita).status_code == 403
    assert c.post(f"/api/cases/{case_id}/approve", json={}, headers=ravi).status_code == 403
    r = c.post(f"/api/cases/{case_id}/approve", json={}, headers=sam)
    assert r.status_code == 200, r.text
    assert (r.json()["is_final"], r.json()["outcome"]) == (True, "exclude")

    notices = c.get("/api/notices", params={"case_id": case_id}, headers=rita).json()
    assert any("LAB-2.1-other-party" in n["clause_ids"] for n in notices)

    grounds = {"grounds": "I left the other party in 2015 and can prove it."}
    r = c.post(f"/api/cases/{case_id}/appeal", json=grounds, headers=rita)
    assert r.status_code == 201, r.text
    appeal_id = r.json()["id"]
    assert r.json()["kind"] == "appeal"
    assert c.post(f"/api/cases/{appeal_id}/claim", headers=sam).status_code == 403
    assert c.post(f"/api/cases/{appeal_id}/claim", headers=tess).status_code == 200
    heard = {"outcome": "overturn", "reason": "Resignation letter of 2015 seen."}
    r = c.post(f"/api/cases/{appeal_id}/propose", json=heard, headers=tess)
    assert r.status_code == 200, r.text
    assert r.json()["is_final"] is True
    closed = c.get("/api/cases", params={"status": "closed"}, headers=rita).json()
    outcomes = {q["id"]: q["final_outcome"] for q in closed}
    assert outcomes == {case_id: "exclude", appeal_id: "overturn"}  # the original stays


def test_case_detail(setup: tuple[TestClient, int]) -> None:
    c, case_id = setup
    rita = api_token(c, "rita", RW)
    detail = c.get(f"/api/cases/{case_id}", headers=rita)
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["case"]["id"] == case_id
    assert body["hits"] and body["hits"][0]["explanation"]
    assert [cl["id"] for cl in body["clauses"]] == ["LAB-2.1-other-party"]


def test_return_sends_the_proposal_back(setup: tuple[TestClient, int]) -> None:
    c, case_id = setup
    rita, sam = api_token(c, "rita", RW), api_token(c, "sam", RW)
    c.post(f"/api/cases/{case_id}/claim", headers=rita)
    hit_ids = [h["id"] for h in c.get(f"/api/cases/{case_id}", headers=rita).json()["hits"]]
    body = {
        "outcome": "reject",
        "reason": "Officer of another party.",
        "clause_ids": ["LAB-2.1-other-party"],
        "evidence_hit_ids": hit_ids,
    }
    r = c.post(f"/api/cases/{case_id}/propose", json=body, headers=rita)
    assert r.status_code == 200, r.text
    r = c.post(f"/api/cases/{case_id}/return", json={"reason": "cite the hit"}, headers=sam)
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "return"


def test_auditor_reads_but_cannot_work(setup: tuple[TestClient, int]) -> None:
    c, case_id = setup
    audrey = api_token(c, "audrey", RW)
    assert [q["id"] for q in c.get("/api/cases", headers=audrey).json()] == [case_id]
    assert c.post(f"/api/cases/{case_id}/claim", headers=audrey).status_code == 403
    assert c.post("/api/cases/claim-next", headers=audrey).status_code == 403


def test_read_only_token_cannot_claim(setup: tuple[TestClient, int]) -> None:
    c, case_id = setup
    rita = api_token(c, "rita", ["cases:read"])
    r = c.post(f"/api/cases/{case_id}/claim", headers=rita)
    assert r.status_code == 403
    assert "cases:write" in r.json()["detail"]


def test_conflicted_reviewer_is_kept_off(setup: tuple[TestClient, int]) -> None:
    c, case_id = setup
    rita = api_token(c, "rita", RW)
    r = c.post(f"/api/cases/{case_id}/conflicts", json={"reason": "my cousin"}, headers=rita)
    assert r.status_code == 201
    assert c.post(f"/api/cases/{case_id}/claim", headers=rita).status_code == 403
    assert c.post("/api/cases/claim-next", headers=rita).json()["case"] is None


def test_response_release_and_unknown_case(setup: tuple[TestClient, int]) -> None:
    c, case_id = setup
    rita = api_token(c, "rita", RW)
    r = c.post(f"/api/cases/{case_id}/responses", json={"body": "It's not me."}, headers=rita)
    assert r.status_code == 201
    # a notice id that does not exist (schemathesis found it a 500 at the foreign key)
    unknown = {"body": "About your letter.", "notice_id": 99999}
    r = c.post(f"/api/cases/{case_id}/responses", json=unknown, headers=rita)
    assert r.status_code == 422, r.text
    assert "notice 99999" in r.json()["detail"]
    c.post(f"/api/cases/{case_id}/claim", headers=rita)
    assert c.post(f"/api/cases/{case_id}/release", headers=rita).status_code == 204
    assert c.get("/api/cases/999999", headers=rita).status_code == 404
    bad = {"outcome": "exclude", "reason": "x"}
    assert c.post(f"/api/cases/{case_id}/propose", json=bad, headers=rita).status_code in (403, 409)


def test_oversight_figures(setup: tuple[TestClient, int]) -> None:
    c, _ = setup
    rita = api_token(c, "rita", ["cases:read"])
    r = c.get("/api/oversight/figures", params={"section": ["capacity"]}, headers=rita)
    assert r.status_code == 200, r.text
    assert r.json()["capacity"]["backlog"]["by_track"] == {"conduct": 1}
    assert "surge" not in r.json()
    assert c.get("/api/oversight/figures", headers=rita).json()["surge"]["total"] == 1

"""The JSON API: tokens and scopes, lookups, error mapping; the role checks come from the domain."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from test_web_support import PASSWORD, add_user, api_token, settings_for
from vetline import audit
from vetline.db import get_engine, session_scope
from vetline.db.people import Application, Import, Member
from vetline.db.review import AuditEvent
from vetline.db.screening import Hit, ScreeningRun
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


def test_submit_one_application_is_screened_at_once(client: TestClient) -> None:
    headers = api_token(client, "rita", ALL)
    body = {
        "id": "W-1",
        "first_name": "Ann",
        "last_name": "Lee",
        "applied_at": "2016-07-12T09:30:00Z",
        "source": "direct",
    }
    r = client.post("/api/applications", json=body, headers=headers)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["external_id"] == "W-1"
    assert out["screened_at"] is not None
    assert any(h["target"] == "member" for h in out["hits"])  # Ann Lee is a member
    assert out["outcome"] is not None and out["outcome"]["rulebook_version"].startswith("labour")
    assert out["status"] not in ("received", "screened")  # routed by the rulebook
    # the response is what the database holds (the route does not read the row back)
    again = client.get("/api/applications/W-1", headers=headers)
    assert again.status_code == 200
    assert _by_hit(again.json()) == _by_hit(out)


def test_submission_answers_what_the_database_then_holds(client: TestClient, db_url: str) -> None:
    """A new application's response is built from what its screening stored (no hits, a
    fix-it case, hits and a case), a repeated or changed one's from the database; every
    response equals a later GET, and the import is recorded as a one-row file's would be."""
    headers = api_token(client, "rita", ALL)
    base = {"applied_at": "2016-07-12T09:30:00Z", "source": "direct"}
    bodies = [
        {**base, "id": "S-1", "first_name": "Zed", "last_name": "Quill"},  # nothing found
        {**base, "id": "S-2", "first_name": "Yan", "last_name": "Ode", "payment_status": "failed"},
        {**base, "id": "S-3", "first_name": "Ann", "last_name": "Lee", "payment_status": "failed"},
        {**base, "id": "S-1", "first_name": "Zed", "last_name": "Quill"},  # sent again
        {**base, "id": "S-2", "first_name": "Yan", "last_name": "Oder"},  # changed
    ]
    answers = []
    for body in bodies:
        r = client.post("/api/applications", json=body, headers=headers)
        assert r.status_code == 201, r.text
        out = r.json()
        again = client.get(f"/api/applications/{body['id']}", headers=headers)
        assert _by_hit(again.json()) == _by_hit(out)
        answers.append(out)
    assert answers[0]["hits"] == [] and answers[0]["case_ids"] == []
    assert answers[1]["status"] == "fix_it" and len(answers[1]["case_ids"]) == 1
    assert answers[2]["hits"] and len(answers[2]["case_ids"]) == 1
    assert answers[3]["outcome"]["created_at"] > answers[0]["outcome"]["created_at"]
    with session_scope(get_engine(db_url)) as s:
        imports = s.scalars(select(Import).order_by(Import.id)).all()
    assert [(i.file_name, i.rows, i.inserted, i.updated, i.unchanged) for i in imports] == [
        ("submitted-application.csv", 1, 1, 0, 0),
        ("submitted-application.csv", 1, 1, 0, 0),
        ("submitted-application.csv", 1, 1, 0, 0),
        ("submitted-application.csv", 1, 0, 0, 1),
        ("submitted-application.csv", 1, 0, 1, 0),
    ]
    assert imports[0].file_sha256 == imports[3].file_sha256 != imports[1].file_sha256


def test_a_submissions_screening_run_is_stored_complete(client: TestClient, db_url: str) -> None:
    """The run's row is written once, with its hits count and end (on PostgreSQL its id is
    drawn first and the row goes in with the outcome's, or before its hits)."""
    headers = api_token(client, "rita", ALL)
    base = {"applied_at": "2016-07-12T09:30:00Z", "source": "direct"}
    for body in (
        {**base, "id": "R-1", "first_name": "Zed", "last_name": "Quill"},  # nothing found
        {**base, "id": "R-2", "first_name": "Ann", "last_name": "Lee"},  # a member
    ):
        r = client.post("/api/applications", json=body, headers=headers)
        assert r.status_code == 201, r.text
    with session_scope(get_engine(db_url)) as s:
        runs = s.scalars(
            select(ScreeningRun).where(ScreeningRun.trigger == "instant").order_by(ScreeningRun.id)
        ).all()
        hits = {
            run_id: n
            for run_id, n in s.execute(select(Hit.run_id, func.count()).group_by(Hit.run_id)).all()
        }
    assert [(run.applications, run.hits) for run in runs] == [(1, 0), (1, hits[runs[1].id])]
    assert runs[1].hits > 0
    for run in runs:
        assert run.finished_at is not None and run.started_at <= run.finished_at
        assert set(run.params["index"]) == {"lists", "members"}


def _by_hit(out: dict[str, Any]) -> dict[str, Any]:
    """An application's JSON with its hits in a fixed order (equal scores: database order)."""
    return {**out, "hits": sorted(out["hits"], key=lambda h: h["id"])}


def test_submit_rejects_bad_fields_naming_them(client: TestClient) -> None:
    headers = api_token(client, "rita", ALL)
    body = {"id": "W-2", "first_name": "Bo", "applied_at": "2016-07-12T09:30:00Z"}
    bad = {**body, "date_of_birth": "31/31/1999"}
    r = client.post("/api/applications", json=bad, headers=headers)
    assert r.status_code == 422
    assert "date_of_birth" in r.json()["detail"]


def test_auditor_cannot_submit(client: TestClient) -> None:
    headers = api_token(client, "audrey", ALL)
    body = {"id": "W-3", "first_name": "Bo", "applied_at": "2016-07-12T09:30:00Z"}
    assert client.post("/api/applications", json=body, headers=headers).status_code == 403


def test_submission_checks_its_token_in_its_own_transaction(
    client: TestClient, db_url: str
) -> None:
    """The submission route checks the token itself (one thread-pool call): the same answers
    as every other route, and nothing stored for a refused token."""
    body = {"id": "W-9", "first_name": "Bo", "applied_at": "2016-07-12T09:30:00Z"}

    def submit(headers: dict[str, str], payload: Any = body) -> Any:
        return client.post("/api/applications", json=payload, headers=headers)

    missing = submit({}, {"not": "an application"})
    assert missing.status_code == 401  # refused before the body is looked at
    assert missing.headers["www-authenticate"] == "Bearer"
    assert submit({"Authorization": "Bearer vtl_forged"}).status_code == 401
    assert submit({"Authorization": "Basic dXNlcjpwdw=="}).status_code == 401
    lacking = submit(api_token(client, "rita", ["applications:read"]))
    assert lacking.status_code == 403
    assert "applications:write" in lacking.json()["detail"]
    expired = api_token(client, "rita", ALL)
    revoked = api_token(client, "rita", ALL)
    with session_scope(get_engine(db_url)) as s:
        from vetline.db.web import ApiToken

        tokens = s.scalars(select(ApiToken).order_by(ApiToken.id.desc()).limit(2)).all()
        tokens[1].expires_at = datetime.now(UTC) - timedelta(minutes=1)
        tokens[0].revoked_at = datetime.now(UTC)
    assert submit(expired).status_code == 401
    assert submit(revoked).status_code == 401
    sams = api_token(client, "sam", ALL)
    with session_scope(get_engine(db_url)) as s:
        from vetline.db.review import User

        s.execute(update(User).where(User.name == "sam").values(active=False))
    assert submit(sams).status_code == 401
    with session_scope(get_engine(db_url)) as s:
        assert s.scalar(select(Application).where(Application.external_id == "W-9")) is None
    ok = submit(api_token(client, "rita", ["applications:write"]))
    assert ok.status_code == 201, ok.text


def test_bulk_upload_imports_and_reports(client: TestClient) -> None:
    headers = api_token(client, "rita", ["applications:write", "applications:read"])
    csv_text = "id,first_name,last_name,applied_at\nB-1,Cy,Dee,2016-07-12T09:30:00Z\n"
    files = {"file": ("surge.csv", csv_text.encode(), "text/csv")}
    r = client.post("/api/applications/bulk", files=files, headers=headers)
    assert r.status_code == 200, r.text
    assert (r.json()["inserted"], r.json()["file"]) == (1, "surge.csv")
    again = client.post("/api/applications/bulk", files=files, headers=headers).json()
    assert (again["inserted"], again["unchanged"]) == (0, 1)
    assert client.get("/api/applications/B-1", headers=headers).json()["last_name"] == "Dee"


def test_bulk_upload_error_names_file_row_and_field(client: TestClient) -> None:
    headers = api_token(client, "rita", ["applications:write"])
    csv_text = "id,first_name,last_name,applied_at\nB-1,Cy,Dee,yesterday\n"
    files = {"file": ("surge.csv", csv_text.encode(), "text/csv")}
    r = client.post("/api/applications/bulk", files=files, headers=headers)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "surge.csv" in detail and "applied_at" in detail


def test_reference_list_versions_and_rescreen_hits(client: TestClient) -> None:
    senior = api_token(client, "sam", ["reference:write", "reference:read"])
    csv_v1 = "id,first_name,last_name,party\nX-1,Ann,Lee,Other Party\n"
    files = {"file": ("others.csv", csv_v1.encode(), "text/csv")}
    form = {"kind": "party_members", "source": "test"}
    r = client.post("/api/reference-lists/others/versions", files=files, data=form, headers=senior)
    assert r.status_code == 201, r.text
    assert (r.json()["list_version"], r.json()["inserted"]) == (1, 1)
    lists = client.get("/api/reference-lists", headers=senior).json()
    assert [(x["name"], x["version"], x["entries"]) for x in lists] == [("others", 1, 1)]
    versions = client.get("/api/reference-lists/others/versions", headers=senior).json()
    assert [v["list_version"] for v in versions] == [1]
    hits = client.get("/api/reference-lists/others/versions/1/hits", headers=senior)
    assert hits.status_code == 200
    assert client.get("/api/reference-lists/nope/versions", headers=senior).status_code == 404


def test_reviewer_cannot_upload_a_reference_list(client: TestClient) -> None:
    headers = api_token(client, "rita", ["reference:write"])
    files = {"file": ("x.csv", b"id,first_name\nX-1,Ann\n", "text/csv")}
    r = client.post(
        "/api/reference-lists/x/versions", files=files, data={"kind": "expelled"}, headers=headers
    )
    assert r.status_code == 403


def test_no_cdn_backed_docs_pages(client: TestClient) -> None:
    assert client.get("/docs").status_code == 404
    assert client.get("/openapi.json").status_code == 200


def test_token_use_is_noted_at_most_once_a_minute(client: TestClient, db_url: str) -> None:
    """Every request with a token used to rewrite its row, so concurrent submissions sharing
    one token queued on the row lock; the use is now noted once a minute."""
    from vetline.db.web import ApiToken

    headers = api_token(client, "rita", ["applications:read"])

    def last_used() -> datetime | None:
        with session_scope(get_engine(db_url)) as s:
            token = s.scalars(select(ApiToken)).one()
            return token.last_used_at

    assert client.get("/api/applications/A-1", headers=headers).status_code == 200
    first = last_used()
    assert first is not None
    assert client.get("/api/applications/A-1", headers=headers).status_code == 200
    assert last_used() == first  # within the minute: no write
    with session_scope(get_engine(db_url)) as s:
        s.execute(update(ApiToken).values(last_used_at=first - timedelta(minutes=2)))
    assert client.get("/api/applications/A-1", headers=headers).status_code == 200
    later = last_used()
    assert later is not None and later >= first


def test_concurrent_submissions_keep_the_audit_chain(db_url: str, client: TestClient) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers itself")
    headers = api_token(client, "rita", ALL)
    names = ["Ann", "Bob", "Cy", "Di", "Ed", "Flo"]

    def submit(i: int) -> int:
        body = {
            "id": f"C-{i}",
            "first_name": names[i],
            "last_name": "Lee",
            "applied_at": "2016-07-12T09:30:00Z",
        }
        return client.post("/api/applications", json=body, headers=headers).status_code

    assert submit(0) == 201  # registers the rulebook (two first submissions at once race there)
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        assert list(pool.map(submit, range(1, len(names)))) == [201] * (len(names) - 1)
    with session_scope(get_engine(db_url)) as s:
        assert audit.verify(s).ok
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    per_app: dict[str, list[tuple[int, int]]] = {}
    for e in events:
        if e.entity == "application" and e.entity_id is not None:
            per_app.setdefault(e.entity_id, []).append((e.chain, e.seq))
    assert len(per_app) >= len(names)
    for positions in per_app.values():  # each submission's events went in together, in order,
        assert len({chain for chain, _ in positions}) == 1  # in one chain
        seqs = [seq for _, seq in positions]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def test_one_submission_at_a_time_per_process(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Concurrent submissions to one process are screened one after another (the CPU-bound
    screening would only take turns on the GIL), and every one is answered."""
    import threading
    import time

    from vetline.web.api import applications

    inside, most = [0], [0]
    lock = threading.Lock()
    real = applications.submit_one

    def counted(*args: Any, **kwargs: Any) -> str:
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        try:
            time.sleep(0.05)  # long enough for the others to arrive meanwhile
            return real(*args, **kwargs)
        finally:
            with lock:
                inside[0] -= 1

    monkeypatch.setattr(applications, "submit_one", counted)
    headers = api_token(client, "rita", ALL)

    def submit(i: int) -> int:
        body = {"id": f"S-{i}", "first_name": f"N{i}", "applied_at": "2016-07-12T09:30:00Z"}
        return client.post("/api/applications", json=body, headers=headers).status_code

    assert submit(0) == 201
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(submit, range(1, 5))) == [201] * 4
    assert most[0] == 1

"""Oversight on SQLite and PostgreSQL: the loader, `figures` and `vetline report`."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from vetline.cli import app
from vetline.db.people import Application, ReferenceList
from vetline.db.review import Case, Decision, User
from vetline.db.screening import Hit, ScreeningRun
from vetline.oversight import ReportOptions, figures, render
from vetline.oversight.loader import load_applications, load_cases

T0 = datetime(2016, 7, 1, tzinfo=UTC)


def _seed(session: Session) -> None:
    ann = User(name="ann", role="reviewer")
    sue = User(name="sue", role="senior")
    session.add_all([ann, sue])
    apps = []
    for i in range(12):
        status = ["admitted", "rejected", "referred", "received"][i % 4]
        apps.append(
            Application(
                external_id=f"A{i}",
                applied_at=T0 + timedelta(hours=i),
                source="Flood" if i < 6 else None,
                status=status,
                payment_ref="card-1" if i < 3 else None,
                email=f"person{i}@gmail.com",
                content_hash=f"h{i}",
            )
        )
    session.add_all(apps)
    run = ScreeningRun(engine="duckdb", model_version="t", review_threshold=0.05)
    rivals = ReferenceList(name="rivals", kind="party_members")
    register = ReferenceList(name="register", kind="register")
    session.add_all([run, rivals, register])
    session.flush()

    def hit(i: int, target: str, list_id: int | None) -> Hit:
        return Hit(
            run_id=run.id,
            application_id=apps[i].id,
            target=target,
            list_id=list_id,
            score=0.9,
            band="match",
            explanation=[],
            pair_hash=f"p{i}{target}{list_id}",
        )

    # hits of concern for A1, A2, A5; being on the register or a duplicate is not one
    session.add_all(hit(i, "reference", rivals.id) for i in (1, 2, 5))
    session.add_all(hit(i, "reference", register.id) for i in (0, 1, 3))
    session.add(hit(4, "application", None))
    closed = Case(
        application_id=apps[1].id,
        track="conduct",
        status="closed",
        rulebook_version="1",
        opened_at=T0 + timedelta(hours=2),
        final_outcome="reject",
        closed_at=T0 + timedelta(days=1),
    )
    admitted = Case(
        application_id=apps[4].id,
        track="conduct",
        status="closed",
        rulebook_version="1",
        opened_at=T0 + timedelta(hours=5),
        final_outcome="admit",
        closed_at=T0 + timedelta(days=1, hours=2),
    )
    open_case = Case(
        application_id=apps[2].id,
        track="conduct",
        status="open",
        rulebook_version="1",
        opened_at=T0 + timedelta(hours=3),
    )
    fixit = Case(
        application_id=apps[6].id,
        track="administrative",
        status="awaiting_response",
        rulebook_version="1",
        opened_at=T0 + timedelta(hours=7),
    )
    session.add_all([closed, admitted, open_case, fixit])
    session.flush()
    session.add_all(
        [
            Decision(
                case_id=closed.id,
                kind="proposal",
                outcome="reject",
                reason="r",
                rulebook_version="1",
                actor_id=ann.id,
            ),
            Decision(
                case_id=closed.id,
                kind="approval",
                outcome="reject",
                reason="ok",
                is_final=True,
                rulebook_version="1",
                actor_id=sue.id,
            ),
            Decision(
                case_id=admitted.id,
                kind="decision",
                outcome="admit",
                reason="namesake",
                is_final=True,
                rulebook_version="1",
                actor_id=ann.id,
            ),
        ]
    )
    session.commit()


def test_loader_reads_outcomes_and_cases(session: Session) -> None:
    _seed(session)
    apps = {a.id: a for a in load_applications(session)}
    assert len(apps) == 12
    ext = {a.id: a.external_id for a in session.query(Application)}
    # hits of concern only: the register hits of A0, A1, A3 and A4's duplicate do not count
    assert sorted(ext[i] for i, a in apps.items() if a.has_hit) == ["A1", "A2", "A5"]
    assert sum(a.excluded for a in apps.values()) == 3  # A1, A5, A9 are 'rejected'
    # statuses cycle admitted, rejected, referred, received: A0 A4 A8 admitted, A1 A5 A9 rejected
    assert sum(a.decided for a in apps.values()) == 6
    # A2 A6 A10 'referred', plus A1 and A4 which had conduct cases
    referred = sorted(a.id for a in apps.values() if a.referred)
    assert len(referred) == 5
    assert {a.source for a in apps.values()} == {"Flood", "(no campaign given)"}
    cases = {c.track: c for c in load_cases(session) if c.closed_at is None}
    assert set(cases) == {"conduct", "administrative"}
    decided = [c for c in load_cases(session) if c.closed_at is not None]
    assert sorted((c.reviewer, c.adverse) for c in decided) == [("ann", False), ("ann", True)]


def test_figures_are_json_and_render(session: Session) -> None:
    _seed(session)
    data = figures(session, ReportOptions(as_of=T0 + timedelta(days=2)))
    json.dumps(data)  # JSON-ready for the API
    assert data["surge"]["total"] == 12
    assert data["capacity"]["backlog"] == {
        "total": 2,
        "by_track": {"administrative": 1, "conduct": 1},
        "needs_reviewer": 1,  # the fix-it case waits for the applicant
        "awaiting_applicant": 1,
    }
    assert data["capacity"]["closed_in_window"] == 2
    assert data["capacity"]["not_yet_screened"] == 3
    assert data["coordination"]["leads"][0]["application_ids"] == sorted(
        data["coordination"]["leads"][0]["application_ids"]
    )
    assert data["coordination"]["leads"][0]["size"] == 3
    assert data["projection"]["excluded_so_far"] == 3
    assert data["freeze_date_assumed"] is True
    html = render(data)
    assert "<script" not in html and "Coordinated sign-ups" in html


def test_cli_report_writes_self_contained_html_and_json(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as session:
        _seed(session)
    out, js = tmp_path / "report.html", tmp_path / "figures.json"
    res = CliRunner().invoke(
        app, ["report", "--out", str(out), "--json", str(js), "--freeze-date", "2016-07-20"]
    )
    assert res.exit_code == 0, res.output
    html = out.read_text()
    assert "<svg" in html and "<script" not in html.lower()
    # nothing to fetch: no external stylesheet, image, font or script
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html
    data = json.loads(js.read_text())
    assert data["capacity"]["freeze_date"] == "2016-07-20"
    assert data["freeze_date_assumed"] is False


def test_report_on_an_empty_database(engine: Engine, tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["report", "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 0, res.output
    assert "No applications yet" in (tmp_path / "r.html").read_text()

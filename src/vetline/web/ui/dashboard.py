"""The dashboard: backlog and flow at a glance. Counts render at once; the oversight figures
(applications per day, backlog by track, days to the ballot freeze) load after, via htmx."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from vetline.db.base import utcnow
from vetline.db.review import Case, CaseStatus
from vetline.oversight.figures import figures
from vetline.oversight.html import render as render_report
from vetline.status import status_counts
from vetline.users import Permission, require
from vetline.web.deps import CurrentUser, SessionDep
from vetline.web.templating import render

router = APIRouter()
AT_RISK = timedelta(days=3)


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    require(user, Permission.READ_CASES)
    now = utcnow()
    at_risk = list(
        session.scalars(
            select(Case)
            .where(Case.status != CaseStatus.CLOSED, Case.due_at.is_not(None))
            .where(Case.due_at <= now + AT_RISK)
            .order_by(Case.due_at)
            .limit(50)
        )
    )
    ctx = {"active": "dashboard", "counts": status_counts(session), "at_risk": at_risk, "now": now}
    return render(request, "dashboard.html", ctx)


@router.get("/dashboard/figures", response_class=HTMLResponse)
def dashboard_figures(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    require(user, Permission.READ_CASES)
    f = figures(session, sections=("surge", "capacity"))
    surge = f["surge"]
    bins = surge.get("bins", surge.get("days", []))[-14:]
    days = [
        {
            "label": b.get("start", b.get("day")),
            "applications": b.get("applications"),
            "flagged": b.get("flagged"),
            "top_source": b.get("top_source"),
        }
        for b in bins
    ]
    partial = bool(request.headers.get("HX-Request"))
    return render(
        request,
        "_figures.html" if partial else "figures.html",
        {
            "surge": f["surge"],
            "days": days,
            "capacity": f["capacity"],
            "f": f,
            "active": "dashboard",
        },
    )


# the oversight report is one self-contained document with its own inline styles and no
# script; it gets its own, equally strict policy
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
    "form-action 'none'; base-uri 'none'"
)


@router.get("/report", response_class=HTMLResponse)
def report(session: SessionDep, user: CurrentUser) -> Response:
    """The full oversight report (issue #6) — the same document `vetline report` writes."""
    require(user, Permission.READ_CASES)
    html = render_report(figures(session))
    return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP})

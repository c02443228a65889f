"""The review queue: filter, sort, claim next (htmx swaps the rows when a filter changes)."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vetline.cases.service import CaseSummary, claim_next, list_queue
from vetline.db.review import CaseStatus, Track
from vetline.intake.screen_files import safe_cell
from vetline.web.deps import CsrfDep, CurrentUser, SessionDep
from vetline.web.templating import render

router = APIRouter()

Sort = Literal["priority", "score", "oldest", "due"]
_SORTS: dict[str, str] = {
    "priority": "Priority (ballot deadline, evidence, age)",
    "score": "Strongest evidence first",
    "oldest": "Oldest first",
    "due": "Due soonest",
}


def _sorted(rows: list[CaseSummary], sort: str) -> list[CaseSummary]:
    if sort == "score":
        return sorted(rows, key=lambda c: -c.evidence_score)
    if sort == "oldest":
        return sorted(rows, key=lambda c: c.opened_at)
    if sort == "due":
        return sorted(rows, key=lambda c: (c.due_at is None, c.due_at or c.opened_at))
    return rows


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    status: Annotated[str, Query(max_length=30)] = "",
    track: Annotated[str, Query(max_length=30)] = "",
    sort: Sort = "priority",
    message: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    rows = list_queue(
        session,
        user,
        status=status if status in CaseStatus.ALL else None,
        track=track if track in Track.ALL else None,
        limit=200,
    )
    ctx = {
        "active": "queue",
        "cases": _sorted(rows, sort),
        "status": status,
        "track": track,
        "sort": sort,
        "statuses": CaseStatus.ALL,
        "tracks": Track.ALL,
        "sorts": _SORTS,
        "message": message,
    }
    template = "_queue_rows.html" if request.headers.get("HX-Request") else "queue.html"
    return render(request, template, ctx)


@router.post("/queue/claim-next")
def claim_next_case(session: SessionDep, user: CurrentUser, _csrf: CsrfDep) -> Response:
    claimed = claim_next(session, user)
    if claimed is None:
        return RedirectResponse("/queue?message=No+case+is+waiting+for+you.", status_code=303)
    return RedirectResponse(f"/cases/{claimed.id}", status_code=303)


EXPORT_COLUMNS = (
    "id",
    "external_id",
    "applicant",
    "source",
    "kind",
    "track",
    "status",
    "clause_ids",
    "evidence_score",
    "opened_at",
    "due_at",
    "claimed_by",
    "final_outcome",
    "application_id",  # a case is about an application or (member_id) an existing member
    "member_id",
)


@router.get("/queue.csv")
def queue_csv(session: SessionDep, user: CurrentUser) -> Response:
    """The queue as CSV; a cell a spreadsheet would run as a formula is prefixed with a quote."""
    rows = list_queue(session, user, include_closed=True, limit=100_000)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for c in rows:
        values = vars(c) | {"clause_ids": " ".join(c.clause_ids)}
        writer.writerow(
            [safe_cell("" if values[k] is None else str(values[k])) for k in EXPORT_COLUMNS]
        )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="vetline-queue.csv"'},
    )

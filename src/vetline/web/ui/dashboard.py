"""The dashboard: backlog and flow at a glance, from the same counts as `vetline status`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from vetline.status import status_counts
from vetline.web.deps import CurrentUser, SessionDep
from vetline.web.templating import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    counts = status_counts(session)
    return render(request, "dashboard.html", {"counts": counts, "figures": None})

"""Submit one application (screened at once) or upload a batch; both go through intake."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from vetline import audit
from vetline.intake import import_application, import_applications
from vetline.intake.csvfile import CsvFile
from vetline.users import Permission, require
from vetline.web import screen
from vetline.web.api.people import application_out
from vetline.web.api.schemas import ApplicationOut
from vetline.web.config import WebSettings
from vetline.web.deps import (
    BearerDep,
    SessionDep,
    WebSettingsDep,
    authenticate,
    authorise,
    request_session,
    scope,
)
from vetline.web.uploads import one_row_csv, saved_upload

router = APIRouter(prefix="/api/applications", tags=["applications"])

WriteApplications = Annotated[Any, Depends(scope("applications:write"))]


class ApplicationIn(BaseModel):
    """One application in the documented person + application columns (docs/formats.md)."""

    id: str = Field(min_length=1, max_length=100, description="the sender's own id")
    first_name: str | None = Field(default=None, max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    date_of_birth: str | None = Field(default=None, max_length=10, examples=["1980-02-29"])
    postcode: str | None = Field(default=None, max_length=16)
    address: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    applied_at: datetime
    source: str | None = Field(default=None, max_length=100)
    category: Literal["member", "registered_supporter", "affiliated_supporter"] = "member"
    payment_ref: str | None = Field(default=None, max_length=100)
    payment_status: Literal["paid", "failed", "pending"] | None = None


class ImportOut(BaseModel):
    kind: str
    file: str
    file_format: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    removed: int
    list_name: str | None
    list_version: int | None
    import_id: int
    seconds: float


@router.post("", response_model=ApplicationOut, status_code=201, responses={422: {}})
async def submit_application(
    body: ApplicationIn, request: Request, creds: BearerDep, ws: WebSettingsDep
) -> Response:
    """Submit one application; it is screened at once and the response gives its outcome.

    Needs the `applications:write` scope.
    """
    # One submission at a time per server process, queued here in the event loop (no thread
    # held while waiting): screening is CPU-bound Python, so two at once in one process only
    # take turns on the GIL (measured: docs/web.md, session 6). Several processes
    # (`vetline serve --workers N`) screen side by side.
    async with request.app.state.submitting:
        out = await run_in_threadpool(_submit, request, creds, body, ws)
    return Response(out, status_code=201, media_type="application/json")


def _submit(
    request: Request, creds: HTTPAuthorizationCredentials, body: ApplicationIn, ws: WebSettings
) -> str:
    # token check, submission and commit in one thread-pool call (with SessionDep and a
    # scope dependency it visited the pool three times)
    with request_session(request) as session:
        user = authorise(authenticate(session, creds), "applications:write")
        return submit_one(session, body, user=user, ws=ws)


def submit_one(session: Session, body: ApplicationIn, *, user: Any, ws: WebSettings) -> str:
    """The submission in the caller's transaction (it commits): its response body as JSON."""
    require(user, Permission.WORK_CASES)
    audit.defer_until_commit(session)  # the chain's lock only for the commit, not the screening
    # the same validation and bookkeeping as an uploaded file of one row, read from memory
    submitted = CsvFile.from_bytes(
        one_row_csv(body.model_dump(mode="json")), name="submitted-application.csv"
    )
    _, application = import_application(session, submitted, actor=user.name)
    screened = screen.screen_now(session, application, actor=user.name, rulebook=ws.core.rulebook)
    # built and validated already: serialised once here (given the model, FastAPI would dump
    # it, validate it again and serialise it: a third of the response's cost with many hits)
    return application_out(session, application, screened).model_dump_json()


@router.post("/bulk", response_model=ImportOut, responses={422: {}})
def upload_applications(
    file: Annotated[UploadFile, File(description="applications CSV (docs/formats.md)")],
    user: WriteApplications,
    session: SessionDep,
) -> ImportOut:
    """Import a CSV of applications (atomic, idempotent); `vetline screen-run` screens them."""
    require(user, Permission.WORK_CASES)
    with saved_upload(file) as path:
        summary = import_applications(session, path, actor=user.name)
    return ImportOut(**summary.as_dict())

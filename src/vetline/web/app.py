"""The app factory: one FastAPI app serving the JSON API, the pages and the static files."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from vetline.db import get_engine
from vetline.settings import Settings
from vetline.web import errors
from vetline.web.config import web_settings
from vetline.web.middleware import SessionAndHeaders

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app against `settings` (default: the environment); migrates the database."""
    ws = web_settings(settings)
    get_engine(ws.core.db_url)
    app = FastAPI(
        # no Swagger/ReDoc pages: they load their scripts from a CDN; the schema is enough
        docs_url=None,
        redoc_url=None,
        title="vetline",
        version="1",
        summary="Vet a membership surge fairly: intake, screening, cases, notices, appeals.",
        description=(
            "JSON API for membership systems. Authenticate with `Authorization: Bearer <token>`;"
            " get a token from `POST /api/tokens` with a user name and password. Each route names"
            " the scope it needs; the user's role (reviewer, senior, admin, auditor) decides the"
            " rest."
        ),
    )
    app.state.web = ws
    # submissions are screened one at a time per process (vetline.web.api.applications)
    app.state.submitting = asyncio.Lock()
    errors.install(app)

    app.add_middleware(SessionAndHeaders, ws=ws)

    from vetline.web.api import router as api_router
    from vetline.web.ui import router as ui_router

    app.include_router(api_router)
    app.include_router(ui_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app

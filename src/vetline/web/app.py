"""The app factory: one FastAPI app serving the JSON API, the pages and the static files."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles

from vetline.db import get_engine
from vetline.settings import Settings
from vetline.web import errors
from vetline.web.config import web_settings
from vetline.web.security import load_session, save_session

STATIC = Path(__file__).parent / "static"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # no inline script anywhere: injected markup could not run even if escaping failed
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}


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
    errors.install(app)

    @app.middleware("http")
    async def sessions_and_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        is_page = not request.url.path.startswith(("/api/", "/static/", "/healthz", "/openapi"))
        if is_page and request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin")
            if origin and urlsplit(origin).netloc != request.url.netloc:
                return PlainTextResponse("cross-site request refused", status_code=403)
        sess = load_session(request, ws)
        request.state.web_session = sess
        request.state.csrf = sess.csrf
        response = await call_next(request)
        replacement = getattr(request.state, "new_session", None)
        if replacement is not None:
            save_session(response, request, ws, replacement)
        elif sess.fresh and is_page:
            save_session(response, request, ws, sess)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        if is_page:
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    from vetline.web.api import router as api_router
    from vetline.web.ui import router as ui_router

    app.include_router(api_router)
    app.include_router(ui_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app

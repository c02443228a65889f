"""One handler table: vetline errors become HTTP responses, JSON for /api/, a page otherwise."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from vetline.errors import VetlineError


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def _render(request: Request, status: int, detail: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": detail}, status_code=status)
    from vetline.web.templating import render

    return render(request, "error.html", {"status": status, "detail": detail}, status=status)


async def vetline_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, VetlineError)
    return _render(request, exc.status, exc.detail)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 303 and exc.headers and "Location" in exc.headers:
        return Response(status_code=303, headers=exc.headers)
    response = _render(request, exc.status_code, str(exc.detail))
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if _wants_json(request):
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)
    msgs = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()
    )
    return _render(request, 422, msgs)


HANDLERS = {
    VetlineError: vetline_error,
    StarletteHTTPException: http_error,
    RequestValidationError: validation_error,
}


def install(app: FastAPI) -> None:
    for exc_class, handler in HANDLERS.items():
        app.add_exception_handler(exc_class, handler)

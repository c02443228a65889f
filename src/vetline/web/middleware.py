"""The session cookie and security headers as plain ASGI middleware (no per-request task or
body streaming as with BaseHTTPMiddleware: it runs on every request, so it is kept cheap)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi.responses import PlainTextResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vetline.web.config import WebSettings
from vetline.web.security import load_session, save_session

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
_NOT_PAGES = ("/api/", "/static/", "/healthz", "/openapi")
_SAFE = ("GET", "HEAD", "OPTIONS")


class SessionAndHeaders:
    def __init__(self, app: ASGIApp, ws: WebSettings) -> None:
        self.app = app
        self.ws = ws

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        is_page = not request.url.path.startswith(_NOT_PAGES)
        if is_page and request.method not in _SAFE:
            origin = request.headers.get("origin")
            if origin and urlsplit(origin).netloc != request.url.netloc:
                refused = PlainTextResponse("cross-site request refused", status_code=403)
                await refused(scope, receive, send)
                return
        sess = load_session(request, self.ws)
        request.state.web_session = sess
        request.state.csrf = sess.csrf

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                replacement = getattr(request.state, "new_session", None)
                if replacement is not None or (sess.fresh and is_page):
                    cookie = Response()
                    save_session(cookie, request, self.ws, replacement or sess)
                    headers.append("set-cookie", cookie.headers["set-cookie"])
                for key, value in SECURITY_HEADERS.items():
                    headers.setdefault(key, value)
                if is_page:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)

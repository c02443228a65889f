"""Module-level app for `uvicorn vetline.web.asgi:app` (and `vetline serve --workers N`)."""

from __future__ import annotations

from vetline.web import create_app

app = create_app()

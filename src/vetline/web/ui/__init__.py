"""Server-rendered pages (Jinja2 + htmx), one module per screen."""

from __future__ import annotations

from fastapi import APIRouter

from vetline.web.ui import auth, cases, dashboard, pages, queue

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(dashboard.router)
router.include_router(queue.router)
router.include_router(cases.router)
router.include_router(pages.router)

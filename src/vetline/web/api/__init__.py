"""JSON routers under /api/ (and /healthz), one module per domain area."""

from __future__ import annotations

from fastapi import APIRouter

from vetline.web.api import health

router = APIRouter()
router.include_router(health.router)

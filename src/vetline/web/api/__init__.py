"""JSON routers under /api/ (and /healthz), one module per domain area."""

from __future__ import annotations

from fastapi import APIRouter

from vetline.web.api import health, people, tokens

router = APIRouter()
for module in (health, tokens, people):
    router.include_router(module.router)

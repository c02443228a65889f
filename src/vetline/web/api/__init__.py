"""JSON routers under /api/ (and /healthz), one module per domain area."""

from __future__ import annotations

from fastapi import APIRouter

from vetline.web.api import (
    applications,
    cases,
    health,
    notices,
    oversight,
    people,
    reference,
    tokens,
)

router = APIRouter()
for module in (health, tokens, applications, people, reference, cases, notices, oversight):
    router.include_router(module.router)

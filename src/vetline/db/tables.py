"""Import every table module so Base.metadata knows the whole schema (Alembic, tests)."""

from vetline.db import people, review, screening, web

__all__ = ["people", "review", "screening", "web"]

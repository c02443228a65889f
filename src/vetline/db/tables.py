"""Import every table module so Base.metadata knows the whole schema (Alembic, tests)."""

from vetline.db import people, screening

__all__ = ["people", "screening"]

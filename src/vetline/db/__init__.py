"""Tables, engine and sessions. SQLite is the embedded default; PostgreSQL is production."""

from vetline.db.base import Base
from vetline.db.engine import get_engine, reset_engines, session_scope

__all__ = ["Base", "get_engine", "reset_engines", "session_scope"]

"""One exception base carrying a user-facing detail and an HTTP-ish status.

The CLI prints `detail` and exits non-zero; the web layer maps `status` to the response code.
"""

from __future__ import annotations


class VetlineError(Exception):
    status: int = 400

    def __init__(self, detail: str, *, status: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status


class ConfigError(VetlineError):
    status = 500


class InputError(VetlineError):
    """Bad input: the detail names the file, the row and the field."""

    status = 422


class NotFound(VetlineError):
    status = 404


class PermissionDenied(VetlineError):
    status = 403


class Conflict(VetlineError):
    status = 409


class MissingExtra(VetlineError):
    """An optional part (Spark, PostgreSQL driver) is not installed."""

    status = 500

    def __init__(self, extra: str, module: str) -> None:
        super().__init__(
            f"{module} is not installed: install vetline with the '{extra}' extra "
            f"(pip install 'vetline[{extra}]')"
        )

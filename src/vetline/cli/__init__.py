"""The `vetline` command line: one module per area registers its commands on `app`."""

from __future__ import annotations

import sys

from rich.markup import escape

from vetline.cli import audit as _audit  # noqa: F401
from vetline.cli import ballot as _ballot  # noqa: F401
from vetline.cli import cases as _cases  # noqa: F401
from vetline.cli import demo as _demo  # noqa: F401
from vetline.cli import intake as _intake  # noqa: F401
from vetline.cli import notices as _notices  # noqa: F401
from vetline.cli import report as _report  # noqa: F401
from vetline.cli import screening as _screening  # noqa: F401
from vetline.cli import serve as _serve  # noqa: F401
from vetline.cli import synth as _synth  # noqa: F401
from vetline.cli import system as _system  # noqa: F401
from vetline.cli import users as _users  # noqa: F401
from vetline.cli.app import app, err_console
from vetline.errors import VetlineError


def main() -> None:
    """Entry point: domain errors become a clear message and exit code 2, not a traceback."""
    try:
        app(standalone_mode=True)
    except VetlineError as exc:
        err_console.print(f"[bold red]error:[/] {escape(exc.detail)}", markup=True, highlight=False)
        sys.exit(2)


__all__ = ["app", "main"]

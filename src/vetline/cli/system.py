"""Housekeeping commands: database initialisation and status counts."""

from __future__ import annotations

import typer
from rich.table import Table

from vetline.cli.app import app, console, print_json
from vetline.db import get_engine, session_scope
from vetline.settings import get_settings
from vetline.status import status_counts


@app.command("init-db")
def init_db() -> None:
    """Create and migrate the configured database (VETLINE_DB_URL; SQLite file by default).

    Example: VETLINE_DB_URL=postgresql://localhost/vetline vetline init-db
    """
    engine = get_engine()
    console.print(f"database ready: {engine.url.render_as_string(hide_password=True)}")


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Counts of applications by status, members, reference lists and entries, hits, open cases.

    Example: vetline status --json
    """
    with session_scope() as session:
        counts = status_counts(session)
    if as_json:
        print_json(counts)
        return
    table = Table(title=f"vetline status — {get_settings().db_url}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for status_name, n in counts["applications"].items():
        table.add_row(f"applications: {status_name}", str(n))
    for key in ("members", "reference_lists", "reference_entries", "hits", "open_cases"):
        table.add_row(key.replace("_", " "), str(counts[key]))
    console.print(table)

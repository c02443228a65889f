"""`vetline demo`: the main job on the embedded default, start to finish."""

from __future__ import annotations

import time

import typer
from rich.panel import Panel
from rich.table import Table

from vetline.cli.app import app, console
from vetline.demo import run_demo


def _table(title: str, rows: dict[str, int], label: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(label)
    table.add_column("count", justify="right")
    for key, n in rows.items():
        table.add_row(key.replace("_", " "), f"{n:,}")
    return table


@app.command("demo")
def demo(
    members: int = typer.Option(20_000, help="Existing members to generate."),
    applicants: int = typer.Option(5_000, help="Applications in the surge."),
    days: int = typer.Option(10, help="Length of the surge in days."),
    seed: int = typer.Option(1, help="Random seed (same seed, same data)."),
) -> None:
    """Generate a synthetic surge, import it, screen it, route it, and print a summary.

    Uses the configured database (SQLite file under VETLINE_DATA_DIR by default). Safe to re-run.

    Example: vetline demo --members 20000 --applicants 5000
    """
    started = time.monotonic()
    with console.status("starting…") as status:
        result = run_demo(
            members=members,
            applicants=applicants,
            days=days,
            seed=seed,
            step=lambda msg: status.update(msg),
        )
    apps = {k: v for k, v in result.status["applications"].items() if v}
    console.print(_table("Applications by outcome", apps, "status"))
    console.print(_table("Hits by list", result.hits_by_list, "against"))
    console.print(_table("Cases", result.cases_by_status, "status"))
    console.print(
        f"members: {result.status['members']:,}   reference entries: "
        f"{result.status['reference_entries']:,}   open cases: {result.status['open_cases']:,}"
    )
    users = Table(
        title="Demo users (for `vetline ... --as NAME` and the web login)", title_justify="left"
    )
    users.add_column("name")
    users.add_column("role")
    users.add_column("password")
    for name, role, password in result.users:
        users.add_row(name, role, password or "(set before; see the users file)")
    console.print(users)
    lines = [
        f"database:   {result.db_url}",
        f"demo data:  {result.synth.out}",
        f"users file: {result.users_file} (private: mode 600)",
        *(f"{label}: {path}" for label, path in result.extra_files.items()),
        "",
        "first: . .venv/bin/activate",
        "CLI:   vetline cases claim-next --as rosa",
        "Web:   vetline serve, then open http://127.0.0.1:8000/login",
        "       reviewers rosa, ravi · seniors sam, tess (the second pair of eyes)",
        "       auditor olu (read-only, audit log) · admin ada",
        "       passwords above, also in the users file",
        "API:   http://127.0.0.1:8000/openapi.json",
        "Report on the web: http://127.0.0.1:8000/report",
    ]
    console.print(
        Panel("\n".join(lines), title=f"vetline demo done in {time.monotonic() - started:.0f} s")
    )

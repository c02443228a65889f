"""`vetline screen-run`: screen every unscreened application in the database."""

from __future__ import annotations

import typer
from rich.table import Table

from vetline.cli.app import app, console, print_json
from vetline.db import session_scope
from vetline.screening import ScreeningSummary, screen_and_decide


def print_screening(summary: ScreeningSummary) -> None:
    table = Table(title=f"screening run {summary.run_id}: {summary.applications:,} applications")
    table.add_column("hits against")
    table.add_column("count", justify="right")
    for name, n in sorted(summary.hits_by_list.items()):
        table.add_row(f"list: {name}", f"{n:,}")
    for target in ("member", "application"):
        table.add_row(f"{target}s (duplicates)", f"{summary.hits_by_target.get(target, 0):,}")
    console.print(table)
    if summary.outcomes:
        outcomes = Table(title=f"outcomes under rulebook {summary.rulebook}")
        outcomes.add_column("outcome")
        outcomes.add_column("applications", justify="right")
        for name, n in sorted(summary.outcomes.items()):
            outcomes.add_row(name, f"{n:,}")
        console.print(outcomes)


@app.command("screen-run")
def screen_run(
    engine: str = typer.Option(None, help="Linkage backend: duckdb (default) or spark."),
    threshold: float = typer.Option(
        None, help="Review threshold (default VETLINE_REVIEW_THRESHOLD)."
    ),
    rulebook: str = typer.Option(
        None, help="Rulebook name or YAML path (default VETLINE_RULEBOOK)."
    ),
    actor: str = typer.Option("system", "--as", help="Who runs the screening (audit)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Screen every unscreened application against the active reference lists and the membership.

    Example: vetline screen-run --engine duckdb
    """
    with session_scope() as session, console.status("screening…") as status:
        summary = screen_and_decide(
            session,
            rulebook_name=rulebook,
            engine=engine,
            threshold=threshold,
            actor=actor,
            progress=lambda msg: status.update(msg),
        )
    if as_json:
        print_json(summary.__dict__ | {"hits": summary.hits})
    else:
        print_screening(summary)

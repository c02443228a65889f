"""`vetline screen-run`: screen every unscreened application in the database."""

from __future__ import annotations

import typer
from rich.table import Table

from vetline.cli.app import app, console, print_json
from vetline.db import session_scope
from vetline.member_hits import member_hits
from vetline.screening import ScreeningSummary, screen_and_decide


def print_relisted(summary: ScreeningSummary) -> None:
    """What lists' new versions found on people screened before (members: for review only)."""
    for name, (since, now) in sorted(summary.relisted_versions.items()):
        console.print(
            f"list {name} v{since}→v{now}: applications newly matching: "
            f"{summary.relisted.get(name, 0):,}"
        )
        if name in summary.members_relisted:
            console.print(
                f"members newly matching {name} list v{now}: "
                f"{summary.members_relisted[name]:,} (flagged for review; "
                f"see vetline member-hits --list {name})"
            )
    if summary.members_rescreened:
        found = sum(summary.changed_member_hits.values())
        again = summary.members_rescreened - summary.members_new
        console.print(
            f"members screened against the lists: {summary.members_new:,} never screened "
            f"before, {again:,} whose record changed ({found:,} hits flagged for review)"
        )
    if summary.member_cases:
        console.print(
            f"cases opened on members the rulebook refers: {len(summary.member_cases):,} "
            "(vetline cases list; the membership changes only when people decide)"
        )


def print_screening(summary: ScreeningSummary) -> None:
    table = Table(title=f"screening run {summary.run_id}: {summary.applications:,} applications")
    table.add_column("hits against")
    table.add_column("count", justify="right")
    for name, n in sorted(summary.hits_by_list.items()):
        table.add_row(f"list: {name}", f"{n:,}")
    for target in ("member", "application"):
        table.add_row(f"{target}s (duplicates)", f"{summary.hits_by_target.get(target, 0):,}")
    console.print(table)
    print_relisted(summary)
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


@app.command("member-hits")
def member_hits_command(
    list_name: str = typer.Option(None, "--list", help="Only hits on this reference list."),
    version: int = typer.Option(None, "--version", help="Only hits new in this list version."),
    limit: int = typer.Option(200, help="At most this many, best first."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Current members a list matches, for people to review (never automatic); the case
    column names the case the rulebook opened about the member, if any.

    Example: vetline member-hits --list other-party-members --version 3
    """
    with session_scope() as session:
        found = member_hits(session, list_name=list_name, new_in_version=version, limit=limit)
    if as_json:
        print_json([h.__dict__ for h in found])
        return
    table = Table(title=f"{len(found):,} member hit(s) for review")
    for col in ("hit", "member", "name", "list (new in)", "entry", "score", "band", "case"):
        table.add_column(col, justify="right" if col in ("hit", "score") else "left")
    for h in found:
        table.add_row(
            str(h.hit_id),
            h.member_external_id,
            h.member_name,
            h.list_name + (f" (v{h.new_in_version})" if h.new_in_version is not None else ""),
            f"{h.entry_external_id} {h.entry_name}",
            f"{h.score:.3f}",
            h.band,
            str(h.case_id or ""),
        )
    console.print(table)

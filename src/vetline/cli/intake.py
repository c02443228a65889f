"""`vetline import ...` (into the database) and `vetline screen` (CSV in, CSV out, no database)."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from vetline.cli.app import app, console, err_console, print_json
from vetline.db import get_engine, session_scope
from vetline.db.people import ListKind
from vetline.intake import ImportSummary, import_applications, import_members, import_reference
from vetline.intake.screen_files import screen_files, write_hits

import_app = typer.Typer(
    help="Import a CSV into the database: atomic (all or nothing) and idempotent.",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

FileArg = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="The CSV file.")
ActorOpt = typer.Option(None, "--as", help="Who imports (recorded); default: your login name.")
JsonOpt = typer.Option(False, "--json", help="Print the summary as JSON.")
CheckOpt = typer.Option(
    False, "--check", help="Validate and count what would change, then roll back: write nothing."
)


@contextmanager
def _session(check: bool) -> Iterator[Session]:
    """The import's one transaction; with --check it is always rolled back."""
    if not check:
        with session_scope() as session:
            yield session
        return
    session = sessionmaker(bind=get_engine())()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    with Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,  # stdout stays clean for --json
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _actor(actor: str | None) -> str:
    if actor:
        return actor
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "cli"


def _print(summary: ImportSummary, as_json: bool, check: bool) -> None:
    if as_json:
        print_json(summary.as_dict() | {"checked_only": check})
        return
    verb = "checked (nothing written)" if check else "imported"
    title = f"{verb} {summary.file} ({summary.file_format}) in {summary.seconds:.1f} s"
    if summary.list_name is not None:
        title += f" → list {summary.list_name!r} version {summary.list_version}"
    table = Table(title=title)
    for col in ("rows", "inserted", "updated", "unchanged", "removed"):
        table.add_column(col, justify="right")
    table.add_row(
        *(
            f"{n:,}"
            for n in (
                summary.rows,
                summary.inserted,
                summary.updated,
                summary.unchanged,
                summary.removed,
            )
        )
    )
    console.print(table)
    if summary.kept_exclusions:
        console.print(
            f"[yellow]kept 'excluded' for {summary.kept_exclusions:,} member(s) whom people "
            "excluded in vetline: the file says otherwise (only an appeal overturns an "
            "exclusion); see `vetline audit list --entity member`[/yellow]"
        )


@import_app.command("applications")
def import_applications_cmd(
    file: Path = FileArg, actor: str = ActorOpt, as_json: bool = JsonOpt, check: bool = CheckOpt
) -> None:
    """Import applications: the person CSV plus applied_at, source, category, payment columns.

    Example: vetline import applications surge/applications.csv
    """
    with _progress("applications") as progress, _session(check) as session:
        summary = import_applications(session, file, actor=_actor(actor), progress=progress)
    _print(summary, as_json, check)


@import_app.command("members")
def import_members_cmd(
    file: Path = FileArg, actor: str = ActorOpt, as_json: bool = JsonOpt, check: bool = CheckOpt
) -> None:
    """Import the membership: the person CSV plus joined_at, status, category, paid_until.

    Example: vetline import members surge/members.csv
    """
    with _progress("members") as progress, _session(check) as session:
        summary = import_members(session, file, actor=_actor(actor), progress=progress)
    _print(summary, as_json, check)


@import_app.command("reference")
def import_reference_cmd(
    file: Path = FileArg,
    list_name: str = typer.Option(..., "--list", help="The list's name, e.g. 'candidates-2021'."),
    kind: str = typer.Option(..., "--kind", help="One of: " + ", ".join(ListKind.ALL) + "."),
    source: str = typer.Option(None, "--source", help="Where the list came from (a URL, a body)."),
    licence: str = typer.Option(None, "--licence", help="Its licence, e.g. 'CC BY 4.0'."),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
    check: bool = CheckOpt,
) -> None:
    """Import a reference list; its format (person, Democracy Club, register) is told by the header.

    The file is the whole list: entries missing from it are marked removed in the new version.

    Example: vetline import reference candidates.csv --list dc-2021 --kind candidates
    --source candidates.democracyclub.org.uk --licence "CC BY 4.0"
    """
    with _progress(f"list {list_name}") as progress, _session(check) as session:
        summary = import_reference(
            session,
            file,
            list_name=list_name,
            kind=kind,
            source=source,
            licence=licence,
            actor=_actor(actor),
            progress=progress,
        )
    _print(summary, as_json, check)


@app.command("screen")
def screen_cmd(
    applicants: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="Applicants: a person CSV."
    ),
    against: list[Path] = typer.Option(
        ...,
        "--against",
        exists=True,
        dir_okay=False,
        help="A reference CSV (person, Democracy Club or register); repeat for several.",
    ),
    out: Path = typer.Option(..., "--out", dir_okay=False, help="Where to write the hits CSV."),
    threshold: float = typer.Option(
        None, "--threshold", help="Keep pairs scoring at least this (default: review threshold)."
    ),
    engine: str = typer.Option(
        None, "--engine", help="Linkage backend: duckdb (default, VETLINE_MATCH_ENGINE) or spark."
    ),
) -> None:
    """Screen applicants against reference files, no database: one CSV row per candidate pair.

    Columns: applicant_id, reference_list (the file's name), reference_id, score (probability
    of the same person), band, explanation.

    Example: vetline screen applications.csv --against candidates.csv --against expelled.csv
    --out hits.csv
    """
    with err_console.status("screening…"):
        result = screen_files(applicants, list(against), threshold=threshold, engine=engine)
    write_hits(result.hits, out)
    table = Table(title=f"{result.applicants:,} applicants screened → {out}")
    table.add_column("reference list")
    table.add_column("format")
    table.add_column("entries", justify="right")
    table.add_column("hits by band")
    for name, bands in result.counts().items():
        fmt, n = result.references[name]
        shown = ", ".join(f"{b}: {c:,}" for b, c in sorted(bands.items())) or "none"
        table.add_row(name, fmt, f"{n:,}", shown)
    console.print(table)

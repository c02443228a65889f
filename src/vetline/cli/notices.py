"""`vetline notices …`: the outbox of rendered letters and emails (nothing is really sent)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from vetline.cases.notices import export_outbox, list_notices
from vetline.cli.app import app, console, print_json
from vetline.db import session_scope
from vetline.db.review import Notice
from vetline.errors import NotFound
from vetline.settings import get_settings
from vetline.users import Permission, get_user, require

notices_app = typer.Typer(help="The notices outbox.", no_args_is_help=True)
app.add_typer(notices_app, name="notices")


def _json(n: Notice, body: bool) -> dict[str, object]:
    out: dict[str, object] = {
        "id": n.id,
        "application_id": n.application_id,
        "member_id": n.member_id,
        "case_id": n.case_id,
        "kind": n.kind,
        "channel": n.channel,
        "recipient": n.recipient,
        "subject": n.subject,
        "clause_ids": n.clause_ids,
        "rulebook_version": n.rulebook_version,
        "respond_by": n.respond_by,
        "created_at": n.created_at,
    }
    if body:
        out["body"] = n.body
    return out


@notices_app.command("list")
def list_(
    as_user: str = typer.Option(..., "--as", envvar="VETLINE_AS", help="Act as this user."),
    application: int | None = typer.Option(None, help="Only this application id."),
    case: int | None = typer.Option(None, help="Only this case id."),
    limit: int = typer.Option(50),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (with bodies)."),
) -> None:
    """Newest notices first. Example: vetline notices list --as olu --case 12 --json"""
    with session_scope() as session:
        require(get_user(session, as_user), Permission.READ_NOTICES)
        rows = list_notices(session, application_id=application, case_id=case, limit=limit)
        data = [_json(n, as_json) for n in rows]
    if as_json:
        print_json(data)
        return
    table = Table(title=f"notices ({len(data)})")
    for col in ("id", "kind", "case", "to", "subject", "respond by"):
        table.add_column(col)
    for d in data:
        rb = d["respond_by"]
        table.add_row(
            str(d["id"]),
            str(d["kind"]),
            str(d["case_id"] or ""),
            str(d["recipient"]),
            str(d["subject"]),
            f"{rb:%Y-%m-%d}" if rb else "",
        )
    console.print(table)


@notices_app.command("show")
def show(
    notice_id: int,
    as_user: str = typer.Option(..., "--as", envvar="VETLINE_AS", help="Act as this user."),
) -> None:
    """Print one notice as the applicant would read it. Example: vetline notices show 3 --as olu"""
    with session_scope() as session:
        require(get_user(session, as_user), Permission.READ_NOTICES)
        n = session.get(Notice, notice_id)
        if n is None:
            raise NotFound(f"no notice {notice_id}")
        console.print(
            f"To: {n.recipient} ({n.channel})\nSubject: {n.subject}\n\n{n.body}",
            highlight=False,
            markup=False,
        )


@notices_app.command("export")
def export(
    out: Path | None = typer.Option(None, help="Folder (default: VETLINE_OUTBOX_DIR)."),
    since: int = typer.Option(0, help="Only notices with an id above this."),
    as_user: str = typer.Option(..., "--as", envvar="VETLINE_AS", help="Act as this user."),
) -> None:
    """Write the outbox as one text file per notice (nothing is sent).

    Example: vetline notices export --out outbox/ --as olu
    """
    directory = out or get_settings().outbox_dir
    with session_scope() as session:
        require(get_user(session, as_user), Permission.READ_NOTICES)
        n = export_outbox(session, directory, since_id=since)
    console.print(f"{n} notices written to {directory}")

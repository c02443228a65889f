"""`vetline electorate`: the electorate snapshot under franchise rules, and two rules compared."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from vetline.ballot import bundled_names, compare, electorate, load_rules, movers_csv
from vetline.cli.app import app, console, print_json
from vetline.db import session_scope
from vetline.errors import InputError

electorate_app = typer.Typer(
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(electorate_app, name="electorate")

RULES_HELP = "Franchise rules: a YAML file or a bundled name ({})."


def _parse_day(raw: str | None) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InputError(f"--at {raw!r}: expected a date YYYY-MM-DD") from exc


def _counts_row(table: Table, label: str, counts: dict[str, Any]) -> None:
    table.add_row(
        label,
        str(counts["considered"]),
        str(counts["yes"]),
        str(counts["pending"]),
        str(counts["no"]),
    )


@electorate_app.callback()
def electorate_snapshot(
    ctx: typer.Context,
    rules: str | None = typer.Option(
        None, "--rules", help=RULES_HELP.format(", ".join(bundled_names()))
    ),
    at: str | None = typer.Option(
        None, "--at", help="Snapshot date YYYY-MM-DD (default: the rules' reference_date)."
    ),
    out: Path | None = typer.Option(None, "--out", help="CSV to write; a <out>.json sidecar too."),
    as_json: bool = typer.Option(False, "--json", help="Print the sidecar metadata as JSON."),
) -> None:
    """Write the electorate: everyone considered, eligible yes/no/pending and a reason code.

    The CSV is reproducible (same database, rules and date give the same bytes); the sidecar
    `<out>.json` carries the sha256 of the inputs and the counts.

    Example: vetline electorate --rules labour-2016 --at 2016-08-22 --out electorate.csv
    Example: vetline electorate compare labour-2016 conservative-2024 --at 2016-08-22
    """
    if ctx.invoked_subcommand is not None:
        return
    if rules is None or out is None:
        raise InputError("vetline electorate needs --rules and --out (or: electorate compare A B)")
    franchise = load_rules(rules)
    with session_scope() as session:
        snapshot = electorate(session, franchise, _parse_day(at))
    sidecar = snapshot.write(out)
    if as_json:
        print_json(snapshot.metadata(_sha(out)))
        return
    table = Table(title=f"{franchise.name} on {snapshot.at.isoformat()}")
    for column in ("who", "considered", "may vote", "pending", "may not vote"):
        table.add_column(column, justify="left" if column == "who" else "right")
    _counts_row(table, "everyone", snapshot.counts())
    _counts_row(table, "existing members", snapshot.counts("member"))
    _counts_row(table, "surge applications", snapshot.counts("application"))
    console.print(table)
    reasons = snapshot.counts()["by_reason"]
    if reasons:
        console.print(
            "reasons: " + ", ".join(f"{k} {v}" for k, v in reasons.items()), highlight=False
        )
    console.print(f"wrote {out} and {sidecar}\ninputs sha256 {snapshot.inputs_sha256}")


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@electorate_app.command("compare")
def electorate_compare(
    rules_a: str = typer.Argument(..., help="First franchise (file or bundled name)."),
    rules_b: str = typer.Argument(..., help="Second franchise (file or bundled name)."),
    at: str | None = typer.Option(
        None, "--at", help="Date for both (default: each rule set's own reference_date)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    out: Path | None = typer.Option(
        None, "--out", help="Also write everyone who moves (id, verdict and reason under A and B)."
    ),
) -> None:
    """How many of the surge and of everyone may vote under each rule set, and who moves, why.

    Example: vetline electorate compare labour-2015 labour-2016 --at 2016-08-22 --json
    Example: vetline electorate compare conservative-2022 conservative-2024 --out movers.csv
    """
    a, b = load_rules(rules_a), load_rules(rules_b)
    day = _parse_day(at)
    with session_scope() as session:
        snap_a, snap_b = electorate(session, a, day), electorate(session, b, day)
    result = compare(snap_a, snap_b)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(movers_csv(snap_a, snap_b).encode("utf-8"))
    if as_json:
        print_json(result)
        return
    table = Table(title=f"A = {a.name} ({result['at']['a']})   B = {b.name} ({result['at']['b']})")
    for column in ("who", "rules", "considered", "may vote", "pending", "may not vote"):
        table.add_column(column, justify="left" if column in ("who", "rules") else "right")
    for group, label in (("all", "everyone"), ("surge", "surge applications")):
        for side in ("a", "b"):
            c = result[group][side]
            table.add_row(
                label,
                side.upper(),
                str(c["considered"]),
                str(c["yes"]),
                str(c["pending"]),
                str(c["no"]),
            )
    console.print(table)
    moves = Table(title=f"who moves ({result['moved_total']} people)")
    for column in ("group", "A", "B", "reason under A", "reason under B", "people"):
        moves.add_column(column, justify="right" if column == "people" else "left")
    for m in result["moves"]:
        moves.add_row(
            m["group"],
            m["from"],
            m["to"],
            m["reason_a"] or "-",
            m["reason_b"] or "-",
            str(m["people"]),
        )
    console.print(moves)
    if out is not None:
        console.print(f"wrote everyone who moves to {out}")

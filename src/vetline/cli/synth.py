"""`vetline synth`: write a realistic synthetic surge with ground truth."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from vetline.cli.app import app, console, print_json
from vetline.synth import STEPS, generate

SYNTH_HELP = (
    "Generate a membership, a surge of applications, reference lists and a truth file.\n\n"
    'Files and columns are those of docs/formats.md ("Synthetic data"); truth.csv says which '
    "applicants really are on which list (with the corruptions applied), and which are only "
    "namesakes, household members or part of a coordinated sign-up cluster. The same seed "
    "always writes the same bytes.\n\n"
    "Example: vetline synth --out data/synth --members 600000 --applicants 128000 --days 10"
)


@app.command("synth", help=SYNTH_HELP)
def synth(
    out: Path = typer.Option(..., "--out", help="Directory to write the CSV files into."),
    members: int = typer.Option(20_000, "--members", min=50, help="Existing members."),
    applicants: int = typer.Option(5_000, "--applicants", min=100, help="Applications."),
    days: int = typer.Option(10, "--days", min=1, help="Length of the surge in days."),
    seed: int = typer.Option(1, "--seed", help="Same seed, same bytes."),
    start: str = typer.Option(
        "",
        "--start",
        help="When the surge begins, ISO 8601 (naive = UTC); default 2023-07-10T06:00Z.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Generate a synthetic surge with ground truth (help text: SYNTH_HELP)."""
    with Progress(
        TextColumn("[bold]synth[/] {task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=as_json,
        disable=as_json,
    ) as bar:
        task = bar.add_task(STEPS[0], total=len(STEPS))

        def report(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        summary = generate(
            out,
            members=members,
            applicants=applicants,
            days=days,
            seed=seed,
            start=_start(start),
            progress=report,
        )
    if as_json:
        print_json(
            {
                "out": str(summary.out),
                "files": summary.counts,
                "truth": summary.truth,
                "planted": summary.planted,
                "seconds": round(summary.seconds, 2),
            }
        )
        return
    table = Table(title=f"synth seed {seed}: {summary.seconds:.1f}s")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, n in summary.counts.items():
        table.add_row(name, f"{n:,}")
    for relation, n in summary.truth.items():
        table.add_row(f"  truth: {relation}", f"{n:,}")
    console.print(table)
    console.print(f"written to {summary.out.resolve()}")


def _start(text: str) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise typer.BadParameter(
            f"not an ISO 8601 date-time: {text!r}", param_hint="--start"
        ) from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)

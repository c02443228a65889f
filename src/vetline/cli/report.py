"""`vetline report`: the oversight report for the governing committee (HTML, and JSON figures)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import typer

from vetline.cli.app import app, console
from vetline.db import session_scope
from vetline.errors import InputError
from vetline.oversight import ReportOptions, write_report
from vetline.oversight.figures import PAST_EXCLUDED, PAST_TOTAL


def _day(raw: str | None, option: str) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InputError(f"{option} {raw!r}: expected a date YYYY-MM-DD") from exc


def _moment(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(f"--as-of {raw!r}: expected YYYY-MM-DD or an ISO date-time") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@app.command("report")
def report(
    out: Path = typer.Option(..., "--out", help="The HTML file to write (self-contained)."),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the figures as JSON."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Report as of this date-time (default: the latest event in the data)."
    ),
    freeze_date: str | None = typer.Option(
        None, "--freeze-date", help="Ballot freeze date YYYY-MM-DD (default: as-of + 28 days)."
    ),
    past_excluded: int = typer.Option(
        PAST_EXCLUDED, "--past-excluded", help="Exclusions in the past surge used for projection."
    ),
    past_total: int = typer.Option(
        PAST_TOTAL, "--past-total", help="Applications in that past surge."
    ),
    level: float = typer.Option(0.9, "--level", help="Credible level of the projection."),
    baseline_until: str | None = typer.Option(
        None, "--baseline-until", help="Last day of the quiet period (default: whole period)."
    ),
    window_hours: float = typer.Option(
        24.0, "--window-hours", help="Coordinated sign-ups: how close in time (hours)."
    ),
    min_cluster: int = typer.Option(3, "--min-cluster", help="Smallest group reported as a lead."),
    alpha: float = typer.Option(0.05, "--alpha", help="Even-handedness test level."),
    capacity_days: int = typer.Option(
        7, "--capacity-days", help="Days of recent work that measure throughput."
    ),
) -> None:
    """Write the oversight report: surge, coordinated sign-ups, projection, capacity, fairness.

    Example: vetline report --out report.html --json figures.json --freeze-date 2016-08-22
    """
    if past_total <= 0 or not 0 <= past_excluded <= past_total:
        raise InputError("--past-excluded must be between 0 and --past-total (> 0)")
    if not 0 < level < 1 or not 0 < alpha < 1:
        raise InputError("--level and --alpha must be between 0 and 1")
    options = ReportOptions(
        as_of=_moment(as_of),
        freeze_date=_day(freeze_date, "--freeze-date"),
        past_excluded=past_excluded,
        past_total=past_total,
        projection_level=level,
        baseline_until=_day(baseline_until, "--baseline-until"),
        coordination_window_hours=window_hours,
        coordination_min_size=min_cluster,
        alpha=alpha,
        capacity_window_days=capacity_days,
    )
    with session_scope() as session:
        data = write_report(session, out, json_out=json_out, options=options)
    s, k, p = data["surge"], data["capacity"], data["projection"]
    console.print(
        f"{s['total']:,} applications, {len(s['bursts'])} burst(s) above the expected range; "
        f"{data['coordination']['leads_total']} coordination lead(s); "
        f"expected exclusions {p['expected_from_past']['low']:,} to "
        f"{p['expected_from_past']['high']:,}; "
        f"{k['backlog']['needs_reviewer']:,} case(s) for reviewers, clears "
        f"{k['clears_on_at_net_rate'] or 'never at this pace'} "
        f"(freeze {k['freeze_date']})",
        highlight=False,
    )
    console.print(f"wrote {out}" + (f" and {json_out}" if json_out else ""))

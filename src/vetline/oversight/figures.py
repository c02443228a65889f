"""All oversight figures in one JSON-ready dict: the report renders it, the API serves it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from vetline.oversight import loader
from vetline.oversight.capacity import capacity
from vetline.oversight.coordination import clusters
from vetline.oversight.fairness import by_campaign, by_region, by_reviewer
from vetline.oversight.projection import projection
from vetline.oversight.records import ApplicationRecord, CaseRecord
from vetline.oversight.surge import surge

# Labour 2016 (../shared/domain.md): 3,107 of 183,000 registered-supporter applications were
# barred on conduct/support grounds. Pass your own past surge with past_excluded/past_total.
PAST_EXCLUDED = 3_107
PAST_TOTAL = 183_000
FREEZE_DAYS_AHEAD = 28


@dataclass(frozen=True)
class ReportOptions:
    """The report's knobs, with the defaults documented in docs/oversight.md."""

    as_of: datetime | None = None  # default: the latest event in the data
    freeze_date: date | None = None  # default: as_of + 28 days, labelled as an assumption
    past_excluded: int = PAST_EXCLUDED
    past_total: int = PAST_TOTAL
    projection_level: float = 0.9
    baseline_until: date | None = None  # default: the whole period, robustly
    surge_level: float = 0.999
    coordination_window_hours: float = 24.0
    coordination_min_size: int = 3
    max_leads: int = 50
    alpha: float = 0.05
    capacity_window_days: int = 7


SECTIONS = ("surge", "coordination", "projection", "capacity", "fairness")


def compute_figures(
    apps: Sequence[ApplicationRecord],
    cases: Sequence[CaseRecord],
    options: ReportOptions = ReportOptions(),
    *,
    not_yet_screened: int = 0,
    sections: Sequence[str] = SECTIONS,
) -> dict[str, Any]:
    """The figures of the report from plain records (no database); `sections` picks which
    (the dashboard needs only surge and capacity, and coordination is the slow one)."""
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        raise ValueError(f"unknown sections {unknown}; known: {list(SECTIONS)}")
    as_of = options.as_of or loader.latest_event(list(apps), list(cases)) or datetime.now(UTC)
    freeze_assumed = options.freeze_date is None
    freeze = options.freeze_date or (as_of + timedelta(days=FREEZE_DAYS_AHEAD)).date()
    settings = asdict(replace(options, as_of=as_of, freeze_date=freeze))
    out: dict[str, Any] = {
        "generated_for": as_of.isoformat(),
        "options": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in settings.items()},
        "freeze_date_assumed": freeze_assumed,
    }
    if "surge" in sections:
        out["surge"] = surge(apps, baseline_until=options.baseline_until, level=options.surge_level)
    if "coordination" in sections:
        window = timedelta(hours=options.coordination_window_hours)
        leads = clusters(apps, window=window, min_size=options.coordination_min_size)
        out["coordination"] = {
            "window_hours": options.coordination_window_hours,
            "min_size": options.coordination_min_size,
            "leads_total": len(leads),
            "applications_in_leads": sum(c["size"] for c in leads),
            "leads": leads[: options.max_leads],
        }
    if "projection" in sections:
        out["projection"] = projection(
            len(apps),
            sum(a.decided for a in apps),
            sum(a.excluded for a in apps),
            past_excluded=options.past_excluded,
            past_total=options.past_total,
            level=options.projection_level,
        )
    if "capacity" in sections:
        out["capacity"] = capacity(
            cases,
            as_of=as_of,
            freeze_date=freeze,
            window_days=options.capacity_window_days,
            not_yet_screened=not_yet_screened,
        )
    if "fairness" in sections:
        out["fairness"] = {
            "by_campaign": by_campaign(apps, alpha=options.alpha),
            "by_region": by_region(apps, alpha=options.alpha),
            "by_reviewer": by_reviewer(
                [c for c in cases if c.track != "appeal"], alpha=options.alpha
            ),
        }
    return out


def figures(
    session: Session,
    options: ReportOptions = ReportOptions(),
    *,
    sections: Sequence[str] = SECTIONS,
) -> dict[str, Any]:
    """The oversight figures of the database as a JSON-ready dict (the API serves this)."""
    apps = loader.load_applications(session)
    cases = loader.load_cases(session)
    waiting = loader.not_yet_screened(session)
    return compute_figures(apps, cases, options, not_yet_screened=waiting, sections=sections)

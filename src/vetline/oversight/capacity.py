"""Capacity: will the review backlog clear before the ballot freezes, and if not, who is needed.

Throughput and inflow are measured over the last `window_days` before `as_of`; the clearing
date assumes those rates continue. Reviewer work is the open cases not waiting on the
applicant (a fix-it notice with its deadline running is the applicant's move, not ours).
Reviewers needed = (that work + the inflow still to come) / (one reviewer's recent daily
output x days left), rounded up.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from vetline.oversight.records import CaseRecord


def _open_at(c: CaseRecord, moment: datetime) -> bool:
    return c.opened_at <= moment and (c.closed_at is None or c.closed_at > moment)


def capacity(
    cases: Sequence[CaseRecord],
    *,
    as_of: datetime,
    freeze_date: date,
    window_days: int = 7,
    not_yet_screened: int = 0,
) -> dict[str, Any]:
    """Backlog by track, throughput by reviewer, clearing date against the freeze date."""
    start = as_of - timedelta(days=window_days)
    open_now = [c for c in cases if _open_at(c, as_of)]
    backlog = Counter(c.track for c in open_now)
    waiting = sum(c.awaiting_applicant for c in open_now)
    closed = [c for c in cases if c.closed_at is not None and start < c.closed_at <= as_of]
    # reviewer work: cases waiting on the applicant's fix-it response are not in it (yet)
    opened = [c for c in cases if start < c.opened_at <= as_of and not c.awaiting_applicant]
    by_reviewer = Counter(c.reviewer or "(unknown)" for c in closed)
    per_day = len(closed) / window_days
    inflow = len(opened) / window_days
    reviewers = len(by_reviewer)
    per_reviewer = per_day / reviewers if reviewers else 0.0
    total = len(open_now) - waiting
    days_left = (freeze_date - as_of.date()).days

    def clears(rate: float) -> str | None:
        if total == 0:
            return as_of.date().isoformat()
        if rate <= 0:
            return None
        return (as_of + timedelta(days=math.ceil(total / rate))).date().isoformat()

    needed: int | None
    if total == 0:
        needed = 0
    elif per_reviewer <= 0 or days_left <= 0:
        needed = None
    else:
        # new cases keep arriving until the freeze, so they count too
        needed = math.ceil((total + inflow * days_left) / (per_reviewer * days_left))
    history = []
    for i in range(window_days * 2, -1, -1):
        day = as_of.date() - timedelta(days=i)
        end = min(as_of, datetime.combine(day, time.max, tzinfo=UTC))
        history.append({"day": day.isoformat(), "open": sum(_open_at(c, end) for c in cases)})
    clear_no_inflow = clears(per_day)
    clear_net = clears(per_day - inflow)
    return {
        "as_of": as_of.isoformat(),
        "freeze_date": freeze_date.isoformat(),
        "days_until_freeze": days_left,
        "window_days": window_days,
        "backlog": {
            "total": len(open_now),
            "by_track": dict(sorted(backlog.items())),
            "needs_reviewer": total,
            "awaiting_applicant": waiting,
        },
        "not_yet_screened": not_yet_screened,
        "closed_in_window": len(closed),
        "opened_in_window": len(opened),
        "throughput_per_day": round(per_day, 2),
        "inflow_per_day": round(inflow, 2),
        "active_reviewers": reviewers,
        "per_reviewer_per_day": round(per_reviewer, 2),
        "by_reviewer": [
            {"reviewer": r, "closed": n, "per_day": round(n / window_days, 2)}
            for r, n in sorted(by_reviewer.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "clears_on_if_no_new_cases": clear_no_inflow,
        "clears_on_at_net_rate": clear_net,
        "clears_before_freeze": clear_net is not None and clear_net <= freeze_date.isoformat(),
        "reviewers_needed": needed,
        "history": history,
    }

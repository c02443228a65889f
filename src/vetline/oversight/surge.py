"""The surge monitor: applications per day against a robust baseline, with unusual days flagged.

The baseline is the median daily count of a quiet period (by default the whole period: the
median and the MAD ignore a surge shorter than half of it), and a day is flagged when its count
is above the `level` quantile of a Poisson — or negative binomial when the quiet days vary more
than Poisson — with that median. Attribution: on flagged days, each campaign's excess over its
own baseline rate.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, date, timedelta
from typing import Any

from vetline.oversight.records import ApplicationRecord
from vetline.oversight.stats import negbin_upper


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _top(counts: Counter[str]) -> str | None:
    """The commonest campaign of a day (ties broken by name, so reports are reproducible)."""
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] if counts else None


def surge(
    apps: Sequence[ApplicationRecord],
    *,
    baseline_until: date | None = None,
    level: float = 0.999,
) -> dict[str, Any]:
    """Daily counts, the baseline and its upper bound, flagged days and attribution by campaign."""
    if not apps:
        return {"days": [], "baseline": None, "flagged_days": 0, "sources": [], "total": 0}
    by_day: Counter[date] = Counter(a.applied_at.astimezone(UTC).date() for a in apps)
    by_day_source: dict[date, Counter[str]] = defaultdict(Counter)
    for a in apps:
        by_day_source[a.applied_at.astimezone(UTC).date()][a.source] += 1
    days = _days(min(by_day), max(by_day))
    quiet = [d for d in days if baseline_until is None or d <= baseline_until] or days
    counts = [by_day[d] for d in quiet]
    median = float(statistics.median(counts))
    mad = statistics.median(abs(c - median) for c in counts)
    # 1.4826 * MAD estimates the standard deviation of normal-ish counts; robust to spikes
    variance = max(median, (1.4826 * mad) ** 2)
    upper = negbin_upper(median, variance, level)
    model = "negative binomial" if variance > median else "Poisson"
    flagged = [d for d in days if by_day[d] > upper]
    quiet_set = set(quiet)
    source_quiet: Counter[str] = Counter()
    source_flagged: Counter[str] = Counter()
    source_total: Counter[str] = Counter()
    for d in days:
        for source, n in by_day_source[d].items():
            source_total[source] += n
            if d in quiet_set and d not in flagged:
                source_quiet[source] += n
            if d in flagged:
                source_flagged[source] += n
    quiet_days = max(1, len([d for d in quiet if d not in flagged]))
    excess = {
        s: max(0.0, source_flagged[s] - source_quiet[s] / quiet_days * len(flagged))
        for s in source_total
    }
    excess_total = sum(excess.values())
    sources = []
    for source in sorted(source_total, key=lambda s: (-source_total[s], s)):
        sources.append(
            {
                "source": source,
                "applications": source_total[source],
                "on_flagged_days": source_flagged[source],
                "excess_on_flagged_days": round(excess[source], 1),
                "share_of_excess": round(excess[source] / excess_total, 4) if excess_total else 0.0,
            }
        )
    return {
        "total": len(apps),
        "first_day": days[0].isoformat(),
        "last_day": days[-1].isoformat(),
        "baseline": {
            "period": f"{quiet[0].isoformat()} to {quiet[-1].isoformat()}",
            "days": len(quiet),
            "median_per_day": median,
            "mad": mad,
            "model": model,
            "level": level,
            "upper_bound": upper,
        },
        "days": [
            {
                "day": d.isoformat(),
                "applications": by_day[d],
                "flagged": d in flagged,
                "top_source": _top(by_day_source[d]),
            }
            for d in days
        ],
        "flagged_days": len(flagged),
        "applications_on_flagged_days": sum(by_day[d] for d in flagged),
        "sources": sources,
    }

"""The surge monitor: applications per day (or hour) against a robust baseline; outliers flagged.

The baseline is the median count per period of a quiet stretch (by default the whole record:
medians ignore a surge shorter than half of it). A record of two weeks or less is binned by
hour (a campaign's spike lasts hours; ten days of daily counts are all "surge"), and then
the baseline is the median of the same hour of day. A period is flagged when its count is
above the `level` quantile of a negative binomial with that mean and variance phi x mean,
phi >= 1 estimated robustly (MAD of Pearson residuals; phi = 1 is Poisson). Consecutive
flagged periods (bridging a single normal one) form a burst. Attribution: on flagged periods,
each campaign's excess over its own quiet-period rate. Quiet hours count as at least one
application an hour, so one sign-up at 4am is not a surge.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from vetline.oversight.records import ApplicationRecord
from vetline.oversight.stats import negbin_upper

Resolution = Literal["auto", "day", "hour"]
HOURLY_UP_TO_DAYS = 14


def _top(counts: Counter[str]) -> str | None:
    """The commonest campaign (ties broken by name, so reports are reproducible)."""
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] if counts else None


def _floor(moment: datetime, step: timedelta) -> datetime:
    moment = moment.astimezone(UTC)
    if step == timedelta(hours=1):
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _label(start: datetime, step: timedelta) -> str:
    return start.strftime("%Y-%m-%d %H:00" if step == timedelta(hours=1) else "%Y-%m-%d")


def surge(
    apps: Sequence[ApplicationRecord],
    *,
    baseline_until: date | None = None,
    level: float = 0.999,
    resolution: Resolution = "auto",
) -> dict[str, Any]:
    """Counts per period, the baseline and its upper bound, flagged periods and bursts, sources."""
    if not apps:
        return {"total": 0, "unit": "day", "bins": [], "bursts": [], "flagged_bins": 0,
                "baseline": None, "sources": []}  # fmt: skip
    first = min(a.applied_at for a in apps).astimezone(UTC)
    last = max(a.applied_at for a in apps).astimezone(UTC)
    hourly = resolution == "hour" or (
        resolution == "auto" and (last - first) <= timedelta(days=HOURLY_UP_TO_DAYS)
    )
    step = timedelta(hours=1) if hourly else timedelta(days=1)
    counts: Counter[datetime] = Counter()
    by_source: dict[datetime, Counter[str]] = defaultdict(Counter)
    for a in apps:
        b = _floor(a.applied_at, step)
        counts[b] += 1
        by_source[b][a.source] += 1
    bins = []
    cursor = _floor(first, step)
    while cursor <= last:
        bins.append(cursor)
        cursor += step
    quiet = [b for b in bins if baseline_until is None or b.date() <= baseline_until] or bins
    median = float(statistics.median(counts[b] for b in quiet))
    # hourly: what is normal depends on the time of day (few sign-ups at 4am)
    by_clock: dict[int, list[int]] = defaultdict(list)
    for b in quiet:
        by_clock[b.hour if hourly else 0].append(counts[b])
    normal = {k: float(statistics.median(v)) for k, v in by_clock.items()}

    def expected(b: datetime) -> float:
        return normal.get(b.hour if hourly else 0, median)

    # a quiet hour's median can be 0; one application at 3am is not a surge
    floor = 1.0

    # overdispersion from robust (median/MAD) Pearson residuals: variance = phi x mean
    residuals = [(counts[b] - expected(b)) / max(expected(b), 1.0) ** 0.5 for b in quiet]
    centre = statistics.median(residuals)
    spread = 1.4826 * statistics.median(abs(r - centre) for r in residuals)
    phi = max(1.0, spread**2)
    upper_of = {
        k: negbin_upper(max(m, floor), phi * max(m, floor), level) for k, m in normal.items()
    }
    default_upper = negbin_upper(max(median, floor), phi * max(median, floor), level)

    def upper(b: datetime) -> int:
        return upper_of.get(b.hour if hourly else 0, default_upper)

    flagged = {b for b in bins if counts[b] > upper(b)}
    calm = [b for b in quiet if b not in flagged] or quiet
    source_calm: Counter[str] = Counter()
    source_flagged: Counter[str] = Counter()
    source_total: Counter[str] = Counter()
    calm_set = set(calm)
    for b in bins:
        for source, n in by_source[b].items():
            source_total[source] += n
            source_calm[source] += n if b in calm_set else 0
            source_flagged[source] += n if b in flagged else 0
    excess = {
        s: max(0.0, source_flagged[s] - source_calm[s] / len(calm) * len(flagged))
        for s in source_total
    }
    excess_total = sum(excess.values())
    bursts: list[dict[str, Any]] = []
    for b in bins:
        if b not in flagged:
            continue
        # one normal period inside a spike does not end it: bridge gaps of a single period
        if bursts and b - bursts[-1]["_end"] <= 2 * step:
            burst = bursts[-1]
            gap = bursts[-1]["_end"] + step
            while gap < b:
                burst["applications"] += counts[gap]
                burst["expected"] += expected(gap)
                burst["_sources"].update(by_source[gap])
                gap += step
        else:
            burst = {"_start": b, "applications": 0, "expected": 0.0, "_sources": Counter()}
            bursts.append(burst)
        burst["_end"] = b
        burst["applications"] += counts[b]
        burst["expected"] += expected(b)
        burst["_sources"].update(by_source[b])
    unit = "hour" if hourly else "day"
    return {
        "total": len(apps),
        "unit": unit,
        "first_day": first.date().isoformat(),
        "last_day": last.date().isoformat(),
        "baseline": {
            "period": f"{_label(quiet[0], step)} to {_label(quiet[-1], step)}",
            "periods": len(quiet),
            "median": median,
            "by_time_of_day": hourly,
            "dispersion": round(phi, 3),
            "model": "negative binomial" if phi > 1 else "Poisson",
            "level": level,
            "upper_bound": max(upper_of.values(), default=default_upper),
        },
        "bins": [
            {
                "start": _label(b, step),
                "applications": counts[b],
                "expected": expected(b),
                "upper": upper(b),
                "flagged": b in flagged,
                "top_source": _top(by_source[b]),
            }
            for b in bins
        ],
        "flagged_bins": len(flagged),
        "applications_in_flagged_bins": sum(counts[b] for b in flagged),
        "bursts": [
            {
                "start": _label(x["_start"], step),
                "end": _label(x["_end"] + step, step),
                "periods": int((x["_end"] - x["_start"]) / step) + 1,
                "applications": x["applications"],
                "expected": round(x["expected"], 1),
                "top_source": _top(x["_sources"]),
            }
            for x in bursts
        ],
        "sources": [
            {
                "source": s,
                "applications": source_total[s],
                "in_flagged_periods": source_flagged[s],
                "excess": round(excess[s], 1),
                "share_of_excess": round(excess[s] / excess_total, 4) if excess_total else 0.0,
            }
            for s in sorted(source_total, key=lambda s: (-source_total[s], s))
        ],
    }

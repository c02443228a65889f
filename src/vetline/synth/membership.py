"""The existing membership: join dates over decades, statuses, categories and arrears.

Join dates cluster just either side of the freeze dates parties typically use (six months,
90 days, one month and two weeks before the contest), because that is where franchise rules
are tested hardest.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from vetline.synth.people import EPOCH

MEMBER_EXTRA = ("joined_at", "status", "category", "paid_until", "status_changed_at")
STATUSES = ("current", "lapsed", "suspended", "expelled", "excluded")
_STATUS_P = (0.86, 0.095, 0.015, 0.015, 0.015)
CATEGORIES = ("member", "registered_supporter", "affiliated_supporter")
FREEZE_OFFSETS_DAYS = (183, 90, 30, 14)


def _iso_z(seconds: np.ndarray) -> list[str]:
    stamps = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
    return [f"{s}Z" for s in stamps.tolist()]


def membership_columns(
    rng: np.random.Generator, dob_days: np.ndarray, start: datetime
) -> tuple[dict[str, list[str]], np.ndarray]:
    """Member columns for people born on `dob_days`; also returns each status index."""
    n = len(dob_days)
    start_s = int(start.timestamp())
    day = 86400
    kind = rng.random(n)
    ago_days = np.minimum(rng.exponential(6 * 365, n), 40 * 365)
    ago_days = np.where(kind < 0.1, rng.uniform(0, 40 * 365, n), ago_days)
    bumps = np.cumsum([0.08, 0.04, 0.03, 0.02]) + 0.1
    widths = (10, 5, 5, 3)
    lo = 0.1
    for hi, off, w in zip(bumps, FREEZE_OFFSETS_DAYS, widths, strict=True):
        m = (kind >= lo) & (kind < hi)
        ago_days[m] = off + rng.uniform(-w, w, int(m.sum()))
        lo = hi
    joined = start_s - (ago_days * day).astype(np.int64) - rng.integers(0, day, n)
    joined = np.minimum(joined, start_s - 3600)
    fourteenth = (dob_days + int(14 * 365.25) + 1) * day
    joined = np.maximum(joined, fourteenth)
    joined = np.minimum(joined, start_s - 3600)  # the very young: joined just before the surge

    status = rng.choice(len(STATUSES), size=n, p=_STATUS_P)
    changed = joined + (rng.random(n) * (start_s - joined)).astype(np.int64)
    category = rng.choice(len(CATEGORIES), size=n, p=(0.92, 0.05, 0.03))

    start_day = start_s // day
    paid = np.where(
        rng.random(n) < 0.92,
        start_day + rng.integers(1, 366, n),
        start_day - rng.integers(1, 181, n),
    )
    lapsed = status == 1
    paid[lapsed] = changed[lapsed] // day - rng.integers(0, 180, int(lapsed.sum()))
    paid = np.maximum(paid, joined // day + 30)

    recent = joined > start_s - 3 * 365 * day
    joined_iso = _iso_z(joined)
    joined_txt = [j if r else j[:10] for j, r in zip(joined_iso, recent.tolist(), strict=True)]
    changed_txt = [
        c if s else "" for c, s in zip(_iso_z(changed), (status != 0).tolist(), strict=True)
    ]
    paid_txt = np.datetime_as_string(EPOCH + paid.astype("timedelta64[D]"), unit="D").tolist()
    cols = {
        "joined_at": joined_txt,
        "status": [STATUSES[s] for s in status.tolist()],
        "category": [CATEGORIES[c] for c in category.tolist()],
        "paid_until": paid_txt,
        "status_changed_at": changed_txt,
    }
    return cols, status

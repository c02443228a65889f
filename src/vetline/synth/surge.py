"""The shape of a surge: a quiet baseline plus spikes after campaign calls, each decaying.

Sign-ups follow the clock (few at 4am, most in the evening, UK time) and every campaign call
produces a spike that dies away over a day or so. A 48-hour registered-supporter window and
a union drive bring in the other two categories, as in 2015-16.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

APPLICATION_EXTRA = ("applied_at", "source", "category", "payment_ref", "payment_status")
UK = ZoneInfo("Europe/London")
# relative weight of each UK local hour of the day
_DIURNAL = np.array(
    [
        0.35,
        0.2,
        0.12,
        0.08,
        0.08,
        0.12,
        0.3,
        0.55,
        0.8,
        0.9,
        0.9,
        0.95,
        1.0,
        0.95,
        0.9,
        0.9,
        0.95,
        1.05,
        1.2,
        1.4,
        1.5,
        1.4,
        1.0,
        0.6,
    ]
)


@dataclass(frozen=True)
class Campaign:
    """A call to join: when it lands (fraction of the window), its pull, how fast it fades."""

    name: str
    at: float
    share: float
    decay_hours: float
    category: str = "member"
    window_hours: float | None = None  # a hard sign-up window (registered supporters)


def campaigns(leader: str) -> list[Campaign]:
    return [
        Campaign("Flood into the party", 0.02, 0.27, 16.0),
        Campaign(f"#StandWith{leader}", 0.28, 0.18, 10.0),
        Campaign("#SavingOurParty", 0.55, 0.14, 12.0),
        Campaign(
            "£25 to vote: registered supporters", 0.72, 0.10, 20.0, "registered_supporter", 48.0
        ),
    ]


BASELINE = (("direct", 0.55), ("website", 0.35), ("union drive", 0.10))


def surge_times(
    rng: np.random.Generator, n: int, days: int, start: datetime, leader: str
) -> tuple[np.ndarray, list[str], list[str]]:
    """`n` application times (epoch seconds, sorted), their source and category."""
    span = days * 86400
    t0 = int(start.timestamp())
    cams = campaigns(leader)
    shares = np.array([c.share for c in cams] + [1.0 - sum(c.share for c in cams)])
    which = rng.choice(len(shares), size=n, p=shares)
    times = np.zeros(n, dtype=np.int64)
    for k in range(len(shares)):
        m = np.flatnonzero(which == k)
        times[m] = _draw(rng, len(m), span, cams[k] if k < len(cams) else None, t0)
    times += t0
    order = np.argsort(times, kind="stable")
    times, which = times[order], which[order]
    sources: list[str] = []
    cats: list[str] = []
    base_names = [b for b, _ in BASELINE]
    base_p = np.array([p for _, p in BASELINE])
    base_pick = rng.choice(len(base_names), size=n, p=base_p).tolist()
    stray = (rng.random(n) < 0.15).tolist()  # came via a campaign, said "direct"
    for w, b, s in zip(which.tolist(), base_pick, stray, strict=True):
        if w < len(cams):
            cam = cams[w]
            sources.append("" if s and b == 2 else (base_names[b] if s else cam.name))
            cats.append(cam.category)
        else:
            sources.append(base_names[b])
            cats.append("affiliated_supporter" if b == 2 else "member")
    return times, sources, cats


def _draw(rng: np.random.Generator, k: int, span: int, cam: Campaign | None, t0: int) -> np.ndarray:
    """Rejection-sample times inside the window, thinned by the UK clock."""
    out: list[np.ndarray] = []
    need = k
    launch = int(cam.at * span) if cam else 0
    while need > 0:
        m = max(need * 3, 64)
        if cam is None:
            t = rng.uniform(0, span, m)
        else:
            t = launch + rng.exponential(cam.decay_hours * 3600, m)
            if cam.window_hours:
                t = t[t < launch + cam.window_hours * 3600]
        t = t[(t >= 0) & (t < span)]
        if cam is not None and len(t) == 0:
            t = rng.uniform(min(launch, span - 1), span, m)  # window shorter than the call
        hours = _uk_hours(t0 + t.astype(np.int64))
        keep = rng.random(len(t)) < _DIURNAL[hours] / _DIURNAL.max()
        got = t[keep][:need]
        out.append(got.astype(np.int64))
        need -= len(got)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _uk_hours(seconds: np.ndarray) -> np.ndarray:
    """UK local hour; the offset is taken at the window start (a surge rarely spans a clock
    change, and a one-hour slip in the diurnal shape would not matter)."""
    if len(seconds) == 0:
        return np.zeros(0, dtype=np.int64)
    offset = datetime.fromtimestamp(int(seconds[0]), UK).utcoffset()
    off = int(offset.total_seconds()) if offset else 0
    return np.asarray(((seconds + off) // 3600) % 24, dtype=np.int64)


def iso_times(rng: np.random.Generator, seconds: np.ndarray) -> list[str]:
    """ISO 8601 stamps: mostly UTC `Z`, some with the UK offset as a web form writes them."""
    out: list[str] = []
    local = (rng.random(len(seconds)) < 0.1).tolist()
    for s, loc in zip(seconds.tolist(), local, strict=True):
        if loc:
            out.append(datetime.fromtimestamp(s, UK).isoformat())
        else:
            out.append(datetime.fromtimestamp(s, ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return out


def payments(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    """A payment fingerprint per applicant and its status (a few % failed or pending)."""
    refs = [f"pm_{x:016x}" for x in rng.integers(0, 2**63, size=n).tolist()]
    status = rng.choice(np.array(["paid", "failed", "pending"]), size=n, p=(0.945, 0.035, 0.02))
    return refs, status.tolist()

"""Oversight and ballot computations at surge scale, in memory (no database).

    .venv/bin/python bench/oversight_scale.py --applications 128000 --members 600000

Prints the time of each step: the figures behind `vetline report` and the dashboard, and an
electorate of members + applications under a shipped rule set.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta

from vetline.ballot import Person, load_rules, take
from vetline.oversight import ReportOptions, compute_figures, render
from vetline.oversight.records import ApplicationRecord, CaseRecord

SOURCES = ["direct", "website", "Flood into the party", "#StandWith", "#Saving", "union drive"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--applications", type=int, default=128_000)
    ap.add_argument("--members", type=int, default=600_000)
    ap.add_argument("--cases", type=int, default=12_000)
    args = ap.parse_args()
    rng = random.Random(1)
    t0 = datetime(2016, 7, 11, tzinfo=UTC)
    apps = [
        ApplicationRecord(
            id=i,
            applied_at=t0 + timedelta(seconds=rng.randint(0, 10 * 86400)),
            source=rng.choice(SOURCES),
            email=f"p{i}@gmail.com",
            phone=f"07700{rng.randint(0, 999999):06d}",
            payment_ref=f"pm_{rng.getrandbits(48):012x}",
            address=f"{rng.randint(1, 200)} High Street",
            postcode=f"S{rng.randint(1, 40)} {rng.randint(1, 9)}AB",
            has_hit=rng.random() < 0.1,
            referred=rng.random() < 0.03,
            decided=(d := rng.random() < 0.4),
            excluded=d and rng.random() < 0.02,
        )
        for i in range(args.applications)
    ]
    cases = []
    for i in range(args.cases):
        opened = t0 + timedelta(seconds=rng.randint(0, 10 * 86400))
        closed = opened + timedelta(days=rng.random() * 8) if rng.random() < 0.6 else None
        cases.append(
            CaseRecord(i, rng.choice(["administrative", "conduct"]), opened, closed,
                       rng.choice(["ann", "bob", "cy", "dee"]) if closed else None,
                       (rng.random() < 0.3) if closed else None)
        )  # fmt: skip
    started = time.perf_counter()
    figures = compute_figures(apps, cases, ReportOptions(freeze_date=date(2016, 8, 22)))
    mid = time.perf_counter()
    html = render(figures)
    done = time.perf_counter()
    print(
        f"figures for {len(apps):,} applications and {len(cases):,} cases: {mid - started:.2f} s; "
        f"HTML ({len(html) / 1e6:.1f} MB): {done - mid:.2f} s"
    )
    people = [
        Person("member", f"M{i}", "member", t0 - timedelta(days=rng.randint(1, 9000)), "current",
               date(1950 + rng.randint(0, 55), 1, 1), date(2017, 1, 1))
        for i in range(args.members)
    ] + [
        Person("application", f"A{a.id}", "member", a.applied_at, "admitted") for a in apps
    ]  # fmt: skip
    started = time.perf_counter()
    snap = take(people, load_rules("labour-2016"), date(2016, 8, 22))
    text = snap.csv_text()
    print(
        f"electorate of {len(people):,} people under labour-2016: "
        f"{time.perf_counter() - started:.2f} s (CSV {len(text) / 1e6:.0f} MB); "
        f"{snap.counts()['yes']:,} may vote"
    )


if __name__ == "__main__":
    main()

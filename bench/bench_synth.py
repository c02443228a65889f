"""Throughput of `vetline synth` at the 2016 scale: 600,000 members and 128,000 applicants.

Run: nice .venv/bin/python bench/bench_synth.py [--members N] [--applicants N] [--out DIR]
Prints seconds per step, rows per file and rows written per second.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from itertools import pairwise
from pathlib import Path

from vetline.synth import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=600_000)
    parser.add_argument("--applicants", type=int, default=128_000)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    marks: list[tuple[str, float]] = []

    def progress(step: str, done: int, total: int) -> None:
        marks.append((step, time.perf_counter()))

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        t0 = time.perf_counter()
        summary = generate(
            out,
            members=args.members,
            applicants=args.applicants,
            days=args.days,
            seed=args.seed,
            progress=progress,
        )
        elapsed = time.perf_counter() - t0
        size = sum(f.stat().st_size for f in out.rglob("*.csv"))
    for (step, t), (_, t_next) in pairwise(marks):
        print(f"  {step:<16} {t_next - t:6.1f}s")
    rows = sum(summary.counts.values())
    for name, n in summary.counts.items():
        print(f"  {name:<30} {n:>10,}")
    print(f"truth by relation: {summary.truth}")
    print(
        f"synth {args.members:,} members + {args.applicants:,} applicants: {elapsed:.1f}s, "
        f"{rows:,} rows ({size / 1e6:.0f} MB), {rows / elapsed:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()

"""Stored reference index: build once, then a day's intake and single applicants against it.

    .venv/bin/python bench/bench_index.py /tmp/vetline-bench/big [--index /tmp/vetline-index]

Reference = every reference list plus the membership of the synth directory (about 1.5M rows
for --members 500000). Prints build time, 13,000 applications against the index (skip with
--single-only), the time to read the index into memory, and the median / p95 (wall and CPU
time) of 200 single-applicant screenings (vetline.matching.lookup).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _synth import TARGETS, _fast

from vetline.matching.index import ReferenceIndex
from vetline.matching.lookup import SingleIndex


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("directory", type=Path)
    ap.add_argument("--index", type=Path, default=Path("/tmp/vetline-index"))
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--single-only", action="store_true", help="skip the day's intake")
    args = ap.parse_args()
    d: Path = args.directory
    apps = _fast(d / "applications.csv")
    if args.rebuild or not (args.index / "index.duckdb").exists():
        frames = [_fast(d / "members.csv").assign(list="members")]
        frames += [_fast(d / "reference" / f"{n}.csv").assign(list=n) for n in TARGETS[1:]]
        reference = pd.concat(frames, ignore_index=True)
        t = time.perf_counter()
        ReferenceIndex.build(reference, args.index).close()
        print(f"built the index of {len(reference):,} rows in {time.perf_counter() - t:.1f}s")
    index = ReferenceIndex.open(args.index)
    if not args.single_only:
        day = apps.head(13_000)
        t = time.perf_counter()
        hits = index.screen(day)
        print(
            f"one day's intake: {len(day):,} applications, {len(hits):,} hits in "
            f"{time.perf_counter() - t:.1f}s"
        )
    index.close()
    t = time.perf_counter()
    single = SingleIndex.load(args.index)
    print(f"loaded the index into memory for single applicants in {time.perf_counter() - t:.1f}s")
    times, cpu = [], []
    for record in apps.iloc[20_000:20_200].to_dict("records"):
        t, c = time.perf_counter(), time.process_time()
        single.screen_one(record)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    ms, cpu_ms = np.array(times) * 1000, np.array(cpu) * 1000
    print(
        f"single applicant against {single.rows:,} rows: median {np.median(ms):.1f} ms, "
        f"p95 {np.percentile(ms, 95):.1f} ms (n={len(ms)}); CPU time median "
        f"{np.median(cpu_ms):.1f} ms, p95 {np.percentile(cpu_ms, 95):.1f} ms"
    )


if __name__ == "__main__":
    main()

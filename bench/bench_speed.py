"""Speed at surge scale: applications against the reference lists and the membership.

    .venv/bin/vetline synth --out /tmp/vetline-bench/big --members 500000 --applicants 128000
    .venv/bin/python bench/bench_speed.py /tmp/vetline-bench/big [--intake]

CSV in to hits out: read the files, screen the applications against every reference list (one
call, `list` column) and the membership, dedupe the applications; prints wall time per step,
peak memory (max RSS), CPU seconds (less sensitive than wall time to other jobs on a shared
machine) and hit counts. `--intake` reads the files with intake's validating
readers (what `vetline screen` does) instead of plain pandas.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _synth import TARGETS, _fast

from vetline.matching import dedupe_frame, screen_frames


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("directory", type=Path)
    ap.add_argument("--intake", action="store_true")
    ap.add_argument("--engine", default="duckdb")
    args = ap.parse_args()
    d: Path = args.directory
    t0 = time.perf_counter()
    if args.intake:
        from vetline.intake.frames import read_applicants_frame, read_reference_frame

        apps = read_applicants_frame(d / "applications.csv")
        members = read_applicants_frame(d / "members.csv")
        refs = [
            read_reference_frame(d / "reference" / f"{n}.csv")[0].assign(list=n)
            for n in TARGETS[1:]
        ]
    else:
        apps = _fast(d / "applications.csv")
        members = _fast(d / "members.csv")
        refs = [_fast(d / "reference" / f"{n}.csv").assign(list=n) for n in TARGETS[1:]]
    reference = pd.concat(refs, ignore_index=True)
    t1 = time.perf_counter()
    print(
        f"read {len(apps):,} applications, {len(reference):,} reference entries, "
        f"{len(members):,} members in {t1 - t0:.1f}s"
    )
    ref_hits = screen_frames(apps, reference, engine=args.engine)
    t2 = time.perf_counter()
    print(f"against the reference lists: {len(ref_hits):,} hits in {t2 - t1:.1f}s")
    mem_hits = screen_frames(apps, members, engine=args.engine)
    t3 = time.perf_counter()
    print(f"against the membership: {len(mem_hits):,} hits in {t3 - t2:.1f}s")
    dup_hits = dedupe_frame(apps, engine=args.engine)
    t4 = time.perf_counter()
    print(f"applications among themselves: {len(dup_hits):,} hits in {t4 - t3:.1f}s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    cpu = time.process_time()
    print(
        f"TOTAL CSV in to hits out: {t4 - t0:.1f}s wall ({cpu:.1f}s CPU, all threads), "
        f"peak RSS {peak:.2f} GB, load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()

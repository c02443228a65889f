"""Single-application screening (vetline.instant) at surge scale, part by part.

    nice .venv/bin/python bench/bench_instant.py --data /tmp/vetline-bench-web/data \
        [--db postgresql+psycopg://postgres@127.0.0.1:5432/vetline_bench_instant] [-n 200]

Prepares the database as bench/bench_web.py does (members, applications, candidate /
other-party / expelled lists), then screens `-n` received applications one at a time with
`screen_one_application`, each in a transaction that is rolled back, and prints p50/p95 of the
whole call and of its parts: the two index look-ups (lists, members), finding candidate double
sign-ups in the database, comparing them, and storing the hits. Then imports a few new members
and times the first screenings after the change (index + delta, rebuild in the background).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_web import ensure_database, prepare

from vetline import instant
from vetline.db import get_engine, session_scope
from vetline.db.people import Application, ApplicationStatus
from vetline.matching import single

TIMES: dict[str, list[float]] = defaultdict(list)
CPU: dict[str, list[float]] = defaultdict(list)


def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t, c = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[name].append((time.perf_counter() - t) * 1000)
            CPU[name].append((time.process_time() - c) * 1000)

    return wrapper


def report(title: str) -> None:
    print(title)
    for name, values in TIMES.items():
        ms, cpu = np.asarray(values), np.asarray(CPU[name])
        print(
            f"  {name:<36} n={len(ms):>4}  p50 {np.median(ms):7.1f} ms  "
            f"p95 {np.percentile(ms, 95):7.1f} ms  max {ms.max():7.1f} ms  | CPU p50 "
            f"{np.median(cpu):6.1f} ms  p95 {np.percentile(cpu, 95):6.1f} ms"
        )
    TIMES.clear()
    CPU.clear()


def screen(engine: Any, app_ids: list[int]) -> None:
    for app_id in app_ids:
        with engine.connect() as conn:
            tx = conn.begin()
            from sqlalchemy.orm import Session

            with Session(bind=conn) as session:
                instant.screen_one_application(session, app_id)
            tx.rollback()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument(
        "--db", default="postgresql+psycopg://postgres@127.0.0.1:5432/vetline_bench_instant"
    )
    ap.add_argument("-n", type=int, default=200)
    args = ap.parse_args()
    ensure_database(args.db)
    prepare(args.db, args.data, 50)
    engine = get_engine(args.db)
    with session_scope(engine) as s:
        ids = list(
            s.scalars(
                select(Application.id)
                .where(Application.status == ApplicationStatus.RECEIVED)
                .order_by(Application.id)
                .limit(args.n + 20)
            )
        )
    t = time.perf_counter()
    screen(engine, ids[:1])
    print(f"first screening (loads or builds the indexes): {time.perf_counter() - t:.1f} s")
    instant.wait_for_rebuilds()
    parts = {
        "whole screen_one_application": (instant, "screen_one_application"),
        "index state check (lists, members)": (instant, "reference_index"),
        "double sign-ups: candidates (SQL)": (instant, "duplicate_candidates"),
        "comparison: lists+members+doubles": (single, "screen_single"),
        "record_screening (store hits)": (instant, "record_screening"),
    }
    for name, (module, attr) in parts.items():
        setattr(module, attr, timed(name, getattr(module, attr)))
    screen(engine, ids[1 : args.n + 1])
    report(f"warm, {args.n} applications (rolled back):")

    # a members import: the next screenings use the index plus a delta
    from vetline.intake import import_members

    with (args.data / "members.csv").open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header, first = list(reader.fieldnames or []), [next(reader) for _ in range(20)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "new-members.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=header)
            writer.writeheader()
            stamp = int(time.time())
            writer.writerows({**r, "id": f"BENCH{stamp}-{i}"} for i, r in enumerate(first))
        with session_scope(engine) as s:
            import_members(s, path, actor="bench")
    t = time.perf_counter()
    screen(engine, ids[args.n + 1 : args.n + 21])
    report(f"after importing 20 members: 20 applications ({time.perf_counter() - t:.1f} s)")
    t = time.perf_counter()
    instant.wait_for_rebuilds()
    print(f"background rebuild finished {time.perf_counter() - t:.1f} s after that")


if __name__ == "__main__":
    main()

"""CPU time of one submitted application in-process, on a database state that does not move.

    nice .venv/bin/python bench/bench_submit.py \
        [--db postgresql+psycopg://postgres@127.0.0.1:5432/vetline_bench_web] [-n 40]

Needs a database prepared by bench/bench_web.py (members, applications, lists, the user
bench-reviewer). Calls the POST /api/applications route function directly (no HTTP) for `-n`
new applicants like bench_web's, each in its own transaction that is rolled back, so every
run (and every code version) screens against the same data: wrk runs on a shared machine are
noisy, and each bench_web run adds applicants that the next run's find as double sign-ups.
Prints the CPU time per submission (process time: other load on the machine inflates it less
than wall time), the SQL statements per submission and the hits found.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import time
from typing import Any


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--db", default="postgresql+psycopg://postgres@127.0.0.1:5432/vetline_bench_web"
    )
    ap.add_argument("-n", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    os.environ["VETLINE_DB_URL"] = args.db

    from sqlalchemy import event, select
    from sqlalchemy.orm import Session

    from vetline import audit, instant
    from vetline.db import get_engine, session_scope
    from vetline.db.review import User
    from vetline.web.api.applications import ApplicationIn, submit_application
    from vetline.web.app import create_app

    ws = create_app().state.web
    engine = get_engine(args.db)
    with session_scope(engine) as s:
        instant.warm_up(s)
    statements = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def count(*_args: Any) -> None:
        statements[0] += 1

    rng = random.Random(args.seed)
    firsts = ["Ann", "Bob", "Chidi", "Dorota", "Eamon", "Fatima", "Gwen", "Hamid"]
    lasts = ["Smith", "Okafor", "Nowak", "Byrne", "Patel", "Jones", "Khan", "Evans"]
    stamp = int(time.time())

    def submit(i: int) -> tuple[float, int, str]:
        body = ApplicationIn(
            id=f"bench-submit-{stamp}-{i}",
            first_name=rng.choice(firsts),
            last_name=rng.choice(lasts),
            date_of_birth=f"19{rng.randint(40, 99):02d}-{rng.randint(1, 9):02d}-15",
            postcode="S11 8YE",
            applied_at="2016-07-12T09:30:00Z",
        )
        with Session(engine, expire_on_commit=False) as s:
            user = s.scalars(select(User).where(User.name == "bench-reviewer")).one()
            start = time.process_time()
            response: Any = submit_application(body, user, s, ws)
            if hasattr(audit, "append_pending"):  # what the commit does (since 28 Nov, later)
                audit.append_pending(s)
            s.flush()  # the audit events are inserted too, as they would be at commit
            cpu = time.process_time() - start
            s.rollback()  # the next submission sees the same database
        # the route returns the JSON response (before 28 Nov: the model FastAPI serialised)
        out = (
            json.loads(bytes(response.body))
            if hasattr(response, "body")
            else response.model_dump(mode="json")
        )
        return cpu, len(out["hits"]), out["status"]

    for i in range(3):  # warm caches (compiled SQL, features of the usual candidates)
        submit(-1 - i)
    statements[0] = 0
    runs = [submit(i) for i in range(args.n)]
    cpu = sorted(r[0] * 1000 for r in runs)
    statuses = collections.Counter(r[2] for r in runs)
    print(
        f"{args.n} submissions: CPU per submission mean {sum(cpu) / len(cpu):.1f} ms, "
        f"p50 {cpu[len(cpu) // 2]:.1f} ms, p95 {cpu[int(len(cpu) * 0.95)]:.1f} ms; "
        f"{statements[0] / args.n:.1f} SQL statements each; "
        f"{sum(r[1] for r in runs) / args.n:.1f} hits each; {dict(statuses)}; "
        f"load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()

"""CPU time of one submitted application in-process, on a database state that does not move.

    nice .venv/bin/python bench/bench_submit.py --data /tmp/vetline-bench-web/data130 \
        [--db postgresql+psycopg://postgres@127.0.0.1:5432/vetline_bench_web2] [-n 200] \
        [--profile OUT.html]

Needs a database prepared by bench/bench_web.py (members, applications but the held-out
last `--held-out` of the surge, lists, the user bench-reviewer); use a copy of it
(`CREATE DATABASE x TEMPLATE vetline_bench_web2`), the template must stay unconnected.
Calls the POST /api/applications route function directly (no HTTP) for `-n` of the held-out
applications of the surge in `--data` (as bench_web submits them: real sign-ups, which find
their own record in the register of members now and then, a list entry or an earlier
application), each in its own transaction that is rolled back, so every run (and every code
version) screens against the same data: wrk runs on a shared machine are noisy.
`--profile` writes a pyinstrument profile of the timed submissions (if installed).
Prints the CPU time per submission (process time: other load on the machine inflates it less
than wall time), the SQL statements per submission and the hits found.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import time
from pathlib import Path
from typing import Any


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--db", default="postgresql+psycopg://postgres@127.0.0.1:5432/vetline_bench_web"
    )
    ap.add_argument("--data", type=Path, required=True, help="the synthetic surge (vetline synth)")
    ap.add_argument("--held-out", type=int, default=2000)
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--profile", type=Path, help="write a pyinstrument profile (HTML) here")
    ap.add_argument(
        "--statements", action="store_true", help="print the SQL of the last submission"
    )
    ap.add_argument(
        "--dump",
        type=Path,
        help="write each timed submission's response here (JSON lines, database ids and times"
        " left out) to compare code versions",
    )
    ap.add_argument(
        "--gap",
        type=float,
        default=0.0,
        help="seconds to sleep before each timed submission (sparse traffic: the process and"
        " the CPU's caches idle between requests)",
    )
    args = ap.parse_args()
    os.environ["VETLINE_DB_URL"] = args.db

    from fastapi import Response
    from sqlalchemy import event, select
    from sqlalchemy.orm import Session

    from vetline import audit, instant
    from vetline.db import get_engine, session_scope
    from vetline.db.review import User
    from vetline.web.api import applications
    from vetline.web.api.applications import ApplicationIn, submit_application

    submit_one = getattr(applications, "submit_one", None)
    from vetline.web.app import create_app

    ws = create_app().state.web
    engine = get_engine(args.db)
    with session_scope(engine) as s:
        instant.warm_up(s)
    statements = [0]
    last: list[str] = []

    in_db = [0.0]  # wall time waiting for the database (statement sent to result back)

    @event.listens_for(engine, "before_cursor_execute")
    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements[0] += 1
        last.append(" ".join(statement.split())[:160])
        in_db[0] -= time.perf_counter()

    by_statement: collections.Counter[str] = collections.Counter()

    @event.listens_for(engine, "after_cursor_execute")
    def done(*_args: Any) -> None:
        took = time.perf_counter()
        in_db[0] += took
        by_statement[last[-1][:90]] += took - started[0]

    @event.listens_for(engine, "before_cursor_execute")
    def start_clock(*_args: Any) -> None:
        started[0] = time.perf_counter()

    started = [0.0]

    with (args.data / "applications.csv").open(encoding="utf-8", newline="") as f:
        held = list(csv.DictReader(f))[-args.held_out :]
    bodies = [{k: v for k, v in r.items() if v not in ("", None)} for r in held]

    def submit(i: int, gap: float = 0.0) -> tuple[float, int, str, float]:
        body = ApplicationIn(**bodies[i % len(bodies)])
        if gap:
            time.sleep(gap)
        last.clear()
        with Session(engine, expire_on_commit=False) as s:
            user = s.scalars(select(User).where(User.name == "bench-reviewer")).one()
            start, wall = time.process_time(), time.perf_counter()
            if submit_one is not None:  # since 28 Nov (session 6): the route opens its session
                response: Any = Response(submit_one(s, body, user=user, ws=ws))
            else:
                response = submit_application(body, user, s, ws)
            if hasattr(audit, "append_pending"):  # what the commit does (since 28 Nov, later)
                audit.append_pending(s)
            s.flush()  # the audit events are inserted too, as they would be at commit
            cpu, wall = time.process_time() - start, time.perf_counter() - wall
            s.rollback()  # the next submission sees the same database
        # the route returns the JSON response (before 28 Nov: the model FastAPI serialised)
        out = (
            json.loads(bytes(response.body))
            if hasattr(response, "body")
            else response.model_dump(mode="json")
        )
        if args.dump:
            dumped.append(_stable(out))
        return cpu, len(out["hits"]), out["status"], wall

    dumped: list[Any] = []

    for i in range(3):  # warm caches (compiled SQL); the timed ones start after these
        submit(i)
    statements[0], in_db[0] = 0, 0.0
    backend = _backend_cpu(engine)  # (pid, CPU seconds) of the server process, if local
    by_statement.clear()
    profiler: Any = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    runs = [submit(3 + i, args.gap) for i in range(args.n)]
    if args.dump:
        args.dump.write_text("".join(json.dumps(d, sort_keys=True) + "\n" for d in dumped[3:]))
    if profiler is not None:
        profiler.stop()
        out = args.profile
        if out.suffix == ".txt":
            out.write_text(profiler.output_text(unicode=True, show_all=False), "utf-8")
        else:
            out.write_text(profiler.output_html(), "utf-8")
    cpu = sorted(r[0] * 1000 for r in runs)
    server = ""
    if backend is not None:
        counted, shown = statements[0], list(last)
        after = _backend_cpu(engine)
        statements[0], last[:] = counted, shown  # (its query is not a submission's)
        if after is not None and after[0] == backend[0]:  # the same pooled connection
            server = f"; PostgreSQL CPU {(after[1] - backend[1]) * 1000 / args.n:.1f} ms each"
    wall = sorted(r[3] * 1000 for r in runs)
    statuses = collections.Counter(r[2] for r in runs)
    for label, group in (
        ("without hits", [r for r in runs if not r[1]]),
        ("with hits", [r for r in runs if r[1]]),
    ):
        if group:
            g = sorted(r[0] * 1000 for r in group)
            w = sorted(r[3] * 1000 for r in group)
            print(
                f"  {len(group)} {label}: CPU p50 {g[len(g) // 2]:.1f} ms, "
                f"p95 {g[int(len(g) * 0.95)]:.1f} ms; wall p50 {w[len(w) // 2]:.1f} ms"
            )
    if args.statements:
        print("\n".join(last))
        print("database wait per submission by statement:")
        for sql, took in by_statement.most_common(12):
            print(f"  {took * 1000 / args.n:6.2f} ms  {sql}")
    print(
        f"{args.n} submissions: CPU per submission mean {sum(cpu) / len(cpu):.1f} ms, "
        f"p50 {cpu[len(cpu) // 2]:.1f} ms, p95 {cpu[int(len(cpu) * 0.95)]:.1f} ms; "
        f"wall p50 {wall[len(wall) // 2]:.1f} ms, p95 {wall[int(len(wall) * 0.95)]:.1f} ms, "
        f"{in_db[0] * 1000 / args.n:.1f} ms of it waiting for the database; "
        f"{statements[0] / args.n:.1f} SQL statements each; "
        f"{sum(r[1] for r in runs) / args.n:.1f} hits each; {dict(statuses)}; "
        f"load {os.getloadavg()[0]:.1f}{server}"
    )


def _backend_cpu(engine: Any) -> tuple[int, float] | None:
    """The PostgreSQL server process of the pooled connection and its CPU time so far (read
    from /proc: a server on this machine only), else None."""
    from sqlalchemy import text

    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        pid = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stable(value: Any) -> Any:
    """A response without what differs between two runs of the same submission: database ids
    (sequences move on although each submission is rolled back), times, the order of hits."""
    if isinstance(value, dict):
        out = {
            k: _stable(v)
            for k, v in value.items()
            if not (k == "id" or k.endswith(("_id", "_ids", "_at")))
        }
        if isinstance(out.get("hits"), list):  # hits of equal score come in the database's order
            out["hits"].sort(key=lambda h: json.dumps(h, sort_keys=True))
        return out
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


if __name__ == "__main__":
    main()

"""Audit appends under a slow commit: how many transactions per second one chain lets through,
and how many the striped chains do.

    nice .venv/bin/python bench/bench_audit_chains.py [--stall-ms 20] [--seconds 4] \
        [--threads 1 2 4 8] [--chains 1 8]

Each thread runs transactions that record two audit events (deferred to the commit, as a
submitted application does) and then stall `--stall-ms` inside the commit, after the events
are appended and the chain is locked: a stand-in for the commit's WAL flush on a slow disk
(this VM flushes in ~0.1 ms, so the real thing cannot be seen here). With one chain
(`--chains 1`, the trail before striping) commits queue on the chain's lock and throughput is
capped at about 1000 / stall-ms per second whatever the threads; with 8 chains it grows with
them. Works on a fresh PostgreSQL database (dropped afterwards); the trail is verified at the
end of every run.
"""

from __future__ import annotations

import argparse
import threading
import time
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy import event as sa_event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from vetline import audit
from vetline.db import get_engine, reset_engines, session_scope


def run(url: str, threads: int, chains: int, stall: float, seconds: float) -> tuple[int, bool]:
    audit.CHAINS = chains
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_events RESTART IDENTITY"))
    done = [0] * threads
    stop = time.monotonic() + seconds

    def worker(n: int) -> None:
        while time.monotonic() < stop:
            s = Session(engine)
            sa_event.listen(s, "after_flush", lambda *_: time.sleep(stall))
            audit.defer_until_commit(s)
            for i in range(2):
                audit.record(s, actor="bench", action="x", entity="t", entity_id=i)
            s.commit()
            s.close()
            done[n] += 1

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    with session_scope(engine) as s:
        ok = audit.verify(s).ok
    return sum(done), ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--admin", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--stall-ms", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--chains", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args()
    admin = create_engine(args.admin, isolation_level="AUTOCOMMIT")
    name = f"vetline_bench_audit_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.admin).set(database=name).render_as_string(hide_password=False)
    try:
        for chains in args.chains:
            for threads in args.threads:
                n, ok = run(url, threads, chains, args.stall_ms / 1000, args.seconds)
                print(
                    f"chains={chains} threads={threads} stall={args.stall_ms:g} ms: "
                    f"{n / args.seconds:.1f} commits/s, verify {'ok' if ok else 'FAILED'}",
                    flush=True,
                )
    finally:
        reset_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()

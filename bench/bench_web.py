"""Web latency at surge scale: the case page and single-application submission under load.

    .venv/bin/vetline synth --out /tmp/vetline-bench-web/data --members 600000 \
        --applicants 128000 --days 10 --seed 5
    nice .venv/bin/python bench/bench_web.py --data /tmp/vetline-bench-web/data \
        [--db postgresql+psycopg://postgres@127.0.0.1:5432/vetline_bench_web] \
        [--requests 400] [--concurrency 4] [--submissions 20] [--workers 1]

Prepare (once per database; skipped when the members are already there): import the members,
the applications and the candidate / other-party / expelled lists through intake (the
electoral register is left out to keep preparation short), screen and route a sample of
applications (`--sample`) so there are cases, add a reviewer with a password. Then start
`vetline serve` on a free loopback port and drive it from an asyncio httpx load generator in
this process: GET /cases/{id} with a logged-in session for random cases, and POST
/api/applications with a bearer token for new applicants. Prints p50/p95/p99/max per endpoint
and the server's CPU time per page.

Last figures (27 Nov 2026, shared 2-core machine at load 3-5; 601,901 members, 128,001
applications; one worker; see docs/web.md): case page p95 26.6 ms sequentially and 82.5 ms
at concurrency 4 (9-14 ms server CPU per page); single submission ~53 s (the batch pipeline
for one applicant). Re-run later the same day, machine quiet: case page p95 18.3 ms
sequentially, 62.7 ms at concurrency 4; submission through vetline.instant p50 483 ms, p95
596 ms with the index warm (first requests after a rebuild: up to 36 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from vetline.db import get_engine, session_scope

PASSWORD = "bench-password-not-secret"


def ensure_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        ).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def prepare(url: str, data: Path, sample: int) -> None:
    from vetline.db.people import Application, Member
    from vetline.db.review import Case, User
    from vetline.intake import import_applications, import_members, import_reference
    from vetline.outcomes import decide_outcomes
    from vetline.rulebook import load_rulebook
    from vetline.screening import screen_applications
    from vetline.users import add_user

    engine = get_engine(url)
    with session_scope(engine) as s:
        members = s.scalar(select(func.count()).select_from(Member)) or 0
    if members == 0:
        t = time.perf_counter()
        with session_scope(engine) as s:
            import_members(s, data / "members.csv", actor="bench")
        with session_scope(engine) as s:
            import_applications(s, data / "applications.csv", actor="bench")
        for name, kind in (
            ("candidates", "candidates"),
            ("party_members", "party_members"),
            ("expelled", "expelled"),
        ):
            with session_scope(engine) as s:
                import_reference(s, data / "reference" / f"{name}.csv", list_name=name, kind=kind)
        print(f"imported in {time.perf_counter() - t:.0f} s", flush=True)
    with session_scope(engine) as s:
        cases = s.scalar(select(func.count()).select_from(Case)) or 0
    if cases == 0:
        t = time.perf_counter()
        with session_scope(engine) as s:
            ids = list(s.scalars(select(Application.id).order_by(Application.id)))
            chosen = sorted(random.Random(7).sample(ids, min(sample, len(ids))))
            screen_applications(s, application_ids=chosen, actor="bench")
            decide_outcomes(s, chosen, rulebook=load_rulebook("labour-2016"), actor="bench")
        print(f"screened and routed {len(chosen)} in {time.perf_counter() - t:.0f} s", flush=True)
    with session_scope(engine) as s:
        if s.scalar(select(User).where(User.name == "bench-reviewer")) is None:
            admin = s.scalar(select(User).where(User.role == "admin"))
            if admin is None:
                admin = add_user(s, "bench-admin", "admin", password=PASSWORD)
            add_user(s, "bench-reviewer", "reviewer", password=PASSWORD, actor=admin)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "VETLINE_DB_URL": url}
    cmd = [sys.executable, "-c", "from vetline.cli import main; main()", "serve"]
    cmd += ["--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(
        "the server did not start: " + (proc.stderr.read().decode() if proc.stderr else "")
    )


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))] * 1000

    return (
        f"n={len(ordered)} p50={pct(0.5):.1f} ms p95={pct(0.95):.1f} ms "
        f"p99={pct(0.99):.1f} ms max={ordered[-1] * 1000:.1f} ms "
        f"mean={statistics.mean(ordered) * 1000:.1f} ms"
    )


def server_cpu(proc: subprocess.Popen[bytes]) -> float:
    """CPU seconds used so far by the server and its worker processes."""
    import psutil

    root = psutil.Process(proc.pid)
    total = 0.0
    for p in [root, *root.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


async def drive(
    client: httpx.AsyncClient, jobs: list[dict[str, Any]], concurrency: int
) -> tuple[list[float], dict[int, int]]:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def worker() -> None:
        while not queue.empty():
            job = queue.get_nowait()
            t = time.perf_counter()
            r = await client.request(**job)
            latencies.append(time.perf_counter() - t)
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, statuses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument(
        "--db", default="postgresql+psycopg://postgres@127.0.0.1:5432/vetline_bench_web"
    )
    ap.add_argument("--sample", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--submissions", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--submit-concurrency", type=int, default=4)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()

    ensure_database(args.db)
    prepare(args.db, args.data, args.sample)
    with session_scope(get_engine(args.db)) as s:
        from vetline.db.people import Application, Member
        from vetline.db.review import Case

        case_ids = list(s.scalars(select(Case.id)))
        n_members = s.scalar(select(func.count()).select_from(Member))
        n_apps = s.scalar(select(func.count()).select_from(Application))
    print(f"database: {n_members:,} members, {n_apps:,} applications, {len(case_ids):,} cases")

    port = free_port()
    proc = start_server(args.db, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base) as c:
            page = c.get("/login")
            token_match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token_match
            r = c.post(
                "/login",
                data={
                    "username": "bench-reviewer",
                    "password": PASSWORD,
                    "csrf_token": token_match.group(1),
                },
            )
            assert r.status_code == 303, (r.status_code, r.text[:200])  # to the dashboard
            cookies = dict(c.cookies)
            t = c.post(
                "/api/tokens",
                json={
                    "username": "bench-reviewer",
                    "password": PASSWORD,
                    "scopes": ["applications:write", "applications:read"],
                },
            )
            assert t.status_code == 201, t.text
            bearer = {"Authorization": f"Bearer {t.json()['token']}"}

        rng = random.Random(1)
        pages = [
            {"method": "GET", "url": f"/cases/{rng.choice(case_ids)}"} for _ in range(args.requests)
        ]
        stamp = int(time.time())
        submissions = [
            {
                "method": "POST",
                "url": "/api/applications",
                "headers": bearer,
                "json": {
                    "id": f"bench-{stamp}-{i}",
                    "first_name": rng.choice(["Ann", "Bob", "Chidi", "Dorota", "Eamon"]),
                    "last_name": rng.choice(["Smith", "Okafor", "Nowak", "Byrne", "Patel"]),
                    "date_of_birth": f"19{rng.randint(40, 99)}-0{rng.randint(1, 9)}-15",
                    "postcode": "S11 8YE",
                    "applied_at": "2016-07-12T09:30:00Z",
                },
            }
            for i in range(args.submissions)
        ]

        async def run() -> None:
            limits = httpx.Limits(max_connections=args.concurrency)
            async with httpx.AsyncClient(
                base_url=base, cookies=cookies, limits=limits, timeout=600
            ) as client:
                await drive(client, pages[:20], args.concurrency)  # warm-up
                t0, cpu0 = time.perf_counter(), server_cpu(proc)
                lat, st = await drive(client, pages, args.concurrency)
                wall, cpu = time.perf_counter() - t0, server_cpu(proc) - cpu0
                print(
                    f"GET /cases/{{id}}  concurrency {args.concurrency}: {percentiles(lat)} "
                    f"({len(lat) / wall:.0f} req/s, server CPU {cpu / len(lat) * 1000:.1f} ms "
                    f"per request) statuses {st}",
                    flush=True,
                )
                if not submissions:
                    return
                t0 = time.perf_counter()
                lat, st = await drive(client, submissions, args.submit_concurrency)
                wall = time.perf_counter() - t0
                print(
                    f"POST /api/applications concurrency {args.submit_concurrency}: "
                    f"{percentiles(lat)} "
                    f"({len(lat) / wall:.1f} req/s) statuses {st}",
                    flush=True,
                )

        asyncio.run(run())
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()

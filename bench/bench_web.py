"""Web latency at surge scale: the case page and single-application submission under load.

    apt-get install -y wrk          # the load generator (Debian package)
    .venv/bin/vetline synth --out /tmp/vetline-bench-web/data130 --members 600000 \
        --applicants 130000 --days 10 --seed 5
    nice .venv/bin/python bench/bench_web.py --data /tmp/vetline-bench-web/data130 \
        [--db postgresql+psycopg://postgres@127.0.0.1:5432/vetline_bench_web2] \
        [--held-out 2000] [--concurrency 1 4 8] [--seconds 20] [--submit-concurrency 1 4] \
        [--submit-seconds 20] [--workers 1] [--proxy nginx] [--rate R] [--submit-rate R]

Prepare (once per `--db`; skipped when the members are already there): import the members,
the applications except the last `--held-out` of the file (130,000 - 2,000 = 128,000 in the
database) and the candidate / other-party / expelled lists through intake (the electoral
register is left out to keep preparation short), screen and route a sample of applications
(`--sample`) so there are cases, add a reviewer with a password. `--db` is then a template
that no run changes: each run works on a fresh copy (`<db>_run`, dropped afterwards), so runs
of any code version start from the same state.

Then start `vetline serve` on a free loopback port and drive it with wrk, a C load generator
in its own process (a Python generator in the bench process competed with what it measured):
for each `--concurrency`, GET /cases/{id} for random cases with a logged-in session for
`--seconds`; then one warm-up submission (it may build the stored index), and for each
`--submit-concurrency`, POST /api/applications with a bearer token, each request the next
held-out application of the surge, as it was generated (so submissions find what real
sign-ups find: their register of members, the lists, a double sign-up now and then — not
each other). Each run prints p50/p95/p99/max from wrk's latency histogram, the throughput,
the server's CPU time per request, what the run's submissions found, and any refusals
(4xx/5xx are counted as errors, and the first few are printed). `--concurrency` /
`--submit-concurrency` with no number skips that part.

By default each connection sends its next request as soon as the last is answered (a closed
loop: the load is as heavy as the server can take). `--rate R` / `--submit-rate R` offer R
requests per second in all instead, each connection waiting an exponentially distributed
time before each request (Poisson arrivals, as independent clients would send them), which
shows the latency at a stated load rather than at saturation.

Figures: docs/web.md, "Speed".
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def fresh_copy(template: str) -> str:
    """A new database copied from the prepared one (dropped first if a run left it)."""
    parsed = make_url(template)
    copy = f"{parsed.database}_run"
    get_engine(template).dispose()  # a template must have no open connections
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{copy}"'))
        conn.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{parsed.database}"'))
    admin.dispose()
    return parsed.set(database=copy).render_as_string(hide_password=False)


def drop_copy(url: str) -> None:
    parsed = make_url(url)
    get_engine(url).dispose()
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}"'))
    admin.dispose()


def held_out_split(data: Path, held_out: int, work: Path) -> tuple[Path, list[dict[str, str]]]:
    """The surge's applications but the last `held_out` (a CSV to import) and those last
    ones (the bodies to submit, blank fields left out)."""
    with (data / "applications.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    if held_out >= len(rows):
        raise SystemExit(f"--held-out {held_out} leaves no applications to import")
    kept, held = rows[: len(rows) - held_out], rows[len(rows) - held_out :]
    path = work / "applications-imported.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(kept)
    return path, [{k: v for k, v in r.items() if v not in ("", None)} for r in held]


def prepare(url: str, data: Path, sample: int, imported: Path, held: list[dict[str, str]]) -> None:
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
            import_applications(s, imported, actor="bench")
        for name, kind in (
            ("candidates", "candidates"),
            ("party_members", "party_members"),
            ("expelled", "expelled"),
        ):
            with session_scope(engine) as s:
                import_reference(s, data / "reference" / f"{name}.csv", list_name=name, kind=kind)
        print(f"imported in {time.perf_counter() - t:.0f} s", flush=True)
    with session_scope(engine) as s:
        held_ids = [r["id"] for r in held]
        present = s.scalar(
            select(func.count())
            .select_from(Application)
            .where(Application.external_id.in_(held_ids))
        )
        if present:
            raise SystemExit(
                f"{url}: {present} of the held-out applications are already in this database "
                "(prepared by an older bench with every application): use a new --db"
            )
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
    # stderr to a file: a pipe nobody reads would stall the server once it fills
    log = Path(tempfile.gettempdir()) / f"vetline-bench-web-server-{port}.log"
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    deadline = time.monotonic() + 300  # serve loads (or first builds) the indexes
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the server did not start: " + log.read_text(errors="replace"))


NGINX_CONF = """
worker_processes 1;
error_log %(dir)s/error.log warn;
pid %(dir)s/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %(dir)s/body;
  proxy_temp_path %(dir)s/proxy;
  fastcgi_temp_path %(dir)s/fastcgi;
  uwsgi_temp_path %(dir)s/uwsgi;
  scgi_temp_path %(dir)s/scgi;
  upstream vetline {
    least_conn;
%(servers)s
    keepalive 64;
  }
  server {
    listen 127.0.0.1:%(port)d;
    client_max_body_size 50m;
    location / {
      proxy_pass http://vetline;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_read_timeout 300s;
    }
  }
}
"""


def start_behind_nginx(
    url: str, port: int, workers: int
) -> tuple[list[subprocess.Popen[bytes]], subprocess.Popen[bytes]]:
    """`workers` single-process servers on ports of their own behind nginx on `port`, which
    hands each request to the server with the fewest requests in flight (least_conn over
    kept-alive upstream connections): requests are balanced, not client connections."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise SystemExit("--proxy nginx needs nginx: `apt-get install -y nginx-light`")
    servers, ports = [], []
    for _ in range(workers):  # one after another: each takes its port before the next asks
        ports.append(free_port())
        servers.append(start_server(url, ports[-1], 1))
    conf_dir = Path(tempfile.mkdtemp(prefix="vetline-bench-nginx-"))
    upstreams = "\n".join(f"    server 127.0.0.1:{p};" for p in ports)
    conf = conf_dir / "nginx.conf"
    conf.write_text(NGINX_CONF % {"dir": conf_dir, "servers": upstreams, "port": port})
    cmd = [nginx, "-c", str(conf), "-p", str(conf_dir), "-g", "daemon off;"]
    proxy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return servers, proxy
        except httpx.HTTPError:
            time.sleep(0.2)
    proxy.kill()
    raise SystemExit("nginx did not start: " + (conf_dir / "error.log").read_text())


def server_cpu(procs: list[subprocess.Popen[bytes]]) -> float:
    """CPU seconds used so far by the servers and their worker processes."""
    import psutil

    total = 0.0
    for proc in procs:
        root = psutil.Process(proc.pid)
        for p in [root, *root.children(recursive=True)]:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
    return total


def wait_idle(procs: list[subprocess.Popen[bytes]], timeout: float = 300) -> None:
    """Wait until the server is idle: with --workers N each worker reads the screening indexes
    in the background after it starts answering (several CPU seconds each), which would
    otherwise be counted in the first run's CPU per request and slow its requests."""
    deadline = time.monotonic() + timeout
    before = server_cpu(procs)
    while time.monotonic() < deadline:
        time.sleep(1)
        now = server_cpu(procs)
        if now - before < 0.1:
            return
        before = now


CASE_SCRIPT = """
local paths = {%(paths)s}
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""

SUBMIT_SCRIPT = """
local bodies = {}
local counter = 0
local n_threads = 0
function setup(thread)
  thread:set("tid", n_threads)
  n_threads = n_threads + 1
end
function init(args)
  for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
end
request = function()
  -- thread t takes held-out applications offset+t, offset+t+threads, ...: each once
  local i = %(offset)d + counter * %(threads)d + tid
  counter = counter + 1
  local line = bodies[(i %% #bodies) + 1]
  -- each line starts {"id": "<id>", ...}: the run's label keeps ids apart across runs
  local body = '{"id": "bench-%(run)s-' .. string.sub(line, 9)
  return wrk.format("POST", "/api/applications", nil, body)
end
"""

# appended to both: the first refusals are printed (a bench that counts 4xx as answers is
# wrong); wrk calls done() once with the merged latency histogram (microseconds)
DONE = """
local shown = 0
response = function(status, headers, body)
  if status >= 400 and shown < 3 then
    shown = shown + 1
    io.write(string.format("HTTP %d: %s\\n", status, string.sub(body, 1, 300)))
  end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT %d %d %d %d %d %d %d %f %f %f %f %f\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    latency.mean))
end
"""

# appended when a rate is asked for: each connection waits an exponentially distributed time
# (mean connections / rate) before each request, so the requests of all connections arrive
# roughly as a Poisson stream of `rate` per second (less by the latency itself) instead of
# back to back; wrk's latency still counts from sending to the answer
PACED = """
function delay()
  return -math.log(1 - math.random()) * %(mean_ms)f
end
"""


def paced(script: str, rate: float | None, connections: int) -> str:
    """`script` with a delay() that offers `rate` requests per second over `connections`."""
    return script if not rate else script + PACED % {"mean_ms": 1000.0 * connections / rate}


def label(what: str, connections: int, rate: float | None) -> str:
    return f"{what} {connections} connections" + (f" at {rate:g}/s offered" if rate else "")


WRK_MISSING = (
    "bench_web.py drives the load with wrk (a C load generator, so the client does not share "
    "the Python interpreter with the measurement): install it with `apt-get install -y wrk`"
)


def run_wrk(
    base: str,
    script: str,
    headers: dict[str, str],
    *,
    connections: int,
    seconds: float,
    workdir: Path,
) -> dict[str, float]:
    """Run wrk against `base` with `script` for `seconds`; parse the RESULT line of done()."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit(WRK_MISSING)
    path = workdir / "script.lua"
    path.write_text(script + DONE, "utf-8")
    cmd = [wrk, "--latency", "-t", str(min(connections, 2)), "-c", str(connections)]
    cmd += ["-d", f"{seconds:g}s", "--timeout", "120s", "-s", str(path)]
    for key, value in headers.items():
        cmd += ["-H", f"{key}: {value}"]
    out = subprocess.run([*cmd, base], capture_output=True, text=True, check=True).stdout
    for refused in (x for x in out.splitlines() if x.startswith("HTTP ")):
        print("  " + refused, flush=True)
    line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit("wrk printed no result:\n" + out)
    names = "requests duration_us connect read write status timeout p50 p95 p99 max mean"
    return dict(zip(names.split(), map(float, line.split()[1:]), strict=True))


def report(label: str, r: dict[str, float], cpu: float) -> str:
    n = max(r["requests"], 1.0)
    errors = {k: int(r[k]) for k in ("connect", "read", "write", "status", "timeout") if r[k]}
    return (
        f"{label}: n={int(r['requests'])} p50={r['p50'] / 1000:.1f} ms "
        f"p95={r['p95'] / 1000:.1f} ms p99={r['p99'] / 1000:.1f} ms "
        f"max={r['max'] / 1000:.1f} ms mean={r['mean'] / 1000:.1f} ms "
        f"({n / (r['duration_us'] / 1e6):.1f} req/s, server CPU {cpu / n * 1000:.1f} ms per "
        f"request) errors {errors or 'none'}"
    )


def submitted(url: str, pattern: str) -> str:
    """What the run's submissions found (hits per submission drive the work of storing,
    routing and returning them)."""
    query = text(
        "SELECT count(*), coalesce(avg(n), 0), coalesce(sum(fix), 0) FROM ("
        " SELECT a.id, count(h.id) AS n, max(CASE WHEN a.status = 'fix_it' THEN 1 ELSE 0 END)"
        " AS fix FROM applications a LEFT JOIN hits h ON h.application_id = a.id"
        " WHERE a.external_id LIKE :p GROUP BY a.id) x"
    )
    with session_scope(get_engine(url)) as s:
        n, hits, fix = s.execute(query, {"p": pattern}).one()
    return f"{n} submissions stored, {float(hits):.1f} hits each on average, {fix} sent fix-it"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument(
        "--db",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/vetline_bench_web2",
        help="the prepared database (a template: runs use a fresh copy of it)",
    )
    ap.add_argument(
        "--held-out", type=int, default=2000, help="last applications kept out, to submit"
    )
    ap.add_argument("--sample", type=int, default=2000)
    ap.add_argument(
        "--concurrency", type=int, nargs="*", default=[1, 4, 8], help="case page connections"
    )
    ap.add_argument("--seconds", type=float, default=20, help="per case-page run")
    ap.add_argument(
        "--submit-concurrency", type=int, nargs="*", default=[1, 4, 8], help="none: skip"
    )
    ap.add_argument("--submit-seconds", type=float, default=20, help="per submission run")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument(
        "--proxy",
        choices=["nginx"],
        help="run --workers single-process servers on ports of their own behind nginx, which"
        " balances requests over them (least_conn) rather than client connections",
    )
    ap.add_argument(
        "--rate",
        type=float,
        help="case pages: offer this many requests per second in all (Poisson arrivals over "
        "the connections) instead of sending back to back",
    )
    ap.add_argument(
        "--submit-rate",
        type=float,
        help="submissions: offer this many per second in all (Poisson arrivals over the "
        "connections) instead of sending back to back",
    )
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit(WRK_MISSING)

    ensure_database(args.db)
    prep = Path(tempfile.mkdtemp(prefix="vetline-bench-web-"))
    imported, held = held_out_split(args.data, args.held_out, prep)
    prepare(args.db, args.data, args.sample, imported, held)
    bodies = prep / "bodies.jsonl"
    bodies.write_text("".join(json.dumps(b) + "\n" for b in held), "utf-8")
    template, args.db = args.db, fresh_copy(args.db)
    print(f"running on a fresh copy of {make_url(template).database}", flush=True)
    with session_scope(get_engine(args.db)) as s:
        from vetline.db.people import Application, Member
        from vetline.db.review import Case

        case_ids = list(s.scalars(select(Case.id)))
        n_members = s.scalar(select(func.count()).select_from(Member))
        n_apps = s.scalar(select(func.count()).select_from(Application))
    print(f"database: {n_members:,} members, {n_apps:,} applications, {len(case_ids):,} cases")

    port = free_port()
    proxy: subprocess.Popen[bytes] | None = None
    if args.proxy == "nginx":
        procs, proxy = start_behind_nginx(args.db, port, args.workers)
    else:
        procs = [start_server(args.db, port, args.workers)]
    wait_idle(procs)
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

        paths = ", ".join(f'"/cases/{i}"' for i in case_ids)
        cookie = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        json_bearer = {**bearer, "Content-Type": "application/json"}
        stamp = int(time.time())
        with tempfile.TemporaryDirectory(prefix="vetline-bench-wrk-") as tmp:
            work = Path(tmp)
            page_script = CASE_SCRIPT % {"paths": paths}
            run_wrk(base, page_script, cookie, connections=2, seconds=3, workdir=work)  # warm-up
            for conc in args.concurrency:
                cpu0 = server_cpu(procs)
                r = run_wrk(
                    base,
                    paced(page_script, args.rate, conc),
                    cookie,
                    connections=conc,
                    seconds=args.seconds,
                    workdir=work,
                )
                cpu = server_cpu(procs) - cpu0
                print(report(label("GET /cases/{id}", conc, args.rate), r, cpu), flush=True)
            if args.submit_concurrency:
                # the first submission after a list or membership change builds the stored
                # index (tens of seconds); measure the steady state, as the docs report it
                t = time.perf_counter()
                warm = httpx.post(
                    f"{base}/api/applications",
                    headers=bearer,
                    json={
                        "id": f"bench-{stamp}-warm-up",
                        "first_name": "Ann",
                        "last_name": "Smith",
                        "applied_at": "2016-07-12T09:30:00Z",
                    },
                    timeout=600,
                )
                assert warm.status_code == 201, warm.text[:500]
                print(f"warm-up submission: {time.perf_counter() - t:.1f} s", flush=True)
            offset = 0
            for conc in args.submit_concurrency:
                script = SUBMIT_SCRIPT % {
                    "bodies": bodies,
                    "offset": offset,
                    "threads": min(conc, 2),
                    "run": f"{stamp}-{conc}",
                }
                cpu0 = server_cpu(procs)
                r = run_wrk(
                    base,
                    paced(script, args.submit_rate, conc),
                    json_bearer,
                    connections=conc,
                    seconds=args.submit_seconds,
                    workdir=work,
                )
                cpu = server_cpu(procs) - cpu0
                what = label("POST /api/applications", conc, args.submit_rate)
                print(report(what, r, cpu), flush=True)
                print("  " + submitted(args.db, f"bench-{stamp}-{conc}-%"), flush=True)
                offset += int(r["requests"]) + 2  # a thread may have sent one more
                if offset > len(held):
                    print(
                        f"  (more submissions than --held-out {len(held)}: "
                        "later ones re-send earlier applications)",
                        flush=True,
                    )
        print(f"load average after: {os.getloadavg()}", flush=True)
    finally:
        for proc in [*([proxy] if proxy is not None else []), *procs]:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        drop_copy(args.db)
        shutil.rmtree(prep, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Time `import_members` on a large membership, on SQLite and PostgreSQL.

    nice .venv/bin/python bench/intake_members.py --members 600000 [--pg ADMIN_URL | --no-pg]

Prints seconds for the first import (all inserts), a re-import (all unchanged) and a
re-import with 1% of rows changed (updates recorded). The file is generated, not Faker-made,
so the figure measures intake, not the generator.

Measured 2026-11-27 on the shared 2-core machine (niced, load average ~4 from other work),
600,000 members: SQLite 78 s first import, 55 s same file again, 52 s with 1% changed;
PostgreSQL 44 s, 49 s, 55 s. About 35-55 s of each is this process's CPU (CSV decoding,
pydantic validation, hashing); PostgreSQL inserts new rows with COPY.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from vetline.db import get_engine, reset_engines, session_scope
from vetline.intake import import_members

FIRST = ["Ann", "Siobhán", "Minh", "José", "Zoë", "Mohammed", "Olivia", "Jack", "李", "Priya"]
LAST = ["O'Brien", "Nguyễn", "Smith-Jones", "Davison", "Khan", "Jones", "de la Cruz", "Patel"]


def write_members(path: Path, n: int, *, seed: int, changed: float = 0.0) -> None:
    rng = random.Random(seed)
    flip = random.Random(seed + 1)
    header = "id,first_name,last_name,date_of_birth,postcode,address,email,phone,joined_at,status"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header.split(","))
        for i in range(n):
            street = rng.randint(1, 300)
            status = "current" if flip.random() >= changed else "lapsed"
            w.writerow(
                [
                    f"M{i:07d}",
                    rng.choice(FIRST),
                    rng.choice(LAST),
                    f"{rng.randint(1930, 2008)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    f"S{rng.randint(1, 99)} {rng.randint(1, 9)}{rng.choice('ABDEFGH')}Z",
                    f"{street} High Street, Sheffield",
                    f"m{i}@example.org",
                    f"07700 9{i % 100000:05d}",
                    f"{rng.randint(1990, 2016)}-{rng.randint(1, 12):02d}-01",
                    status,
                ]
            )


def run(url: str, files: dict[str, Path]) -> None:
    engine = get_engine(url)
    for label, path in files.items():
        started, cpu = time.perf_counter(), time.process_time()
        with session_scope(engine) as session:
            s = import_members(session, path, actor="bench")
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"{engine.dialect.name:10} {label:22} {s.rows:>8,} rows  "
            f"inserted {s.inserted:>8,}  updated {s.updated:>7,}  unchanged {s.unchanged:>8,}  "
            f"{seconds:6.1f} s wall, {cpu:6.1f} s CPU in this process "
            f"(load {os.getloadavg()[0]:.1f})"
        )
    reset_engines()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=600_000)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        first, changed = d / "members.csv", d / "members_changed.csv"
        write_members(first, args.members, seed=1)
        write_members(changed, args.members, seed=1, changed=0.01)
        files = {"first import": first, "same file again": first, "1% changed": changed}
        run(f"sqlite:///{d / 'bench.db'}", files)
        if args.no_pg:
            return
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = f"vetline_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(args.pg.rsplit("/", 1)[0] + f"/{name}", files)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()

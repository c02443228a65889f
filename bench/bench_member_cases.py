"""What opening cases about members costs after a list version (vetline.cases.members).

    nice .venv/bin/python bench/bench_member_cases.py /tmp/member-cases 20000 500

Generates a synthetic surge (seed 3) with N members, loads it into SQLite under WORK, screens
it, then imports version 2 of the party-members list with PLANTED current members copied onto
it, and times the re-screen (vetline.rescreen) and the rulebook step that opens the member
cases (refer_members), wall and CPU.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

from sqlalchemy import select

from vetline.cases.members import refer_members
from vetline.db import get_engine, session_scope
from vetline.db.people import Member, MemberStatus
from vetline.demo import DEMO_LISTS
from vetline.intake import import_applications, import_members, import_reference
from vetline.rescreen import rescreen_new_list_versions
from vetline.rulebook import load_rulebook
from vetline.screening import screen_and_decide
from vetline.synth import generate

PARTY = "other-party-members"


def main(work: Path, n_members: int, planted: int) -> None:
    data = work / "surge"
    if not (data / "members.csv").exists():
        generate(data, members=n_members, applicants=n_members // 5, days=5, seed=3)
    db = work / "bench.db"
    db.unlink(missing_ok=True)
    engine = get_engine(f"sqlite:///{db}")
    with session_scope(engine) as s:
        import_members(s, data / "members.csv")
        for file_name, name, kind, source, _licence in DEMO_LISTS:
            import_reference(
                s, data / "reference" / file_name, list_name=name, kind=kind, source=source
            )
        import_applications(s, data / "applications.csv")
    with session_scope(engine) as s:
        screen_and_decide(s)
    with session_scope(engine) as s:
        with (data / "reference" / "party_members.csv").open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header, rows = list(reader.fieldnames or []), list(reader)
        members = s.scalars(
            select(Member)
            .where(Member.status == MemberStatus.CURRENT, Member.date_of_birth.is_not(None))
            .order_by(Member.id)
            .limit(planted)
        ).all()
        for m in members:
            row = dict.fromkeys(header, "")
            for f in ("first_name", "last_name", "postcode", "address", "email", "phone"):
                row[f] = getattr(m, f) or ""
            row.update(id=f"PM-MEM-{m.id}", party="Green Party")
            row["date_of_birth"] = m.date_of_birth.isoformat() if m.date_of_birth else ""
            rows.append(row)
        v2 = work / "party_v2.csv"
        with v2.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows)
        import_reference(s, v2, list_name=PARTY, kind="party_members")
    with session_scope(engine) as s:
        t0, c0 = time.perf_counter(), time.process_time()
        summary = rescreen_new_list_versions(s, engine="duckdb", threshold=0.05)
        t1, c1 = time.perf_counter(), time.process_time()
        out = refer_members(s, summary.member_ids, rulebook=load_rulebook("labour-2016"))
        t2, c2 = time.perf_counter(), time.process_time()
    print(
        f"{n_members:,} members, {planted:,} planted: member hits on "
        f"{len(summary.member_ids):,} members; re-screen {t1 - t0:.2f} s wall / "
        f"{c1 - c0:.2f} s CPU; refer_members {t2 - t1:.2f} s wall / {c2 - c1:.2f} s CPU; "
        f"cases opened {out.cases_opened:,}, not referred {out.not_referred:,}"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))

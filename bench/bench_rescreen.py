"""Re-screen when a reference list gets a new version: the changed entries against everyone.

    nice .venv/bin/python bench/bench_rescreen.py /tmp/vetline-bench/big \
        [--base /tmp/vetline-bench/rescreen-base.db] [--changed 500] [--compare] [--backfill]

Loads the synth directory once into a SQLite base database (members, applications, the four
reference lists) and records that every application has been screened against version 1 of
each list, and that the membership has been screened in full. (Shortcut: the first screening of
128k applications is bench_speed.py's subject, not this one's; here only the coverage it would
leave behind is written.) Then, on a copy:
version 2 of the party-members list with `--changed` entries added or changed (half new rows
copying applicants' and current members' details, half existing rows with a new address),
imported and re-screened by `vetline.rescreen`. Prints each phase's time, the people affected,
hits on applications and members, and peak memory. `--compare` also times what re-screening
did before: every screened application against the whole list (members not screened at all);
`--compare-full` the full re-screen the increment equals (everyone against every list).
`--backfill` instead times the first screen-run's back-fill of the membership: every current
member screened in full against the lists that can count against a member
(vetline.member_rescreen).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import sys
import time
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

T0 = time.perf_counter()


def say(msg: str) -> None:
    print(f"[{time.perf_counter() - T0:7.1f}s] {msg}", flush=True)


def party_list(directory: Path, work: Path) -> Path:
    """The synth party-members list, with dates of birth before 1900 (which the importer
    refuses; the big synth set has one) left blank."""
    out = work / "party_members.csv"
    if out.exists():
        return out
    src = directory / "reference" / "party_members.csv"
    with src.open(newline="", encoding="utf-8") as fh, out.open("w", newline="") as dst:
        reader = csv.DictReader(fh)
        writer = csv.DictWriter(dst, fieldnames=list(reader.fieldnames or []))
        writer.writeheader()
        for row in reader:
            if row["date_of_birth"][:4].isdigit() and row["date_of_birth"][:4] < "1900":
                row["date_of_birth"] = ""
            writer.writerow(row)
    return out


def build_base(directory: Path, url: str, work: Path) -> None:
    from vetline.db import get_engine
    from vetline.db.base import utcnow
    from vetline.db.people import Application, ApplicationStatus, Member, ReferenceList
    from vetline.db.screening import ScreeningRun
    from vetline.demo import DEMO_LISTS
    from vetline.intake import import_applications, import_members, import_reference
    from vetline.rescreen import MEMBER_RUN, MEMBERS_UPTO

    engine = get_engine(url)
    with sessionmaker(bind=engine)() as session:
        t = time.perf_counter()
        import_members(session, directory / "members.csv")
        say("members imported")
        import_applications(session, directory / "applications.csv")
        say("applications imported")
        for file_name, name, kind, source, _licence in DEMO_LISTS:
            path = directory / "reference" / file_name
            if file_name == "party_members.csv":
                path = party_list(directory, work)
            import_reference(session, path, list_name=name, kind=kind, source=source)
            say(f"{name} imported")
        session.commit()
        say(f"base database loaded in {time.perf_counter() - t:.0f}s")
        now = utcnow()
        session.execute(
            update(Application).values(status=ApplicationStatus.SCREENED, screened_at=now)
        )
        versions = dict(session.execute(select(ReferenceList.id, ReferenceList.version)).all())
        newest = session.scalar(select(func.max(Member.id))) or 0
        for trigger, params in (
            ("intake", {"list_versions": {str(k): v for k, v in versions.items()}}),
            # and that the membership has been screened in full (vetline.member_rescreen)
            (MEMBER_RUN, {MEMBERS_UPTO: int(newest), "member_changes_upto": 0}),
        ):
            session.add(
                ScreeningRun(
                    engine="duckdb",
                    model_version="bench",
                    review_threshold=0.05,
                    actor="bench",
                    trigger=trigger,
                    params=params,
                    finished_at=now,
                )
            )
        session.commit()
    engine.dispose()


def version_two(directory: Path, session: Session, changed: int, out: Path) -> Path:
    """The party-members list with `changed` entries added (people we hold) or changed."""
    from vetline.db.people import Application, Member, MemberStatus

    rng = random.Random(7)
    with party_list(directory, out.parent).open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    new = changed // 2
    people = (
        list(session.scalars(select(Application).order_by(Application.id).limit(new // 2 * 40)))[
            ::40
        ]
        + list(
            session.scalars(
                select(Member)
                .where(Member.status == MemberStatus.CURRENT)
                .order_by(Member.id)
                .limit((new - new // 2) * 200)
            )
        )[::200]
    )
    for i, p in enumerate(people):
        row = dict.fromkeys(header, "")
        for f in ("first_name", "last_name", "postcode", "address", "email", "phone"):
            row[f] = getattr(p, f) or ""
        row["date_of_birth"] = p.date_of_birth.isoformat() if p.date_of_birth else ""
        row.update(id=f"PM-V2-{i}", party="Green Party", role="member")
        rows.append(row)
    for row in rng.sample(rows[: -len(people)], changed - len(people)):
        row["address"] = f"{rng.randint(1, 200)} New Road, {row['address'].split(', ')[-1]}"
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return out


def backfill(session: Session) -> None:
    """The first screen-run's back-fill: every current member against the lists, in full."""
    from sqlalchemy import delete

    from vetline.db.screening import ScreeningRun
    from vetline.member_rescreen import rescreen_changed_members
    from vetline.rescreen import MEMBER_RUN

    session.execute(delete(ScreeningRun).where(ScreeningRun.trigger == MEMBER_RUN))
    session.commit()
    t, c = time.perf_counter(), time.process_time()
    out = rescreen_changed_members(
        session, engine="duckdb", threshold=0.05, actor="bench", progress=say
    )
    session.commit()
    took, cpu = time.perf_counter() - t, time.process_time() - c
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    say(
        f"BACK-FILL {took:.1f}s wall, {cpu:.1f}s CPU (this process): {len(out.member_ids):,} "
        f"members screened ({out.new_members:,} never before), {len(out.flagged):,} with hits "
        f"{out.hits_by_list}; peak RSS {peak:.2f} GB; load {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("directory", type=Path)
    ap.add_argument("--base", type=Path, default=Path("/tmp/vetline-bench/rescreen-base.db"))
    ap.add_argument("--changed", type=int, default=500)
    ap.add_argument("--compare", action="store_true")
    ap.add_argument("--compare-full", action="store_true")
    ap.add_argument("--backfill", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("VETLINE_DATA_DIR", str(args.base.parent / "rescreen-data"))
    if not args.base.exists():
        build_base(args.directory, f"sqlite:///{args.base}", args.base.parent)
    work = args.base.with_name("rescreen-work.db")
    shutil.copyfile(args.base, work)
    url = f"sqlite:///{work}"

    from sqlalchemy import func

    from vetline.db import get_engine
    from vetline.db.people import Application, Member, ReferenceEntry, ReferenceList
    from vetline.intake import import_reference
    from vetline.rescreen import rescreen_new_list_versions

    engine = get_engine(url)
    with sessionmaker(bind=engine)() as session:
        counts = {
            "applications": session.scalar(select(func.count()).select_from(Application)),
            "members": session.scalar(select(func.count()).select_from(Member)),
            "entries": session.scalar(select(func.count()).select_from(ReferenceEntry)),
        }
        say(f"working copy: {counts}")
        if args.backfill:
            backfill(session)
            engine.dispose()
            return
        v2 = version_two(args.directory, session, args.changed, work.with_name("party_v2.csv"))
        t = time.perf_counter()
        imported = import_reference(
            session, v2, list_name="other-party-members", kind="party_members"
        )
        session.commit()
        say(
            f"imported v{imported.list_version}: {imported.inserted} added, "
            f"{imported.updated} changed in {time.perf_counter() - t:.1f}s"
        )
        t = time.perf_counter()
        summary = rescreen_new_list_versions(
            session, engine="duckdb", threshold=0.05, actor="bench", progress=say
        )
        session.commit()
        took = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
        say(
            f"RE-SCREEN {took:.1f}s: {summary.affected:,} people re-scored; hits on applications "
            f"{summary.hits_by_list}, on members {summary.member_hits_by_list}; "
            f"peak RSS {peak:.2f} GB; load {os.getloadavg()[0]:.1f}"
        )
        if args.compare:
            from vetline.matching import screen_frames
            from vetline.screening import person_frame, person_select, plain_rows

            party = session.scalars(
                select(ReferenceList).where(ReferenceList.name == "other-party-members")
            ).one()
            t = time.perf_counter()
            apps = plain_rows(session, person_select(Application))
            entries = plain_rows(
                session,
                person_select(ReferenceEntry).where(
                    ReferenceEntry.list_id == party.id, ReferenceEntry.removed_in_version.is_(None)
                ),
            )
            found = screen_frames(person_frame("", apps), person_frame("", entries))
            say(
                f"BEFORE (every application against the whole list, no members): "
                f"{time.perf_counter() - t:.1f}s, {len(found):,} pairs"
            )
        if args.compare_full:
            from vetline.db.people import ApplicationStatus, MemberStatus
            from vetline.matching import screen_frames
            from vetline.rescreen import full_screening_frame, live_entries, subjects_frame
            from vetline.screening import person_select, plain_rows

            t = time.perf_counter()
            apps = plain_rows(
                session,
                person_select(Application).where(Application.status != ApplicationStatus.RECEIVED),
            )
            members = plain_rows(
                session, person_select(Member).where(Member.status == MemberStatus.CURRENT)
            )
            found = screen_frames(
                subjects_frame(apps, members), full_screening_frame(live_entries(session))
            )
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
            say(
                f"FULL re-screen (everyone against every list, what the increment equals): "
                f"{time.perf_counter() - t:.1f}s, {len(found):,} pairs; peak RSS {peak:.2f} GB; "
                f"load {os.getloadavg()[0]:.1f}"
            )
    engine.dispose()


if __name__ == "__main__":
    sys.exit(main())

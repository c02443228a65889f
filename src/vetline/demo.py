"""The demo: a synthetic surge generated, imported, screened and routed on the configured database.

Re-running it is safe: the generator is deterministic and imports are idempotent, so a second
run changes nothing and prints the same summary.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vetline.db import get_engine, session_scope
from vetline.db.people import ListKind, ReferenceList
from vetline.db.review import Case
from vetline.db.screening import Hit, HitTarget
from vetline.intake import ImportSummary, import_applications, import_members, import_reference
from vetline.oversight import write_report
from vetline.screening import ScreeningSummary, screen_and_decide
from vetline.settings import get_settings
from vetline.status import status_counts
from vetline.synth import SynthSummary, generate
from vetline.users import ensure_demo_users

# (file under reference/, list name, kind, source, licence)
DEMO_LISTS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "candidates.csv",
        "other-party-candidates",
        ListKind.CANDIDATES,
        "synthetic, Democracy Club format",
        "synthetic",
    ),
    ("party_members.csv", "other-party-members", ListKind.PARTY_MEMBERS, "synthetic", "synthetic"),
    ("expelled.csv", "expelled", ListKind.EXPELLED, "synthetic", "synthetic"),
    ("register.csv", "electoral-register", ListKind.REGISTER, "synthetic", "synthetic"),
)

Step = Callable[[str], None]


def import_demo_lists(
    session: Session,
    surge: Path,
    *,
    actor: str = "system",
    register: bool = True,
    step: Step | None = None,
) -> list[ImportSummary]:
    """Import a synthetic surge's reference lists (`vetline synth`'s reference/ folder), each
    under its demo name, kind and source; `register=False` leaves the electoral register out
    (the largest list, and one that only the register clause reads)."""
    summaries = []
    for file_name, name, kind, source, licence in DEMO_LISTS:
        if kind == ListKind.REGISTER and not register:
            continue
        if step:
            step(f"importing reference list {name}")
        summaries.append(
            import_reference(
                session,
                surge / "reference" / file_name,
                list_name=name,
                kind=kind,
                source=source,
                licence=licence,
                actor=actor,
            )
        )
    return summaries


@dataclass
class DemoResult:
    data_dir: Path
    db_url: str
    synth: SynthSummary
    imports: list[ImportSummary]
    screening: ScreeningSummary
    outcomes: dict[str, int]
    status: dict[str, Any]
    hits_by_list: dict[str, int]
    cases_by_status: dict[str, int]
    users: list[tuple[str, str, str]]
    users_file: Path
    extra_files: dict[str, Path] = field(default_factory=dict)


def _hits_by_list(session: Session) -> dict[str, int]:
    out: dict[str, int] = {}
    rows = session.execute(
        select(ReferenceList.name, func.count(Hit.id))
        .join(Hit, Hit.list_id == ReferenceList.id)
        .group_by(ReferenceList.name)
    )
    for name, n in rows:
        out[f"list: {name}"] = n
    for target in (HitTarget.MEMBER, HitTarget.APPLICATION):
        n = session.scalar(select(func.count(Hit.id)).where(Hit.target == target)) or 0
        out[f"duplicate of an existing {target}"] = n
    return out


def _remember_users(path: Path, created: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Keep demo credentials in a private file so a re-run can print them again."""
    known: dict[str, tuple[str, str]] = {}
    if path.exists():
        known = {k: (v[0], v[1]) for k, v in json.loads(path.read_text()).items()}
    for name, role, password in created:
        if password:
            known[name] = (role, password)
        elif name not in known:
            known[name] = (role, "")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({k: list(v) for k, v in known.items()}, fh, indent=2)
    return [(name, role, pw) for name, (role, pw) in known.items()]


def _surge_start(path: Path, days: int) -> datetime:
    """The surge ends today on the first run; later runs reuse that start (idempotent imports)."""
    if path.exists():
        return datetime.fromisoformat(path.read_text().strip())
    today = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=days)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(start.isoformat() + "\n")
    return start


def run_demo(
    *,
    members: int = 20_000,
    applicants: int = 5_000,
    days: int = 10,
    seed: int = 1,
    step: Step | None = None,
) -> DemoResult:
    """Generate, import, screen and route a synthetic surge; return what happened."""
    say = step or (lambda _msg: None)
    settings = get_settings()
    out = settings.data_dir / "demo"
    start = _surge_start(settings.data_dir / "demo-start.txt", days)
    say(f"generating a synthetic surge in {out}")
    synth = generate(out, members=members, applicants=applicants, days=days, seed=seed, start=start)
    engine = get_engine()
    imports: list[ImportSummary] = []
    with session_scope(engine) as session:
        say("importing the membership")
        imports.append(import_members(session, out / "members.csv", actor="demo"))
    with session_scope(engine) as session:
        imports.extend(import_demo_lists(session, out, actor="demo", step=say))
    with session_scope(engine) as session:
        say("importing the applications")
        imports.append(import_applications(session, out / "applications.csv", actor="demo"))
    with session_scope(engine) as session:
        say("screening")
        screening = screen_and_decide(session, actor="demo", progress=say)
    with session_scope(engine) as session:
        created = ensure_demo_users(session)
    users_file = settings.data_dir / "demo-users.json"
    users = _remember_users(users_file, created)
    with session_scope(engine) as session:
        counts = status_counts(session)
        hits = _hits_by_list(session)
        cases = dict(
            session.execute(select(Case.status, func.count(Case.id)).group_by(Case.status)).all()
        )
    report = settings.data_dir / "report.html"
    say(f"writing the oversight report {report}")
    with session_scope(engine) as session:
        write_report(session, report, json_out=settings.data_dir / "report.json")
    return DemoResult(
        data_dir=settings.data_dir,
        db_url=settings.db_url,
        synth=synth,
        imports=imports,
        screening=screening,
        outcomes=screening.outcomes,
        status=counts,
        hits_by_list=hits,
        cases_by_status={str(k): int(v) for k, v in cases.items()},
        users=users,
        users_file=users_file,
        extra_files={"report": report, "figures (JSON)": settings.data_dir / "report.json"},
    )


__all__ = ["DEMO_LISTS", "DemoResult", "import_demo_lists", "run_demo"]

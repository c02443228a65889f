"""Two franchises side by side: how many may vote under each, and who moves and why."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

from vetline.ballot.snapshot import Snapshot, cell

MOVERS_COLUMNS = ("kind", "id", "eligible_a", "reason_a", "eligible_b", "reason_b")


def movers_csv(a: Snapshot, b: Snapshot) -> str:
    """One row per person whose verdict differs between A and B (members first, by id)."""
    b_by_key = {(v.person.kind, v.person.id): v for v in b.verdicts}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MOVERS_COLUMNS)
    for va in a.verdicts:
        vb = b_by_key.get((va.person.kind, va.person.id))
        if vb is not None and vb.eligible != va.eligible:
            p = va.person
            writer.writerow([p.kind, cell(p.id), va.eligible, va.reason, vb.eligible, vb.reason])
    return out.getvalue()


def compare(a: Snapshot, b: Snapshot) -> dict[str, Any]:
    """Counts under A and B (everyone, and the surge alone) and the people whose verdict differs.

    A move is keyed by (verdict under A, verdict under B, reason under A, reason under B) so a
    committee sees e.g. "4,210 surge applicants: no (joined_after_freeze) -> yes".
    """
    b_by_key = {(v.person.kind, v.person.id): v for v in b.verdicts}
    moves: Counter[tuple[str, str, str, str, str]] = Counter()
    for va in a.verdicts:
        vb = b_by_key.get((va.person.kind, va.person.id))
        if vb is None or vb.eligible == va.eligible:
            continue
        group = "surge" if va.person.kind == "application" else "members"
        moves[(group, va.eligible, vb.eligible, va.reason, vb.reason)] += 1
    return {
        "at": {"a": a.at.isoformat(), "b": b.at.isoformat()},
        "rules": {
            "a": {"name": a.rules.name, "inputs_sha256": a.inputs_sha256},
            "b": {"name": b.rules.name, "inputs_sha256": b.inputs_sha256},
        },
        "all": {"a": a.counts(), "b": b.counts()},
        "surge": {"a": a.counts("application"), "b": b.counts("application")},
        "moves": [
            {
                "group": group,
                "from": f,
                "to": t,
                "reason_a": ra,
                "reason_b": rb,
                "people": n,
            }
            for (group, f, t, ra, rb), n in sorted(moves.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "moved_total": sum(moves.values()),
    }

"""Two franchises side by side: how many may vote under each, and who moves and why."""

from __future__ import annotations

from collections import Counter
from typing import Any

from vetline.ballot.snapshot import Snapshot


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

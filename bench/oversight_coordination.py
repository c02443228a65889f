"""Coordinated sign-up leads against the planted clusters of `vetline synth` (truth relation
`coordinated`), read straight from the CSVs (no database).

    .venv/bin/python bench/oversight_coordination.py --applicants 20000 --seed 4

Prints, for each planted cluster, the lead that holds most of it and that lead's rank, and how
many leads there are in all. A lead is not a verdict, so "precision" here only says how much
reading the committee is asked to do.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from vetline.oversight.coordination import clusters
from vetline.oversight.records import NO_SOURCE, ApplicationRecord


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--applicants", type=int, default=5000)
    ap.add_argument("--members", type=int, default=2000)
    ap.add_argument("--days", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", type=Path, default=None, help="use an existing synth folder")
    args = ap.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="vetline-synth-"))
    if args.dir is None:
        vetline = str(Path(sys.executable).parent / "vetline")
        subprocess.run(
            [vetline, "synth", "--out", str(folder), "--members", str(args.members),
             "--applicants", str(args.applicants), "--days", str(args.days),
             "--seed", str(args.seed)],
            check=True, capture_output=True,
        )  # fmt: skip
    rows = list(csv.DictReader((folder / "applications.csv").open(encoding="utf-8")))
    ids = {r["id"]: i for i, r in enumerate(rows)}
    apps = [
        ApplicationRecord(
            id=i,
            applied_at=datetime.fromisoformat(r["applied_at"].replace("Z", "+00:00")),
            source=r["source"] or NO_SOURCE,
            email=r["email"] or None,
            phone=r["phone"] or None,
            payment_ref=r["payment_ref"] or None,
            address=r["address"] or None,
            postcode=r["postcode"] or None,
        )
        for i, r in enumerate(rows)
    ]
    planted: dict[str, set[int]] = defaultdict(set)
    for t in csv.DictReader((folder / "truth.csv").open(encoding="utf-8")):
        if t["relation"] == "coordinated":
            note = t["corruption"]
            planted[note].update({ids[t["applicant_id"]], ids[t["target_id"]]})
    started = time.perf_counter()
    leads = clusters(apps)
    took = time.perf_counter() - started
    found = 0
    ranks = []
    for note, members in sorted(planted.items()):
        best = max(
            leads, key=lambda lead: len(members & set(lead["application_ids"])), default=None
        )
        share = len(members & set(best["application_ids"])) / len(members) if best else 0.0
        rank = best["lead"] if best and share else None
        found += share >= 0.5
        ranks.append(rank)
        print(f"{note:60s} size {len(members)}  covered {share:.0%}  lead rank {rank}")
    in_planted = set().union(*planted.values()) if planted else set()
    clean = sum(1 for lead in leads if not in_planted & set(lead["application_ids"]))
    worst = max((r or 10**9) for r in ranks) if ranks else "-"
    print(
        f"{len(apps):,} applications; {len(planted)} planted clusters, {found} found (>= half "
        f"of the cluster in one lead); worst rank {worst}; "
        f"{len(leads)} leads in all, {clean} without a planted member; {took:.2f} s"
    )


if __name__ == "__main__":
    main()

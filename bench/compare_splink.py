"""vetline vs Splink 5 (DuckDB) on the same synthetic data, in the same run.

    .venv/bin/python bench/compare_splink.py [--seed 7 --members 20000 --applicants 8000]

Applications against the electoral register of a `vetline synth` directory (the largest list).
Splink is configured the way its documentation advises (name, date-of-birth, postcode, email
and exact comparisons; blocking on name / date of birth / postcode / email; u by random
sampling, λ from deterministic rules, m by EM) and trained unsupervised on this data, as a
user without labels would; vetline uses its shipped model. Both are judged at probability
0.5 against truth.csv; wall times are train+predict (Splink) and screen_frames (vetline),
both from frames already read; vetline's time is also printed per stage (normalising each
side, handing the features to DuckDB, blocking, levels, scores, explanations). CPU times
include the normalising pool's workers (`vetline.matching.parallel`, `VETLINE_WORKERS`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _synth import generate, load

from vetline.matching import screen_frames
from vetline.matching.stages import cpu_time, record_stages, stages_text


def f1(pairs: set[tuple[str, str]], truth: set[tuple[str, str]]) -> str:
    tp = len(pairs & truth)
    prec = tp / len(pairs) if pairs else 1.0
    rec = tp / len(truth) if truth else 1.0
    f = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return f"precision {prec:.4f} recall {rec:.4f} F1 {f:.4f} ({len(pairs)} claimed)"


def run_splink(left: pd.DataFrame, right: pd.DataFrame) -> tuple[set[tuple[str, str]], float]:
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    t = time.perf_counter()
    db = DuckDBAPI()
    frames = []
    for name, frame in (("applications", left), ("register", right)):
        f = frame.rename(columns={"id": "unique_id"}).copy()
        f["date_of_birth"] = f["date_of_birth"].astype(str).where(f["date_of_birth"].notna())
        for col in f.columns:
            f[col] = f[col].astype("string")  # all-empty columns must still be text
        frames.append(db.register(f, dataset_display_name=name))
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("last_name"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("address"),
            cl.EmailComparison("email"),
            cl.ExactMatch("phone"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "last_name"),
            block_on("date_of_birth"),
            block_on("postcode"),
            block_on("email"),
        ],
    )
    linker = Linker(frames, settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "postcode")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "last_name")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    pred = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    took = time.perf_counter() - t
    pairs = set(zip(pred["unique_id_l"].astype(str), pred["unique_id_r"].astype(str), strict=True))
    return pairs, took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--members", type=int, default=20000)
    ap.add_argument("--applicants", type=int, default=8000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/vetline-bench"))
    ap.add_argument("--dir", type=Path, help="an existing synth directory instead")
    args = ap.parse_args()
    d = args.dir or generate(
        args.work / f"seed{args.seed}-{args.members}-{args.applicants}",
        seed=args.seed,
        members=args.members,
        applicants=args.applicants,
    )
    data = load(d)
    left, right = data.applications, data.targets["register"]
    t = data.truth[(data.truth["relation"] == "match") & (data.truth["target_file"] == "register")]
    truth = set(zip(t["applicant_id"], t["target_id"], strict=True))
    print(
        f"{len(left):,} applications x {len(right):,} register entries, {len(truth):,} true pairs"
    )
    start, cpu = time.perf_counter(), cpu_time()
    with record_stages() as stages:
        hits = screen_frames(left, right, threshold=0.5)
    ours, ours_cpu = time.perf_counter() - start, cpu_time() - cpu
    vet = set(zip(hits["left_id"], hits["right_id"], strict=True))
    print(f"vetline (shipped model):      {ours:6.1f}s ({ours_cpu:.1f}s CPU)  {f1(vet, truth)}")
    print(f"  vetline stages: {stages_text(stages)}")
    cpu = cpu_time()
    theirs, took = run_splink(left, right)
    theirs_cpu = cpu_time() - cpu
    print(
        f"Splink 5 (trained unsupervised, train+predict): {took:6.1f}s ({theirs_cpu:.1f}s CPU)  "
        f"{f1(theirs, truth)}"
    )
    print(
        f"speed ratio Splink/vetline: {took / ours:.2f}x wall, {theirs_cpu / ours_cpu:.2f}x CPU "
        f"(load {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()

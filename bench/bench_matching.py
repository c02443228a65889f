"""Quality of the shipped model on unseen synthetic data (and the reliability table).

    .venv/bin/python bench/bench_matching.py --seed 7 [8 11 12] [--members 20000 --applicants 8000]

Prints, at vetline's own decision point (score >= 0.5 claims the same person): precision,
recall and F1 per target list and overall; namesakes and household members wrongly matched;
the share of true pairs listed at the review threshold; and a calibration table by score decile,
with how many deciles a perfectly calibrated model would miss by chance at that size. Given
several seeds, a summary and the calibration table pooled over them.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _synth import generate, labelled_levels, load

from vetline.matching import MODEL_VERSION, REVIEW_THRESHOLD
from vetline.matching.model import Model, name_only_mask, shipped_model


def best_per_target(pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per (applicant, target person): candidates have one row per candidacy."""
    pairs = pairs.sort_values("score", ascending=False)
    return pairs.drop_duplicates(["target_file", "left_id", "target_id"])


def chance_off(scores: np.ndarray, decile: np.ndarray, *, draws: int = 2000) -> np.ndarray:
    """Deciles off by more than 0.1 for a *perfectly calibrated* model with these scores.

    Each pair is drawn a true match with probability equal to its score, `draws` times: the
    count of deciles off in each draw. With 15-50 pairs in the middle deciles of one seed, a
    perfect model is off somewhere in most seeds, so a seed's count must be read against this.
    """
    rng = np.random.default_rng(0)
    n = np.bincount(decile, minlength=10)
    used = n > 0
    mean = np.bincount(decile, scores, minlength=10)[used] / n[used]
    out = np.empty(draws, dtype=np.int64)
    for k in range(draws):
        true = rng.random(len(scores)) < scores
        share = np.bincount(decile, true, minlength=10)[used] / n[used]
        out[k] = int((np.abs(share - mean) > 0.1).sum())
    return out


def reliability(p: pd.DataFrame) -> pd.DataFrame:
    """Share of true matches per score decile of listed pairs (score >= REVIEW_THRESHOLD).

    Every listed pair counts: a pair without a truth row is a non-match (truth.csv lists every
    same-person pair, so "none" means different people), and namesakes and household members
    count as non-matches too. `se` is the binomial standard error of the share at that size.
    """
    decile = np.minimum((p["score"] * 10).astype(int), 9)
    cal = p.groupby(decile).agg(
        pairs=("score", "size"),
        mean_score=("score", "mean"),
        true_share=("relation", lambda r: float((r == "match").mean())),
    )
    cal.index.name = "decile"
    cal["gap"] = (cal["true_share"] - cal["mean_score"]).round(4)
    cal["se"] = np.sqrt(cal["mean_score"] * (1 - cal["mean_score"]) / cal["pairs"]).round(4)
    cal["within 0.1"] = cal["gap"].abs() <= 0.1
    return cal


def report(
    pairs: pd.DataFrame,
    truth: pd.DataFrame,
    *,
    show_misses: int = 0,
    model: Model | None = None,
) -> tuple[dict[str, float], pd.DataFrame]:
    """Print the figures for one seed; returns them and its listed pairs (for pooling)."""
    model = model or shipped_model()
    pairs = pairs.copy()
    pairs["score"] = model.score(pairs)
    pairs["name_only"] = name_only_mask(pairs)
    pairs = best_per_target(pairs)
    true = truth[truth["relation"] == "match"]
    # application pairs appear once in truth but either order in pairs
    app = pairs["target_file"] == "applications"
    flip = pairs.loc[app, "left_id"] > pairs.loc[app, "target_id"]
    idx = pairs.index[app][flip.to_numpy()]
    pairs.loc[idx, ["left_id", "target_id"]] = pairs.loc[idx, ["target_id", "left_id"]].to_numpy()
    pairs = pairs.drop_duplicates(["target_file", "left_id", "target_id"])
    t = true.copy()
    tapp = t["target_file"] == "applications"
    tflip = t.loc[tapp, "applicant_id"] > t.loc[tapp, "target_id"]
    tidx = t.index[tapp][tflip.to_numpy()]
    t.loc[tidx, ["applicant_id", "target_id"]] = t.loc[
        tidx, ["target_id", "applicant_id"]
    ].to_numpy()
    t = t.drop_duplicates(["target_file", "applicant_id", "target_id"])

    rows = []
    for name in [*sorted(pairs["target_file"].unique()), "ALL"]:
        p = pairs if name == "ALL" else pairs[pairs["target_file"] == name]
        n_true = len(t) if name == "ALL" else int((t["target_file"] == name).sum())
        is_match = p["relation"] == "match"
        claimed = p["score"] >= 0.5
        tp = int((claimed & is_match).sum())
        fp = int((claimed & ~is_match).sum())
        listed = int(((p["score"] >= REVIEW_THRESHOLD) & is_match).sum())
        prec = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / n_true if n_true else 1.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        rows.append(
            {
                "target": name,
                "true pairs": n_true,
                "TP": tp,
                "FP": fp,
                "precision": round(prec, 4),
                "recall": round(rec, 4),
                "F1": round(f1, 4),
                "listed@review": round(listed / n_true, 4) if n_true else 1.0,
                "blocked": round(int(is_match.sum()) / n_true, 4) if n_true else 1.0,
            }
        )
    print(pd.DataFrame(rows).to_string(index=False))

    out: dict[str, float] = {"F1": rows[-1]["F1"], "listed": rows[-1]["listed@review"]}
    for rel in ("namesake", "household"):
        tr = truth[truth["relation"] == rel]
        keys = set(zip(tr["target_file"], tr["applicant_id"], tr["target_id"], strict=True))
        keys |= {(f, b, a) for f, a, b in keys if f == "applications"}
        hit = pairs[
            [
                k in keys
                for k in zip(
                    pairs["target_file"], pairs["left_id"], pairs["target_id"], strict=True
                )
            ]
        ]
        wrong = int((hit["score"] >= 0.5).sum())
        n = len(tr)
        out[rel] = wrong / n if n else 0.0
        print(f"{rel}s wrongly matched (score >= 0.5): {wrong}/{n} = {out[rel]:.4%}")

    # calibration: share of true matches per score decile among listed pairs
    p = pairs[pairs["score"] >= REVIEW_THRESHOLD].copy()
    cal = reliability(p)
    out["deciles off"] = int((~cal["within 0.1"]).sum())
    print(f"\nreliability (pairs scoring >= {REVIEW_THRESHOLD}, by score decile):")
    print(cal.round(4).to_string())
    chance = chance_off(
        p["score"].to_numpy(), np.minimum((p["score"] * 10).astype(int), 9).to_numpy()
    )
    print(
        f"deciles off: {out['deciles off']}; a perfectly calibrated model with these scores: "
        f"{chance.mean():.2f} off on average, none off in {np.mean(chance == 0):.0%} of draws"
    )
    bands = p.assign(
        band=np.where(p["name_only"], "name-only", np.where(p["score"] >= 0.5, "match", "possible"))
    )
    print("\nby band:")
    print(bands.groupby(["band", "relation"]).size().unstack(fill_value=0).to_string())
    if show_misses:
        miss = pairs[(pairs["relation"] == "match") & (pairs["score"] < 0.5)]
        print(f"\nmissed true pairs in blocking output: {len(miss)}")
        tr = truth[truth["relation"] == "match"][
            ["applicant_id", "target_file", "target_id", "corruption"]
        ]
        m = miss.merge(
            tr,
            left_on=["left_id", "target_file", "target_id"],
            right_on=["applicant_id", "target_file", "target_id"],
            how="left",
        )
        print(
            m.groupby(["target_file", "corruption"])
            .size()
            .sort_values(ascending=False)
            .head(show_misses)
            .to_string()
        )
        fps = pairs[(pairs["relation"] != "match") & (pairs["score"] >= 0.5)]
        print(f"\nfalse positives: {len(fps)}")
        print(fps.groupby(["target_file", "relation"]).size().to_string())
    return out, p


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, nargs="+", default=[7], help="one or more seeds")
    ap.add_argument("--members", type=int, default=20000)
    ap.add_argument("--applicants", type=int, default=8000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/vetline-bench"))
    ap.add_argument("--misses", type=int, default=0, help="show the N commonest missed kinds")
    args = ap.parse_args()
    listed = []
    summary = []
    for seed in args.seed:
        d = generate(
            args.work / f"seed{seed}-{args.members}-{args.applicants}",
            seed=seed,
            members=args.members,
            applicants=args.applicants,
        )
        t = time.perf_counter()
        data = load(d)
        pairs = labelled_levels(data)
        print(
            f"model {MODEL_VERSION}; synth seed {seed}: {len(data.applications):,} applicants, "
            f"{sum(len(f) for f in data.targets.values()):,} reference/member rows, "
            f"{len(pairs):,} candidate pairs in {time.perf_counter() - t:.1f}s\n"
        )
        figures, p = report(pairs, data.truth, show_misses=args.misses)
        summary.append({"seed": seed, **figures})
        listed.append(p)
        print()
    if len(args.seed) > 1:
        print(pd.DataFrame(summary).round(4).to_string(index=False))
        print(f"\nreliability pooled over seeds {args.seed}:")
        print(reliability(pd.concat(listed, ignore_index=True)).round(4).to_string())


if __name__ == "__main__":
    main()

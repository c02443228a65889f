"""How few namesakes could ANY classifier on vetline's comparison levels wrongly match?

    .venv/bin/python bench/namesake_floor.py --seeds 201 202 203 204 205
    .venv/bin/python bench/namesake_floor.py --seeds 201 202 203 204 205 --fit-seeds 101 ... 112

Every listed unit of the benchmark (one applicant and one target person of one list, its best
pair, as `bench_matching.py` counts them) is described by what a classifier on these fields
can see: the list it is on, the level of every compared field, how common the name is
(log2 bucket of the records sharing it, for exact names) and how strongly other entries of the
same list compete for the applicant (bucket of the competition bits of the shipped model).
Pairs with the same description cannot be told apart by anything that only reads these
features, so the best such classifier claims a whole group or none of it.

Two bounds, both computed per group of identical descriptions:

- *majority*: claim a group when most of its pairs are true matches (the Bayes rule for
  accuracy), fitted on the same pairs it is scored on (optimistic: it knows the answers) or,
  with `--fit-seeds`, on other seeds (honest: a lookup table trained elsewhere);
- *least namesakes at F1 >= 0.97*: starting from the majority rule, give up the groups that
  cost most namesakes per true match, while F1 stays >= 0.97 (in-sample: the floor).

Recall counts every true pair of truth.csv (unblocked ones too), as `bench_matching.py` does;
the namesake rate is wrongly matched namesakes over every namesake of truth.csv. Listing at
the review threshold is not constrained by this choice (a classifier can list every blocked
pair), so it is reported only as the blocked share.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _synth import generate, labelled_levels, load
from bench_matching import best_per_target

from vetline.matching.comparisons import FIELDS
from vetline.matching.model import competition_bits, name_frequency_bits, shipped_model

F1_TARGET = 0.97


def units(seed: int, work: Path, members: int, applicants: int) -> tuple[pd.DataFrame, dict]:
    """Best pair per (list, applicant, person) with its description; and truth counts."""
    d = generate(
        work / f"seed{seed}-{members}-{applicants}",
        seed=seed,
        members=members,
        applicants=applicants,
    )
    data = load(d)
    pairs = labelled_levels(data)
    model = shipped_model()
    own = model.log2_odds_without_competition(pairs)
    comp = competition_bits(pairs, own)
    pairs["score"] = model.score(pairs)
    pairs["name_bucket"] = np.minimum(np.ceil(name_frequency_bits(pairs)), 8).astype(int)
    # 0: no rival to speak of; k: rivals' odds cost between k-1 and k bits (capped)
    pairs["competition"] = np.clip(np.ceil(-comp - 0.05), 0, 10).astype(int)
    best = best_per_target(pairs)
    app = best["target_file"] == "applications"
    swap = app & (best["left_id"] > best["target_id"])
    best.loc[swap, ["left_id", "target_id"]] = best.loc[swap, ["target_id", "left_id"]].to_numpy()
    best = best.drop_duplicates(["target_file", "left_id", "target_id"]).copy()
    truth = data.truth
    t = truth[truth["relation"] == "match"].copy()
    flip = (t["target_file"] == "applications") & (t["applicant_id"] > t["target_id"])
    t.loc[flip, ["applicant_id", "target_id"]] = t.loc[
        flip, ["target_id", "applicant_id"]
    ].to_numpy()
    t = t.drop_duplicates(["target_file", "applicant_id", "target_id"])
    counts = {
        "true": len(t),
        "namesakes": int((truth["relation"] == "namesake").sum()),
    }
    best["seed"] = seed
    return best, counts


DESCRIPTION = [
    "target_file",
    *[f.name for f in FIELDS],
    "name_bucket",
    "competition",
]


def groups(frame: pd.DataFrame) -> pd.DataFrame:
    is_true = frame["relation"] == "match"
    g = frame.assign(
        true=is_true, namesake=frame["relation"] == "namesake", other=~is_true
    ).groupby(DESCRIPTION)
    return g[["true", "namesake", "other"]].sum()


def figures(claimed: pd.Series, test: pd.DataFrame, n_true: int, n_names: int) -> dict:
    tp = int(test["true"][claimed].sum())
    fp = int(test["other"][claimed].sum())
    ns = int(test["namesake"][claimed].sum())
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / n_true
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"F1": f1, "precision": prec, "recall": rec, "namesakes": ns / n_names, "wrong": ns}


def least_namesakes(g: pd.DataFrame, n_true: int, n_names: int) -> pd.Series:
    """Majority rule, then drop the groups with most namesakes per true match while F1 holds."""
    claimed = g["true"] > g["other"]
    cand = g[claimed & (g["namesake"] > 0)]
    cost = (cand["namesake"] / cand["true"].clip(lower=1e-9)).sort_values(ascending=False)
    for idx in cost.index:
        trial = claimed.copy()
        trial[idx] = False
        if figures(trial, g, n_true, n_names)["F1"] >= F1_TARGET:
            claimed = trial
    return claimed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[201, 202, 203, 204, 205])
    ap.add_argument("--fit-seeds", type=int, nargs="*", default=None)
    ap.add_argument("--members", type=int, default=20000)
    ap.add_argument("--applicants", type=int, default=8000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/vetline-train"))
    args = ap.parse_args()

    per_seed = {}
    for s in args.seeds:
        per_seed[s] = units(s, args.work, args.members, args.applicants)
    pooled = pd.concat([u for u, _ in per_seed.values()], ignore_index=True)
    n_true = sum(c["true"] for _, c in per_seed.values())
    n_names = sum(c["namesakes"] for _, c in per_seed.values())
    g = groups(pooled)
    print(
        f"seeds {args.seeds}: {len(pooled):,} listed units in {len(g):,} groups of identical "
        f"descriptions; {n_true:,} true pairs, {n_names:,} namesakes in truth"
    )
    model_claims = pooled["score"] >= 0.5
    shipped = {
        "F1": np.nan,
        "wrong": int((model_claims & (pooled["relation"] == "namesake")).sum()),
    }
    print(
        f"shipped model: {shipped['wrong']} namesakes wrongly matched "
        f"({shipped['wrong'] / n_names:.2%})"
    )

    majority = g["true"] > g["other"]
    floor = least_namesakes(g, n_true, n_names)
    given_up = g[majority & ~floor]
    share = given_up["true"] / (given_up["true"] + given_up["other"])
    up_share = given_up["true"].sum() / given_up[["true", "other"]].sum().sum()
    print(
        f"the least-namesakes rule leaves unclaimed {len(given_up)} groups that are mostly true "
        f"matches: {int(given_up['true'].sum()):,} true and {int(given_up['other'].sum()):,} "
        f"other pairs (true share {up_share:.3f}; "
        f"groups' shares {share.min():.2f}-{share.max():.2f}), "
        f"{int(given_up['namesake'].sum())} namesakes"
    )
    rows = []
    for name, claimed in (("majority, in-sample", majority), ("least namesakes, F1>=0.97", floor)):
        rows.append({"rule": name, "seeds": "pooled", **figures(claimed, g, n_true, n_names)})
        for s, (u, c) in per_seed.items():
            gs = groups(u)
            cl = claimed.reindex(gs.index, fill_value=False)
            rows.append({"rule": name, "seeds": s, **figures(cl, gs, c["true"], c["namesakes"])})
    # a calibrated score claims a group exactly when most of it is true (share >= 0.5): what
    # the namesake rate is if the claim line is moved to a share t instead
    for t in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99):
        share = g["true"] / (g["true"] + g["other"])
        rows.append(
            {"rule": f"claim groups with true share >= {t}", "seeds": "pooled"}
            | figures(share >= t, g, n_true, n_names)
        )
    if args.fit_seeds:
        fitted_units = [units(s, args.work, args.members, args.applicants) for s in args.fit_seeds]
        gf = groups(pd.concat([u for u, _ in fitted_units], ignore_index=True))
        fit_true = sum(c["true"] for _, c in fitted_units)
        fit_names = sum(c["namesakes"] for _, c in fitted_units)
        fitted = gf["true"] / (gf["true"] + gf["other"])
        # a description never seen in the fit: the shipped model's claim for those pairs
        seen = g.index.isin(gf.index)
        fallback = pooled.assign(c=model_claims).groupby(DESCRIPTION)["c"].mean() > 0.5
        print(
            f"fitted on seeds {args.fit_seeds}: {len(gf):,} groups; "
            f"{int((~seen).sum()):,} held-out groups unseen there "
            f"({int(g[~seen][['true', 'other']].sum().sum()):,} units)"
        )
        for t in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99):
            share = fitted.reindex(g.index).to_numpy()
            claimed = pd.Series(
                np.where(seen, share >= t, fallback.reindex(g.index).to_numpy()),
                index=g.index,
            )
            rows.append(
                {"rule": f"groups with true share >= {t} in the fit", "seeds": "held out"}
                | figures(claimed, g, n_true, n_names)
            )
        # the least-namesakes rule chosen on the fit seeds, applied to the held-out ones
        chosen = least_namesakes(gf, fit_true, fit_names)
        claimed = pd.Series(
            np.where(
                seen,
                chosen.reindex(g.index, fill_value=False).to_numpy(),
                fallback.reindex(g.index).to_numpy(),
            ),
            index=g.index,
        )
        rows.append(
            {"rule": "least namesakes, F1>=0.97 in the fit", "seeds": "held out"}
            | figures(claimed, g, n_true, n_names)
        )
    out = pd.DataFrame(rows)
    for c in ("F1", "precision", "recall"):
        out[c] = out[c].round(4)
    out["namesakes"] = (out["namesakes"] * 100).round(2).astype(str) + "%"
    print(out.to_string(index=False))

    # where the floor's wrongly matched namesakes are: the groups it still claims
    kept = g[floor & (g["namesake"] > 0)].sort_values("namesake", ascending=False)
    print("\nnamesakes the floor still claims, by description (pooled):")
    print(kept.head(15).to_string())


if __name__ == "__main__":
    main()

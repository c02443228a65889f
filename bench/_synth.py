"""Load a `vetline synth` directory as matching inputs plus ground truth (bench helper).

Frames are read with the same intake readers `vetline screen` uses, so the benchmark measures
what users get. Candidate rows are per candidacy (`person_id:ballot`); truth names the person,
so pairs are reduced to (applicant, person_id) keeping the best score.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from vetline.intake.frames import read_applicants_frame, read_reference_frame
from vetline.intake.names import split_full_name

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ("members", "candidates", "party_members", "expelled", "register")


@dataclass
class SynthData:
    applications: pd.DataFrame
    targets: dict[str, pd.DataFrame]
    truth: pd.DataFrame  # applicant_id, relation, target_file, target_id, corruption


def generate(out: Path, *, seed: int, members: int = 20000, applicants: int = 5000) -> Path:
    """Run `vetline synth` unless the directory already holds that data."""
    if not (out / "truth.csv").exists():
        subprocess.run(
            [
                str(Path(sys.executable).parent / "vetline"),
                "synth",
                "--out",
                str(out),
                "--members",
                str(members),
                "--applicants",
                str(applicants),
                "--seed",
                str(seed),
                "--json",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return out


PERSON = ["id", "first_name", "last_name", "date_of_birth", "postcode", "address", "email", "phone"]


def _fast(path: Path) -> pd.DataFrame:
    """Read a synth CSV straight into a person frame (pandas; no per-row validation)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    if "person_name" in raw.columns:
        names = raw["person_name"].map(split_full_name)
        raw["first_name"] = names.str[0]
        raw["last_name"] = names.str[1]
        raw["id"] = raw["person_id"] + ":" + raw["ballot_paper_id"]
    if "elector_number" in raw.columns:
        raw["id"] = raw["elector_number"]
    frame = raw.reindex(columns=PERSON)
    return frame.where(frame.notna() & (frame != ""), None)


def load(directory: Path, *, fast: bool = True) -> SynthData:
    """Read the synth files: `fast` with pandas, else with intake's validating readers."""
    if fast:
        apps = _fast(directory / "applications.csv")
        targets = {"members": _fast(directory / "members.csv")}
        for name in TARGETS[1:]:
            targets[name] = _fast(directory / "reference" / f"{name}.csv")
    else:
        apps = read_applicants_frame(directory / "applications.csv")
        targets = {"members": read_applicants_frame(directory / "members.csv")}
        for name in TARGETS[1:]:
            targets[name] = read_reference_frame(directory / "reference" / f"{name}.csv")[0]
    truth = pd.read_csv(directory / "truth.csv", dtype=str, keep_default_na=False)
    return SynthData(apps, targets, truth)


def target_person(target_file: str, right_id: pd.Series) -> pd.Series:
    """The truth file's target id for a right-side id (candidates: the person, not the run)."""
    if target_file == "candidates":
        return right_id.str.split(":").str[0]
    return right_id


def label(pairs: pd.DataFrame, truth: pd.DataFrame, target_file: str) -> pd.DataFrame:
    """Add `relation` (match / namesake / household / coordinated / none) to pairs that carry
    `left_id` (applicant) and `target_id`."""
    t = truth[truth["target_file"] == target_file][["applicant_id", "target_id", "relation"]]
    if target_file == "applications":
        # truth names each application pair once, in either order
        t = pd.concat(
            [t, t.rename(columns={"applicant_id": "target_id", "target_id": "applicant_id"})]
        )
    t = t.drop_duplicates(["applicant_id", "target_id"])
    out = pairs.merge(
        t, how="left", left_on=["left_id", "target_id"], right_on=["applicant_id", "target_id"]
    )
    out["relation"] = out["relation"].fillna("none")
    return out.drop(columns=["applicant_id"])


def labelled_levels(data: SynthData) -> pd.DataFrame:
    """Every candidate pair the blocking yields, with its level codes and its truth relation."""
    from vetline.matching.engines import compare_levels
    from vetline.matching.features import build_features

    app_features = build_features(data.applications)
    app_ids = data.applications["id"].astype(str).to_numpy()
    parts = []
    for name, frame in [*data.targets.items(), ("applications", data.applications)]:
        if name == "applications":
            levels = compare_levels(app_features, None, prefilter=False)
            levels["r_name_n"] = (levels["r_name_n"] - 1).clip(lower=1)
            levels["r_compete"] = False
        else:
            levels = compare_levels(app_features, build_features(frame), prefilter=False)
        right_ids = frame["id"].astype(str).to_numpy()
        levels["left_id"] = app_ids[levels["l"].to_numpy()]
        levels["right_id"] = right_ids[levels["r"].to_numpy()]
        levels["target_id"] = target_person(name, levels["right_id"])
        levels = label(levels, data.truth, name)
        levels["target_file"] = name
        levels["r_list"] = name  # the records of one list compete for an applicant
        parts.append(levels)
    return pd.concat(parts, ignore_index=True)

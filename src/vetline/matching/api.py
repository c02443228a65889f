"""screen_frames / dedupe_frame: features → engine (blocking + levels) → scores → hits."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from vetline.errors import InputError
from vetline.matching.bands import REVIEW_THRESHOLD, assign_bands
from vetline.matching.comparisons import FIELDS
from vetline.matching.engines import compare_levels
from vetline.matching.explain import explain_pair
from vetline.matching.features import PERSON_FIELDS, build_features
from vetline.matching.model import Model, name_only_mask, shipped_model

HIT_COLUMNS = ["left_id", "right_id", "score", "band", "explanation"]


def _check(frame: pd.DataFrame, name: str) -> None:
    if "id" not in frame.columns:
        raise InputError(f"{name}: no 'id' column")
    if frame["id"].isna().any():
        row = int(np.flatnonzero(frame["id"].isna().to_numpy())[0]) + 1
        raise InputError(f"{name}: row {row}: id is empty")


def _records(frame: pd.DataFrame, positions: np.ndarray) -> list[dict[str, Any]]:
    cols = [c for c in PERSON_FIELDS if c in frame.columns]
    sub = frame.iloc[positions][cols]
    return sub.to_dict("records")  # type: ignore[no-any-return]


def score_levels(
    levels: pd.DataFrame,
    left: pd.DataFrame,
    right: pd.DataFrame,
    *,
    threshold: float,
    model: Model | None = None,
) -> pd.DataFrame:
    """Score compared pairs and build the hits at or above `threshold`."""
    model = model or shipped_model()
    if levels.empty:
        return pd.DataFrame(columns=HIT_COLUMNS)
    scores = model.score(levels)
    keep = scores >= threshold
    levels = levels.loc[keep].reset_index(drop=True)
    scores = scores[keep]
    if levels.empty:
        return pd.DataFrame(columns=HIT_COLUMNS)
    name_only = name_only_mask(levels)
    lpos = levels["l"].to_numpy()
    rpos = levels["r"].to_numpy()
    lrec = _records(left, lpos)
    rrec = _records(right, rpos)
    codes = levels[[f.name for f in FIELDS]].to_numpy()
    explanations = [
        explain_pair(model, codes[i].tolist(), bool(name_only[i]), lrec[i], rrec[i])
        for i in range(len(levels))
    ]
    hits = pd.DataFrame(
        {
            "left_id": left["id"].astype(str).to_numpy()[lpos],
            "right_id": right["id"].astype(str).to_numpy()[rpos],
            "score": scores.astype(float),
            "band": assign_bands(scores, name_only),
            "explanation": explanations,
        }
    )
    return hits.sort_values(
        ["score", "left_id", "right_id"], ascending=[False, True, True], ignore_index=True
    )


def screen_frames(
    left: pd.DataFrame,
    right: pd.DataFrame,
    *,
    threshold: float = REVIEW_THRESHOLD,
    engine: str = "duckdb",
) -> pd.DataFrame:
    """Candidate pairs (left record, right record) scoring at or above `threshold`."""
    _check(left, "left")
    _check(right, "right")
    if left.empty or right.empty:
        return pd.DataFrame(columns=HIT_COLUMNS)
    levels = compare_levels(build_features(left), build_features(right), engine=engine)
    return score_levels(levels, left, right, threshold=threshold)


def dedupe_frame(
    records: pd.DataFrame,
    *,
    threshold: float = REVIEW_THRESHOLD,
    engine: str = "duckdb",
) -> pd.DataFrame:
    """Pairs within one frame at or above `threshold`, each pair once (left_id row first).

    Household-aware: relatives sharing an address, surname or email are compared like anyone
    else, and the differing first name and date of birth keep them apart.
    """
    _check(records, "records")
    if len(records) < 2:
        return pd.DataFrame(columns=HIT_COLUMNS)
    features = build_features(records)
    levels = compare_levels(features, None, engine=engine)
    # the other records sharing the name, not counting the left record itself
    levels["r_name_n"] = (levels["r_name_n"] - 1).clip(lower=1)
    # identical applications are the duplicates sought: no one-person-one-entry competition
    levels["r_compete"] = False
    return score_levels(levels, records, records, threshold=threshold)

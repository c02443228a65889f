"""A submission's handful of pairs scored and explained without pandas frames.

`score_rows` is an exact mirror of what `levels_frame` and `score_levels` compute for the
pairs (vetline.matching.single.screen_single_tables keeps that reference path; the tests
compare the two bit for bit): building frames for a few rows cost more than the scoring.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from vetline.matching.bands import assign_bands
from vetline.matching.comparisons import FIELDS
from vetline.matching.explain import _address_shown, _shown, explain_pairs
from vetline.matching.lookup import SEP
from vetline.matching.model import (
    PAIR_FLOOR_BITS,
    Model,
    competing_odds,
    competition_of,
    name_frequency_bits_of,
    name_only_of,
    probability,
    shipped_model,
)
from vetline.matching.stages import stage

# values a record's fields usually hold: nothing to convert for display or keys
PLAIN_TYPES = frozenset({str, type(None), datetime.date})


def _kahan_group_sums(groups: Sequence[int], values: Sequence[float], n: int) -> list[float]:
    """Each group's sum of `values` as pandas' groupby sum adds them: in row order, with
    Kahan compensation (pandas/_libs/groupby.pyx group_sum; tests compare the two)."""
    sums = [0.0] * n
    compensation = [0.0] * n
    for g, value in zip(groups, values, strict=True):
        y = value - compensation[g]
        t = sums[g] + y
        c = t - sums[g] - y
        compensation[g] = 0.0 if c != c else c  # NaN (an infinite value): pandas resets it
        sums[g] = t
    return sums


def score_rows(
    codes: Sequence[Sequence[int]],
    rows: Sequence[Mapping[str, Any]],
    lists: Sequence[str],
    doubles_from: int,
    threshold: float,
    model: Model | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, _Explain] | None:
    """What `levels_frame` and `score_levels` compute in `_screen_tables` for the pairs
    (applicant, rows[i]) with level codes codes[i], on small arrays: `lists` holds each row's
    competition group (its part and list), rows from `doubles_from` on are other
    applications (dedupe_frame's name count, no competition).

    Returns the positions (in `rows`) of the pairs at or above `threshold`, their scores and
    bands, and a function of the shown values (the applicant's, then one dict per hit, as
    `shown_columns` gives them) returning their explanations; None when no pair reaches it.
    The same numpy operations on the same arrays as the frame path, so the same floats.
    """
    model = model or shipped_model()
    n = len(rows)
    by_field = np.ascontiguousarray(np.asarray(codes, dtype=np.int8).reshape(n, len(FIELDS)).T)
    name_n = np.asarray([r["name_n"] for r in rows], dtype=np.int64)
    compete = np.asarray([r["has_other"] for r in rows], dtype=bool)
    # levels_frame's prefilter, on the name counts before dedupe_frame's below
    odds = model.log2_odds_of({f.name: by_field[k] for k, f in enumerate(FIELDS)}, name_n)
    pairs = np.flatnonzero(odds >= PAIR_FLOOR_BITS)
    if not len(pairs):
        return None
    with stage("scores"):
        by_field = np.ascontiguousarray(by_field[:, pairs])
        columns = {f.name: by_field[k] for k, f in enumerate(FIELDS)}
        name_n, compete = name_n[pairs], compete[pairs]
        doubles = pairs >= doubles_from
        name_n[doubles] = np.maximum(name_n[doubles] - 1, 1)
        compete[doubles] = False
        raw = model.log2_odds_of(columns, name_n)
        group_of: dict[str, int] = {}
        group = np.asarray(
            [group_of.setdefault(lists[i], len(group_of)) for i in pairs.tolist()], dtype=np.int64
        )
        odds = competing_odds(compete, raw)
        sums = _kahan_group_sums(group.tolist(), odds.tolist(), len(group_of))
        competition = competition_of(compete, odds, np.asarray(sums, dtype=np.float64)[group])
        scores = probability(raw + competition)
        # competitors: other entries of the same list for this applicant worth at least 1% odds
        strong = (np.exp2(np.clip(raw, -60, 60)) >= 0.01) & compete
        counts = np.bincount(group, weights=strong).astype(np.int64)[group]
        rivals = np.maximum(counts - strong.astype(np.int64), 0)
        keep = scores >= threshold
        if not keep.any():
            return None
        by_field = np.ascontiguousarray(by_field[:, keep])
        columns = {f.name: by_field[k] for k, f in enumerate(FIELDS)}
        scores, competition, rivals, name_n = (
            scores[keep],
            competition[keep],
            rivals[keep],
            name_n[keep],
        )
        name_bits = model.name_frequency * name_frequency_bits_of(columns, name_n)
    name_only = name_only_of(columns)
    bands = assign_bands(scores, name_only)

    def explain(left: Mapping[str, str], shown: Sequence[Mapping[str, str]]) -> list[Any]:
        with stage("explanations"):
            return explain_pairs(
                model,
                np.ascontiguousarray(by_field.T),
                name_only,
                {f.name: [left[f.name]] * len(shown) for f in FIELDS},
                {f.name: [s[f.name] for s in shown] for f in FIELDS},
                name_counts=name_n,
                name_bits=name_bits,
                competition=competition,
                competitors=rivals,
            )

    return pairs[keep], scores, bands, explain


def _shown_record(record: Mapping[str, Any]) -> dict[str, str] | None:
    """Each compared field of `record` as `shown_columns` shows it from a frame holding it;
    None for a value a frame might convert (not text, a date or missing)."""
    values = [record.get(name) for name in _SHOWN]
    for value in values:
        kind = type(value)
        if kind not in PLAIN_TYPES and not (kind is float and value != value):
            return None
    ident = record.get("id")
    if type(ident) not in (str, int, type(None)):
        return None
    shown = dict(zip(_SHOWN, values, strict=True))
    out = {
        f.name: v.strip() if type(v) is str else _shown(v)
        for f in FIELDS
        if f.name != "address"
        for v in (shown[f.name],)
    }
    out["address"] = _address_shown(shown["address"], shown["postcode"])
    return out


_Explain = Callable[[Mapping[str, str], Sequence[Mapping[str, str]]], list[Any]]
_SHOWN = (*(f.name for f in FIELDS), "postcode")


# a part without hits when another part has some (score is a float column then: copied, as
# building a frame costs ~8x more)
_NO_PART_HITS = pd.DataFrame(
    {
        "left_id": np.empty(0, dtype=object),
        "right_id": np.empty(0, dtype=object),
        "score": np.empty(0, dtype=np.float64),
        "band": np.empty(0, dtype=object),
        "explanation": np.empty(0, dtype=object),
    }
)


def _objects(values: Sequence[Any]) -> np.ndarray:
    """`values` as a 1-d object array (lists stay elements)."""
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        out[i] = value
    return out


def _hit_frames(
    left_id: str,
    parts: Sequence[int],
    ids: Sequence[str],
    scores: np.ndarray,
    bands: np.ndarray,
    explanations: Sequence[Any],
    n_out: int,
) -> list[pd.DataFrame]:
    """The frames `_split_hits` makes of `_explained`'s sorted hits (all of `left_id`): by
    score, highest first, then by part and id as text."""
    score_list = scores.astype(float).tolist()
    keys = [f"{p}{SEP}{i}" for p, i in zip(parts, ids, strict=True)]
    order = sorted(range(len(keys)), key=lambda i: (-score_list[i], keys[i]))
    out = []
    for k in range(n_out):
        mine = [i for i in order if parts[i] == k]
        if not mine:
            out.append(_NO_PART_HITS.copy())
            continue
        columns = {
            "left_id": _objects([left_id] * len(mine)),
            "right_id": _objects([ids[i] for i in mine]),
            "score": scores.astype(float)[mine],
            "band": bands[mine],
            "explanation": _objects([explanations[i] for i in mine]),
        }
        out.append(pd.DataFrame(columns, copy=False))
    return out

"""The shipped scoring model: one weight per comparison level, fixed and versioned.

The score of a pair is a calibrated probability that both records are the same person:

    log2 odds = prior + Σ weight(field, level) [+ name-only adjustment]
    score     = 1 / (1 + 2 ** -log2 odds)

Weights are in bits (log2 Bayes factors, like Fellegi-Sunter match weights), so an explanation
can show each field's contribution and they add up to the score. They are estimated once on
labelled synthetic data (`vetline.matching.training`, run by `bench/train_model.py`) and shipped
as `model.json`; nothing is re-trained when screening.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from vetline.matching.comparisons import EVIDENCE_FIELDS, FIELDS


@dataclass(frozen=True)
class Model:
    version: str
    prior: float
    name_only: float
    weights: dict[str, tuple[float, ...]]  # field → weight per level code
    meta: dict[str, Any]

    def log2_odds(self, levels: pd.DataFrame) -> np.ndarray:
        """Sum the weights of each pair's levels (one row per pair, one column per field)."""
        total = np.full(len(levels), self.prior, dtype=np.float64)
        for f in FIELDS:
            table = np.asarray(self.weights[f.name], dtype=np.float64)
            total += table[levels[f.name].to_numpy()]
        total += np.where(name_only_mask(levels), self.name_only, 0.0)
        return total

    def score(self, levels: pd.DataFrame) -> np.ndarray:
        return probability(self.log2_odds(levels))

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "units": "log2 Bayes factor (bits)",
            "prior": round(self.prior, 4),
            "name_only": round(self.name_only, 4),
            "weights": {
                f.name: {
                    lvl: round(w, 4) for lvl, w in zip(f.levels, self.weights[f.name], strict=True)
                }
                for f in FIELDS
            },
            "meta": self.meta,
        }


def probability(log2_odds: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp2(-np.clip(log2_odds, -60, 60)))
    return out


def name_only_mask(levels: pd.DataFrame) -> np.ndarray:
    """Pairs with no comparable date of birth, address/postcode, email or phone."""
    mask = np.ones(len(levels), dtype=bool)
    for name in EVIDENCE_FIELDS:
        mask &= levels[name].to_numpy() == 0
    return mask


def model_from_json(data: dict[str, Any]) -> Model:
    weights: dict[str, tuple[float, ...]] = {}
    for f in FIELDS:
        given = data["weights"][f.name]
        missing = [lvl for lvl in f.levels if lvl not in given]
        if missing:
            raise ValueError(f"model {data.get('version')}: {f.name} has no weight for {missing}")
        weights[f.name] = tuple(float(given[lvl]) for lvl in f.levels)
    return Model(
        version=str(data["version"]),
        prior=float(data["prior"]),
        name_only=float(data.get("name_only", 0.0)),
        weights=weights,
        meta=dict(data.get("meta", {})),
    )


@lru_cache(maxsize=1)
def shipped_model() -> Model:
    """The model shipped with this version of vetline (`vetline/matching/model.json`)."""
    text = resources.files("vetline.matching").joinpath("model.json").read_text("utf-8")
    return model_from_json(json.loads(text))

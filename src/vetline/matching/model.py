"""The shipped scoring model: one weight per comparison level, fixed and versioned.

The score of a pair is a calibrated probability that both records are the same person:

    log2 odds = prior + Σ weight(field, level) [+ name-only] [+ name frequency] [+ ties]
    score     = 1 / (1 + 2 ** -log2 odds)

- address without a date of birth (model 1.2): the address and postcode level has a second
  set of weights for pairs whose dates of birth cannot be compared (one side has none, as on
  an electoral register). There the address is the main evidence and a neighbour of the same
  name is the usual look-alike, so "same postcode, different address" or "same district"
  means something else than beside an agreeing or differing date of birth.

- name frequency: when both names agree exactly, `name_frequency` bits per doubling of the
  number of records on the other side that carry the same name (a common name is weaker
  evidence than a rare one; term-frequency adjustment).
- one person, one entry: a list with identity details (register, membership, party members)
  holds each person once, so the records of one list compete for an applicant. A pair's odds
  o become o / (1 + Σ other competitors' odds): a namesake at the same address loses to the
  applicant's own entry, and k identical entries share one person. Records with names only
  (a candidate list: one row per candidacy) do not compete. Not applied within one frame
  (dedupe), where identical records are exactly the duplicates sought.

Weights are in bits (log2 Bayes factors, like Fellegi-Sunter match weights), so an explanation
can show each field's contribution and they add up to the score. They are estimated once on
labelled synthetic data (`vetline.matching.training`, run by `bench/train_model.py`) and shipped
as `model.json`; nothing is re-trained when screening.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from vetline.matching.comparisons import EVIDENCE_FIELDS, FIELDS

ADDRESS = "address"
DOB = "date_of_birth"
ADDRESS_NO_DOB = "address_without_date_of_birth"  # its key in model.json
ADDRESS_LEVELS = next(f.levels for f in FIELDS if f.name == ADDRESS)
_ADDRESS_COLUMN = [f.name for f in FIELDS].index(ADDRESS)
_DOB_COLUMN = [f.name for f in FIELDS].index(DOB)
_FIRST_COLUMN = [f.name for f in FIELDS].index("first_name")
_LAST_COLUMN = [f.name for f in FIELDS].index("last_name")
_EVIDENCE_COLUMNS = tuple([f.name for f in FIELDS].index(name) for name in EVIDENCE_FIELDS)


@dataclass(frozen=True)
class Model:
    version: str
    prior: float
    name_only: float
    name_frequency: float
    weights: dict[str, tuple[float, ...]]  # field → weight per level code
    meta: dict[str, Any]
    # address weight per level code when no date of birth could be compared (None: as above)
    address_without_dob: tuple[float, ...] | None = None

    def address_alone(self, codes: Sequence[int]) -> bool:
        """Whether a pair's address is weighed by the table for pairs without a date of birth
        (`codes`: its level codes in FIELDS order)."""
        return self.address_without_dob is not None and codes[_DOB_COLUMN] == 0

    def level_weights(self, codes: Sequence[int]) -> list[float]:
        """Each field's weight for one pair, given its level codes in FIELDS order."""
        out = [self.weights[f.name][c] for f, c in zip(FIELDS, codes, strict=True)]
        if self.address_without_dob is not None and self.address_alone(codes):
            out[_ADDRESS_COLUMN] = self.address_without_dob[codes[_ADDRESS_COLUMN]]
        return out

    def log2_odds(self, levels: pd.DataFrame) -> np.ndarray:
        """Sum the weights of each pair's levels (one row per pair, one column per field)."""
        total = self.log2_odds_without_competition(levels)
        out: np.ndarray = total + competition_bits(levels, total)
        return out

    def log2_odds_without_competition(self, levels: pd.DataFrame) -> np.ndarray:
        """The pair on its own: prior + level weights + name-only + name frequency."""
        return self.log2_odds_of(_codes(levels), _name_counts(levels))

    def log2_odds_of(
        self, codes: Mapping[str, np.ndarray], name_counts: np.ndarray | None
    ) -> np.ndarray:
        """`log2_odds_without_competition` on arrays: each field's level codes, and the
        pairs' r_name_n (None: no such column)."""
        total = np.full(len(codes[FIELDS[0].name]), self.prior, dtype=np.float64)
        for f in FIELDS:
            column = codes[f.name]
            weights = np.asarray(self.weights[f.name], dtype=np.float64)[column]
            if f.name == ADDRESS and self.address_without_dob is not None:
                alone = np.asarray(self.address_without_dob, dtype=np.float64)[column]
                weights = np.where(codes[DOB] == 0, alone, weights)
            total += weights
        total += np.where(name_only_of(codes), self.name_only, 0.0)
        total += self.name_frequency * name_frequency_bits_of(codes, name_counts)
        return total

    def pair_log2_odds(self, codes: Sequence[int], name_count: int) -> float:
        """`log2_odds_without_competition` of one pair, without a frame: its level codes in
        FIELDS order and its r_name_n (a handful of pairs cost less this way than in numpy)."""
        key = tuple(codes)
        known = self._pair_sums.get(key)
        if known is None:  # the same sum, in the same order, once per distinct set of codes
            total = self.prior
            for weight in self.level_weights(codes):
                total += weight
            if all(codes[k] == 0 for k in _EVIDENCE_COLUMNS):
                total += self.name_only
            exact = codes[_FIRST_COLUMN] in EXACT_FIRST and codes[_LAST_COLUMN] == EXACT_LAST
            known = self._pair_sums[key] = (total, exact)
        total, exact = known
        if exact:
            total += self.name_frequency * float(np.log2(max(name_count, 1)))
        return float(total)

    @cached_property
    def _pair_sums(self) -> dict[tuple[int, ...], tuple[float, bool]]:
        """`pair_log2_odds` before the name frequency, by level codes (at most one entry per
        combination of levels)."""
        return {}

    def score(self, levels: pd.DataFrame) -> np.ndarray:
        return probability(self.log2_odds(levels))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "version": self.version,
            "units": "log2 Bayes factor (bits)",
            "prior": round(self.prior, 4),
            "name_only": round(self.name_only, 4),
            "name_frequency": round(self.name_frequency, 4),
            "weights": {f.name: _level_dict(f.levels, self.weights[f.name]) for f in FIELDS},
        }
        if self.address_without_dob is not None:
            out[ADDRESS_NO_DOB] = _level_dict(ADDRESS_LEVELS, self.address_without_dob)
        out["meta"] = self.meta
        return out


def _level_dict(levels: Sequence[str], weights: Sequence[float]) -> dict[str, float]:
    # + 0.0: a weight held at 0 by a constraint must not print as "-0.0"
    return {lvl: round(w, 4) + 0.0 for lvl, w in zip(levels, weights, strict=True)}


def probability(log2_odds: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp2(-np.clip(log2_odds, -60, 60)))
    return out


EXACT_FIRST = (2, 3, 4)  # first-name levels where the first given name agrees exactly
EXACT_LAST = 2


def _codes(levels: pd.DataFrame) -> dict[str, np.ndarray]:
    """The level codes of a frame of pairs, per field."""
    return {f.name: levels[f.name].to_numpy() for f in FIELDS}


def _name_counts(levels: pd.DataFrame) -> np.ndarray | None:
    return levels["r_name_n"].to_numpy() if "r_name_n" in levels.columns else None


def name_frequency_bits(levels: pd.DataFrame) -> np.ndarray:
    """log2 of how many records on the other side share the name, for exact-name pairs."""
    if "r_name_n" not in levels.columns:
        return np.zeros(len(levels))
    return name_frequency_bits_of(_codes(levels), _name_counts(levels))


def name_frequency_bits_of(
    codes: Mapping[str, np.ndarray], name_counts: np.ndarray | None
) -> np.ndarray:
    """`name_frequency_bits` on arrays (`name_counts`: r_name_n, None when there is none)."""
    first = codes["first_name"]
    if name_counts is None:
        return np.zeros(len(first))
    exact = first == EXACT_FIRST[0]  # np.isin(first, EXACT_FIRST), without its overhead
    for code in EXACT_FIRST[1:]:
        exact |= first == code
    exact &= codes["last_name"] == EXACT_LAST
    count = np.maximum(np.asarray(name_counts, dtype=np.float64), 1.0)
    return np.where(exact, np.log2(count), 0.0)


def _group_keys(levels: pd.DataFrame) -> list[str]:
    return ["l", "r_list"] if "r_list" in levels.columns else ["l"]


def competition_bits(
    levels: pd.DataFrame, log2_odds: np.ndarray, group_odds: np.ndarray | None = None
) -> np.ndarray:
    """Bits removed by the one-person-one-entry rule: -log2(1 + Σ competitors' odds).

    `group_odds`: each pair's group total of competing odds (itself included) when the engine
    has summed them already; else they are summed over `levels`, which must then hold every
    pair of each group.
    """
    if "r_compete" not in levels.columns or levels.empty:
        return np.zeros(len(levels))
    compete = levels["r_compete"].to_numpy(dtype=bool)
    odds = competing_odds(compete, log2_odds)
    if group_odds is None:
        keys = levels[_group_keys(levels)]
        by = [keys[c].to_numpy() for c in keys.columns]
        group_odds = pd.Series(odds).groupby(by).transform("sum").to_numpy()
    return competition_of(compete, odds, group_odds)


def competing_odds(compete: np.ndarray, log2_odds: np.ndarray) -> np.ndarray:
    """Each pair's odds where it competes, else 0 (what `competition_bits` sums per group)."""
    out: np.ndarray = np.where(compete, np.exp2(np.clip(log2_odds, -60, 60)), 0.0)
    return out


def competition_of(compete: np.ndarray, odds: np.ndarray, group_odds: np.ndarray) -> np.ndarray:
    """`competition_bits` given `competing_odds` and each pair's group total of them."""
    others = np.maximum(group_odds - odds, 0.0)
    out: np.ndarray = np.where(compete, -np.log2(1.0 + others), 0.0)
    return out


# Pairs whose own log2 odds fall below this are dropped inside the engine: they can never be
# listed (the review threshold is about -4.2 bits) and add at most 2^-12 each to competition.
PAIR_FLOOR_BITS = -12.0


def raw_log2_odds_sql(model: Model) -> str:
    """SQL for a pair's own log2 odds over the level columns (engine-side pre-filter)."""
    terms = [f"{model.prior!r}"]
    for f in FIELDS:
        term = _case_sql(f.name, model.weights[f.name])
        if f.name == ADDRESS and model.address_without_dob is not None:
            alone = _case_sql(f.name, model.address_without_dob)
            term = f"(CASE WHEN {DOB} = 0 THEN {alone} ELSE {term} END)"
        terms.append(term)
    none = " AND ".join(f"{name} = 0" for name in EVIDENCE_FIELDS)
    terms.append(f"(CASE WHEN {none} THEN {model.name_only!r} ELSE 0.0 END)")
    exact = ", ".join(str(c) for c in EXACT_FIRST)
    terms.append(
        f"(CASE WHEN first_name IN ({exact}) AND last_name = {EXACT_LAST} "
        f"THEN {model.name_frequency!r} * log2(greatest(r_name_n, 1)) ELSE 0.0 END)"
    )
    return " + ".join(terms)


def _case_sql(column: str, weights: Sequence[float]) -> str:
    whens = " ".join(f"WHEN {code} THEN {w!r}" for code, w in enumerate(weights) if code)
    return f"(CASE {column} {whens} ELSE 0.0 END)"


def name_only_mask(levels: pd.DataFrame) -> np.ndarray:
    """Pairs with no comparable date of birth, address/postcode, email or phone."""
    return name_only_of({name: levels[name].to_numpy() for name in EVIDENCE_FIELDS})


def name_only_of(codes: Mapping[str, np.ndarray]) -> np.ndarray:
    """`name_only_mask` on arrays: each field's level codes."""
    mask = np.ones(len(codes[EVIDENCE_FIELDS[0]]), dtype=bool)
    for name in EVIDENCE_FIELDS:
        mask &= codes[name] == 0
    return mask


def model_from_json(data: dict[str, Any]) -> Model:
    weights: dict[str, tuple[float, ...]] = {}
    for f in FIELDS:
        given = data["weights"][f.name]
        missing = [lvl for lvl in f.levels if lvl not in given]
        if missing:
            raise ValueError(f"model {data.get('version')}: {f.name} has no weight for {missing}")
        weights[f.name] = tuple(float(given[lvl]) for lvl in f.levels)
    alone = data.get(ADDRESS_NO_DOB)
    if alone is not None:
        missing = [lvl for lvl in ADDRESS_LEVELS if lvl not in alone]
        if missing:
            raise ValueError(f"model {data.get('version')}: {ADDRESS_NO_DOB} lacks {missing}")
    return Model(
        version=str(data["version"]),
        prior=float(data["prior"]),
        name_only=float(data.get("name_only", 0.0)),
        name_frequency=float(data.get("name_frequency", 0.0)),
        weights=weights,
        meta=dict(data.get("meta", {})),
        address_without_dob=None
        if alone is None
        else tuple(float(alone[lvl]) for lvl in ADDRESS_LEVELS),
    )


@lru_cache(maxsize=1)
def shipped_model() -> Model:
    """The model shipped with this version of vetline (`vetline/matching/model.json`)."""
    text = resources.files("vetline.matching").joinpath("model.json").read_text("utf-8")
    return model_from_json(json.loads(text))

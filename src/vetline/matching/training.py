"""Fit the shipped weights from labelled pairs (used by bench/train_model.py, never at runtime).

The model is a log-linear model over one-hot comparison levels: the same additive form as
Fellegi-Sunter match weights, but fitted discriminatively on labelled candidate pairs, so that
correlated evidence (a shared home makes surname, address, postcode, email and phone agree
together) is not counted as independent, which is what floods naive m/u models with
co-residents.

Two things keep the weights honest for a reviewer:

- The likelihood is the one the model scores with. The records of one list compete for an
  applicant (one person, one entry): a pair's probability is o / (1 + Σ odds of the list's
  entries for that applicant), so the weights are learnt *given* that rule (a household
  member beside the applicant's own entry needs no weight of its own to lose).
- Monotonicity constraints (`ORDER`): a stronger agreement never weighs less than a weaker one
  of the same field, an agreement ("exact") never counts against a match and "different" never
  for it. Without them the fit uses a weight to cancel correlated evidence: an exact e-mail got
  -1.2 bits in model 1.0 because households share e-mails.

A small L2 penalty keeps rare levels from running off to infinity.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from vetline.matching.comparisons import FIELDS
from vetline.matching.model import (
    ADDRESS,
    ADDRESS_LEVELS,
    ADDRESS_NO_DOB,
    DOB,
    Model,
    name_frequency_bits,
    name_only_mask,
)

# (stronger, weaker) level pairs per field: weight(stronger) >= weight(weaker). "missing"
# (weight 0) anchors signs: (level, "missing") makes a level count for a match, ("missing",
# level) against.
ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "first_name": (
        ("exact", "missing"),
        ("exact", "exact, middle name on one side only"),
        ("exact, middle name on one side only", "exact, middle names differ"),
        ("exact", "nickname"),
        ("exact", "typo"),
        ("exact", "initial agrees"),
        ("exact", "middle name"),
        ("typo", "similar"),
        ("exact, middle names differ", "different"),
        ("nickname", "different"),
        ("initial agrees", "different"),
        ("middle name", "different"),
        ("similar", "different"),
        ("swapped with last name", "different"),
        ("missing", "different"),
        ("different", "different, date of birth not the same"),
    ),
    "last_name": (
        ("exact", "missing"),
        ("exact", "shares a part"),
        ("exact", "typo"),
        ("typo", "similar"),
        ("shares a part", "different"),
        ("similar", "different"),
        ("swapped with first name", "different"),
        ("missing", "different"),
        ("different", "different, date of birth not the same"),
    ),
    "date_of_birth": (
        ("exact", "missing"),
        ("exact", "day/month swapped"),
        ("exact", "two of day, month, year agree"),
        ("day/month swapped", "different"),
        ("two of day, month, year agree", "one or two digits differ"),
        ("one or two digits differ", "different"),
        ("missing", "different"),
    ),
    "address": (
        ("same address and postcode", "missing"),
        ("same address and postcode", "same address, postcode differs"),
        ("same address and postcode", "same postcode, address not given"),
        ("same postcode, address not given", "same postcode, different address"),
        ("same address, postcode differs", "similar address, other postcode"),
        ("same postcode, different address", "same postcode sector only"),
        ("same postcode sector only", "same postcode district only"),
        ("same postcode district only", "same postcode area only"),
        ("same postcode area only", "different"),
        ("similar address, other postcode", "different"),
        ("missing", "different"),
    ),
    "email": (
        ("exact", "missing"),
        ("exact", "same mailbox name, other provider"),
        ("same mailbox name, other provider", "different"),
        ("missing", "different"),
    ),
    "phone": (
        ("exact", "missing"),
        ("missing", "different"),
    ),
}


def design(
    levels: pd.DataFrame, *, address_without_dob: bool = False
) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """One-hot matrix of every non-missing level plus the name-only flag and name frequency.

    `address_without_dob` adds, per address level, a column for the pairs without a date of
    birth to compare: its coefficient is what the level weighs there *on top of* its weight.
    """
    columns: list[np.ndarray] = []
    names: list[tuple[str, int]] = []
    for f in FIELDS:
        codes = levels[f.name].to_numpy()
        for code in range(1, len(f.levels)):
            columns.append((codes == code).astype(np.float64))
            names.append((f.name, code))
    if address_without_dob:
        no_dob = levels[DOB].to_numpy() == 0
        codes = levels[ADDRESS].to_numpy()
        for code in range(1, len(ADDRESS_LEVELS)):
            columns.append((no_dob & (codes == code)).astype(np.float64))
            names.append((ADDRESS_NO_DOB, code))
    columns.append(name_only_mask(levels).astype(np.float64))
    names.append(("name_only", 1))
    columns.append(name_frequency_bits(levels))
    names.append(("name_frequency", 1))
    return np.column_stack(columns), names


def constraint_matrix(names: list[tuple[str, int]]) -> np.ndarray:
    """Rows c with c · beta >= 0 (beta = intercept, then one coefficient per design column)."""
    column = {name: k + 1 for k, name in enumerate(names)}
    rows: list[np.ndarray] = []
    for f in FIELDS:
        # the address weights without a date of birth (base + extra) keep the same order
        tables: list[tuple[str, ...]] = [(f.name,)]
        if f.name == ADDRESS and (ADDRESS_NO_DOB, 1) in column:
            tables.append((f.name, ADDRESS_NO_DOB))
        code = {level: k for k, level in enumerate(f.levels)}
        for parts in tables:
            for strong, weak in ORDER.get(f.name, ()):
                row = np.zeros(len(names) + 1)
                for part in parts:
                    if code[strong]:
                        row[column[(part, code[strong])]] += 1.0
                    if code[weak]:
                        row[column[(part, code[weak])]] -= 1.0
                rows.append(row)
    row = np.zeros(len(names) + 1)
    row[column[("name_frequency", 1)]] = -1.0  # a common name is never stronger evidence
    rows.append(row)
    return np.vstack(rows)


def competition_groups(levels: pd.DataFrame) -> np.ndarray:
    """Group number per pair: the competing entries of one list for one applicant share a group,
    every other pair is a group of its own."""
    n = len(levels)
    if "r_compete" not in levels.columns or n == 0:
        return np.arange(n)
    keys = ["l", "r_list"] if "r_list" in levels.columns else ["l"]
    g = levels.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    compete = levels["r_compete"].to_numpy(dtype=bool)
    solo = int(g.max()) + 1 + np.arange(n)
    codes: np.ndarray = pd.factorize(np.where(compete, g, solo))[0]
    return codes


class CompetingLogistic:
    """Penalised negative log-likelihood of the scoring rule and its gradient.

    Pair i of group g has probability p_i = o_i / (1 + S_g), S_g = Σ_{j in g} o_j, o = e^eta.
    Computed with the group's largest eta factored out so that huge odds do not overflow.
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        groups: np.ndarray,
        *,
        l2: float,
        sample_weight: np.ndarray | None = None,
    ) -> None:
        order = np.argsort(groups, kind="stable")
        self.x = np.column_stack([np.ones(len(x)), x])[order]
        self.y = y.astype(np.float64)[order]
        g = groups[order]
        self.g = pd.factorize(g)[0]
        self.starts = np.flatnonzero(np.r_[True, self.g[1:] != self.g[:-1]])
        w = np.ones(len(x)) if sample_weight is None else sample_weight[order]
        self.w = w.astype(np.float64)
        self.total = float(self.w.sum())
        self.wg = np.bincount(self.g, self.w)
        self.penalty = np.full(self.x.shape[1], l2)
        self.penalty[0] = 0.0

    def __call__(self, beta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = self.x @ beta
        m = np.maximum(np.maximum.reduceat(eta, self.starts), 0.0)
        mi = m[self.g]
        e = np.exp(eta - mi)
        floor = np.exp(-m)
        t = floor + np.bincount(self.g, e)
        log_z = m + np.log(t)
        rest = np.maximum(t[self.g] - e, floor[self.g])
        y, w = self.y, self.w
        ll = y * (eta - log_z[self.g]) + (1 - y) * (mi + np.log(rest) - log_z[self.g])
        loss = -float(np.dot(w, ll)) + 0.5 * float(np.dot(self.penalty * beta, beta))
        h = np.bincount(self.g, w * (1 - y) / rest)
        grad_eta = -w * y + e / t[self.g] * self.wg[self.g] - e * (h[self.g] - w * (1 - y) / rest)
        grad = self.x.T @ grad_eta + self.penalty * beta
        return loss / self.total, grad / self.total


def fit_constrained(
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    constraints: np.ndarray,
    *,
    l2: float = 1.0,
    sample_weight: np.ndarray | None = None,
    max_iterations: int = 1000,
) -> tuple[float, np.ndarray]:
    """Minimise the penalised loss subject to constraints · beta >= 0 (SLSQP).

    Returns (intercept, coefficients) in natural-log units.
    """
    # training only: scipy comes with the dev extras (recordlinkage needs it)
    from scipy.optimize import minimize  # type: ignore[import-untyped]

    objective = CompetingLogistic(x, y, groups, l2=l2, sample_weight=sample_weight)
    start = np.zeros(x.shape[1] + 1)
    result = minimize(
        objective,
        start,
        jac=True,
        method="SLSQP",
        constraints=[
            {"type": "ineq", "fun": lambda b: constraints @ b, "jac": lambda b: constraints}
        ],
        options={"maxiter": max_iterations, "ftol": 1e-12},
    )
    if not result.success:
        raise RuntimeError(f"the fit did not converge: {result.message}")
    beta = np.asarray(result.x, dtype=np.float64)
    return float(beta[0]), beta[1:]


def fit_model(
    levels: pd.DataFrame,
    y: np.ndarray,
    *,
    version: str,
    l2: float = 1.0,
    meta: dict[str, Any],
    sample_weight: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    address_without_dob: bool = False,
) -> Model:
    """Fit weights (converted to bits) under the monotonicity constraints, as a Model.

    `strata` (optional, one integer per pair) marks pairs from data sets with a base rate of
    their own: 0 is the population the model is for (its prior is shipped); each other value
    gets its own intercept during the fit, which is then dropped. (FEBRL's blocked pairs are
    about 80% true matches against a few percent in a screening: with one shared intercept the
    level weights FEBRL uses most soak up the difference. Model 1.1 does not use it: see
    docs/matching.md.) `address_without_dob`: fit the address weights of pairs without a date
    of birth to compare as a table of their own (model 1.2).
    """
    x, names = design(levels, address_without_dob=address_without_dob)
    constraints = constraint_matrix(names)
    if strata is not None:
        codes = sorted(set(np.unique(strata).tolist()) - {0})
        x = np.column_stack([x, *[(strata == c).astype(np.float64) for c in codes]])
        constraints = np.column_stack([constraints, np.zeros((len(constraints), len(codes)))])
    intercept, coef = fit_constrained(
        x,
        y,
        competition_groups(levels),
        constraints,
        l2=l2,
        sample_weight=sample_weight,
    )
    return _as_model(intercept, coef[: len(names)], names, version, meta)


def _as_model(
    intercept: float,
    coef: np.ndarray,
    names: list[tuple[str, int]],
    version: str,
    meta: dict[str, Any],
) -> Model:
    bits = coef / math.log(2)
    weights = {f.name: [0.0] * len(f.levels) for f in FIELDS}
    extra = [0.0] * len(ADDRESS_LEVELS)
    name_only = name_frequency = 0.0
    for (field, code), w in zip(names, bits, strict=True):
        if field == ADDRESS_NO_DOB:
            extra[code] = float(w)
        elif field == "name_only":
            name_only = float(w)
        elif field == "name_frequency":
            name_frequency = float(w)  # bits per doubling of the name's count
        else:
            weights[field][code] = float(w)
    return Model(
        version=version,
        prior=intercept / math.log(2),
        name_only=name_only,
        name_frequency=name_frequency,
        weights={k: tuple(v) for k, v in weights.items()},
        meta=meta,
        address_without_dob=tuple(a + b for a, b in zip(weights[ADDRESS], extra, strict=True))
        if (ADDRESS_NO_DOB, 1) in names
        else None,
    )

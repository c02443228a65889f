"""Fit the shipped weights from labelled pairs (used by bench/train_model.py, never at runtime).

The model is a log-linear (logistic) model over one-hot comparison levels: the same additive
form as Fellegi-Sunter match weights, but fitted discriminatively on labelled candidate pairs.
That way correlated evidence (a shared home makes surname, address, postcode, email and phone
agree together) is not counted as independent, which is what floods naive m/u models with
co-residents. A small L2 penalty keeps rare levels from running off to infinity.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from vetline.matching.comparisons import FIELDS
from vetline.matching.model import (
    Model,
    competition_bits,
    name_frequency_bits,
    name_only_mask,
)


def design(levels: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """One-hot matrix of every non-missing level plus the name-only flag."""
    columns: list[np.ndarray] = []
    names: list[tuple[str, int]] = []
    for f in FIELDS:
        codes = levels[f.name].to_numpy()
        for code in range(1, len(f.levels)):
            columns.append((codes == code).astype(np.float64))
            names.append((f.name, code))
    columns.append(name_only_mask(levels).astype(np.float64))
    names.append(("name_only", 1))
    columns.append(name_frequency_bits(levels))
    names.append(("name_frequency", 1))
    return np.column_stack(columns), names


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    *,
    l2: float = 1.0,
    iterations: int = 50,
    offset: np.ndarray | None = None,
    start: np.ndarray | None = None,
    sample_weight: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """Newton-Raphson for L2-penalised logistic regression; returns (intercept, coefficients).

    `offset` (natural-log odds) is added to every pair's linear predictor and not fitted.
    """
    n, k = x.shape
    xa = np.column_stack([np.ones(n), x])
    off = np.zeros(n) if offset is None else offset
    beta = np.zeros(k + 1) if start is None else start.copy()
    sw = np.ones(n) if sample_weight is None else sample_weight
    penalty = np.full(k + 1, l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        eta = xa @ beta + off
        p = 1.0 / (1.0 + np.exp(-eta))
        w = np.clip(p * (1 - p), 1e-9, None) * sw
        grad = xa.T @ ((y - p) * sw) - penalty * beta
        hess = (xa * w[:, None]).T @ xa + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    return float(beta[0]), beta[1:]


def fit_model(
    levels: pd.DataFrame,
    y: np.ndarray,
    *,
    version: str,
    l2: float = 1.0,
    meta: dict[str, Any],
    rounds: int = 4,
    sample_weight: np.ndarray | None = None,
) -> Model:
    """Fit weights (converted to bits) and wrap them as a shippable Model.

    The one-person-one-entry competition depends on the weights themselves, so it is fitted
    by alternation: fit, compute every pair's competition bits, refit with them as a fixed
    offset, a few rounds.
    """
    x, names = design(levels)
    offset = np.zeros(len(levels))
    beta: np.ndarray | None = None
    model: Model | None = None
    for _ in range(rounds):
        intercept, coef = fit_logistic(
            x, y.astype(np.float64), l2=l2, offset=offset, start=beta, sample_weight=sample_weight
        )
        beta = np.concatenate([[intercept], coef])
        model = _as_model(intercept, coef, names, version, meta)
        raw = model.log2_odds_without_competition(levels)
        offset = competition_bits(levels, raw) * math.log(2)
    assert model is not None
    return model


def _as_model(
    intercept: float,
    coef: np.ndarray,
    names: list[tuple[str, int]],
    version: str,
    meta: dict[str, Any],
) -> Model:
    bits = coef / math.log(2)
    weights = {f.name: [0.0] * len(f.levels) for f in FIELDS}
    name_only = name_frequency = 0.0
    for (field, code), w in zip(names, bits, strict=True):
        if field == "name_only":
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
    )

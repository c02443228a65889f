"""The fit behind the shipped model: its likelihood, its constraints, and the shipped weights."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from vetline.matching import explain_text, screen_frames
from vetline.matching.comparisons import FIELDS
from vetline.matching.model import shipped_model
from vetline.matching.training import (
    ORDER,
    CompetingLogistic,
    competition_groups,
    constraint_matrix,
    design,
    fit_model,
)


def test_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4))
    y = (rng.random(200) < 0.3).astype(float)
    groups = rng.integers(0, 50, size=200)
    objective = CompetingLogistic(x, y, groups, l2=0.5, sample_weight=rng.random(200) + 0.5)
    beta = rng.normal(size=5) * 2
    _, grad = objective(beta)
    step = 1e-6
    numeric = [
        (objective(beta + e)[0] - objective(beta - e)[0]) / (2 * step) for e in np.eye(5) * step
    ]
    np.testing.assert_allclose(grad, numeric, atol=1e-6)


def test_loss_is_the_scoring_rule() -> None:
    """Within a group p = o / (1 + sum of the group's odds), as Model.score computes it."""
    x = np.array([[1.0], [2.0], [0.5]])
    y = np.array([1.0, 0.0, 0.0])
    groups = np.array([0, 0, 1])
    objective = CompetingLogistic(x, y, groups, l2=0.0)
    beta = np.array([0.3, 1.1])
    o = np.exp(beta[0] + beta[1] * x[:, 0])
    p = np.array([o[0] / (1 + o[0] + o[1]), o[1] / (1 + o[0] + o[1]), o[2] / (1 + o[2])])
    expected = -(np.log(p[0]) + np.log(1 - p[1]) + np.log(1 - p[2])) / 3
    assert objective(beta)[0] == pytest.approx(expected)


def test_only_competing_pairs_share_a_group() -> None:
    levels = pd.DataFrame(
        {"l": [0, 0, 0, 1], "r_list": ["a", "a", "b", "a"], "r_compete": [True, True, True, False]}
    )
    g = competition_groups(levels)
    assert g[0] == g[1]
    assert len({g[0], g[2], g[3]}) == 3


def _synthetic_levels(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Pairs where an exact e-mail comes with households as often as with matches."""
    y = rng.random(n) < 0.3
    frame = {f.name: np.zeros(n, dtype=np.int8) for f in FIELDS}
    frame["first_name"] = np.where(y, 2, np.where(rng.random(n) < 0.5, 10, 9)).astype(np.int8)
    frame["last_name"] = np.full(n, 2, dtype=np.int8)
    frame["address"] = np.where(rng.random(n) < 0.8, 1, 9).astype(np.int8)
    shared = rng.random(n) < np.where(y, 0.3, 0.6)  # households share e-mails more often
    frame["email"] = np.where(shared, 1, 3).astype(np.int8)
    frame["r_name_n"] = np.ones(n, dtype=np.int64)
    return pd.DataFrame(frame), y


def test_fit_keeps_agreement_non_negative() -> None:
    """Unconstrained, this data gives an exact e-mail a negative weight; the fit must not."""
    levels, y = _synthetic_levels(np.random.default_rng(1), 4000)
    model = fit_model(levels, y, version="t", meta={})
    email = dict(zip(FIELDS[4].levels, model.weights["email"], strict=True))
    assert email["exact"] >= -1e-6
    assert email["different"] <= 1e-6
    _, names = design(levels)
    beta = np.concatenate(
        [[0.0], [model.weights[f][c] if f in model.weights else 0.0 for f, c in names]]
    )
    assert (constraint_matrix(names)[:, 1:] @ beta[1:] >= -1e-6).all()


NAMES = ("first_name", "last_name")  # level 1 is "swapped", level 2 "exact"


def test_shipped_model_respects_the_order() -> None:
    model = shipped_model()
    for f in FIELDS:
        w = dict(zip(f.levels, model.weights[f.name], strict=True))
        for strong, weak in ORDER[f.name]:
            assert w[strong] >= w[weak] - 1e-3, (f.name, strong, weak)
    assert model.name_frequency <= 0
    # an agreement held at 0 by its constraint is stored as +0.0, never as -0.0
    for f in FIELDS:
        exact = model.weights[f.name][2 if f.name in NAMES else 1]
        assert math.copysign(1.0, exact) > 0, f.name


def test_explanation_never_shows_minus_zero() -> None:
    left = pd.DataFrame(
        [
            {
                "id": "a",
                "first_name": "Robert",
                "last_name": "Smith",
                "postcode": "S11 8YE",
                "address": "12 High Street",
                "email": "rob@example.com",
            }
        ]
    )
    hits = screen_frames(left, left.assign(id="b"), threshold=0.0)
    text = explain_text(hits["explanation"].iloc[0])
    assert "email: exact" in text
    assert "-0.0" not in text


def test_a_stratum_keeps_its_base_rate_out_of_the_prior() -> None:
    """Pairs of another data set (stratum 1, mostly matches) must not move the shipped prior."""
    rng = np.random.default_rng(2)
    n = 6000
    stratum = (np.arange(n) >= 4000).astype(int)
    y = rng.random(n) < np.where(stratum == 1, 0.8, 0.1)
    frame = {f.name: np.zeros(n, dtype=np.int8) for f in FIELDS}
    frame["address"] = np.full(n, 9, dtype=np.int8)  # compared, so not a name-only pair
    frame["r_name_n"] = np.ones(n, dtype=np.int64)
    levels = pd.DataFrame(frame)
    shared = fit_model(levels, y, version="t", meta={})
    own = fit_model(levels, y, version="t", meta={}, strata=stratum)
    base = y[stratum == 0].mean()
    odds = own.prior + own.weights["address"][9]  # the L2 penalty splits them
    assert odds == pytest.approx(np.log2(base / (1 - base)), abs=0.05)
    assert shared.prior + shared.weights["address"][9] > odds + 1

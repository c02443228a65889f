"""The pure-Python statistics against SciPy, the projection's coverage, and the disparity test."""

from __future__ import annotations

import numpy as np
import pytest

from vetline.oversight import stats
from vetline.oversight.fairness import disparity
from vetline.oversight.projection import predictive, projection

scipy_stats = pytest.importorskip("scipy.stats")


@pytest.mark.parametrize(("x", "df"), [(0.5, 1), (3.84, 1), (12.5, 2), (30.0, 10), (200.0, 150)])
def test_chi2_sf_matches_scipy(x: float, df: int) -> None:
    assert stats.chi2_sf(x, df) == pytest.approx(scipy_stats.chi2.sf(x, df), rel=1e-9)


@pytest.mark.parametrize("table", [(3, 1, 1, 3), (30, 70, 12, 88), (0, 10, 5, 5), (1, 0, 0, 1)])
def test_fisher_matches_scipy(table: tuple[int, int, int, int]) -> None:
    a, b, c, d = table
    expected = scipy_stats.fisher_exact([[a, b], [c, d]])[1]
    assert stats.fisher_exact(a, b, c, d) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(("n", "a", "b"), [(50, 2.5, 40.5), (128_000, 1200.5, 58_800.5)])
def test_betabinom_interval_matches_scipy(n: int, a: float, b: float) -> None:
    lo, hi = stats.betabinom_interval(n, a, b, 0.9)
    assert (lo, hi) == tuple(int(v) for v in scipy_stats.betabinom.ppf([0.05, 0.95], n, a, b))


def test_beta_ppf_and_quantiles_match_scipy() -> None:
    assert stats.beta_ppf(0.05, 3.5, 97.5) == pytest.approx(
        scipy_stats.beta.ppf(0.05, 3.5, 97.5), rel=1e-9
    )
    assert stats.poisson_upper(10, 0.999) == scipy_stats.poisson.ppf(0.999, 10)
    r = 10 * 10 / (40 - 10)
    assert stats.negbin_upper(10, 40, 0.999) == scipy_stats.nbinom.ppf(0.999, r, r / (r + 10))


def test_holm_by_hand() -> None:
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def _coverage(draw_rate: object, draws: int = 200, seed: int = 7) -> float:
    rng = np.random.default_rng(seed)
    n_past, n_now, hits = 4_000, 2_000, 0
    for _ in range(draws):
        p = float(draw_rate(rng))  # type: ignore[operator]
        k_past = int(rng.binomial(n_past, p))
        truth = int(rng.binomial(n_now, p))
        interval = predictive(n_now, k_past, n_past, 0.9)
        hits += interval["low"] <= truth <= interval["high"]
    return hits / draws


def test_projection_interval_covers_truth_at_nominal_rate_fixed_rate() -> None:
    # A surge like Labour 2016's conduct rate (about 1.7%): 90% intervals cover ~90% of truths.
    assert abs(_coverage(lambda rng: 0.017) - 0.9) <= 0.05


def test_projection_interval_covers_truth_at_nominal_rate_varying_rate() -> None:
    assert abs(_coverage(lambda rng: rng.uniform(0.002, 0.2), seed=11) - 0.9) <= 0.05


def test_projection_flags_a_surge_unlike_the_past() -> None:
    like = projection(10_000, 2_000, 34, past_excluded=1_200, past_total=70_000)
    unlike = projection(10_000, 2_000, 120, past_excluded=1_200, past_total=70_000)
    assert not like["observed_outside_past_interval"]
    assert unlike["observed_outside_past_interval"]
    assert like["expected_from_past"]["low"] < 171 < like["expected_from_past"]["high"]
    with pytest.raises(ValueError):
        projection(10, 0, 0, past_excluded=5, past_total=4)


def _groups(
    rng: np.random.Generator, rates: dict[str, float], n: int
) -> dict[str, tuple[int, int]]:
    return {g: (int(rng.binomial(n, p)), n) for g, p in rates.items()}


def test_disparity_flags_a_planted_bias_and_only_it() -> None:
    rng = np.random.default_rng(2016)
    found = 0
    wrong = 0
    for _ in range(50):
        counts = _groups(rng, {"A": 0.10, "B": 0.10, "C": 0.10, "D": 0.16, "E": 0.10}, 800)
        result = disparity(counts)
        found += "D" in result["flagged"]
        wrong += any(g != "D" for g in result["flagged"])
    assert found >= 45  # power well above 90% for 10% vs 16% on 800 each
    assert wrong <= 5  # the others are not dragged in by the biased group


def test_disparity_stays_quiet_without_bias() -> None:
    rng = np.random.default_rng(5)
    runs = 200
    false_alarms = sum(
        bool(disparity(_groups(rng, dict.fromkeys("ABCDEF", 0.1), 500))["flagged"])
        for _ in range(runs)
    )
    assert false_alarms / runs <= 0.09  # nominal 5% family-wise; binomial slack for 200 runs


def test_disparity_small_groups_use_fisher_and_direction() -> None:
    result = disparity({"big": (50, 1000), "small": (4, 6), "none": (0, 0)})
    rows = {r["group"]: r for r in result["groups"]}
    assert set(rows) == {"big", "small"}
    assert rows["small"]["test"] == "fisher"
    assert result["flagged"] == ["small"] and rows["small"]["direction"] == "higher"


def test_by_region_groups_postcode_areas_and_pools_small_ones() -> None:
    from datetime import UTC, datetime

    from vetline.oversight.fairness import SMALL_AREAS, UNKNOWN_AREA, by_region
    from vetline.oversight.records import ApplicationRecord

    t = datetime(2016, 7, 1, tzinfo=UTC)
    apps = [
        ApplicationRecord(id=i, applied_at=t, postcode=pc, has_hit=i % 2 == 0)
        for i, pc in enumerate(["s11 8ye"] * 40 + ["LS18 2TB"] * 40 + ["EH1 1AA"] * 5 + [None] * 31)
    ]
    table = by_region(apps)["hit"]
    assert {r["group"]: r["trials"] for r in table["groups"]} == {
        "S": 40,
        "LS": 40,
        SMALL_AREAS: 5,
        UNKNOWN_AREA: 31,
    }

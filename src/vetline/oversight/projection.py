"""Projected exclusions: a past surge's exclusion ratio as a credible interval for this one.

The rate is uncertain even after a past surge of known size, so it gets a Beta posterior
(Jeffreys prior Beta(1/2, 1/2) updated with k excluded of n); the number excluded among N new
applications is then Beta-Binomial. The same machinery, fed with this surge's own decisions so
far, gives a second projection; if what we observe falls outside the first interval, this surge
is not behaving like the past one, and the committee should know.
"""

from __future__ import annotations

from typing import Any

from vetline.oversight.stats import beta_ppf, betabinom_interval

PRIOR = 0.5  # Jeffreys


def predictive(n: int, k_past: int, n_past: int, level: float) -> dict[str, Any]:
    """Expected number excluded among `n` and its `level` interval, from k_past of n_past."""
    a, b = PRIOR + k_past, PRIOR + n_past - k_past
    lo, hi = betabinom_interval(n, a, b, level)
    return {"expected": round(n * a / (a + b), 1), "low": lo, "high": hi}


def rate_interval(k: int, n: int, level: float) -> tuple[float, float]:
    """Equal-tailed Jeffreys interval for a rate k/n."""
    tail = (1 - level) / 2
    a, b = PRIOR + k, PRIOR + n - k
    return beta_ppf(tail, a, b), beta_ppf(1 - tail, a, b)


def projection(
    applications: int,
    decided: int,
    excluded: int,
    *,
    past_excluded: int,
    past_total: int,
    level: float = 0.9,
) -> dict[str, Any]:
    """The past-ratio projection for the whole surge, and how the decisions so far compare."""
    if not 0 <= past_excluded <= past_total or past_total <= 0:
        raise ValueError("the past surge needs 0 <= excluded <= total and total > 0")
    whole = predictive(applications, past_excluded, past_total, level)
    so_far = predictive(decided, past_excluded, past_total, level)
    observed_rate = excluded / decided if decided else None
    result: dict[str, Any] = {
        "level": level,
        "past": {
            "excluded": past_excluded,
            "total": past_total,
            "rate": past_excluded / past_total,
        },
        "applications": applications,
        "expected_from_past": whole,
        "decided_so_far": decided,
        "excluded_so_far": excluded,
        "expected_so_far_from_past": so_far,
        "observed_rate": observed_rate,
        "observed_rate_interval": list(rate_interval(excluded, decided, level))
        if decided
        else None,
        "observed_outside_past_interval": (
            decided > 0 and not so_far["low"] <= excluded <= so_far["high"]
        ),
    }
    if decided:
        rest = predictive(applications - decided, excluded, decided, level)
        result["expected_from_observed"] = {
            "expected": round(excluded + rest["expected"], 1),
            "low": excluded + rest["low"],
            "high": excluded + rest["high"],
        }
    else:
        result["expected_from_observed"] = None
    return result

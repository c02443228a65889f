"""Small, exact statistics in pure Python (no SciPy in the core install).

Beta-Binomial predictive intervals, Poisson / negative-binomial upper bounds, chi-square and
Fisher's exact tests and Holm's correction: enough for the oversight report, each checked
against SciPy in the tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

_EPS = 3e-16
_TINY = 1e-300


def _gamma_series(a: float, x: float) -> float:
    """Regularized lower incomplete gamma P(a, x) by its series (x < a + 1)."""
    term = total = 1.0 / a
    ap = a
    for _ in range(10_000):
        ap += 1
        term *= x / ap
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gamma_cf(a: float, x: float) -> float:
    """Regularized upper incomplete gamma Q(a, x) by Lentz's continued fraction (x >= a + 1)."""
    b = x + 1 - a
    c = 1 / _TINY
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def chi2_sf(x: float, df: int) -> float:
    """P(X >= x) for a chi-square variable with `df` degrees of freedom."""
    if x <= 0:
        return 1.0
    a, half = df / 2, x / 2
    if half < a + 1:
        return max(0.0, 1 - _gamma_series(a, half))
    return _gamma_cf(a, half)


def _beta_cf(a: float, b: float, x: float) -> float:
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (_TINY if abs(d) < _TINY else d)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (_TINY if abs(d) < _TINY else d)
        c = 1 + aa / c
        c = _TINY if abs(c) < _TINY else c
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (_TINY if abs(d) < _TINY else d)
        c = 1 + aa / c
        c = _TINY if abs(c) < _TINY else c
        delta = d * c
        h *= delta
        if abs(delta - 1) < _EPS:
            break
    return h


def beta_cdf(x: float, a: float, b: float) -> float:
    """The regularized incomplete beta I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return front * _beta_cf(a, b, x) / a
    return 1 - front * _beta_cf(b, a, 1 - x) / b


def beta_ppf(q: float, a: float, b: float) -> float:
    """The q-quantile of Beta(a, b): safeguarded Newton steps from a normal guess, to 1e-12."""
    mean = a / (a + b)
    sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    lo, hi = 0.0, 1.0
    x = min(1 - 1e-9, max(1e-9, mean + NormalDist().inv_cdf(q) * sd))
    log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    for _ in range(200):
        err = beta_cdf(x, a, b) - q
        if err < 0:
            lo = x
        else:
            hi = x
        if hi - lo < 1e-12 or abs(err) < 1e-14:
            break
        pdf = math.exp(log_norm + (a - 1) * math.log(x) + (b - 1) * math.log1p(-x))
        step = x - err / pdf if pdf > 0 else -1.0
        x = step if lo < step < hi else (lo + hi) / 2
    return x


def betabinom_pmf(n: int, a: float, b: float) -> list[float]:
    """P(X = k) for k = 0..n under Beta-Binomial(n, a, b), by a stable log-space recurrence."""
    logs = [0.0] * (n + 1)
    logs[0] = math.lgamma(n + b) + math.lgamma(a + b) - math.lgamma(n + a + b) - math.lgamma(b)
    for k in range(n):
        logs[k + 1] = logs[k] + math.log((n - k) * (k + a) / ((k + 1) * (n - k - 1 + b)))
    top = max(logs)
    weights = [math.exp(v - top) for v in logs]
    total = sum(weights)
    return [w / total for w in weights]


def betabinom_interval(n: int, a: float, b: float, level: float) -> tuple[int, int]:
    """The equal-tailed `level` interval [lo, hi] of Beta-Binomial(n, a, b)."""
    if n == 0:
        return 0, 0
    tail = (1 - level) / 2
    pmf = betabinom_pmf(n, a, b)
    cum, lo = 0.0, 0
    for k, p in enumerate(pmf):
        if cum + p > tail:
            lo = k
            break
        cum += p
    cum, hi = 0.0, n
    for k in range(n, -1, -1):
        if cum + pmf[k] > tail:
            hi = k
            break
        cum += pmf[k]
    return lo, hi


def poisson_upper(mu: float, q: float) -> int:
    """The smallest k with P(X <= k) >= q for X ~ Poisson(mu)."""
    if mu <= 0:
        return 0
    k, log_p = 0, -mu
    cum = math.exp(log_p)
    while cum < q and k < 10 * mu + 1000:
        k += 1
        log_p += math.log(mu / k)
        cum += math.exp(log_p)
    return k


def negbin_upper(mean: float, variance: float, q: float) -> int:
    """The q-quantile of a negative binomial with this mean and variance (Poisson if var<=mean)."""
    if variance <= mean or mean <= 0:
        return poisson_upper(mean, q)
    r = mean * mean / (variance - mean)
    p = r / (r + mean)  # success probability; X counts failures
    k, log_p = 0, r * math.log(p)
    cum = math.exp(log_p)
    while cum < q and k < 100 * mean + 1000:
        log_p += math.log((k + r) / (k + 1) * (1 - p))
        k += 1
        cum += math.exp(log_p)
    return k


def _log_hypergeom(k: int, row: int, col: int, n: int) -> float:
    def lc(a: int, b: int) -> float:
        return math.lgamma(a + 1) - math.lgamma(b + 1) - math.lgamma(a - b + 1)

    return lc(col, k) + lc(n - col, row - k) - lc(n, row)


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p-value of Fisher's exact test for [[a, b], [c, d]]."""
    row, col, n = a + b, a + c, a + b + c + d
    observed = _log_hypergeom(a, row, col, n)
    total = 0.0
    for k in range(max(0, row + col - n), min(row, col) + 1):
        lp = _log_hypergeom(k, row, col, n)
        if lp <= observed + 1e-7:
            total += math.exp(lp)
    return min(1.0, total)


def chi2_homogeneity(table: Sequence[Sequence[int]]) -> tuple[float, int, float]:
    """Pearson's chi-square for a groups x outcomes table: (statistic, df, p-value).

    Rows or columns that are all zero are dropped (they carry no information).
    """
    rows = [list(r) for r in table if sum(r) > 0]
    if not rows:
        return 0.0, 0, 1.0
    keep = [j for j in range(len(rows[0])) if sum(r[j] for r in rows) > 0]
    rows = [[r[j] for j in keep] for r in rows]
    if len(rows) < 2 or len(keep) < 2:
        return 0.0, 0, 1.0
    n = sum(map(sum, rows))
    col_totals = [sum(r[j] for r in rows) for j in range(len(keep))]
    stat = 0.0
    for r in rows:
        row_total = sum(r)
        for j, observed in enumerate(r):
            expected = row_total * col_totals[j] / n
            stat += (observed - expected) ** 2 / expected
    df = (len(rows) - 1) * (len(keep) - 1)
    return stat, df, chi2_sf(stat, df)


def two_by_two_p(a: int, b: int, c: int, d: int) -> tuple[float, str]:
    """p-value for [[a, b], [c, d]]: chi-square, or Fisher's exact when an expected count is < 5."""
    n = a + b + c + d
    if n == 0:
        return 1.0, "none"
    expected = [
        (a + b) * (a + c) / n,
        (a + b) * (b + d) / n,
        (c + d) * (a + c) / n,
        (c + d) * (b + d) / n,
    ]
    if min(expected) < 5:
        return fisher_exact(a, b, c, d), "fisher"
    return chi2_homogeneity([[a, b], [c, d]])[2], "chi2"


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (same order as given)."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted

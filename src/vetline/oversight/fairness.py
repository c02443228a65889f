"""Even-handedness: are hits, referrals and exclusions spread across campaigns and reviewers alike?

For each measure and grouping: every group's rate with a Jeffreys interval, a chi-square test
that the rate is the same in every group and, while it is not, the most different group
flagged and set aside (see `disparity`). A flag means "a difference larger than chance would
explain": a question for the committee, not a finding of bias — campaigns may differ for good
reasons.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from vetline.oversight.projection import rate_interval
from vetline.oversight.records import ApplicationRecord, CaseRecord
from vetline.oversight.stats import chi2_homogeneity, holm, two_by_two_p
from vetline.people.postcodes import parse_postcode


def _omnibus(counts: Mapping[str, tuple[int, int]], groups: Sequence[str]) -> float:
    return chi2_homogeneity([[counts[g][0], counts[g][1] - counts[g][0]] for g in groups])[2]


def _vs_rest(counts: Mapping[str, tuple[int, int]], groups: Sequence[str], g: str) -> float:
    events = sum(counts[h][0] for h in groups)
    trials = sum(counts[h][1] for h in groups)
    k, n = counts[g]
    return two_by_two_p(k, n - k, events - k, (trials - n) - (events - k))[0]


def disparity(
    counts: Mapping[str, tuple[int, int]], *, alpha: float = 0.05, level: float = 0.95
) -> dict[str, Any]:
    """Test `counts` = {group: (events, trials)} for rates that differ between groups.

    Step by step: while the remaining groups' rates differ more than chance (chi-square test at
    `alpha`), flag the group most different from the others (smallest p against the rest, by
    chi-square or Fisher's exact test) and set it aside. When all groups are alike the first
    test fails with probability 1 - alpha, so nothing is flagged; and a group does not get
    flagged merely because one biased group pulls the average of "the rest" away from it.
    Holm-corrected p-values of each group against all the others are reported too.
    """
    groups = sorted(g for g, (_, n) in counts.items() if n > 0)
    events = sum(counts[g][0] for g in groups)
    trials = sum(counts[g][1] for g in groups)
    stat, df, p_all = chi2_homogeneity(
        [[counts[g][0], counts[g][1] - counts[g][0]] for g in groups]
    )
    raw: list[float] = []
    methods: list[str] = []
    for g in groups:
        k, n = counts[g]
        p, method = two_by_two_p(k, n - k, events - k, (trials - n) - (events - k))
        raw.append(p)
        methods.append(method)
    adjusted = holm(raw)
    steps: list[dict[str, Any]] = []
    remaining = list(groups)
    flagged_at: dict[str, int] = {}
    while len(remaining) >= 2:
        p_step = _omnibus(counts, remaining)
        if p_step >= alpha:
            steps.append({"groups": len(remaining), "p_value": p_step, "flagged": None})
            break
        worst = min(remaining, key=lambda g: (_vs_rest(counts, remaining, g), g))
        steps.append({"groups": len(remaining), "p_value": p_step, "flagged": worst})
        flagged_at[worst] = len(steps)
        remaining.remove(worst)
    alike = [g for g in groups if g not in flagged_at]
    alike_k = sum(counts[g][0] for g in alike)
    alike_n = sum(counts[g][1] for g in alike)
    rows = []
    for g, p, p_adj, method in zip(groups, raw, adjusted, methods, strict=True):
        k, n = counts[g]
        rest_k, rest_n = events - k, trials - n
        low, high = rate_interval(k, n, level)
        direction = None
        if g in flagged_at and alike_n:
            direction = "higher" if k / n > alike_k / alike_n else "lower"
        rows.append(
            {
                "group": g,
                "events": k,
                "trials": n,
                "rate": k / n,
                "low": low,
                "high": high,
                "rate_elsewhere": rest_k / rest_n if rest_n else None,
                "p_value": p,
                "p_adjusted": p_adj,
                "test": method,
                "flagged": g in flagged_at,
                "direction": direction,
            }
        )
    return {
        "overall_rate": events / trials if trials else None,
        "chi2": stat,
        "df": df,
        "p_value": p_all,
        "alpha": alpha,
        "steps": steps,
        "rate_among_alike": alike_k / alike_n if alike_n else None,
        "groups": rows,
        "flagged": [g for g in sorted(flagged_at, key=flagged_at.__getitem__)],
    }


def _rates(
    apps: Sequence[ApplicationRecord], group_of: Callable[[ApplicationRecord], str], alpha: float
) -> dict[str, Any]:
    hits: dict[str, list[int]] = {}
    referrals: dict[str, list[int]] = {}
    exclusions: dict[str, list[int]] = {}
    for a in apps:
        group = group_of(a)
        for table, event, counted in (
            (hits, a.has_hit, True),
            (referrals, a.referred, True),
            (exclusions, a.excluded, a.decided),
        ):
            if counted:
                cell = table.setdefault(group, [0, 0])
                cell[0] += int(event)
                cell[1] += 1
    return {
        name: disparity({g: (k, n) for g, (k, n) in table.items()}, alpha=alpha)
        for name, table in (("hit", hits), ("referral", referrals), ("exclusion", exclusions))
    }


def by_campaign(apps: Sequence[ApplicationRecord], *, alpha: float = 0.05) -> dict[str, Any]:
    """Hit, referral and exclusion rates by source campaign (exclusions among decided only)."""
    return _rates(apps, lambda a: a.source, alpha)


UNKNOWN_AREA = "(no postcode)"
SMALL_AREAS = "(areas with few applications)"


def by_region(
    apps: Sequence[ApplicationRecord], *, alpha: float = 0.05, min_size: int = 30
) -> dict[str, Any]:
    """The same rates by postcode area ("S" Sheffield, "LS" Leeds); areas with fewer than
    `min_size` applications are pooled so the test is not run on handfuls."""
    area = {a.id: _area(a.postcode) for a in apps}
    sizes = Counter(area.values())
    return _rates(
        apps, lambda a: area[a.id] if sizes[area[a.id]] >= min_size else SMALL_AREAS, alpha
    )


def _area(postcode: str | None) -> str:
    parsed = parse_postcode(postcode)
    return parsed.area if parsed and parsed.area else UNKNOWN_AREA


def by_reviewer(cases: Sequence[CaseRecord], *, alpha: float = 0.05) -> dict[str, Any]:
    """Adverse-outcome rate among the cases each reviewer decided."""
    table: dict[str, list[int]] = {}
    for c in cases:
        if c.adverse is None or c.reviewer is None:
            continue
        cell = table.setdefault(c.reviewer, [0, 0])
        cell[0] += int(c.adverse)
        cell[1] += 1
    return {"exclusion": disparity({g: (k, n) for g, (k, n) in table.items()}, alpha=alpha)}

"""Surge, coordinated sign-ups and capacity on small fixtures whose answers are known."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from vetline.oversight.capacity import capacity
from vetline.oversight.coordination import clusters
from vetline.oversight.records import ApplicationRecord, CaseRecord
from vetline.oversight.surge import surge

T0 = datetime(2016, 6, 1, tzinfo=UTC)


def _quiet_then_spikes(seed: int = 1) -> list[ApplicationRecord]:
    rng = random.Random(seed)
    apps: list[ApplicationRecord] = []
    for day in range(30):
        n = rng.randint(18, 26)
        extra = 300 if day in (12, 13) else 0
        for i in range(n + extra):
            source = "Flood" if i >= n else rng.choice(["direct", "website"])
            at = T0 + timedelta(days=day, seconds=rng.randint(0, 86_399))
            apps.append(ApplicationRecord(id=len(apps) + 1, applied_at=at, source=source))
    return apps


def test_surge_flags_the_spikes_only_and_attributes_them() -> None:
    result = surge(_quiet_then_spikes())
    assert result["unit"] == "day"  # 30 days of record: daily bins
    flagged = [b["start"] for b in result["bins"] if b["flagged"]]
    assert flagged == ["2016-06-13", "2016-06-14"]
    assert result["bursts"] == [
        {
            "start": "2016-06-13",
            "end": "2016-06-15",
            "periods": 2,
            "applications": result["applications_in_flagged_bins"],
            "expected": result["baseline"]["median"] * 2,
            "top_source": "Flood",
        }
    ]
    assert 18 <= result["baseline"]["median"] <= 26
    assert result["baseline"]["upper_bound"] < 60
    flood = next(s for s in result["sources"] if s["source"] == "Flood")
    assert flood["in_flagged_periods"] == 600 and flood["share_of_excess"] > 0.9
    assert abs(sum(s["share_of_excess"] for s in result["sources"]) - 1.0) < 1e-3
    assert all(b["top_source"] == "Flood" for b in result["bins"] if b["flagged"])


def test_surge_quiet_period_given_explicitly() -> None:
    result = surge(_quiet_then_spikes(), baseline_until=date(2016, 6, 10))
    assert result["baseline"]["periods"] == 10
    assert result["flagged_bins"] == 2


def test_short_record_is_binned_by_hour() -> None:
    rng = random.Random(3)
    apps = []
    for hour in range(24 * 5):
        n = rng.randint(2, 6) + (120 if hour in (50, 51) else 0)
        for _ in range(n):
            at = T0 + timedelta(hours=hour, seconds=rng.randint(0, 3599))
            apps.append(ApplicationRecord(id=len(apps) + 1, applied_at=at, source="x"))
    result = surge(apps)
    assert result["unit"] == "hour"
    assert [(b["start"], b["end"]) for b in result["bursts"]] == [
        ("2016-06-03 02:00", "2016-06-03 04:00")
    ]
    assert surge(apps, resolution="day")["unit"] == "day"


def _app(i: int, hours: float, **kw: object) -> ApplicationRecord:
    return ApplicationRecord(id=i, applied_at=T0 + timedelta(hours=hours), **kw)  # type: ignore[arg-type]


def test_coordinated_cluster_found_with_its_evidence() -> None:
    apps = [
        # a ring: one card pays for four sign-ups within a day; two also share a phone
        _app(1, 0, payment_ref="card-9", source="Flood", phone="07700 900123"),
        _app(2, 3, payment_ref="card-9", source="Flood", phone="+44 7700 900123"),
        _app(3, 9, payment_ref="card-9", source="Flood"),
        _app(4, 20, payment_ref="card-9", source="direct"),
        # the same card three weeks later: outside the window, not linked
        _app(5, 24 * 21, payment_ref="card-9"),
        # a household: three people at one address
        _app(6, 1, address="1 High St", postcode="s11 8ye"),
        _app(7, 2, address="1 High Street".replace("Street", "St"), postcode="S118YE"),
        _app(8, 5, address="1, High St.", postcode="S11 8YE"),
        # a couple sharing an email: only two, below the minimum size
        _app(9, 1, email="Couple@Example.org"),
        _app(10, 2, email="couple@example.org "),
    ]
    leads = clusters(apps)
    assert [lead["application_ids"] for lead in leads] == [[1, 2, 3, 4], [6, 7, 8]]
    ring, household = leads
    assert ring["shared"] == {"payment_ref": 3, "phone": 1}
    assert ring["sources"] == {"Flood": 3, "direct": 1}
    assert ring["span_hours"] == 20.0 and not ring["address_only"]
    assert household["address_only"] and household["lead"] == 2
    pairs = clusters(apps, min_size=2)
    assert [9, 10] in [lead["application_ids"] for lead in pairs]
    couple = next(lead for lead in pairs if lead["application_ids"] == [9, 10])
    assert couple["shared"] == {"email": 1}
    # a three-hour window splits the ring (2 and 3 are 6 h apart) but keeps the household
    assert [lead["application_ids"] for lead in clusters(apps, window=timedelta(hours=3))] == [
        [6, 7, 8]
    ]


def test_coordination_window_cuts_chains() -> None:
    apps = [_app(i, 10 * i, payment_ref="same") for i in range(1, 5)]  # every 10 hours
    assert clusters(apps, window=timedelta(hours=10))[0]["application_ids"] == [1, 2, 3, 4]
    assert clusters(apps, window=timedelta(hours=9)) == []


def _case(
    i: int,
    opened_day: float,
    closed_day: float | None,
    who: str | None = None,
    track: str = "conduct",
) -> CaseRecord:
    closed = T0 + timedelta(days=closed_day) if closed_day is not None else None
    return CaseRecord(
        id=i,
        track=track,
        opened_at=T0 + timedelta(days=opened_day),
        closed_at=closed,
        reviewer=who,
        adverse=False if closed else None,
    )


def test_capacity_by_hand() -> None:
    as_of = T0 + timedelta(days=10)
    cases = [_case(i, 1, 4 + i % 5, "ann" if i % 2 else "bob") for i in range(14)]  # closed d4-8
    cases += [_case(100 + i, 5, None, track="administrative") for i in range(7)]  # inflow 7/week
    cases += [_case(200 + i, 2, None) for i in range(21)]
    # fix-it notices out: the applicant's move, not reviewer work (nor reviewer inflow)
    cases += [
        CaseRecord(300 + i, "administrative", T0 + timedelta(days=9), awaiting_applicant=True)
        for i in range(5)
    ]
    result = capacity(cases, as_of=as_of, freeze_date=date(2016, 6, 25), window_days=7)
    # window (d3, d10]: 14 closed (2/day), 7 opened (1/day); 28 open for a reviewer
    assert result["backlog"] == {
        "total": 33,
        "by_track": {"administrative": 12, "conduct": 21},
        "needs_reviewer": 28,
        "awaiting_applicant": 5,
    }
    assert result["throughput_per_day"] == 2.0 and result["inflow_per_day"] == 1.0
    assert result["active_reviewers"] == 2 and result["per_reviewer_per_day"] == 1.0
    assert result["clears_on_if_no_new_cases"] == "2016-06-25"  # 28 / 2 = 14 days after 06-11
    assert result["clears_on_at_net_rate"] == "2016-07-09"  # 28 / (2 - 1) = 28 days
    assert result["days_until_freeze"] == 14 and not result["clears_before_freeze"]
    # (28 open + 1/day x 14 days arriving) / (1 per reviewer per day x 14 days) = 3 reviewers
    assert result["reviewers_needed"] == 3
    assert result["history"][-1]["open"] == 33


def test_capacity_with_nothing_closed_cannot_estimate() -> None:
    result = capacity(
        [_case(1, 0, None)], as_of=T0 + timedelta(days=3), freeze_date=date(2016, 7, 1)
    )
    assert result["clears_on_at_net_rate"] is None and result["reviewers_needed"] is None


def test_shared_mailbox_and_rare_domain_link_but_common_ones_do_not() -> None:
    plus = [_app(i, i * 0.1, email=f"j.smith+{i}@gmail.com") for i in range(1, 4)]
    rare = [_app(i, i * 0.1, email=f"p{i}@swiftmail.co.uk") for i in range(10, 13)]
    common = [_app(i, i * 0.1, email=f"p{i}@hotmail.co.uk") for i in range(20, 23)]
    # an employer's domain used by many: no link at all
    busy = [_app(i, i * 0.01, email=f"p{i}@bigemployer.example") for i in range(30, 60)]
    leads = clusters(plus + rare + common + busy)
    assert [(lead["application_ids"], lead["shared"]) for lead in leads] == [
        ([1, 2, 3], {"email": 2}),
        ([10, 11, 12], {"email_domain": 2}),
    ]


def test_bursts_bridge_a_single_quiet_period() -> None:
    apps = []
    for day in range(30):
        n = 20 + (200 if day in (10, 12, 20) else 0)
        for i in range(n):
            at = T0 + timedelta(days=day, minutes=i)
            apps.append(ApplicationRecord(id=len(apps) + 1, applied_at=at, source="x"))
    bursts = surge(apps)["bursts"]
    assert [(b["start"], b["end"], b["applications"]) for b in bursts] == [
        ("2016-06-11", "2016-06-14", 3 * 20 + 2 * 200),  # 11 and 13 flagged, 12 bridged
        ("2016-06-21", "2016-06-22", 220),
    ]


def test_figures_can_be_computed_by_section() -> None:
    import pytest

    from vetline.oversight import compute_figures

    apps = _quiet_then_spikes()
    some = compute_figures(apps, [], sections=("surge", "capacity"))
    assert {"surge", "capacity", "freeze_date_assumed"} <= set(some)
    assert "coordination" not in some and "fairness" not in some
    assert some["surge"] == compute_figures(apps, [])["surge"]
    with pytest.raises(ValueError, match="unknown sections"):
        compute_figures(apps, [], sections=("surge", "gossip"))

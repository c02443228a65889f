"""Properties of the calendar arithmetic the franchise rests on (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from vetline.ballot import Person, parse_rules
from vetline.ballot.electorate import age_on, evaluate, months_before

days = st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 12, 31))


@given(days, st.integers(min_value=0, max_value=240))
def test_months_before_is_earlier_and_keeps_the_day_when_it_can(day: date, months: int) -> None:
    earlier = months_before(day, months)
    assert earlier <= day
    assert (day.year * 12 + day.month) - (earlier.year * 12 + earlier.month) == months
    if earlier.day != day.day:  # clamped: only ever to the last day of a shorter month
        assert earlier.day < day.day
        assert (earlier + timedelta(days=1)).month != earlier.month


@given(days, days)
def test_age_is_whole_years_and_never_negative_after_birth(dob: date, on: date) -> None:
    if on < dob:
        return
    years = age_on(dob, on)
    assert years >= 0
    assert years in (on.year - dob.year, on.year - dob.year - 1)


@given(
    joined=days,
    at=days,
    tenure=st.integers(min_value=0, max_value=400),
)
def test_tenure_rule_is_a_cut_off_in_days(joined: date, at: date, tenure: int) -> None:
    rules = parse_rules(
        {"name": "t", "categories": {"member": {"minimum_tenure": {"days": tenure}}}}
    )
    person = Person(
        kind="member",
        id="x",
        category="member",
        joined_at=datetime.combine(joined, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12),
        status="current",
    )
    verdict = evaluate(person, rules, at)
    if joined > at:
        assert verdict.reason == "not_yet_joined"
    else:
        assert (verdict.eligible == "yes") == ((at - joined).days >= tenure)

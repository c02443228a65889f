"""Cell parsers and the name splitter: properties over generated input (hypothesis)."""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vetline.intake import values as v
from vetline.intake.names import split_full_name
from vetline.intake.rows import PersonRow

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31))


@given(dates)
def test_iso_and_uk_dates_read_the_same_day(d: date) -> None:
    assert v.parse_date(d.isoformat()) == d
    assert v.parse_date(f"{d.day:02d}/{d.month:02d}/{d.year}") == d
    assert v.parse_date(f"{d.day}/{d.month}/{d.year}") == d


@pytest.mark.parametrize(
    "bad", ["31/02/1990", "2019-02-29", "1990-13-01", "12-03-1990", "03/12/90"]
)
def test_impossible_or_ambiguous_dates_are_rejected_quoting_the_value(bad: str) -> None:
    with pytest.raises(ValueError, match=f"'{bad}' is not a date"):
        v.parse_date(bad)


def test_birth_dates_in_the_future_are_rejected() -> None:
    with pytest.raises(ValueError, match="in the future"):
        v.parse_birth_date("2031-01-01", today=date(2026, 1, 1))
    assert v.parse_birth_date("29/02/2000") == date(2000, 2, 29)


@given(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1)),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_timestamps_with_an_offset_keep_their_instant_in_utc(naive: datetime, minutes: int) -> None:
    aware = naive.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=minutes)))
    got = v.parse_timestamp(aware.isoformat())
    assert got == aware
    assert got.tzinfo == UTC


def test_naive_timestamps_are_uk_local_time_and_bare_dates_midnight_utc() -> None:
    assert v.parse_timestamp("2016-07-12T09:30:00") == datetime(2016, 7, 12, 8, 30, tzinfo=UTC)
    assert v.parse_timestamp("2016-01-12 09:30") == datetime(2016, 1, 12, 9, 30, tzinfo=UTC)
    assert v.parse_timestamp("2016-07-12T09:30:00Z") == datetime(2016, 7, 12, 9, 30, tzinfo=UTC)
    assert v.parse_timestamp("2016-07-12") == datetime(2016, 7, 12, tzinfo=UTC)
    with pytest.raises(ValueError, match="is not a date-time"):
        v.parse_timestamp("12/07/2016 9am")


postcodes = st.from_regex(r"[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}", fullmatch=True)
emails = st.emails()


@given(
    postcodes,
    emails,
    st.text(min_size=1, max_size=60).filter(lambda s: s.strip() and "\x00" not in s),
)
def test_person_values_are_stored_exactly_as_given(postcode: str, email: str, name: str) -> None:
    row = PersonRow.model_validate(
        {"id": "1", "first_name": name, "postcode": postcode, "email": email}
    )
    assert (row.first_name, row.postcode, row.email) == (name, postcode, email)


@pytest.mark.parametrize(
    ("field", "value"),
    [("postcode", "S1 1AA!"), ("email", "no-at-sign"), ("phone", "call me"), ("email", "a@b@c")],
)
def test_malformed_contact_values_are_rejected(field: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"{value!r} is not"):
        PersonRow.model_validate({"id": "1", "last_name": "X", field: value})


@pytest.mark.parametrize(
    ("full", "first", "last"),
    [
        ("Roger Noel Davison", "Roger Noel", "Davison"),
        ("Emma Michelle Muddiman-Rawlins", "Emma Michelle", "Muddiman-Rawlins"),
        ("Vincent van Gogh", "Vincent", "van Gogh"),
        ("Maria De La Cruz", "Maria", "De La Cruz"),
        ("Seán O'Brien", "Seán", "O'Brien"),
        ("John Smith Jr", "John", "Smith Jr"),
        ("Nguyễn Văn An", "Nguyễn Văn", "An"),
        ("Madonna", None, "Madonna"),
        ("Le Tran", "Le", "Tran"),
    ],
)
def test_full_names_split_at_the_surname(full: str, first: str | None, last: str) -> None:
    assert split_full_name(full) == (first, last)


@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_categories=["Z", "C"]), min_size=1),
        min_size=2,
        max_size=6,
    )
)
def test_the_split_is_a_slice_of_the_original(words: list[str]) -> None:
    full = "  ".join(words)
    first, last = split_full_name(full)
    assert last is not None and full.endswith(last)
    assert first is not None and full.startswith(first)
    assert full[len(first) :].strip() == last


def test_excel_uk_display_forms_and_unpadded_iso_are_read() -> None:
    assert v.parse_date("2020-1-5") == date(2020, 1, 5)
    assert v.parse_timestamp("12/07/2016 09:30") == datetime(2016, 7, 12, 8, 30, tzinfo=UTC)
    assert v.parse_timestamp("12/01/2016 09:30:15") == datetime(2016, 1, 12, 9, 30, 15, tzinfo=UTC)
    assert v.parse_timestamp("12/07/2016") == datetime(2016, 7, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "bad", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "31/02/2016 10:00"]
)
def test_absurd_timestamps_are_errors_not_crashes(bad: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"'{bad}' is not")):
        v.parse_timestamp(bad)


@given(st.text(max_size=30))
def test_parsers_raise_only_value_error(text: str) -> None:
    for parse in (
        v.parse_date,
        v.parse_timestamp,
        v.parse_birth_date,
        v.check_postcode,
        v.check_email,
        v.check_phone,
    ):
        with suppress(ValueError):
            parse(text)


@pytest.mark.parametrize("pan", ["4111111111111111", "4111 1111 1111 1111", "5500-0000-0000-0004"])
def test_a_card_number_is_never_accepted_as_payment_ref(pan: str) -> None:
    with pytest.raises(ValueError, match="looks like a card number"):
        v.check_payment_ref(pan)


@pytest.mark.parametrize(
    "ref", ["pm_2badd96836bbbfa8", "4111111111111112", "07700 900123", "12345"]
)
def test_payment_fingerprints_are_kept(ref: str) -> None:
    assert v.check_payment_ref(ref) == ref


def test_excel_mangled_phone_numbers_get_a_helpful_message() -> None:
    with pytest.raises(ValueError, match="Excel's scientific notation"):
        v.check_phone("7.7009E+09")
    assert v.check_phone("+44 (0)114 496 0000") == "+44 (0)114 496 0000"

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vetline.people import (
    day_month_swapped,
    house_number,
    normalise_address,
    normalise_email,
    normalise_phone,
    parse_date,
    parse_postcode,
)
from vetline.people.addresses import address_key


def test_dates_iso_uk_and_swap() -> None:
    assert parse_date("1980-02-01") == dt.date(1980, 2, 1)
    assert parse_date("01/02/1980") == dt.date(1980, 2, 1)
    assert parse_date(dt.datetime(1980, 2, 1, 10)) == dt.date(1980, 2, 1)
    assert parse_date("") is None and parse_date(None) is None
    with pytest.raises(ValueError, match="not a date"):
        parse_date("1st Feb")
    with pytest.raises(ValueError):
        parse_date("1980-02-30")
    assert day_month_swapped(dt.date(1980, 2, 1), dt.date(1980, 1, 2))
    assert not day_month_swapped(dt.date(1980, 2, 2), dt.date(1980, 2, 2))


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)))
def test_date_round_trips_both_formats(d: dt.date) -> None:
    assert parse_date(d.isoformat()) == d
    assert parse_date(d.strftime("%d/%m/%Y")) == d
    if d.day <= 12 and d.day != d.month:
        assert day_month_swapped(d, dt.date(d.year, d.day, d.month))


def test_postcode_parts() -> None:
    p = parse_postcode(" s118ye ")
    assert p is not None
    assert (p.full, p.sector, p.district, p.area) == ("S11 8YE", "S11 8", "S11", "S")
    p = parse_postcode("ec1a 1bb")
    assert p is not None and (p.full, p.district, p.area) == ("EC1A 1BB", "EC1A", "EC")
    assert parse_postcode("") is None
    odd = parse_postcode("not a postcode")
    assert odd is not None and odd.sector == "" and odd.full == "NOTAPOSTCODE"


@given(
    st.from_regex(r"[A-Z]{1,2}[0-9][0-9A-Z]?", fullmatch=True),
    st.from_regex(r"[0-9][A-Z]{2}", fullmatch=True),
    st.sampled_from(["", " ", "  "]),
    st.booleans(),
)
def test_postcode_any_spacing_and_case(outward: str, inward: str, sep: str, lower: bool) -> None:
    raw = outward + sep + inward
    p = parse_postcode(raw.lower() if lower else raw)
    assert p is not None
    assert p.full == f"{outward} {inward}"
    assert p.district == outward and p.sector == f"{outward} {inward[0]}"
    assert p.full.startswith(p.sector) and p.sector.startswith(p.district)
    assert p.district.startswith(p.area)


def test_emails_provider_rules() -> None:
    assert normalise_email("J.Smith+party@GoogleMail.com") == "jsmith@gmail.com"
    assert normalise_email("j.smith+x@outlook.com") == "j.smith@outlook.com"
    assert normalise_email("j.smith+x@example.org") == "j.smith+x@example.org"
    assert normalise_email("nonsense") == ""


@given(st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,8}){0,2}", fullmatch=True), st.text("abc", max_size=5))
def test_gmail_dots_and_tags_ignored(local: str, tag: str) -> None:
    plain = normalise_email(f"{local.replace('.', '')}@gmail.com")
    assert normalise_email(f"{local.upper()}+{tag}@gmail.com") == plain
    assert normalise_email(normalise_email(f"{local}@gmail.com")) == plain


def test_phones() -> None:
    for raw in ("+44 (0)7700 900123", "07700 900123", "0044 7700 900123", "+447700900123"):
        assert normalise_phone(raw) == "07700900123"
    assert normalise_phone("0114 123 4567") == "01141234567"
    assert normalise_phone("123") == ""


@given(
    st.from_regex(r"7[0-9]{9}", fullmatch=True), st.sampled_from(["+44 ", "0", "0044", "+44(0)"])
)
def test_phone_prefixes_agree(number: str, prefix: str) -> None:
    spaced = f"{number[:4]} {number[4:]}"
    assert normalise_phone(prefix + spaced) == "0" + number


def test_addresses() -> None:
    assert normalise_address("12, High Street") == normalise_address("12 high st")
    assert house_number(normalise_address("Flat 3, 12 High Road")) == "12"
    assert house_number("high st") == ""
    a = address_key(normalise_address("Flat 5, 49 Parry Road, Sheffield"))
    assert a == address_key(normalise_address("49 parry rd")) == "49 parry"
    assert address_key("ivy cottage") == ""

"""Pinned examples for every comparison level (DuckDB engine)."""

from __future__ import annotations

import pandas as pd
import pytest

from vetline.matching.comparisons import FIELDS
from vetline.matching.engines import compare_levels
from vetline.matching.features import build_features

BASE = {
    "first_name": "Robert",
    "last_name": "Smith",
    "date_of_birth": "1980-02-01",
    "postcode": "S11 8YE",
    "address": "12 High Street",
    "email": "rob.smith@gmail.com",
    "phone": "07700 900123",
}
# a name that differs outright, with no date of birth to vouch for the same person
DIFFERENT_DOB = "different, date of birth not the same"


def level(field: str, **changes: object) -> str:
    left = pd.DataFrame([{"id": "l", **BASE}])
    right = pd.DataFrame([{"id": "r", **{**BASE, **changes}}])
    levels = compare_levels(build_features(left), build_features(right))
    assert len(levels) == 1, "the pair must survive blocking"
    f = next(f for f in FIELDS if f.name == field)
    return f.levels[int(levels[field].iloc[0])]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "exact"),
        ({"first_name": "ROBERT"}, "exact"),
        ({"first_name": "Bob"}, "nickname"),
        ({"first_name": "Robret"}, "typo"),
        ({"first_name": "R."}, "initial agrees"),
        ({"first_name": "Roberto"}, "typo"),
        ({"first_name": "Roger"}, "similar"),
        ({"first_name": "Mary"}, "different"),
        ({"first_name": "Mary", "date_of_birth": "1980-01-02"}, "different"),
        ({"first_name": "Mary", "date_of_birth": None}, DIFFERENT_DOB),
        ({"first_name": "Mary", "date_of_birth": "1950-02-01"}, DIFFERENT_DOB),
        ({"first_name": None}, "missing"),
        ({"first_name": "Smith", "last_name": "Robert"}, "swapped with last name"),
    ],
)
def test_first_name_levels(changes: dict[str, object], expected: str) -> None:
    assert level("first_name", **changes) == expected


def test_middle_name_level() -> None:
    left = pd.DataFrame([{"id": "l", **BASE, "first_name": "James Robert"}])
    right = pd.DataFrame([{"id": "r", **BASE}])
    levels = compare_levels(build_features(left), build_features(right))
    assert FIELDS[0].levels[int(levels["first_name"].iloc[0])] == "middle name"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"last_name": "smith"}, "exact"),
        ({"last_name": "Smith-Jones"}, "shares a part"),
        ({"last_name": "Smiht"}, "typo"),
        ({"last_name": "Smithson"}, "typo"),
        ({"last_name": "Smythe"}, "similar"),
        ({"last_name": "Okafor"}, "different"),
        ({"last_name": "Okafor", "date_of_birth": None}, DIFFERENT_DOB),
        ({"last_name": ""}, "missing"),
    ],
)
def test_last_name_levels(changes: dict[str, object], expected: str) -> None:
    assert level("last_name", **changes) == expected


@pytest.mark.parametrize(
    ("dob", "expected"),
    [
        ("01/02/1980", "exact"),
        ("1980-01-02", "day/month swapped"),
        ("1980-02-11", "two of day, month, year agree"),
        ("1981-02-11", "one or two digits differ"),  # year and day: one digit each
        ("1981-12-01", "one or two digits differ"),  # year and month: one digit each
        ("1975-06-30", "different"),
        ("1950-02-10", "different"),  # a generation older: three digits
        (None, "missing"),
    ],
)
def test_date_of_birth_levels(dob: object, expected: str) -> None:
    assert level("date_of_birth", date_of_birth=dob) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"address": "12 high st", "postcode": "s118ye"}, "same address and postcode"),
        ({"postcode": "S11 8YF"}, "same address, postcode differs"),
        ({"address": None}, "same postcode, address not given"),
        ({"address": "14 High Street"}, "same postcode, different address"),
        ({"address": "21 High Street", "postcode": "S11 9ZZ"}, "similar address, other postcode"),
        ({"address": "1 Other Road", "postcode": "S11 8ZZ"}, "same postcode sector only"),
        ({"address": "1 Other Road", "postcode": "S11 9ZZ"}, "same postcode district only"),
        ({"address": "1 Other Road", "postcode": "S10 2TN"}, "same postcode area only"),
        ({"address": "1 Other Road", "postcode": "LS1 1AA"}, "different"),
        ({"address": None, "postcode": None}, "missing"),
    ],
)
def test_address_levels(changes: dict[str, object], expected: str) -> None:
    assert level("address", **changes) == expected


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("Rob.Smith+news@gmail.com", "exact"),
        ("rsmith80@yahoo.co.uk", "different"),
        ("rob.smith@hotmail.com", "different"),
        ("robsmith@hotmail.com", "same mailbox name, other provider"),
        (None, "missing"),
    ],
)
def test_email_levels(email: object, expected: str) -> None:
    assert level("email", email=email) == expected


@pytest.mark.parametrize(
    ("phone", "expected"),
    [("+44 7700 900123", "exact"), ("07700 900999", "different"), (None, "missing")],
)
def test_phone_levels(phone: object, expected: str) -> None:
    assert level("phone", phone=phone) == expected

"""The Python mirror of the level SQL (vetline.matching.pair_levels) gives DuckDB's codes.

The SQL in vetline.matching.comparisons is the source of truth; the single-applicant path
evaluates it in Python for a handful of pairs. These properties compare the two on random
and hard pairs: nicknames, swapped names, typos, empty fields, accents, multi-part surnames,
day/month swaps, shared postcodes and addresses, e-mail and phone variants.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vetline.matching.comparisons import FIELDS
from vetline.matching.lookup import _connection, applicant_features, feature_schema
from vetline.matching.pair_levels import levels_frame, levels_of, pair_levels, usable

FIRST = [
    "Robert", "Bob", "Rob", "Bobby", "Roberto", "Robret", "R", "R.", "Elizabeth", "Liz",
    "Beth", "Betty", "Ann", "Anne", "Anna", "Ann Marie", "Mary Ann", "Mary", "Marie",
    "Zoë", "Zoe", "José", "Jose", "Siân", "Sian", "Łukasz", "Lukasz", "Jean-Luc", "Jean",
    "Chidi", "Chidiebere", "Iolo", "William", "Bill", "Will", "Liam", "Smith", "Jones",
    "J", "J. R.", "Dwayne", "Duane", "Martha", "Marhta", "Jon", "John", "Johnny", "",
]  # fmt: skip
LAST = [
    "Smith", "Smyth", "Smith-Jones", "Jones", "Jones-Hall", "Hall", "O'Neill", "ONeill",
    "O Neill", "van der Berg", "Vanderberg", "Berg", "Müller", "Muller", "Mueller",
    "García Lorca", "Garcia", "Lorca", "Okafor", "Okafour", "Nowak", "Novak", "Davies",
    "Davis", "Robert", "Ann", "Bob", "Johnson", "Johnston", "Ní Bhriain", "Ni Bhriain", "",
]  # fmt: skip
POSTCODE = ["S11 8YE", "s118ye", "S11 8YF", "S11 9AA", "S12 1AB", "LS1 1AA", "SW1A 1AA", ""]
ADDRESS = [
    "12 High Street", "12 High St", "12 High St, Sheffield", "Flat 5, 49 Parry Road",
    "49 Parry Rd", "49 Pary Road", "30 School Grove", "30 School Grove, Sheffield",
    "1 Park Road", "1 Park Rd", "3 Rue de l'Église", "3 Rue de l'Eglise", "",
]  # fmt: skip
EMAIL = [
    "ann@example.org", "ann@other.com", "ann.smith@example.org", "Ann@Example.org",
    "bob@x.org", "rob.smith@gmail.com", "robsmith@gmail.com", "@odd", "noatsign", "",
]  # fmt: skip
PHONE = ["07700 900123", "+44 7700 900123", "07700 900124", "0114 496 0000", ""]


def _typo(word: str, data: st.DataObject) -> str:
    if len(word) < 2:
        return word
    i = data.draw(st.integers(0, len(word) - 2))
    kind = data.draw(st.sampled_from(["swap", "drop", "double", "replace"]))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[: i + 1] + word[i:]
    return word[:i] + data.draw(st.sampled_from("aeiouxyz")) + word[i + 1 :]


def _dob(data: st.DataObject) -> str | None:
    if data.draw(st.booleans()):
        return None
    y = data.draw(st.sampled_from([1950, 1980, 1981, 2001]))
    m = data.draw(st.integers(1, 12))
    d = data.draw(st.sampled_from([1, 2, 11, 12, 28]))
    return f"{y}-{m:02d}-{d:02d}"


def _person(data: st.DataObject) -> dict[str, Any]:
    return {
        "first_name": data.draw(st.sampled_from(FIRST)),
        "last_name": data.draw(st.sampled_from(LAST)),
        "date_of_birth": _dob(data),
        "postcode": data.draw(st.sampled_from(POSTCODE)),
        "address": data.draw(st.sampled_from(ADDRESS)),
        "email": data.draw(st.sampled_from(EMAIL)),
        "phone": data.draw(st.sampled_from(PHONE)),
    }


def _variant(base: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """A record near `base`: a few fields changed, typed wrongly, swapped or emptied."""
    out = dict(base)
    for field in data.draw(st.sets(st.sampled_from(sorted(base)), max_size=3)):
        how = data.draw(st.sampled_from(["other", "typo", "empty", "upper"]))
        value = out[field]
        if how == "empty":
            out[field] = data.draw(st.sampled_from([None, ""]))
        elif how == "typo" and isinstance(value, str) and field != "date_of_birth":
            out[field] = _typo(value, data)
        elif how == "upper" and isinstance(value, str):
            out[field] = value.upper()
        else:
            out[field] = _person(data)[field]
    if data.draw(st.integers(0, 9)) == 0:
        out["first_name"], out["last_name"] = out["last_name"], out["first_name"]
    if out["date_of_birth"] and data.draw(st.integers(0, 4)) == 0:  # digits typed wrongly
        out["date_of_birth"] = _digit_typo(out["date_of_birth"], data)
    if out["date_of_birth"] and data.draw(st.integers(0, 9)) == 0:  # day and month swapped
        y, m, d = out["date_of_birth"].split("-")
        if int(d) <= 12:
            out["date_of_birth"] = f"{y}-{d}-{m}"
    return out


def _digit_typo(date: str, data: st.DataObject) -> str:
    """`date` (YYYY-MM-DD) with one to three of its eight digits replaced, if still a date."""
    digits = list(date.replace("-", ""))
    for i in data.draw(st.sets(st.integers(0, 7), min_size=1, max_size=3)):
        digits[i] = data.draw(st.sampled_from("0123456789"))
    y, m, d = int("".join(digits[:4])), int("".join(digits[4:6])), int("".join(digits[6:]))
    try:
        return dt.date(y, m, d).isoformat() if y >= 1900 else date
    except ValueError:
        return date


def _sql_levels(left: dict[str, Any], rights: list[dict[str, Any]], prefilter: bool) -> Any:
    from vetline.matching.engine_duckdb import levels_query

    schema = feature_schema()
    con = _connection()
    n = len(rights)
    rows = [{**r, "idx": i} for i, r in enumerate(rights)]
    con.register("L", pa.Table.from_pylist([left], schema=schema))
    con.register("R", pa.Table.from_pylist(rows, schema=schema))
    con.register(
        "pairs", pa.table({"l": np.zeros(n, dtype=np.int64), "r": np.arange(n, dtype=np.int64)})
    )
    try:
        return con.execute(levels_query(prefilter=prefilter)).df()
    finally:
        for name in ("L", "R", "pairs"):
            con.unregister(name)


def _assert_same(left: dict[str, Any], rights: list[dict[str, Any]]) -> None:
    assert usable(rights)
    for prefilter in (False, True):
        sql = _sql_levels(left, rights, prefilter).sort_values("r", ignore_index=True)
        py = levels_frame(left, rights, prefilter=prefilter)
        columns = ["l", "r", *(f.name for f in FIELDS), "r_name_n", "r_compete"]
        assert list(sql.columns) == columns
        assert list(py.columns) == columns
        got = py.astype({f.name: "int64" for f in FIELDS}).to_dict("records")
        want = sql.astype({f.name: "int64" for f in FIELDS}).to_dict("records")
        assert got == want, (left, rights)
        # the codes computed beforehand (screen_single's early answer) give the same frame
        codes = [pair_levels(left, r) for r in rights]
        assert levels_of(left, rights) == codes, (left, rights)  # the applicant's values once
        given = levels_frame(left, rights, prefilter=prefilter, codes=codes)
        pd.testing.assert_frame_equal(given, py)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_python_levels_equal_the_sql_on_near_and_random_pairs(data: st.DataObject) -> None:
    base = _person(data)
    left = applicant_features(base)
    n = data.draw(st.integers(1, 6))
    records = [
        _variant(base, data) if data.draw(st.booleans()) else _person(data) for _ in range(n)
    ]
    rights = [applicant_features(r) for r in records]
    for r in rights:
        r["name_n"] = data.draw(st.integers(1, 40))
    _assert_same(left, rights)


@settings(max_examples=150, deadline=None)
@given(st.data(), st.dates(dt.date(1900, 1, 1), dt.date(2010, 12, 31)))
def test_python_date_of_birth_levels_equal_the_sql(data: st.DataObject, date: dt.date) -> None:
    """Every date-of-birth level, "one or two digits differ" and "different" included: a date
    against itself, a digit typo of it, its day/month swap and an arbitrary other date."""
    base = {"first_name": "Ann", "last_name": "Smith", "date_of_birth": date.isoformat()}
    other = data.draw(st.dates(dt.date(1900, 1, 1), dt.date(2010, 12, 31)))
    dates = [date.isoformat(), _digit_typo(date.isoformat(), data), other.isoformat()]
    if date.day <= 12:
        dates.append(f"{date.year}-{date.day:02d}-{date.month:02d}")
    rights = [applicant_features({**base, "date_of_birth": d}) for d in dates]
    _assert_same(applicant_features(base), rights)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "first_name": st.text(max_size=12),
                "last_name": st.text(max_size=12),
                "postcode": st.sampled_from(POSTCODE),
                "address": st.text(max_size=20),
                "email": st.text(max_size=12),
                "phone": st.text(alphabet="0123456789 +", max_size=14),
            }
        ),
        min_size=2,
        max_size=5,
    )
)
def test_python_levels_equal_the_sql_on_arbitrary_text(records: list[dict[str, Any]]) -> None:
    left, *rights = [applicant_features(r) for r in records]
    _assert_same(left, rights)


def test_python_levels_equal_the_sql_on_synthetic_people(tmp_path: Any) -> None:
    """Every applicant of a small synthetic surge against the members sharing its surname
    initial: the pairs blocking would and would not make."""
    from vetline.intake.frames import read_applicants_frame
    from vetline.synth import generate

    generate(tmp_path, members=300, applicants=120, days=2, seed=41)
    applicants = read_applicants_frame(tmp_path / "applications.csv")
    members = read_applicants_frame(tmp_path / "members.csv")
    people = [applicant_features(r) for r in members.to_dict("records")]
    for record in applicants.to_dict("records"):
        left = applicant_features(record)
        rights = [p for p in people if p["ln"][:1] == left["ln"][:1]][:60]
        if rights:
            _assert_same(left, rights)


def test_rows_with_null_features_are_left_to_the_sql() -> None:
    row = applicant_features({"first_name": "Ann"})
    assert usable([row])
    assert not usable([{**row, "pc": None}])


def test_screen_single_gives_the_same_hits_through_python_or_sql(
    tmp_path: Any, monkeypatch: Any
) -> None:
    """Above PYTHON_LEVELS_MAX_PAIRS the single-applicant path asks DuckDB; same hits."""
    from test_matching_index import APPLICANTS, REFERENCE, _rows
    from vetline.matching import lookup, single
    from vetline.matching.index import ReferenceIndex

    ReferenceIndex.build(REFERENCE, tmp_path / "idx").close()
    index = lookup.SingleIndex.load(tmp_path / "idx")
    others = APPLICANTS.iloc[1:].reset_index(drop=True)
    by_python = [
        [_rows(h) for h in single.screen_single(r, [index], others=others, threshold=0.0)]
        for r in APPLICANTS.to_dict("records")
    ]
    monkeypatch.setattr(single, "PYTHON_LEVELS_MAX_PAIRS", 0)
    by_sql = [
        [_rows(h) for h in single.screen_single(r, [index], others=others, threshold=0.0)]
        for r in APPLICANTS.to_dict("records")
    ]
    assert by_python == by_sql
    assert any(any(parts) for parts in by_python)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_levels_of_equal_pair_levels_row_by_row(data: st.DataObject) -> None:
    """`levels_of` (the left record's values read once) gives `pair_levels` of each pair."""
    base = _person(data)
    left = applicant_features(_variant(base, data) if data.draw(st.booleans()) else base)
    n = data.draw(st.integers(1, 8))
    rights = [
        applicant_features(_variant(base, data) if data.draw(st.booleans()) else _person(data))
        for _ in range(n)
    ]
    assert levels_of(left, rights) == [pair_levels(left, r) for r in rights]

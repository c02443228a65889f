"""Field comparisons: each field of a candidate pair falls into exactly one level.

A level is the unit of evidence: the model holds one weight per level, and the explanation
names the level ("first name: nickname Bob → Robert"). Levels are tested top to bottom; the
first that holds wins. Level 0 of every field is "missing" (weight 0: no evidence either way).

Address and postcode are compared *jointly* as one field, because they are not independent
evidence: a shared home makes both agree, and counting them twice is how other tools flag every
co-resident as the same person.

The SQL is written once with a few dialect placeholders so DuckDB and Spark run the same
comparisons: {jw}(a, b) Jaro-Winkler similarity, {dl}(a, b) Damerau-Levenshtein distance,
{has}(list, x) list membership, {overlap}(a, b) lists share an element, {all}(a, b) list a
holds every element of b.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """A compared field: its levels (index = level code) and the SQL that picks one."""

    name: str
    label: str
    levels: tuple[str, ...]
    sql: str


# A name that differs outright is weaker evidence against when the date of birth agrees (a form
# with a replaced name: the FEBRL kind of error) than when it is missing or differs too (a
# relative or neighbour: the UK household case). Splitting "different" on it lets the fit weigh
# the two apart instead of averaging UK households with FEBRL-style corruptions.
SAME_DOB = (
    "(l.dob_y IS NOT NULL AND r.dob_y IS NOT NULL AND l.dob_y = r.dob_y "
    "AND ((l.dob_m = r.dob_m AND l.dob_d = r.dob_d) OR (l.dob_m = r.dob_d AND l.dob_d = r.dob_m)))"
)
# The tests of a pair of names that depend on the two names alone (the folded name and its
# variants or parts), each level SQL's `{fn_nick}` … `{ln_sim}`. An engine may evaluate them
# once per distinct pair of names instead of once per pair of records (the DuckDB batch does:
# `engine_duckdb`, "name pairs"); `level_select` puts them in line otherwise.
NAME_PAIR_TESTS = {
    "fn_nick": "({has}(l.fn_keys, r.fn) OR {has}(r.fn_keys, l.fn))",
    "fn_typo": "({jw}(l.fn, r.fn) >= 0.92 "
    "OR (least(length(l.fn), length(r.fn)) >= 4 AND {dl}(l.fn, r.fn) <= 1))",
    "fn_sim": "({jw}(l.fn, r.fn) >= 0.8)",
    "ln_part": "({overlap}(l.ln_keys, r.ln_keys))",
    "ln_typo": "({jw}(l.ln, r.ln) >= 0.92 "
    "OR (least(length(l.ln), length(r.ln)) >= 5 AND {dl}(l.ln, r.ln) <= 1))",
    "ln_sim": "({jw}(l.ln, r.ln) >= 0.8)",
}
SWAPPED = "(l.fn <> '' AND l.ln <> '' AND l.fn <> l.ln AND l.fn = r.ln AND l.ln = r.fn)"

FIRST_NAME = Field(
    "first_name",
    "first name",
    (
        "missing",
        "swapped with last name",
        "exact",
        "exact, middle name on one side only",
        "exact, middle names differ",
        "nickname",
        "typo",
        "initial agrees",
        "middle name",
        "similar",
        "different",
        "different, date of birth not the same",
    ),
    f"""CASE
      WHEN l.fn = '' OR r.fn = '' THEN 0
      WHEN {SWAPPED} THEN 1
      WHEN l.fn = r.fn AND length(l.fn) > 1 AND l.fn_mid_init = r.fn_mid_init THEN 2
      WHEN l.fn = r.fn AND length(l.fn) > 1 AND (l.fn_mid_init = '' OR r.fn_mid_init = '')
           THEN 3
      WHEN l.fn = r.fn AND length(l.fn) > 1 THEN 4
      WHEN {{fn_nick}} THEN 5
      WHEN length(l.fn) > 1 AND length(r.fn) > 1 AND {{fn_typo}} THEN 6
      WHEN (length(l.fn) = 1 OR length(r.fn) = 1) AND l.fn_init = r.fn_init THEN 7
      WHEN {{has}}(r.fn_mid, l.fn) OR {{has}}(l.fn_mid, r.fn) THEN 8
      WHEN length(l.fn) > 1 AND length(r.fn) > 1 AND {{fn_sim}} THEN 9
      WHEN {SAME_DOB} THEN 10
      ELSE 11 END""",
)

LAST_NAME = Field(
    "last_name",
    "last name",
    (
        "missing",
        "swapped with first name",
        "exact",
        "shares a part",
        "typo",
        "similar",
        "different",
        "different, date of birth not the same",
    ),
    f"""CASE
      WHEN l.ln = '' OR r.ln = '' THEN 0
      WHEN {SWAPPED} THEN 1
      WHEN l.ln = r.ln THEN 2
      WHEN {{ln_part}} THEN 3
      WHEN {{ln_typo}} THEN 4
      WHEN {{ln_sim}} THEN 5
      WHEN {SAME_DOB} THEN 6
      ELSE 7 END""",
)

# The date of birth as the eight digits YYYYMMDD: how many of them differ. Written with
# arithmetic so DuckDB and Spark run it alike (floor of a division is exact at this size).
DOB_DIGITS = (
    ("dob_y", 1000),
    ("dob_y", 100),
    ("dob_y", 10),
    ("dob_y", 1),
    ("dob_m", 10),
    ("dob_m", 1),
    ("dob_d", 10),
    ("dob_d", 1),
)
_DIGITS_DIFFER = "\n            + ".join(
    f"CASE WHEN floor(l.{c} / {k}) % 10 <> floor(r.{c} / {k}) % 10 THEN 1 ELSE 0 END"
    for c, k in DOB_DIGITS
)

# "different" is split (model 1.3): a date with at most two of its eight digits wrong (a typo
# across day and month, or month and year: 1980-01-12 / 1981-01-13) from one that differs
# wholly (someone else's date: a father and son of one name, a namesake).
DATE_OF_BIRTH = Field(
    "date_of_birth",
    "date of birth",
    (
        "missing",
        "exact",
        "day/month swapped",
        "two of day, month, year agree",
        "one or two digits differ",
        "different",
    ),
    f"""CASE
      WHEN l.dob_y IS NULL OR r.dob_y IS NULL THEN 0
      WHEN l.dob_y = r.dob_y AND l.dob_m = r.dob_m AND l.dob_d = r.dob_d THEN 1
      WHEN l.dob_y = r.dob_y AND l.dob_m = r.dob_d AND l.dob_d = r.dob_m THEN 2
      WHEN (CASE WHEN l.dob_y = r.dob_y THEN 1 ELSE 0 END
            + CASE WHEN l.dob_m = r.dob_m THEN 1 ELSE 0 END
            + CASE WHEN l.dob_d = r.dob_d THEN 1 ELSE 0 END) = 2 THEN 3
      WHEN ({_DIGITS_DIFFER}) <= 2 THEN 4
      ELSE 5 END""",
)

# the same address: equal, or the same house number and street word ("Flat 5, 49 Parry Road,
# Sheffield" / "49 Parry Rd"), or the same house number on a near-identical line (typos)
_ADDR_EQ = """(l.addr <> '' AND r.addr <> '' AND (l.addr = r.addr
      OR (l.addr_key <> '' AND l.addr_key = r.addr_key)
      OR (l.addr_no <> '' AND l.addr_no = r.addr_no AND {jw}(l.addr, r.addr) >= 0.9)))"""

ADDRESS = Field(
    "address",
    "address",
    (
        "missing",
        "same address and postcode",
        "same address, postcode differs",
        "same postcode, address not given",
        "same postcode, different address",
        "similar address, other postcode",
        "same postcode sector only",
        "same postcode district only",
        "same postcode area only",
        "different",
    ),
    f"""CASE
      WHEN (l.pc = '' OR r.pc = '') AND (l.addr = '' OR r.addr = '') THEN 0
      WHEN {_ADDR_EQ} THEN CASE WHEN l.pc = r.pc OR l.pc = '' OR r.pc = '' THEN 1 ELSE 2 END
      WHEN l.pc <> '' AND l.pc = r.pc AND (l.addr = '' OR r.addr = '') THEN 3
      WHEN l.pc <> '' AND l.pc = r.pc THEN 4
      WHEN l.addr <> '' AND r.addr <> '' AND (l.addr_no = r.addr_no
           OR l.pc_district = r.pc_district) AND {{jw}}(l.addr, r.addr) >= 0.88 THEN 5
      WHEN l.pc_sector <> '' AND l.pc_sector = r.pc_sector THEN 6
      WHEN l.pc_district <> '' AND l.pc_district = r.pc_district THEN 7
      WHEN l.pc_area <> '' AND l.pc_area = r.pc_area THEN 8
      ELSE 9 END""",
)

EMAIL = Field(
    "email",
    "email",
    ("missing", "exact", "same mailbox name, other provider", "different"),
    """CASE
      WHEN l.email = '' OR r.email = '' THEN 0
      WHEN l.email = r.email THEN 1
      WHEN split_part(l.email, '@', 1) = split_part(r.email, '@', 1) THEN 2
      ELSE 3 END""",
)

PHONE = Field(
    "phone",
    "phone",
    ("missing", "exact", "different"),
    """CASE
      WHEN l.phone = '' OR r.phone = '' THEN 0
      WHEN l.phone = r.phone THEN 1
      ELSE 2 END""",
)

FIELDS: tuple[Field, ...] = (FIRST_NAME, LAST_NAME, DATE_OF_BIRTH, ADDRESS, EMAIL, PHONE)
EVIDENCE_FIELDS = ("date_of_birth", "address", "email", "phone")


def name_pair_tests(dialect: dict[str, str]) -> dict[str, str]:
    """`NAME_PAIR_TESTS` in line, in `dialect`."""
    return {name: sql.format(**dialect) for name, sql in NAME_PAIR_TESTS.items()}


def level_select(dialect: dict[str, str], name_pairs: dict[str, str] | None = None) -> str:
    """The SELECT list computing every field's level code for a pair aliased l, r.

    `name_pairs`: an expression for each of `NAME_PAIR_TESTS` (e.g. a column of a table of
    name pairs the query joins); by default the tests themselves, in line."""
    tests = name_pair_tests(dialect) if name_pairs is None else name_pairs
    parts = [f.sql.format(**dialect, **tests) + f" AS {f.name}" for f in FIELDS]
    parts += [
        "r.name_n AS r_name_n",
        "r.has_other AS r_compete",
    ]
    return ",\n  ".join(parts)


DUCKDB_DIALECT = {
    "jw": "jaro_winkler_similarity",
    "dl": "damerau_levenshtein",
    "has": "list_contains",
    "overlap": "list_has_any",
    "all": "list_has_all",
}
SPARK_DIALECT = {
    "jw": "vl_jaro_winkler",
    "dl": "vl_damerau_levenshtein",
    "has": "array_contains",
    "overlap": "arrays_overlap",
    "all": "vl_has_all",
}

"""The level SQL of vetline.matching.comparisons, evaluated in Python for a handful of pairs.

Screening one applicant compares it with a few dozen records. DuckDB spends ~13 ms binding
and planning the level query whatever the number of pairs; this does the same comparisons
in well under a millisecond for such a handful. The SQL stays the single source of truth
(batch, Spark, and every larger candidate set): this is a line-by-line mirror of it, and
tests/test_matching_pair_levels.py (hypothesis) checks that both give the same level codes
on random and hard pairs. Jaro-Winkler and Damerau-Levenshtein come from rapidfuzz, as in
the Spark engine's UDFs.

Features are `build_features` rows (text features are strings, never NULL); `usable` says
whether a set of rows is, so a caller can fall back to the SQL when it is not.
"""

# ruff: noqa: E741  (l, r: the SQL's aliases for the two records; each line reads as its SQL)

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from vetline.matching.comparisons import DOB_DIGITS, FIELDS
from vetline.matching.features import FEATURE_COLUMNS
from vetline.matching.model import PAIR_FLOOR_BITS, Model, shipped_model

LISTS = ("fn_mid", "fn_keys", "ln_keys")
# every feature that is a string ('' when missing): all but the row number, the dates of
# birth and their parts (None when missing), the lists and the counts
TEXT = tuple(
    c
    for c in FEATURE_COLUMNS
    if c not in {"idx", "dob", "dob_y", "dob_m", "dob_d", "has_other", "name_n", *LISTS}
)

_jw = JaroWinkler.similarity
_dl = DamerauLevenshtein.distance


_NEEDED = (*TEXT, *LISTS, "name_n", "has_other")


def usable(rows: Sequence[Mapping[str, Any]]) -> bool:
    """Rows this evaluator mirrors the SQL on: no NULL text or list feature."""
    return all(r[c] is not None for r in rows for c in _NEEDED)


def usable_table(table: pa.Table) -> bool:
    """`usable(table.to_pylist())`, from the columns' null counts."""
    return all(table.column(c).null_count == 0 for c in _NEEDED)


def _eq(a: Any, b: Any) -> bool:
    """SQL's `a = b` as a condition: NULL (None) equals nothing."""
    return a is not None and b is not None and a == b


def _same_dob(l: Mapping[str, Any], r: Mapping[str, Any]) -> bool:
    if not _eq(l["dob_y"], r["dob_y"]):
        return False
    lm, ld, rm, rd = l["dob_m"], l["dob_d"], r["dob_m"], r["dob_d"]
    return (_eq(lm, rm) and _eq(ld, rd)) or (_eq(lm, rd) and _eq(ld, rm))


def _swapped(l: Mapping[str, Any], r: Mapping[str, Any]) -> bool:
    lf: str = l["fn"]
    ll: str = l["ln"]
    return lf != "" and ll != "" and lf != ll and lf == r["ln"] and ll == r["fn"]


def first_name(l: Mapping[str, Any], r: Mapping[str, Any]) -> int:
    lf, rf = l["fn"], r["fn"]
    if lf == "" or rf == "":
        return 0
    if _swapped(l, r):
        return 1
    nl, nr = len(lf), len(rf)
    if lf == rf and nl > 1:
        lmi, rmi = l["fn_mid_init"], r["fn_mid_init"]
        if lmi == rmi:
            return 2
        return 3 if lmi == "" or rmi == "" else 4
    if rf in l["fn_keys"] or lf in r["fn_keys"]:
        return 5
    long_ = nl > 1 and nr > 1
    if long_ and (_jw(lf, rf) >= 0.92 or (min(nl, nr) >= 4 and _dl(lf, rf) <= 1)):
        return 6
    if (nl == 1 or nr == 1) and l["fn_init"] == r["fn_init"]:
        return 7
    if lf in r["fn_mid"] or rf in l["fn_mid"]:
        return 8
    if long_ and _jw(lf, rf) >= 0.8:
        return 9
    return 10 if _same_dob(l, r) else 11


def last_name(l: Mapping[str, Any], r: Mapping[str, Any]) -> int:
    ll, rl = l["ln"], r["ln"]
    if ll == "" or rl == "":
        return 0
    if _swapped(l, r):
        return 1
    if ll == rl:
        return 2
    if not set(l["ln_keys"]).isdisjoint(r["ln_keys"]):
        return 3
    jw = _jw(ll, rl)
    if jw >= 0.92 or (min(len(ll), len(rl)) >= 5 and _dl(ll, rl) <= 1):
        return 4
    if jw >= 0.8:
        return 5
    return 6 if _same_dob(l, r) else 7


def date_of_birth(l: Mapping[str, Any], r: Mapping[str, Any]) -> int:
    ly, ry = l["dob_y"], r["dob_y"]
    if ly is None or ry is None:
        return 0
    lm, ld, rm, rd = l["dob_m"], l["dob_d"], r["dob_m"], r["dob_d"]
    if ly == ry and _eq(lm, rm) and _eq(ld, rd):
        return 1
    if ly == ry and _eq(lm, rd) and _eq(ld, rm):
        return 2
    if (ly == ry) + _eq(lm, rm) + _eq(ld, rd) == 2:
        return 3
    lv, rv = (ly, lm, ld), (ry, rm, rd)
    differ = 0
    for i, k in _DOB_DIGITS:
        if (lv[i] // k) % 10 != (rv[i] // k) % 10:
            differ += 1
    return 4 if differ <= 2 else 5


# DOB_DIGITS with each part as its position in (year, month, day)
_DOB_DIGITS = tuple((("dob_y", "dob_m", "dob_d").index(c), k) for c, k in DOB_DIGITS)


def _same_address(l: Mapping[str, Any], r: Mapping[str, Any]) -> bool:
    la, ra = l["addr"], r["addr"]
    if la == "" or ra == "":
        return False
    if la == ra or (l["addr_key"] != "" and l["addr_key"] == r["addr_key"]):
        return True
    return l["addr_no"] != "" and l["addr_no"] == r["addr_no"] and _jw(la, ra) >= 0.9


def address(l: Mapping[str, Any], r: Mapping[str, Any]) -> int:
    lp, rp, la, ra = l["pc"], r["pc"], l["addr"], r["addr"]
    if (lp == "" or rp == "") and (la == "" or ra == ""):
        return 0
    if _same_address(l, r):
        return 1 if lp == rp or lp == "" or rp == "" else 2
    if lp != "" and lp == rp:
        return 3 if la == "" or ra == "" else 4
    if (
        la != ""
        and ra != ""
        and (l["addr_no"] == r["addr_no"] or l["pc_district"] == r["pc_district"])
        and _jw(la, ra) >= 0.88
    ):
        return 5
    for part, level in (("pc_sector", 6), ("pc_district", 7), ("pc_area", 8)):
        if l[part] != "" and l[part] == r[part]:
            return level
    return 9


def email(l: Mapping[str, Any], r: Mapping[str, Any]) -> int:
    le, re_ = l["email"], r["email"]
    if le == "" or re_ == "":
        return 0
    if le == re_:
        return 1
    return 2 if le.split("@", 1)[0] == re_.split("@", 1)[0] else 3


def phone(l: Mapping[str, Any], r: Mapping[str, Any]) -> int:
    lp, rp = l["phone"], r["phone"]
    if lp == "" or rp == "":
        return 0
    return 1 if lp == rp else 2


LEVELS = {
    "first_name": first_name,
    "last_name": last_name,
    "date_of_birth": date_of_birth,
    "address": address,
    "email": email,
    "phone": phone,
}
assert tuple(LEVELS) == tuple(f.name for f in FIELDS), "one evaluator per compared field"
assert tuple(LEVELS.values()) == (first_name, last_name, date_of_birth, address, email, phone)


def pair_levels(l: Mapping[str, Any], r: Mapping[str, Any]) -> tuple[int, ...]:
    """The level code of every field (in FIELDS order) for the pair (l, r)."""
    # LEVELS' functions in its order, spelt out (a generator over them costs a third more)
    return (
        first_name(l, r),
        last_name(l, r),
        date_of_birth(l, r),
        address(l, r),
        email(l, r),
        phone(l, r),
    )


def levels_of(l: Mapping[str, Any], rights: Sequence[Mapping[str, Any]]) -> list[tuple[int, ...]]:
    """`pair_levels(l, r)` for each of `rights`: the same tests in the same order, with the
    left record's values read once, each Jaro-Winkler computed once, and no call per field
    (a screened applicant meets ~130 rows: this is about twice as fast).
    tests/test_matching_pair_levels.py checks it against `pair_levels` (hypothesis)."""
    lf: str = l["fn"]
    ll: str = l["ln"]
    nl, nll = len(lf), len(ll)
    l_mid_init, l_init = l["fn_mid_init"], l["fn_init"]
    l_fn_keys, l_fn_mid = set(l["fn_keys"]), set(l["fn_mid"])
    l_ln_keys = set(l["ln_keys"])
    ly, lm, ld = l["dob_y"], l["dob_m"], l["dob_d"]
    lp, la = l["pc"], l["addr"]
    l_addr_key, l_addr_no, l_district = l["addr_key"], l["addr_no"], l["pc_district"]
    l_parts = tuple((part, level, l[part]) for part, level in _PC_PARTS)
    le, lph = l["email"], l["phone"]
    le_user = le.split("@", 1)[0]
    can_swap = lf != "" and ll != "" and lf != ll
    l_digits = tuple(((ly, lm, ld)[i], i, k) for i, k in _DOB_DIGITS)
    out: list[tuple[int, ...]] = []
    for r in rights:
        rf: str = r["fn"]
        rl: str = r["ln"]
        swapped = can_swap and lf == rl and ll == rf
        ry, rm, rd = r["dob_y"], r["dob_m"], r["dob_d"]
        # _eq of the date parts (None equals nothing)
        y_eq = ly is not None and ry is not None and ly == ry
        mm = lm is not None and rm is not None and lm == rm
        dd = ld is not None and rd is not None and ld == rd
        md = lm is not None and rd is not None and lm == rd
        dm = ld is not None and rm is not None and ld == rm
        same_dob = y_eq and ((mm and dd) or (md and dm))
        # first_name
        if lf == "" or rf == "":
            first = 0
        elif swapped:
            first = 1
        else:
            nr = len(rf)
            if lf == rf and nl > 1:
                rmi = r["fn_mid_init"]
                first = 2 if l_mid_init == rmi else (3 if l_mid_init == "" or rmi == "" else 4)
            elif rf in l_fn_keys or lf in r["fn_keys"]:
                first = 5
            else:
                long_ = nl > 1 and nr > 1
                jw = _jw(lf, rf) if long_ else 0.0
                if long_ and (jw >= 0.92 or (min(nl, nr) >= 4 and _dl(lf, rf) <= 1)):
                    first = 6
                elif (nl == 1 or nr == 1) and l_init == r["fn_init"]:
                    first = 7
                elif lf in r["fn_mid"] or rf in l_fn_mid:
                    first = 8
                elif long_ and jw >= 0.8:
                    first = 9
                else:
                    first = 10 if same_dob else 11
        # last_name
        if ll == "" or rl == "":
            last = 0
        elif swapped:
            last = 1
        elif ll == rl:
            last = 2
        elif not l_ln_keys.isdisjoint(r["ln_keys"]):
            last = 3
        else:
            jw = _jw(ll, rl)
            if jw >= 0.92 or (min(nll, len(rl)) >= 5 and _dl(ll, rl) <= 1):
                last = 4
            elif jw >= 0.8:
                last = 5
            else:
                last = 6 if same_dob else 7
        # date_of_birth
        if ly is None or ry is None:
            dob = 0
        elif ly == ry and mm and dd:
            dob = 1
        elif ly == ry and md and dm:
            dob = 2
        elif (ly == ry) + mm + dd == 2:
            dob = 3
        else:
            rv = (ry, rm, rd)
            differ = 0
            for lv, i, k in l_digits:
                if (lv // k) % 10 != (rv[i] // k) % 10:
                    differ += 1
            dob = 4 if differ <= 2 else 5
        # address
        rp, ra = r["pc"], r["addr"]
        if (lp == "" or rp == "") and (la == "" or ra == ""):
            addr = 0
        else:
            if la == "" or ra == "":
                same = False
            elif la == ra or (l_addr_key != "" and l_addr_key == r["addr_key"]):
                same = True
            else:
                same = l_addr_no != "" and l_addr_no == r["addr_no"] and _jw(la, ra) >= 0.9
            if same:
                addr = 1 if lp == rp or lp == "" or rp == "" else 2
            elif lp != "" and lp == rp:
                addr = 3 if la == "" or ra == "" else 4
            elif (
                la != ""
                and ra != ""
                and (l_addr_no == r["addr_no"] or l_district == r["pc_district"])
                and _jw(la, ra) >= 0.88
            ):
                addr = 5
            else:
                addr = 9
                for part, level, lv in l_parts:
                    if lv != "" and lv == r[part]:
                        addr = level
                        break
        # email
        re_ = r["email"]
        if le == "" or re_ == "":
            mail = 0
        elif le == re_:
            mail = 1
        else:
            mail = 2 if le_user == re_.split("@", 1)[0] else 3
        # phone
        rph = r["phone"]
        phone_ = 0 if lph == "" or rph == "" else (1 if lph == rph else 2)
        out.append((first, last, dob, addr, mail, phone_))
    return out


_PC_PARTS = (("pc_sector", 6), ("pc_district", 7), ("pc_area", 8))


def levels_frame(
    left: Mapping[str, Any],
    rights: Sequence[Mapping[str, Any]],
    *,
    prefilter: bool = True,
    model: Model | None = None,
    codes: Sequence[Sequence[int]] | None = None,
    code_dtype: type[np.integer[Any]] = np.int32,
) -> pd.DataFrame:
    """What `levels_query()` returns for the pairs (left as l = 0, rights[i] as r = i):
    columns l, r, one level code per field, r_name_n, r_compete; with `prefilter`, only the
    pairs whose own log2 odds reach PAIR_FLOOR_BITS (the same sum as the SQL's).

    `codes`: `pair_levels(left, r)` of each right row, if the caller has them already;
    `code_dtype`: the level columns' type."""
    if codes is None:
        codes = [pair_levels(left, r) for r in rights]
    elif len(codes) != len(rights):
        raise ValueError("levels_frame: one row of codes per right row")
    table = np.asarray(codes, dtype=code_dtype).reshape(len(rights), len(FIELDS))
    frame = pd.DataFrame(
        {
            "l": np.zeros(len(rights), dtype=np.int64),
            "r": np.arange(len(rights), dtype=np.int64),
            **{f.name: table[:, k] for k, f in enumerate(FIELDS)},
            "r_name_n": np.asarray([r["name_n"] for r in rights], dtype=np.int64),
            "r_compete": np.asarray([r["has_other"] for r in rights], dtype=bool),
        }
    )
    if prefilter and len(frame):
        odds = (model or shipped_model()).log2_odds_without_competition(frame)
        frame = frame.loc[odds >= PAIR_FLOOR_BITS].reset_index(drop=True)
    return frame

"""Turn a person frame into the folded comparison features the engines join and compare.

Each distinct raw value is normalised once (names, postcodes and emails repeat a lot), then
mapped back, so a 1.5M-row reference costs one Python call per distinct value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jellyfish
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from vetline.errors import InputError
from vetline.matching.parallel import Job, RowFn, run_jobs, warm_up
from vetline.people import (
    name_variants,
    normalise_address,
    normalise_email,
    parse_date,
    parse_first_names,
    parse_last_name,
    parse_postcode,
)
from vetline.people.addresses import number_and_key
from vetline.people.phones import normalise_phones

PERSON_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "postcode",
    "address",
    "email",
    "phone",
)
# The columns an engine sees, in order (lists are Python lists of str).
FEATURE_COLUMNS = (
    "idx",
    "fn",
    "fn_init",
    "fn_mid",
    "fn_mid_init",
    "fn_keys",
    "fn_sx",
    "ln",
    "ln_keys",
    "ln_sx",
    "dob",
    "dob_y",
    "dob_m",
    "dob_d",
    "dob_key",
    "pc",
    "pc_sector",
    "pc_district",
    "pc_area",
    "addr",
    "addr_no",
    "addr_key",
    "email",
    "phone",
    "has_other",
    "name_n",
)


def _text_column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        return pd.Series([""] * len(frame), dtype=object)
    col = frame[name].reset_index(drop=True)
    return col.where(col.notna(), "").astype(str)


# One normalised input column: a code per row into the results for each distinct value,
# kept per feature column (names the engines see).
Part = tuple[np.ndarray, dict[str, list[Any]]]


def _distinct(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes, np.asarray(uniques, dtype=object)


def _email(text: str) -> tuple[str]:
    return (normalise_email(text),)


def _phones(values: Sequence[object]) -> list[str]:
    return list(normalise_phones([str(v) for v in values]))


def _first(text: str) -> tuple[Any, ...]:
    p = parse_first_names(text)
    variants = sorted(name_variants(p.first))
    sx = jellyfish.soundex(p.first) if p.first.isascii() else p.first
    return p.first, p.first[:1], list(p.others), "".join(o[:1] for o in p.others), variants, sx


def _last(text: str) -> tuple[Any, ...]:
    p = parse_last_name(text)
    keys = [p.first, *p.others] if p.first else []
    sx = jellyfish.soundex(p.first) if p.first.isascii() else p.first
    return p.first, keys, sx


def _postcode(text: str) -> tuple[str, str, str, str]:
    p = parse_postcode(text)
    return (p.full, p.sector, p.district, p.area) if p else ("", "", "", "")


def _address(text: str) -> tuple[str, str, str]:
    a = normalise_address(text)
    return (a, *number_and_key(a))


def _dob_parts(value: object) -> tuple[Any, ...]:
    d = parse_date(value)
    if d is None:
        return None, None, None, None, ""
    return d, d.year, d.month, d.day, f"{d.year}-{min(d.day, d.month)}-{max(d.day, d.month)}"


_DOB_NAMES = ("dob", "dob_y", "dob_m", "dob_d", "dob_key")


def _dob_values(frame: pd.DataFrame) -> pd.Series:
    if "date_of_birth" not in frame.columns:
        return pd.Series([None] * len(frame), dtype=object)
    raw = frame["date_of_birth"].reset_index(drop=True).astype(object)
    return raw.where(raw.notna(), None)


def _check_dates(raw: pd.Series) -> None:
    """Raise InputError naming the first row whose date of birth does not parse."""
    for row, value in enumerate(raw, start=1):
        try:
            parse_date(value)
        except ValueError as exc:
            raise InputError(f"row {row}: date_of_birth: {exc}") from exc


# Each input column, the normaliser of one distinct value and the features its tuple holds.
_COLUMNS: tuple[tuple[str, RowFn, tuple[str, ...]], ...] = (
    ("first_name", _first, ("fn", "fn_init", "fn_mid", "fn_mid_init", "fn_keys", "fn_sx")),
    ("last_name", _last, ("ln", "ln_keys", "ln_sx")),
    ("date_of_birth", _dob_parts, _DOB_NAMES),
    ("postcode", _postcode, ("pc", "pc_sector", "pc_district", "pc_area")),
    ("address", _address, ("addr", "addr_no", "addr_key")),
    ("email", _email, ("email",)),
)


def _parts(frame: pd.DataFrame) -> list[Part]:
    """Every input column normalised once per distinct value (large frames on all cores)."""
    return _parts_of([frame])[0]


def _parts_of(frames: Sequence[pd.DataFrame]) -> list[list[Part]]:
    """`_parts` of several frames in one pass: their columns share one pool, so the small
    columns of one frame are done here while the workers normalise another's large ones."""
    for frame in frames:
        if "id" not in frame.columns:
            raise InputError("the person frame has no 'id' column")
    warm_up(max((len(frame) for frame in frames), default=0))
    all_dates, all_distinct, jobs = [], [], []
    for frame in frames:
        dates = _dob_values(frame)
        distinct = [
            _distinct(dates if column == "date_of_birth" else _text_column(frame, column))
            for column, _, _ in _COLUMNS
        ]
        distinct.append(_distinct(_text_column(frame, "phone")))
        jobs += [
            Job(uniques, fn, len(names))
            for (_, fn, names), (_, uniques) in zip(_COLUMNS, distinct[:-1], strict=True)
        ]
        jobs.append(Job(distinct[-1][1], _phones, 1, columnwise=True))
        all_dates.append(dates)
        all_distinct.append(distinct)
    try:
        results = run_jobs(jobs)
    except ValueError:
        for dates in all_dates:
            _check_dates(dates)
        raise
    out: list[list[Part]] = []
    per_frame = len(_COLUMNS) + 1
    for k, distinct in enumerate(all_distinct):
        mine = results[k * per_frame : (k + 1) * per_frame]
        parts: list[Part] = [
            (codes, dict(zip(names, columns, strict=True)))
            for (_, _, names), (codes, _), columns in zip(
                _COLUMNS, distinct[:-1], mine[:-1], strict=True
            )
        ]
        parts.append((distinct[-1][0], {"phone": mine[-1][0]}))
        out.append(parts)
    return out


_INT32 = ("dob_y", "dob_m", "dob_d")


def build_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Return one row of comparison features per input row (`idx` = position in `frame`)."""
    parts = _parts(frame)
    out = pd.DataFrame({"idx": np.arange(len(frame), dtype=np.int64)})
    for codes, tables in parts:
        for name, values in tables.items():
            table = np.empty(len(values), dtype=object)
            table[:] = values
            column = pd.Series(table[codes], dtype=object)
            out[name] = pd.array(column, dtype="Int32") if name in _INT32 else column
    out["has_other"] = (
        out["dob"].notna()
        | (out["pc"] != "")
        | (out["addr"] != "")
        | (out["email"] != "")
        | (out["phone"] != "")
    )
    # how many records in this frame carry the same folded name: a name shared by many is
    # weaker evidence (term frequency)
    out["name_n"] = out.groupby(["fn", "ln"])["idx"].transform("size").astype("int64")
    return out[list(FEATURE_COLUMNS)]


def build_feature_table(frame: pd.DataFrame) -> pa.Table:
    """`pa.Table.from_pandas(build_features(frame))`, built without the pandas frame: each
    distinct value's result goes to Arrow once and is taken per row (a million records as
    pandas objects cost about 1.2 GB and seconds to convert)."""
    return build_feature_tables([frame])[0]


def build_feature_tables(frames: Sequence[pd.DataFrame]) -> list[pa.Table]:
    """`build_feature_table` of each frame, normalised in one pass (`_parts_of`): screening
    applicants against a list normalises both sides at once."""
    empty = [frame.empty for frame in frames]
    parts_of = iter(_parts_of([f for f, e in zip(frames, empty, strict=True) if not e]))
    return [
        # the types pandas gives columns with no values
        pa.Table.from_pandas(build_features(frame), preserve_index=False)
        if e
        else _table(len(frame), next(parts_of))
        for frame, e in zip(frames, empty, strict=True)
    ]


def _table(n: int, parts: list[Part]) -> pa.Table:
    """The feature table of `n` records from their normalised columns."""
    columns: dict[str, pa.Array] = {"idx": pa.array(np.arange(n, dtype=np.int64))}
    found: dict[str, np.ndarray] = {}  # per row: the value is given (for has_other)
    ids: dict[str, np.ndarray] = {}  # per row: a number per distinct fn / ln (for name_n)
    for codes, tables in parts:
        rows = pa.array(codes)
        for name, values in tables.items():
            distinct = pa.array(values, type=pa.int32() if name in _INT32 else None)
            columns[name] = distinct.take(rows)
            if name in ("dob", "pc", "addr", "email", "phone"):
                # per distinct value: given (a date; text other than "", None counting as
                # given, as `v != ""` does), column-wise
                given = (
                    distinct.is_valid()
                    if name == "dob"
                    else pc.fill_null(pc.not_equal(distinct, ""), True)
                )
                found[name] = given.to_numpy(zero_copy_only=False).astype(bool)[codes]
            if name in ("fn", "ln"):
                ids[name] = pd.factorize(np.asarray(values, dtype=object))[0][codes].astype(
                    np.int64
                )
    columns["has_other"] = pa.array(np.logical_or.reduce(list(found.values())))
    key = ids["fn"] * (int(ids["ln"].max(initial=0)) + 1) + ids["ln"]
    columns["name_n"] = pa.array(np.bincount(key)[key].astype(np.int64) if len(key) else key)
    return pa.table({name: columns[name] for name in FEATURE_COLUMNS})

"""Turn a person frame into the folded comparison features the engines join and compare.

Each distinct raw value is normalised once (names, postcodes and emails repeat a lot), then
mapped back, so a 1.5M-row reference costs one Python call per distinct value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jellyfish
import numpy as np
import pandas as pd

from vetline.errors import InputError
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


def _per_unique(
    values: pd.Series, fn: Callable[[Any], tuple[Any, ...]], width: int
) -> list[pd.Series]:
    """Apply `fn` once per distinct value; return one Series per element of its tuple."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    results = [fn(u) for u in uniques]
    out = []
    for k in range(width):
        table = np.empty(len(results), dtype=object)
        table[:] = [r[k] for r in results]
        out.append(pd.Series(table[codes], dtype=object))
    return out


def _per_unique_columnwise(
    values: pd.Series, fn: Callable[[Sequence[str]], list[str]]
) -> pd.Series:
    """Apply a column-wise normaliser to the distinct values; map the results back."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    table = np.empty(len(uniques), dtype=object)
    table[:] = fn([str(u) for u in uniques])
    return pd.Series(table[codes], dtype=object)


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


def _dobs(frame: pd.DataFrame) -> list[pd.Series]:
    if "date_of_birth" not in frame.columns:
        n = len(frame)
        return [pd.Series([None] * n, dtype=object)] * 4 + [pd.Series([""] * n, dtype=object)]
    raw = frame["date_of_birth"].reset_index(drop=True).astype(object)
    raw = raw.where(raw.notna(), None)
    try:
        return _per_unique(raw, _dob_parts, 5)
    except ValueError:
        for row, value in enumerate(raw, start=1):
            try:
                parse_date(value)
            except ValueError as exc:
                raise InputError(f"row {row}: date_of_birth: {exc}") from exc
        raise


def build_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Return one row of comparison features per input row (`idx` = position in `frame`)."""
    if "id" not in frame.columns:
        raise InputError("the person frame has no 'id' column")
    n = len(frame)
    out = pd.DataFrame({"idx": np.arange(n, dtype=np.int64)})
    cols = _per_unique(_text_column(frame, "first_name"), _first, 6)
    for name, col in zip(
        ("fn", "fn_init", "fn_mid", "fn_mid_init", "fn_keys", "fn_sx"), cols, strict=True
    ):
        out[name] = col
    cols = _per_unique(_text_column(frame, "last_name"), _last, 3)
    for name, col in zip(("ln", "ln_keys", "ln_sx"), cols, strict=True):
        out[name] = col
    dob, y, m, d, key = _dobs(frame)
    out["dob"] = dob
    out["dob_y"] = pd.array(y, dtype="Int32")
    out["dob_m"] = pd.array(m, dtype="Int32")
    out["dob_d"] = pd.array(d, dtype="Int32")
    out["dob_key"] = key
    cols = _per_unique(_text_column(frame, "postcode"), _postcode, 4)
    for name, col in zip(("pc", "pc_sector", "pc_district", "pc_area"), cols, strict=True):
        out[name] = col
    cols = _per_unique(_text_column(frame, "address"), _address, 3)
    for name, col in zip(("addr", "addr_no", "addr_key"), cols, strict=True):
        out[name] = col
    (out["email"],) = _per_unique(_text_column(frame, "email"), lambda v: (normalise_email(v),), 1)
    out["phone"] = _per_unique_columnwise(_text_column(frame, "phone"), normalise_phones)
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

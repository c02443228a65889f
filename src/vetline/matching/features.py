"""Turn a person frame into the folded comparison features the engines join and compare.

Each distinct raw value is normalised once (names, postcodes and emails repeat a lot), then
mapped back, so a 1.5M-row reference costs one Python call per distinct value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import jellyfish
import pandas as pd

from vetline.errors import InputError
from vetline.people import (
    name_variants,
    normalise_address,
    normalise_email,
    normalise_phone,
    parse_date,
    parse_first_names,
    parse_last_name,
    parse_postcode,
)
from vetline.people.addresses import house_number

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
    "addr_tokens",
    "email",
    "phone",
    "has_other",
    "name_n",
    "ident",
)


def _text_column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    col = frame[name]
    return col.where(col.notna(), "").astype(str)


def _per_unique(values: pd.Series, fn: Callable[[str], Any]) -> pd.Series:
    uniques = pd.unique(values)
    mapping = {u: fn(u) for u in uniques}
    return values.map(mapping)


def _dob(value: object, row: int) -> dt.date | None:
    try:
        return parse_date(value)
    except ValueError as exc:
        raise InputError(f"row {row}: date_of_birth: {exc}") from exc


def build_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Return one row of comparison features per input row (`idx` = position in `frame`)."""
    if "id" not in frame.columns:
        raise InputError("the person frame has no 'id' column")
    n = len(frame)
    out = pd.DataFrame({"idx": range(n)})
    first = _per_unique(_text_column(frame, "first_name"), parse_first_names).reset_index(drop=True)
    out["fn"] = first.map(lambda p: p.first)
    out["fn_init"] = out["fn"].str[:1]
    out["fn_mid"] = first.map(lambda p: list(p.others))
    out["fn_mid_init"] = first.map(lambda p: "".join(o[:1] for o in p.others))
    out["fn_keys"] = _per_unique(out["fn"], lambda f: sorted(name_variants(f)))
    out["fn_sx"] = _per_unique(out["fn"], lambda f: jellyfish.soundex(f) if f.isascii() else f)
    last = _per_unique(_text_column(frame, "last_name"), parse_last_name).reset_index(drop=True)
    out["ln"] = last.map(lambda p: p.first)
    out["ln_keys"] = last.map(lambda p: [p.first, *p.others] if p.first else [])
    out["ln_sx"] = _per_unique(out["ln"], lambda f: jellyfish.soundex(f) if f.isascii() else f)

    if "date_of_birth" in frame.columns:
        raw = frame["date_of_birth"].reset_index(drop=True)
        dobs = [_dob(v, i + 1) for i, v in enumerate(raw)] if n else []
    else:
        dobs = [None] * n
    out["dob"] = pd.Series(dobs, dtype=object)
    out["dob_y"] = pd.array([d.year if d else None for d in dobs], dtype="Int32")
    out["dob_m"] = pd.array([d.month if d else None for d in dobs], dtype="Int32")
    out["dob_d"] = pd.array([d.day if d else None for d in dobs], dtype="Int32")
    # a key that survives a day/month swap: year + the smaller + the larger of day and month
    out["dob_key"] = [
        f"{d.year}-{min(d.day, d.month)}-{max(d.day, d.month)}" if d else "" for d in dobs
    ]

    pcs = _per_unique(_text_column(frame, "postcode"), parse_postcode).reset_index(drop=True)
    out["pc"] = pcs.map(lambda p: p.full if p else "")
    out["pc_sector"] = pcs.map(lambda p: p.sector if p else "")
    out["pc_district"] = pcs.map(lambda p: p.district if p else "")
    out["pc_area"] = pcs.map(lambda p: p.area if p else "")
    out["addr"] = _per_unique(_text_column(frame, "address"), normalise_address).reset_index(
        drop=True
    )
    out["addr_no"] = _per_unique(out["addr"], house_number)
    out["addr_tokens"] = _per_unique(out["addr"], lambda a: sorted(set(a.split())))
    out["email"] = _per_unique(_text_column(frame, "email"), normalise_email).reset_index(drop=True)
    out["phone"] = _per_unique(_text_column(frame, "phone"), normalise_phone).reset_index(drop=True)
    out["has_other"] = (
        out["dob"].notna()
        | (out["pc"] != "")
        | (out["addr"] != "")
        | (out["email"] != "")
        | (out["phone"] != "")
    )
    # how many records in this frame carry the same folded name: a name shared by many is
    # weaker evidence (term frequency), and identical records cannot be told apart (ties)
    out["name_n"] = out.groupby(["fn", "ln"])["idx"].transform("size").astype("int64")
    ident_cols = ["fn", "fn_mid_init", "ln", "dob_key", "pc", "addr", "email", "phone"]
    out["ident"] = pd.util.hash_pandas_object(out[ident_cols].astype(str), index=False).astype(
        "int64"
    )
    return out[list(FEATURE_COLUMNS)]

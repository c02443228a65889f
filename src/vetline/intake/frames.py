"""Read a person, Democracy Club or register CSV into the frame the matching API takes.

The same validation as the importer applies (a bad file is rejected with file, row and
field), so `vetline screen` needs no database and trusts nothing more than `vetline import`.
Frame columns: string `id`, then first_name, last_name, date_of_birth (ISO text),
postcode, address, email, phone; all Python str, a value not known is None.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from vetline.intake import detect, records
from vetline.intake.csvfile import CsvFile
from vetline.intake.parse import parse

if TYPE_CHECKING:
    import pandas as pd

FRAME_COLUMNS = ("id", *records.PERSON_FIELDS)


def _frame(items: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd  # here, not at import time: the CLI starts faster without it

    # plain str/None objects: every consumer understands None; not all understand pd.NA
    return pd.DataFrame(items, columns=list(FRAME_COLUMNS), dtype=object)


def read_applicants_frame(path: str | Path) -> pd.DataFrame:
    """A person-format file (applications, members or a plain person list) as a frame."""
    csv = CsvFile(path)
    items = []
    for p in parse(csv, detect.SCREENABLE_PERSON, lambda r: r.id, "id"):
        record = {f: getattr(p.row, f) for f in records.PERSON_FIELDS}
        items.append(_with_id(p.key, record))
    return _frame(items)


def read_reference_frame(path: str | Path) -> tuple[pd.DataFrame, str]:
    """A reference file (format recognised by header) as a frame, and the format's name."""
    csv = CsvFile(path)
    fmt = detect.detect_reference(csv)
    if fmt is detect.PERSON:
        fmt = detect.SCREENABLE_PERSON  # screening a members/applications file is allowed too
    to_entry, key, key_field = records.entry_builder(fmt)
    items = []
    for p in parse(csv, fmt, key, key_field):
        entry = vars(p.row) if fmt is detect.SCREENABLE_PERSON else to_entry(p)
        items.append(_with_id(p.key, entry))
    return _frame(items), fmt.name


def _with_id(key: str, record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": key}
    for f in records.PERSON_FIELDS:
        value = record.get(f)
        out[f] = value.isoformat() if f == "date_of_birth" and value is not None else value
    return out

"""CSV output: UTF-8, header row, `\\n` line ends, columns in the documented order."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path


def write_columns(path: Path, header: Sequence[str], cols: dict[str, list[str]]) -> int:
    """Write column lists as rows; return the number of data rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = [cols[c] for c in header]
    n = len(data[0]) if data else 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(zip(*data, strict=True))
    return n


def write_rows(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow(row)
            n += 1
    return n

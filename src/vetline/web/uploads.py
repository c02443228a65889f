"""Uploaded and submitted data goes through intake's file importers, so one set of validators
(with errors naming the file, row and field) serves the CLI, bulk uploads and single submissions.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import UploadFile

from vetline.errors import InputError

MAX_UPLOAD_BYTES = 512 * 1024 * 1024


def _safe_name(name: str | None, default: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name or default).name).strip("._")
    return stem[:100] or default


@contextmanager
def saved_upload(upload: UploadFile) -> Iterator[Path]:
    """The upload as a file on disk (named like the original) for the duration of the block."""
    with tempfile.TemporaryDirectory(prefix="vetline-upload-") as tmp:
        path = Path(tmp) / _safe_name(upload.filename, "upload.csv")
        size = 0
        with path.open("wb") as out:
            while chunk := upload.file.read(1024 * 1024):
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise InputError(f"{path.name}: larger than {MAX_UPLOAD_BYTES >> 20} MB")
                out.write(chunk)
        if size == 0:
            raise InputError(f"{path.name}: the uploaded file is empty")
        yield path


def one_row_csv(row: Mapping[str, Any]) -> bytes:
    """A single submitted record as the bytes of a one-row CSV (only the fields given become
    columns), for `CsvFile.from_bytes`: read like an uploaded file, without writing one."""
    cells = {k: "" if v is None else str(v) for k, v in row.items()}
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=list(cells))
    writer.writeheader()
    writer.writerow(cells)
    return text.getvalue().encode("utf-8")

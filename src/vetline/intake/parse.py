"""Validate a CSV row by row, streaming, and report up to 20 errors at once.

A sender fixing a file wants every problem in one go, not one per attempt; but a file that
is wrong throughout (the wrong export) should fail fast, so we stop after MAX_ERRORS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel, ValidationError

from vetline.errors import InputError
from vetline.intake.csvfile import CsvFile
from vetline.intake.detect import Format

MAX_ERRORS = 20


@dataclass(frozen=True)
class Parsed:
    line: int
    key: str  # the record's id in the file (unique)
    row: Any  # the format's row model
    extra: dict[str, str]  # columns the model does not name (Democracy Club only)


def _message(err: Any) -> tuple[str, str]:
    field = ".".join(str(p) for p in err["loc"]) or "first_name/last_name"
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    return field, msg


class ErrorLog:
    """Collects `file, row N, field F: message` lines; raises them together as an InputError."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: list[str] = []

    def add(self, line: int, field: str, message: str) -> None:
        self.lines.append(f"{self.name}, row {line}, field {field}: {message}")
        if len(self.lines) >= MAX_ERRORS:
            self.raise_if_any(stopped=True)

    def raise_if_any(self, *, stopped: bool = False) -> None:
        if not self.lines:
            return
        if len(self.lines) == 1:
            raise InputError(self.lines[0] + " (nothing was imported)")
        head = (
            f"{self.name}: stopped at {len(self.lines)} errors"
            if stopped
            else f"{self.name}: {len(self.lines)} errors"
        )
        raise InputError(f"{head}; nothing was imported:\n" + "\n".join(self.lines))


def parse(csv: CsvFile, fmt: Format, key: Callable[[Any], str], key_field: str) -> Iterator[Parsed]:
    """Yield the valid rows; after the last one raise InputError if any row was bad.

    The caller writes as it goes inside one transaction and rolls back on the error, so a
    600,000-row file never has to sit in memory.
    """
    fmt.check_header(csv)
    errors = ErrorLog(csv.name)
    known = set(fmt.model.model_fields)
    seen: dict[str, int] = {}
    for record in csv.rows():
        fields = {k: val for k, val in record.values.items() if k in known}
        extra = (
            {k: val for k, val in record.values.items() if k not in known}
            if fmt.other_columns_allowed
            else {}
        )
        try:
            row: BaseModel = fmt.model.model_validate(fields)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                errors.add(record.line, *_message(err))
            with suppress(AttributeError, TypeError):  # a bad row still claims its id
                seen.setdefault(key(SimpleNamespace(**fields)), record.line)
            continue
        k = key(row)
        first = seen.get(k)
        if first is not None:
            errors.add(record.line, key_field, f"{k!r} appears twice (also on row {first})")
            continue
        seen[k] = record.line
        if not errors.lines:
            yield Parsed(record.line, k, row, extra)
    errors.raise_if_any()

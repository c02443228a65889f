"""Open a CSV as Excel and real senders write it: sniff the encoding, the delimiter, the header.

Excel exports UTF-8 with a BOM ("CSV UTF-8"), Windows-1252 ("CSV"), or UTF-16 ("Unicode
text"), with CRLF line ends and sometimes `;` or tab as the delimiter. We accept all of these
and keep every value exactly as written; we never guess silently: an undecodable byte is an
error naming the line.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from vetline.errors import InputError

_CHUNK = 1 << 20
_DELIMITERS = (",", ";", "\t")

csv.field_size_limit(1 << 20)  # a single cell over 1 MB is a broken file, not a long address


@dataclass(frozen=True)
class FileInfo:
    """What the sniffing pass learnt about a file without keeping it in memory."""

    path: Path
    encoding: str
    sha256: str
    lines: int  # physical lines, for the progress bar

    @property
    def name(self) -> str:
        return self.path.name


def sniff(path: Path, name: str | None = None) -> FileInfo:
    """Hash the file, count its lines and decide its encoding in one streaming pass."""
    if not path.is_file():
        raise InputError(f"{name or path}: no such file")
    with path.open("rb") as fh:
        return _sniff(path, iter(lambda: fh.read(_CHUNK), b""), name, path)


def _sniff(path: Path, chunks: Iterable[bytes], name: str | None, source: Path | bytes) -> FileInfo:
    """`sniff` over the file's bytes (`source`: the file, or the bytes themselves)."""
    digest = hashlib.sha256()
    lines = 0
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    head = last = b""
    for chunk in chunks:
        if not chunk:
            continue
        if not head:
            head = chunk[:4]
        last = chunk[-1:]
        digest.update(chunk)
        lines += chunk.count(b"\n")
        if utf8_ok:
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError:
                utf8_ok = False
    if utf8_ok:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif utf8_ok:
        encoding = "utf-8-sig"  # reads plain UTF-8 too, and drops a BOM if there is one
    else:
        encoding = "cp1252"
        _check_cp1252(source, name or path.name)
    lines += 1 if last not in (b"\n", b"") else 0  # a last line without its newline
    return FileInfo(path=path, encoding=encoding, sha256=digest.hexdigest(), lines=lines)


def _check_cp1252(source: Path | bytes, name: str) -> None:
    """Windows-1252 leaves five bytes undefined; a file using them is neither encoding."""
    with source.open("rb") if isinstance(source, Path) else io.BytesIO(source) as fh:
        line = 1
        while chunk := fh.read(_CHUNK):
            try:
                chunk.decode("cp1252")
            except UnicodeDecodeError as exc:
                bad = chunk[exc.start]
                line += chunk.count(b"\n", 0, exc.start)
                raise InputError(
                    f"{name}, row {line}: byte 0x{bad:02x} is neither UTF-8 nor "
                    "Windows-1252; save the file as 'CSV UTF-8' and try again"
                ) from None
            line += chunk.count(b"\n")


@dataclass(frozen=True)
class Row:
    line: int  # the file line the record starts on (the header is line 1)
    values: dict[str, str]


class CsvFile:
    """A sniffed CSV: its header (folded to lower case) and its records with line numbers.

    `name` is what error messages call the file (an upload's original name, not a temp path).
    """

    def __init__(self, path: str | Path, *, name: str | None = None) -> None:
        self.info = sniff(Path(path), name)
        self._data: bytes | None = None
        self.name = name or self.info.name
        self._read_header()

    @classmethod
    def from_bytes(cls, data: bytes, name: str) -> CsvFile:
        """A CSV held in memory (one submitted record), read exactly as the same file on disk
        would be: the same sniffing, hash, header checks and rows."""
        csv = cls.__new__(cls)
        csv.info = _sniff(Path(name), [data], name, data)
        csv._data = data
        csv.name = name
        csv._read_header()
        return csv

    def _open(self) -> IO[str]:
        if self._data is not None:
            return io.StringIO(self._data.decode(self.info.encoding), newline="")
        return self.info.path.open(encoding=self.info.encoding, newline="")

    def _read_header(self) -> None:
        with self._open() as fh:
            first = fh.readline()
        self.delimiter = max(_DELIMITERS, key=first.count) if first.strip() else ","
        self.raw_header = next(csv.reader([first], delimiter=self.delimiter), [])
        self.header = [h.strip().lower() for h in self.raw_header]
        if not any(self.header):
            raise InputError(f"{self.name}: the file is empty or has no header row")
        seen: set[str] = set()
        for h in self.header:
            if h and h in seen:
                raise InputError(f"{self.name}, row 1: column '{h}' appears twice in the header")
            seen.add(h)

    @property
    def columns(self) -> set[str]:
        return {h for h in self.header if h}

    def check_columns(self, required: set[str], allowed: set[str] | None) -> None:
        """Reject missing required columns and (unless `allowed` is None) unknown ones."""
        problems = []
        missing = sorted(required - self.columns)
        if missing:
            problems.append("missing column(s): " + ", ".join(missing))
        if allowed is not None:
            unknown = sorted(self.columns - allowed - required)
            if unknown:
                problems.append(
                    "unknown column(s): "
                    + ", ".join(unknown)
                    + " (expected: "
                    + ", ".join(sorted(allowed | required))
                    + ")"
                )
        if problems:
            raise InputError(f"{self.name}, row 1: " + "; ".join(problems))

    def rows(self) -> Iterator[Row]:
        """Yield each non-blank record; a ragged row is an error naming its line."""
        width = len(self.header)
        named = [(i, h) for i, h in enumerate(self.header) if h]
        blank = [i for i, h in enumerate(self.header) if not h]
        with self._open() as fh:
            reader = csv.reader(fh, delimiter=self.delimiter, strict=True)
            try:
                next(reader)
                end = reader.line_num
                for record in reader:
                    start, end = end + 1, reader.line_num
                    if not any(cell.strip() for cell in record):
                        continue
                    if len(record) != width:
                        raise InputError(
                            f"{self.name}, row {start}: {len(record)} fields, but the header "
                            f"has {width} (a stray delimiter or quote?)"
                        )
                    for i in blank:
                        if record[i].strip():
                            raise InputError(
                                f"{self.name}, row {start}: column {i + 1} has a value but no "
                                "header"
                            )
                    yield Row(start, {h: record[i] for i, h in named})
            except csv.Error as exc:
                raise InputError(f"{self.name}, row {reader.line_num}: {exc}") from None

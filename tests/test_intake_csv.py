"""Reading CSVs as Excel and real senders write them: encodings, delimiters, headers, lines."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vetline.errors import InputError
from vetline.intake.csvfile import CsvFile

NAMES = ["O'Brien", "Siobhán", "Nguyễn", "李小龍", "Smith-Jones", '=HYPERLINK("x")']


def _write(path: Path, text: str, encoding: str, *, bom: bytes = b"") -> Path:
    path.write_bytes(bom + text.encode(encoding))
    return path


def _values(path: Path, column: str) -> list[str]:
    return [r.values[column] for r in CsvFile(path).rows()]


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
    ],
)
def test_unicode_exports_keep_every_name_exactly(tmp_path: Path, encoding: str, bom: bytes) -> None:
    body = "id,last_name\r\n" + "".join(
        f'{i},"{n.replace(chr(34), chr(34) * 2)}"\r\n' for i, n in enumerate(NAMES)
    )
    path = _write(tmp_path / "people.csv", body, encoding, bom=bom)
    csv = CsvFile(path)
    assert csv.header == ["id", "last_name"]  # the BOM is not part of the first column name
    assert _values(path, "last_name") == NAMES


def test_windows_1252_excel_export_is_read_as_such(tmp_path: Path) -> None:
    names = ["Siobhán", "Zoë", "François", "O\u2019Brien"]  # curly apostrophe is 0x92 in cp1252
    body = "id,first_name\r\n" + "".join(f"{i},{n}\r\n" for i, n in enumerate(names))
    path = _write(tmp_path / "excel.csv", body, "cp1252")
    assert CsvFile(path).info.encoding == "cp1252"
    assert _values(path, "first_name") == names


def test_a_byte_in_neither_encoding_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(b"id,first_name\n1,Ann\n2,B\x81b\n")
    with pytest.raises(InputError, match=r"broken\.csv, row 3: byte 0x81"):
        CsvFile(path)


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimiters(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "eu.csv"
    path.write_text(delimiter.join(["id", "first_name"]) + "\n1" + delimiter + "Ann, Marie\n")
    assert _values(path, "first_name") == ["Ann, Marie"]


def test_header_is_folded_but_values_are_not(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text(" ID , First_Name \n1,  ann  \n")
    csv = CsvFile(path)
    assert csv.header == ["id", "first_name"]
    assert _values(path, "first_name") == ["  ann  "]


def test_line_numbers_count_physical_lines_and_skip_blank_rows(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text('id,address\n1,"Flat 2\n10 High St"\n\n2,"x"\n,\n3,y\n')
    assert [(r.line, r.values["id"]) for r in CsvFile(path).rows()] == [
        (2, "1"),
        (5, "2"),
        (7, "3"),
    ]


def test_ragged_row_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("id,first_name\n1,Ann\n2,Bob,extra\n")
    with pytest.raises(InputError, match=r"r\.csv, row 3: 3 fields, but the header has 2"):
        list(CsvFile(path).rows())


def test_duplicate_and_missing_and_unknown_columns(tmp_path: Path) -> None:
    dup = tmp_path / "dup.csv"
    dup.write_text("id,first_name,First_Name\n")
    with pytest.raises(InputError, match="'first_name' appears twice"):
        CsvFile(dup)
    path = tmp_path / "cols.csv"
    path.write_text("id,frist_name\n1,Ann\n")
    with pytest.raises(InputError) as err:
        CsvFile(path).check_columns({"id", "last_name"}, {"first_name"})
    assert "missing column(s): last_name" in err.value.detail
    assert "unknown column(s): frist_name" in err.value.detail
    assert err.value.detail.startswith("cols.csv, row 1:")


def test_empty_file_and_missing_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        CsvFile(empty)
    with pytest.raises(InputError, match="no such file"):
        CsvFile(tmp_path / "nope.csv")


def test_trailing_empty_columns_from_excel_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,first_name,,\n1,Ann,,\n")
    assert _values(path, "first_name") == ["Ann"]
    path.write_text("id,first_name,\n1,Ann,oops\n")
    with pytest.raises(InputError, match="column 3 has a value but no header"):
        list(CsvFile(path).rows())


_cell_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="\x00"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() != "")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    names=st.lists(_cell_text, min_size=1, max_size=5),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_any_text_round_trips_through_an_excel_style_file(
    tmp_path: Path, names: list[str], encoding: str
) -> None:
    path = tmp_path / "round.csv"
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(["id", "last_name"])
        writer.writerows([str(i), n] for i, n in enumerate(names))
    assert _values(path, "last_name") == names


def test_errors_are_capped_at_twenty_and_say_so(tmp_path: Path) -> None:
    from vetline.intake import detect
    from vetline.intake.parse import parse

    path = tmp_path / "wrong.csv"
    path.write_text("id,first_name,date_of_birth\n" + "".join(f"{i},Ann,soon\n" for i in range(50)))
    with pytest.raises(InputError) as err:
        list(parse(CsvFile(path), detect.PERSON, lambda r: r.id, "id"))
    lines = err.value.detail.splitlines()
    assert lines[0] == "wrong.csv: stopped at 20 errors; nothing was imported:"
    assert len(lines) == 21 and lines[-1].startswith("wrong.csv, row 21, field date_of_birth:")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.binary(max_size=200),
        st.lists(_cell_text, min_size=1, max_size=4).map(
            lambda cells: (
                "id,last_name\r\n" + "".join(f'{i},"{c}"\r\n' for i, c in enumerate(cells))
            ).encode()
        ),
    ),
)
def test_a_csv_in_memory_reads_as_the_same_file_on_disk(tmp_path: Path, data: bytes) -> None:
    """CsvFile.from_bytes (a single submission) sees what CsvFile sees in the same file: the
    hash, encoding, lines, header and rows, or the same error."""
    path = tmp_path / "same.csv"
    path.write_bytes(data)

    def read(make: object) -> object:
        try:
            csv = make()  # type: ignore[operator]
            return (
                csv.info.sha256,
                csv.info.encoding,
                csv.info.lines,
                csv.header,
                list(csv.rows()),
            )
        except InputError as exc:
            return exc.detail

    assert read(lambda: CsvFile.from_bytes(data, "same.csv")) == read(lambda: CsvFile(path))

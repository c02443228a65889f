"""`vetline screen` (no database) end to end on planted matches, and the import commands' CLI."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from typer.testing import CliRunner

from vetline.cli import app, main
from vetline.db import get_engine, session_scope
from vetline.db.people import Application, Member, ReferenceList
from vetline.intake.frames import FRAME_COLUMNS, read_applicants_frame, read_reference_frame
from vetline.intake.screen_files import HIT_COLUMNS, safe_cell

DATA = Path(__file__).parent / "data" / "intake"
runner = CliRunner()


@given(st.text(max_size=30))
def test_safe_cell_defuses_formulas_and_leaves_the_rest(value: str) -> None:
    out = safe_cell(value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        assert out == "'" + value
    else:
        assert out == value


def test_frames_have_the_matching_contract_columns(sample_dc_csv: Path) -> None:
    left = read_applicants_frame(DATA / "screen_applicants.csv")
    assert tuple(left.columns) == FRAME_COLUMNS
    assert left["id"].tolist() == ["N1", "N2", "N3", "=N4"]
    assert left.loc[1, "date_of_birth"] is None and left.loc[0, "date_of_birth"] == "1975-01-02"
    right, fmt = read_reference_frame(sample_dc_csv)
    assert fmt == "democracy_club" and len(right) == 842
    assert right["address"].isna().all()
    reg, fmt = read_reference_frame(DATA / "register.csv")
    assert fmt == "register" and reg["id"].tolist() == ["EA-1", "EA-2", "EB-7"]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == HIT_COLUMNS
        return list(reader)


def test_screen_finds_the_planted_matches_and_writes_a_safe_csv(
    tmp_path: Path, sample_dc_csv: Path
) -> None:
    out = tmp_path / "hits.csv"
    args = ["screen", str(DATA / "screen_applicants.csv"), "--out", str(out)]
    for ref in (DATA / "expelled.csv", DATA / "register.csv", sample_dc_csv):
        args += ["--against", str(ref)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    hits = _read(out)
    pairs = {(h["applicant_id"], h["reference_list"], h["reference_id"]): h for h in hits}
    leman = pairs[("N1", "expelled", "X1")]
    assert float(leman["score"]) >= 0.5 and leman["band"] == "match"
    assert "date of birth" in leman["explanation"]
    assert pairs[("N2", "register", "EA-2")]["band"] == "match"
    assert not [h for h in hits if h["applicant_id"] == "N3"]
    # the applicant id '=N4' is defused in the output, and a name-only hit says so
    davison = pairs[("'=N4", "register", "EA-1")]
    assert davison["band"] == "name-only"
    dc = sample_dc_csv.stem
    assert ("'=N4", dc, "12318:local.sheffield.ecclesall.2021-05-06") in pairs
    assert all(0.05 <= float(h["score"]) <= 1 for h in hits)
    assert "applicants screened" in result.output


def test_screen_threshold_filters(tmp_path: Path) -> None:
    out = tmp_path / "hits.csv"
    result = runner.invoke(
        app,
        [
            "screen",
            str(DATA / "screen_applicants.csv"),
            "--against",
            str(DATA / "register.csv"),
            "--out",
            str(out),
            "--threshold",
            "0.9",
        ],
    )
    assert result.exit_code == 0, result.output
    hits = _read(out)
    assert [(h["applicant_id"], h["reference_id"]) for h in hits] == [("N2", "EA-2")]


def _main(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr(sys, "argv", ["vetline", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    return int(exit_info.value.code or 0)


def test_cli_import_then_bad_file_exits_2_naming_row_and_field(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        _main(monkeypatch, "import", "applications", str(DATA / "applications.csv"), "--json") == 0
    )
    assert '"inserted": 4' in capsys.readouterr().out
    code = _main(monkeypatch, "import", "applications", str(DATA / "applications_bad.csv"))
    assert code == 2
    err = capsys.readouterr().err
    assert "applications_bad.csv, row 2, field date_of_birth" in " ".join(err.split())
    with session_scope(get_engine(db_url)) as session:
        assert session.scalar(select(func.count()).select_from(Application)) == 4


def test_cli_reference_import_of_the_dc_sample(
    db_url: str, monkeypatch: pytest.MonkeyPatch, sample_dc_csv: Path
) -> None:
    args = ["import", "reference", str(sample_dc_csv), "--list", "dc", "--kind", "candidates"]
    assert _main(monkeypatch, *args, "--licence", "CC BY 4.0") == 0
    assert _main(monkeypatch, *args) == 0
    with session_scope(get_engine(db_url)) as session:
        ref = session.scalars(select(ReferenceList)).one()
        assert (ref.version, ref.licence) == (1, "CC BY 4.0")


def test_cli_check_counts_but_writes_nothing(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["import", "members", str(DATA / "members.csv"), "--check", "--json"]
    assert _main(monkeypatch, *args) == 0
    out = capsys.readouterr().out
    assert '"inserted": 3' in out and '"checked_only": true' in out
    with session_scope(get_engine(db_url)) as session:
        assert session.scalar(select(func.count()).select_from(Member)) == 0

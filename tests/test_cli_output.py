"""The CLI prints data as data: a value that looks like Rich markup is shown literally."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _vetline(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from vetline.cli import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_error_message_shows_markup_like_values_literally(tmp_path: Path) -> None:
    bad = tmp_path / "applications.csv"
    bad.write_text(
        "id,first_name,last_name,date_of_birth,postcode,address,email,phone,applied_at,source\n"
        "A1,Ann,Lee,[link=http://evil.example]1990[/link],S1 1AA,,,,2016-07-12T09:00:00Z,x\n",
        encoding="utf-8",
    )
    result = _vetline("import", "applications", str(bad), cwd=tmp_path)
    assert result.returncode == 2
    err = " ".join(result.stderr.split())
    assert "[link=http://evil.example]1990[/link]" in err
    assert "row 2" in err and "date_of_birth" in err

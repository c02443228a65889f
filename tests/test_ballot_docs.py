"""Every option of `vetline electorate` and `vetline report` is documented, with an example."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main

from vetline.ballot import Reason
from vetline.cli import app

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _command(*path: str) -> Any:
    command: Any = typer.main.get_command(app)  # Typer may vendor its own click: duck-type
    for name in path:
        command = command.commands[name]
    return command


@pytest.mark.parametrize(
    ("path", "doc"),
    [
        (("electorate",), "ballot.md"),
        (("electorate", "compare"), "ballot.md"),
        (("report",), "oversight.md"),
    ],
)
def test_every_option_is_documented(path: tuple[str, ...], doc: str) -> None:
    text = (DOCS / doc).read_text()
    command = _command(*path)
    assert len(command.params) >= 3
    assert "Example: vetline " + " ".join(path) in (command.help or "")
    for param in command.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--") and opt != "--help":
                assert opt in text, f"vetline {' '.join(path)} {opt} is not in docs/{doc}"


def test_every_reason_code_is_documented() -> None:
    text = (DOCS / "ballot.md").read_text()
    for code in Reason.ORDER:
        assert f"`{code}`" in text, f"reason code {code} is not in docs/ballot.md"

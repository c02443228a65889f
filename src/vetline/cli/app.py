"""The Typer application every command module registers on; thin: parse, call the domain, print."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console

app = typer.Typer(
    name="vetline",
    help="Vet a membership surge fairly, fast and lawfully.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
console = Console()
err_console = Console(stderr=True)


def print_json(data: Any) -> None:
    """Machine-readable output for --json: plain JSON on stdout, nothing else."""
    typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))

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
# markup off: names, reasons and file contents are data, never Rich markup ("[link=…]");
# the few styled lines opt in with markup=True and escape what they interpolate
console = Console(markup=False)
err_console = Console(stderr=True, markup=False)


def print_json(data: Any) -> None:
    """Machine-readable output for --json: plain JSON on stdout, nothing else."""
    typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))

"""`vetline serve`: the web app and JSON API on uvicorn."""

from __future__ import annotations

import os

import typer

from vetline.cli.app import app, console


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    workers: int = typer.Option(
        1, "--workers", help="Worker processes (PostgreSQL for >1; see docs/web.md on latency)."
    ),
    access_log: bool = typer.Option(
        False,
        "--access-log/--no-access-log",
        help="Log every request line (off by default: a reverse proxy logs them, and it costs "
        "CPU on every request; changes are in the audit log).",
    ),
    warm_up: bool = typer.Option(
        True,
        "--warm-up/--no-warm-up",
        help="Read (or first build) the screening indexes of the lists and the membership "
        "before listening, so the first submitted application is not kept waiting.",
    ),
) -> None:
    """Start the web app (pages at /, JSON API under /api/, schema at /openapi.json).

    Example: vetline serve --port 8000, then open http://127.0.0.1:8000/login
    """
    import uvicorn

    from vetline.web import create_app
    from vetline.web.config import web_settings

    web_settings()  # fail early on bad config; creates the signing key before workers fork
    create_app()  # migrates the database once, before serving
    if warm_up:
        _warm_up()
    console.print(
        f"vetline on http://{host}:{port}/login  (API schema: http://{host}:{port}/openapi.json)"
    )
    if workers > 1:
        if warm_up:  # each worker reads the indexes into its own memory (vetline.web.asgi)
            os.environ["VETLINE_WARM_UP"] = "1"
        uvicorn.run(
            "vetline.web.asgi:app",
            host=host,
            port=port,
            workers=workers,
            log_level="info" if access_log else "warning",
            access_log=access_log,
        )
    else:
        uvicorn.run(create_app(), host=host, port=port, log_level="info", access_log=access_log)


def _warm_up() -> None:
    """Load the single-application indexes now rather than in the first submission.

    With several workers each process still loads them on its first submission, but the
    stored index on disk is built (or checked) here, once.
    """
    import time

    from vetline import instant
    from vetline.db import session_scope

    start = time.perf_counter()
    with console.status("loading the screening indexes (lists, members)"), session_scope() as s:
        instant.warm_up(s)
    console.print(f"screening indexes ready in {time.perf_counter() - start:.1f}s")

"""Module-level app for `uvicorn vetline.web.asgi:app` (and `vetline serve --workers N`).

`vetline serve --workers N` sets VETLINE_WARM_UP=1: each worker process then reads the
screening indexes into memory in a background thread as it starts, so the first submission a
worker gets does not wait seconds for them (the serving parent's warm-up only builds or checks
them on disk; every worker holds its own copy in memory).
"""

from __future__ import annotations

import logging
import os
import threading

from vetline.web import create_app

log = logging.getLogger(__name__)


def _warm_up() -> None:
    from vetline import instant
    from vetline.db import session_scope

    try:
        with session_scope() as session:
            instant.warm_up(session)
    except Exception:  # the first submission loads them instead
        log.exception("warming up the screening indexes failed")


app = create_app()
if os.environ.get("VETLINE_WARM_UP") == "1":
    threading.Thread(target=_warm_up, name="vetline-warm-up", daemon=True).start()

"""One place for configuration: VETLINE_* environment variables with working defaults.

Read at call time (not import time) so tests and the CLI can point at another database by
setting the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    db_url: str
    match_engine: str
    review_threshold: float
    secret_key: str
    outbox_dir: Path
    rulebook: str


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        from vetline.errors import ConfigError

        raise ConfigError(f"{name}={raw!r} is not a number") from exc


def get_settings() -> Settings:
    """Build the settings from the environment (VETLINE_DATA_DIR, VETLINE_DB_URL, ...)."""
    data_dir = Path(os.environ.get("VETLINE_DATA_DIR", "vetline-data")).resolve()
    db_url = os.environ.get("VETLINE_DB_URL") or f"sqlite:///{data_dir / 'vetline.db'}"
    return Settings(
        data_dir=data_dir,
        db_url=db_url,
        match_engine=os.environ.get("VETLINE_MATCH_ENGINE", "duckdb"),
        review_threshold=_float("VETLINE_REVIEW_THRESHOLD", 0.05),
        secret_key=os.environ.get("VETLINE_SECRET_KEY", ""),
        outbox_dir=Path(os.environ.get("VETLINE_OUTBOX_DIR", str(data_dir / "outbox"))),
        # a bundled rulebook name (see `vetline rulebook list`) or a path to a YAML file
        rulebook=os.environ.get("VETLINE_RULEBOOK", "labour-2016"),
    )

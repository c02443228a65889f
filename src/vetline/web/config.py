"""Web-only settings on top of vetline.settings: cookie flags, the signing key, login limits."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from vetline.settings import Settings, get_settings


@dataclass(frozen=True)
class WebSettings:
    core: Settings
    secret_key: str
    # "auto": Secure cookies whenever the request came over https (plain http on loopback works)
    cookie_secure: str
    session_max_age: int
    login_max_failures: int
    login_window_seconds: int


def _secret_key(core: Settings) -> str:
    """VETLINE_SECRET_KEY, else one generated once and kept (0600) in the data dir.

    Kept on disk so sessions survive a restart and several workers share one key.
    """
    if core.secret_key:
        return core.secret_key
    path = core.data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def web_settings(core: Settings | None = None) -> WebSettings:
    core = core or get_settings()
    return WebSettings(
        core=core,
        secret_key=_secret_key(core),
        cookie_secure=os.environ.get("VETLINE_COOKIE_SECURE", "auto").lower(),
        session_max_age=int(os.environ.get("VETLINE_SESSION_MAX_AGE", str(8 * 3600))),
        login_max_failures=int(os.environ.get("VETLINE_LOGIN_MAX_FAILURES", "5")),
        login_window_seconds=int(os.environ.get("VETLINE_LOGIN_WINDOW_SECONDS", "900")),
    )

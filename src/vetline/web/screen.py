"""Screen one just-submitted application at once, through the screening pipeline."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vetline.db.people import Application
from vetline.screening import screen_applications


def screen_now(session: Session, application: Application, *, actor: str) -> None:
    """Screen `application` now (hits, then the rulebook's outcome) in the caller's transaction."""
    screen_applications(session, application_ids=[application.id], actor=actor)
    session.refresh(application)

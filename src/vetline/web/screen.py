"""Screen one just-submitted application at once: matching, then the rulebook's outcome.

Uses the screening pipeline restricted to this one application; when matching offers a
stored-index single-applicant path, this is the one place to switch to it.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session

from vetline.db.people import Application
from vetline.outcomes import decide_outcomes
from vetline.rulebook import load_rulebook
from vetline.rulebook.model import Rulebook
from vetline.screening import screen_applications


@lru_cache(maxsize=8)
def _rulebook(name: str) -> Rulebook:
    return load_rulebook(name)


def screen_now(session: Session, application: Application, *, actor: str, rulebook: str) -> None:
    """Screen `application` now and route it by `rulebook`, in the caller's transaction."""
    screen_applications(session, application_ids=[application.id], actor=actor)
    decide_outcomes(session, [application.id], rulebook=_rulebook(rulebook), actor=actor)
    session.flush()
    session.refresh(application)

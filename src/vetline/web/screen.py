"""Screen one just-submitted application at once: matching, then the rulebook's outcome.

Uses the single-applicant path (vetline.instant): a stored index of the lists and members,
looked up by the applicant's blocking keys, instead of a batch job.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from vetline.db.people import Application
from vetline.instant import screen_one_application
from vetline.outcomes import decide_outcomes
from vetline.rulebook import load_rulebook
from vetline.rulebook.model import Rulebook


@lru_cache(maxsize=8)
def _rulebook(name: str) -> Rulebook:
    return load_rulebook(name)


def screen_now(session: Session, application: Application, *, actor: str, rulebook: str) -> None:
    """Screen `application` now and route it by `rulebook`, in the caller's transaction."""
    screen_one_application(session, application, actor=actor)
    decide_outcomes(
        session,
        [application.id],
        rulebook=_rulebook(rulebook),
        actor=actor,
        applications=[application],
    )
    session.flush()
    # no refresh: the row's screened status and times came back with record_screening's
    # UPDATE and routing set the rest through the ORM (tests/test_api.py: the response equals
    # a later GET of the application)
    stale = inspect(application).expired_attributes
    if stale:  # not expected; read back what was expired rather than answer with stale data
        session.refresh(application, attribute_names=list(stale))

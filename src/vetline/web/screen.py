"""Screen one just-submitted application at once: matching, then the rulebook's outcome.

Uses the single-applicant path (vetline.instant): a stored index of the lists and members,
looked up by the applicant's blocking keys, instead of a batch job.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from vetline.db.inserted import inserted_here, update_inserted
from vetline.db.people import Application
from vetline.db.review import ScreeningOutcome
from vetline.db.screening import Hit
from vetline.instant import screen_one_application
from vetline.outcomes import decide_outcomes
from vetline.rulebook import load_rulebook
from vetline.rulebook.model import Rulebook


@lru_cache(maxsize=8)
def _rulebook(name: str) -> Rulebook:
    return load_rulebook(name)


@dataclass(frozen=True)
class Screened:
    """What an application inserted in this transaction has after its screening, known
    without reading it back: its hits (None: some were stored, read them), its outcome row,
    its cases (the one routing opened, if any)."""

    hits: list[Hit] | None
    outcome: ScreeningOutcome
    case_ids: list[int]


def screen_now(
    session: Session,
    application: Application,
    *,
    actor: str,
    rulebook: str,
) -> Screened | None:
    """Screen `application` now and route it by `rulebook`, in the caller's transaction.

    When this transaction inserted it (a new submission: vetline.db.inserted), no case,
    outcome or hit of anyone else's can be on it: routing looks for none, and what it has is
    returned.
    """
    inserted_now = inserted_here(session, application)
    screened = screen_one_application(session, application, actor=actor)
    without_hits = [application.id] if inserted_now and not screened.hits else []
    decided = decide_outcomes(
        session,
        [application.id],
        rulebook=_rulebook(rulebook),
        actor=actor,
        applications=[application],
        inserted_now=inserted_now,
        without_hits=without_hits,
        register_checked=screened.register_checked,
    )
    # a new submission's row: its screened status and times in one Core UPDATE (no unit of
    # work) when nothing else waits to be written; else the flush writes it all
    if not (
        inserted_now
        and not session.new
        and not session.deleted
        and len(session.dirty) == 1
        and application in session.dirty
        and update_inserted(session, application)
    ):
        session.flush()
    # no refresh: the row's screened status and times came back with record_screening's
    # UPDATE and routing set the rest through the ORM (tests/test_api.py: the response equals
    # a later GET of the application)
    stale = inspect(application).expired_attributes
    if stale:  # not expected; read back what was expired rather than answer with stale data
        session.refresh(application, attribute_names=list(stale))
    outcome = decided.recorded.get(application.id)
    if not inserted_now or outcome is None:
        return None
    opened = decided.opened.get(application.id)
    return Screened(
        hits=[] if without_hits else None,
        outcome=outcome,
        case_ids=[] if opened is None else [opened],
    )

"""Who may touch a case: role, declared conflicts, and for appeals, no one involved before."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetline.db.review import Case, CaseKind, ConflictOfInterest, Decision, User
from vetline.errors import NotFound, PermissionDenied
from vetline.users import Permission, require


def load_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def related_case_ids(case: Case) -> list[int]:
    """The case and, for an appeal, the case it appeals: a conflict on either counts."""
    return [case.id] + ([case.appeal_of_case_id] if case.appeal_of_case_id else [])


def is_conflicted(session: Session, case: Case, user: User) -> bool:
    return (
        session.scalar(
            select(ConflictOfInterest.id).where(
                ConflictOfInterest.user_id == user.id,
                ConflictOfInterest.case_id.in_(related_case_ids(case)),
            )
        )
        is not None
    )


def involved_in_original(session: Session, case: Case, user: User) -> bool:
    """For an appeal: did this user claim or decide anything on the original case?"""
    if case.kind != CaseKind.APPEAL or case.appeal_of_case_id is None:
        return False
    original = session.get(Case, case.appeal_of_case_id)
    if original is not None and original.claimed_by_id == user.id:
        return True
    return (
        session.scalar(
            select(Decision.id).where(
                Decision.case_id == case.appeal_of_case_id, Decision.actor_id == user.id
            )
        )
        is not None
    )


def check_may_work(session: Session, case: Case, user: User, permission: str) -> None:
    """Refuse when the role, a declared conflict or earlier involvement rules the user out."""
    require(user, permission)
    if is_conflicted(session, case, user):
        raise PermissionDenied(
            f"{user.name} declared a conflict of interest on case {case.id} and is kept off it"
        )
    if involved_in_original(session, case, user):
        raise PermissionDenied(
            f"{user.name} was involved in the original case {case.appeal_of_case_id}; an appeal "
            "must be heard by someone not involved before"
        )


__all__ = [
    "Permission",
    "check_may_work",
    "involved_in_original",
    "is_conflicted",
    "load_case",
    "related_case_ids",
]

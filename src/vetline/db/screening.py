"""Screening runs and the hits they found; every hit carries its explanation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vetline.db.base import Base, UTCDateTime, utcnow


class ScreeningRun(Base):
    __tablename__ = "screening_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    engine: Mapped[str] = mapped_column(String(20))
    model_version: Mapped[str] = mapped_column(String(40))
    review_threshold: Mapped[float] = mapped_column(Float)
    trigger: Mapped[str] = mapped_column(String(40), default="intake")  # intake | list-version
    applications: Mapped[int] = mapped_column(Integer, default=0)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    actor: Mapped[str | None] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class HitTarget:
    REFERENCE = "reference"  # an entry on a reference list
    MEMBER = "member"  # duplicate of an existing member
    APPLICATION = "application"  # duplicate of another application


# exactly one subject: the person screened is an application or an existing member
ONE_SUBJECT = (
    "(application_id IS NOT NULL AND subject_member_id IS NULL) OR "
    "(application_id IS NULL AND subject_member_id IS NOT NULL)"
)


class Hit(Base):
    """A candidate pair at or above the review threshold: a score, never a verdict.

    The subject is an application (`application_id`) or, when a list's new version is
    screened against the membership, an existing member (`subject_member_id`). A member hit
    is for people to review: nothing changes a membership automatically.
    """

    __tablename__ = "hits"
    __table_args__ = (
        Index("ix_hits_application", "application_id", "target"),
        CheckConstraint(ONE_SUBJECT, name="one_subject"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("screening_runs.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    subject_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    target: Mapped[str] = mapped_column(String(20))
    list_id: Mapped[int | None] = mapped_column(ForeignKey("reference_lists.id"))
    list_version: Mapped[int | None] = mapped_column(Integer)
    # set when the hit appeared because a new list version added or changed the entry
    new_in_version: Mapped[int | None] = mapped_column(Integer)
    reference_entry_id: Mapped[int | None] = mapped_column(ForeignKey("reference_entries.id"))
    # for target "member": the member an application duplicates (not the subject)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    other_application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(20))
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # sha256 over both records' content hashes: decision memory keys on it
    pair_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # set when the application was re-screened after its content changed, or when a member
    # hit's entry changed or left the list: the hit stays as history (decisions may cite it)
    # but no longer counts as evidence
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

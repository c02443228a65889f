"""Review: users, rulebooks, screening outcomes, cases and their append-only decisions, notices,
responses, decision memory and the hash-chained audit trail.

Human judgements are rows that are never updated: a new decision supersedes an older one, so the
history of a case is its record. A case row only carries the working state (status, who holds it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from vetline.db.base import Base, UTCDateTime, utcnow


class Role:
    REVIEWER = "reviewer"
    SENIOR = "senior"  # senior reviewer: the second pair of eyes on adverse outcomes
    ADMIN = "admin"  # manages users; does not decide cases
    AUDITOR = "auditor"  # read-only
    ALL = (REVIEWER, SENIOR, ADMIN, AUDITOR)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    # argon2id hash (argon2-cffi); null for users who only act through the CLI
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RulebookRecord(Base):
    """The exact text of every rulebook version ever applied; outcomes point at it."""

    __tablename__ = "rulebooks"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_rulebooks_name_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutcomeKind:
    ADMIT = "admit"
    PROVISIONAL = "provisional"
    FIX_IT = "fix_it"  # administrative track: a notice with a deadline
    REFER = "refer"  # conduct track: a case for people to decide
    ALL = (ADMIT, PROVISIONAL, FIX_IT, REFER)


class Track:
    ADMINISTRATIVE = "administrative"
    CONDUCT = "conduct"
    ALL = (ADMINISTRATIVE, CONDUCT)


class ScreeningOutcome(Base):
    """What the rulebook made of one application's screening facts (append-only; latest wins)."""

    __tablename__ = "screening_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    # set instead when a member hit was put to the rulebook (vetline.cases.members)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    rulebook_id: Mapped[int] = mapped_column(ForeignKey("rulebooks.id"))
    rulebook_version: Mapped[str] = mapped_column(String(40))
    clause_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    outcome: Mapped[str] = mapped_column(String(20))
    track: Mapped[str | None] = mapped_column(String(20))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    evidence_hit_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # fix-it: respond by; provisional: end of the provisional period
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseKind:
    REVIEW = "review"
    APPEAL = "appeal"


class CaseStatus:
    AWAITING_RESPONSE = "awaiting_response"  # administrative: fix-it notice out, deadline running
    OPEN = "open"  # in the queue
    CLAIMED = "claimed"  # one reviewer holds it
    PROPOSED = "proposed"  # an adverse proposal waits for a senior's approval
    CLOSED = "closed"
    ALL = (AWAITING_RESPONSE, OPEN, CLAIMED, PROPOSED, CLOSED)


# exactly one subject: a case is about an application or about an existing member
ONE_CASE_SUBJECT = (
    "(application_id IS NOT NULL AND member_id IS NULL) OR "
    "(application_id IS NULL AND member_id IS NOT NULL)"
)


class Case(Base):
    """A review (or appeal) of one application, or of one existing member a hit flagged."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_queue", "status", "track"),
        CheckConstraint(ONE_CASE_SUBJECT, name="one_subject"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=CaseKind.REVIEW)
    track: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.OPEN)
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("screening_outcomes.id"))
    appeal_of_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    rulebook_version: Mapped[str] = mapped_column(String(40))
    clause_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    evidence_hit_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    evidence_score: Mapped[float] = mapped_column(Float, default=0.0)  # best hit score
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    final_outcome: Mapped[str | None] = mapped_column(String(20))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DecisionKind:
    PROPOSAL = "proposal"  # an adverse outcome proposed; waits for a senior
    APPROVAL = "approval"  # the senior's approval of a proposal: final
    RETURN = "return"  # the senior sends the proposal back, with a reason
    DECISION = "decision"  # a non-adverse outcome decided by one reviewer: final
    BULK = "bulk"  # administrative track confirmed in bulk after the deadline: final


class CaseOutcome:
    ADMIT = "admit"  # not the same person / no breach / fixed in time
    REJECT = "reject"  # application refused
    EXCLUDE = "exclude"  # auto-exclusion rule applies (e.g. stood against the party)
    UPHOLD = "uphold"  # appeal: the original decision stands
    OVERTURN = "overturn"  # appeal: the original decision is replaced by admission
    ADVERSE = (REJECT, EXCLUDE, UPHOLD)
    REVIEW = (ADMIT, REJECT, EXCLUDE)
    APPEAL = (UPHOLD, OVERTURN)


class Decision(Base):
    """One human judgement on a case; never updated. `is_final` rows are what counts."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))
    is_final: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text)
    clause_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rulebook_version: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Appeal(Base):
    """Links an appeal case to the decision it contests (which itself stays unchanged)."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    original_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    original_decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    grounds: Mapped[str] = mapped_column(Text)
    lodged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConflictOfInterest(Base):
    """A declared conflict of interest: the user is kept off the case (and its appeals)."""

    __tablename__ = "conflicts"
    __table_args__ = (UniqueConstraint("case_id", "user_id", name="uq_conflicts_case_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notice(Base):
    """A rendered letter/email in the outbox (nothing is really sent)."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(10))  # email | letter
    recipient: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    clause_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    rulebook_version: Mapped[str] = mapped_column(String(40))
    respond_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Response(Base):
    """What the applicant said back, recorded on the case."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))
    body: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(20), default="email")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class ClearedPair(Base):
    """Decision memory: a hit judged 'not the same person'; keyed on both records' content."""

    __tablename__ = "cleared_pairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_hash: Mapped[str] = mapped_column(String(64), unique=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    hit_id: Mapped[int] = mapped_column(ForeignKey("hits.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    cleared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    cleared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BulkConfirmation(Base):
    """An administrative-track batch past its deadline: prepared by one person (with a random
    sample to check), confirmed by a different senior."""

    __tablename__ = "bulk_confirmations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cutoff_at: Mapped[datetime] = mapped_column(UTCDateTime)
    case_ids: Mapped[list[int]] = mapped_column(JSON)
    sample_case_ids: Mapped[list[int]] = mapped_column(JSON)
    prepared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """One link of a hash chain: `hash` covers every field and the previous event's hash.

    `seq` is the position in its chain (`chain`); `id` is the global order of events.
    """

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("chain", "seq", name="uq_audit_events_chain_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # no Python-side default: audit.record sets it, and inserts that do not (the tests' forged
    # events, rows written by code older than chains) get the database's 0
    chain: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(60))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    rulebook_version: Mapped[str | None] = mapped_column(String(40))
    score: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


__all__ = [
    "Appeal",
    "AuditEvent",
    "BulkConfirmation",
    "Case",
    "CaseKind",
    "CaseOutcome",
    "CaseStatus",
    "ClearedPair",
    "ConflictOfInterest",
    "Decision",
    "DecisionKind",
    "Notice",
    "OutcomeKind",
    "Response",
    "Role",
    "RulebookRecord",
    "ScreeningOutcome",
    "Track",
    "User",
]

"""Who may vote: each person checked against franchise rules at a snapshot date, with reasons.

Pure: it takes plain `Person` records (the loader in `ballot.loader` reads them from the
database), so the rules can be tested by hand on a few people and re-run on any copy of the data.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from vetline.ballot.rules import CategoryRule, FranchiseRules, OpenMatter

Eligible = Literal["yes", "no", "pending"]


class Reason:
    """Reason codes for everyone left out (or pending), in the order the primary one is chosen."""

    NOT_YET_JOINED = "not_yet_joined"  # joined/applied after the snapshot date
    CATEGORY_NOT_ENFRANCHISED = "category_not_enfranchised"
    JOINED_AFTER_FREEZE = "joined_after_freeze"
    TENURE_SHORT = "tenure_short"
    CATEGORY_WINDOW = "category_window"  # signed up outside the category's window
    APPLICATION_REJECTED = "application_rejected"
    APPLICATION_WITHDRAWN = "application_withdrawn"
    NOT_IN_GOOD_STANDING = "not_in_good_standing"  # suspended, expelled, excluded, ...
    LAPSED = "lapsed"  # lapsed, and not within the grace period
    ARREARS = "arrears"  # paid_until plus grace is before the snapshot
    PAYMENT_FAILED = "payment_failed"
    FEE_UNPAID = "fee_unpaid"
    UNDER_AGE = "under_age"
    AGE_UNKNOWN = "age_unknown"
    OPEN_CASE = "open_case"
    VETTING_PENDING = "vetting_pending"  # application not yet admitted or rejected
    ORDER = (
        NOT_YET_JOINED,
        CATEGORY_NOT_ENFRANCHISED,
        JOINED_AFTER_FREEZE,
        TENURE_SHORT,
        CATEGORY_WINDOW,
        APPLICATION_REJECTED,
        APPLICATION_WITHDRAWN,
        NOT_IN_GOOD_STANDING,
        LAPSED,
        ARREARS,
        PAYMENT_FAILED,
        FEE_UNPAID,
        UNDER_AGE,
        AGE_UNKNOWN,
        OPEN_CASE,
        VETTING_PENDING,
    )


@dataclass(frozen=True)
class Person:
    """One person the franchise considers: an existing member or a surge application."""

    kind: Literal["member", "application"]
    id: str
    category: str
    joined_at: datetime  # joined_at for members, applied_at for applications
    status: str
    date_of_birth: date | None = None
    paid_until: date | None = None
    status_changed_at: datetime | None = None
    payment_status: str | None = None
    open_case: bool = False

    def canonical(self) -> list[str]:
        """The fields the franchise reads, as text: the snapshot's input hash covers them."""
        return [
            self.kind,
            self.id,
            self.category,
            self.joined_at.astimezone(UTC).isoformat(),
            self.status,
            self.date_of_birth.isoformat() if self.date_of_birth else "",
            self.paid_until.isoformat() if self.paid_until else "",
            self.status_changed_at.astimezone(UTC).isoformat() if self.status_changed_at else "",
            self.payment_status or "",
            "1" if self.open_case else "0",
        ]


@dataclass(frozen=True)
class Verdict:
    person: Person
    eligible: Eligible
    reason: str  # the primary reason ('' when eligible)
    reasons: tuple[str, ...]  # every reason that applies, hard ones first


def months_before(day: date, months: int) -> date:
    """The same calendar day `months` earlier, clamped to the month's end (31 May - 3 = 28 Feb)."""
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _cut_off_reasons(person: Person, rule: CategoryRule, at: date) -> list[str]:
    joined = _utc_day(person.joined_at)
    out = []
    if rule.freeze_date is not None and joined > rule.freeze_date:
        out.append(Reason.JOINED_AFTER_FREEZE)
    if rule.minimum_tenure is not None:
        tenure = rule.minimum_tenure
        if tenure.days is not None:
            latest = date.fromordinal(at.toordinal() - tenure.days)
        else:
            latest = months_before(at, tenure.months or 0)
        if joined > latest:
            out.append(Reason.TENURE_SHORT)
    if rule.window is not None and not (
        rule.window.opens <= person.joined_at <= rule.window.closes
    ):
        out.append(Reason.CATEGORY_WINDOW)
    return out


def _standing_reasons(person: Person, rules: FranchiseRules, at: date) -> tuple[list[str], bool]:
    """Hard reasons from status, and whether the person is an application still being vetted."""
    if person.kind == "application":
        if person.status in rules.admitted_application_statuses:
            return [], False
        if person.status == "rejected":
            return [Reason.APPLICATION_REJECTED], False
        if person.status == "withdrawn":
            return [Reason.APPLICATION_WITHDRAWN], False
        # received / screened / fix_it / referred: not decided yet (a referral is an open case)
        return [], person.status != "referred"
    if person.status in rules.good_standing:
        return [], False
    if person.status == "lapsed":
        grace = rules.lapsed_grace_days
        if grace is not None and person.status_changed_at is not None:
            lapsed_on = _utc_day(person.status_changed_at)
            if (at - lapsed_on).days <= grace:
                return [], False
        return [Reason.LAPSED], False
    return [Reason.NOT_IN_GOOD_STANDING], False


def evaluate(person: Person, rules: FranchiseRules, at: date) -> Verdict:
    """Check one person against the rules on day `at` (UTC calendar days throughout)."""
    hard: list[str] = []
    soft: list[str] = []
    if _utc_day(person.joined_at) > at:
        hard.append(Reason.NOT_YET_JOINED)
    rule = rules.categories.get(person.category)
    if rule is None:
        hard.append(Reason.CATEGORY_NOT_ENFRANCHISED)
        rule = CategoryRule()
    hard += _cut_off_reasons(person, rule, at)
    standing, unvetted = _standing_reasons(person, rules, at)
    hard += standing
    grace = rules.arrears_grace_days
    if (
        grace is not None
        and person.paid_until is not None
        and (at - person.paid_until).days > grace
    ):
        hard.append(Reason.ARREARS)
    if person.kind == "application":
        if person.payment_status == "failed":
            hard.append(Reason.PAYMENT_FAILED)
        elif rule.fee is not None and person.payment_status != "paid":
            hard.append(Reason.FEE_UNPAID)
    minimum_age = rule.minimum_age if rule.minimum_age is not None else rules.minimum_age
    if minimum_age is not None:
        if person.date_of_birth is None:
            if rules.unknown_age == "exclude":
                hard.append(Reason.AGE_UNKNOWN)
        elif age_on(person.date_of_birth, at) < minimum_age:
            hard.append(Reason.UNDER_AGE)
    open_case = person.open_case or (person.kind == "application" and person.status == "referred")
    for flag, policy, code in (
        (open_case, rules.open_case, Reason.OPEN_CASE),
        (unvetted, rules.unvetted_applications, Reason.VETTING_PENDING),
    ):
        if flag and policy == OpenMatter.EXCLUDED:
            hard.append(code)
        elif flag and policy == OpenMatter.PENDING:
            soft.append(code)
    hard.sort(key=Reason.ORDER.index)
    if hard:
        return Verdict(person, "no", hard[0], tuple(hard + soft))
    if soft:
        return Verdict(person, "pending", soft[0], tuple(soft))
    return Verdict(person, "yes", "", ())


def compute(people: Iterable[Person], rules: FranchiseRules, at: date) -> list[Verdict]:
    """Every person's verdict, in a stable order (members then applications, by id)."""
    ordered = sorted(people, key=lambda p: (p.kind != "member", p.id))
    return [evaluate(p, rules, at) for p in ordered]

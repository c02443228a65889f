"""Electorates computed by hand on small fixtures, one per shipped rule set.

Each table lists people and the verdict worked out by reading the YAML: freeze dates, tenure,
grace periods, categories, fees and windows, ages and open cases.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from vetline.ballot import Person, load_rules, take
from vetline.ballot.electorate import age_on, evaluate, months_before

BST = timezone(timedelta(hours=1))


def member(pid: str, joined: str, **kw: object) -> Person:
    at = datetime.fromisoformat(joined)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return Person(
        kind="member",
        id=pid,
        category=str(kw.pop("category", "member")),
        joined_at=at,
        status=str(kw.pop("status", "current")),
        **kw,
    )  # type: ignore[arg-type]


def applicant(pid: str, applied: str, **kw: object) -> Person:
    at = datetime.fromisoformat(applied)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return Person(
        kind="application",
        id=pid,
        category=str(kw.pop("category", "member")),
        joined_at=at,
        status=str(kw.pop("status", "admitted")),
        **kw,
    )  # type: ignore[arg-type]


def verdicts(
    rules_name: str, people: list[Person], at: date | None = None
) -> dict[str, tuple[str, str]]:
    rules = load_rules(rules_name)
    snap = take(people, rules, at or rules.reference_date)  # type: ignore[arg-type]
    return {v.person.id: (v.eligible, v.reason) for v in snap.verdicts}


def test_labour_2016_freeze_date_categories_window_fee_age_arrears_open_case() -> None:
    people = [
        member("m-old", "2010-05-01", paid_until=date(2016, 12, 31)),
        member("m-freeze-day", "2016-01-12T23:59:00"),  # on the freeze date: in
        member("m-after-freeze", "2016-01-13T00:01:00"),
        member("m-suspended", "2012-01-01", status="suspended"),
        member("m-arrears", "2012-01-01", paid_until=date(2016, 8, 21)),  # one day short
        member("m-paid-to-day", "2012-01-01", paid_until=date(2016, 8, 22)),
        member("m-13", "2015-01-01", date_of_birth=date(2002, 8, 23)),  # 14 tomorrow
        member("m-14", "2015-01-01", date_of_birth=date(2002, 8, 22)),  # 14 today
        applicant("a-surge", "2016-07-12T09:30:00"),
        applicant(
            "rs-in-window",
            "2016-07-19T10:00:00+01:00",
            category="registered_supporter",
            payment_status="paid",
            date_of_birth=date(1980, 1, 1),
        ),
        applicant(
            "rs-window-opens",
            "2016-07-18T16:00:00Z",
            category="registered_supporter",
            payment_status="paid",
        ),  # 17:00 BST exactly: inside (inclusive)
        applicant(
            "rs-too-late",
            "2016-07-20T17:00:01+01:00",
            category="registered_supporter",
            payment_status="paid",
        ),
        applicant(
            "rs-unpaid",
            "2016-07-19T10:00:00+01:00",
            category="registered_supporter",
            payment_status="pending",
        ),
        applicant(
            "rs-failed",
            "2016-07-19T10:00:00+01:00",
            category="registered_supporter",
            payment_status="failed",
        ),
        applicant(
            "rs-17",
            "2016-07-19T10:00:00+01:00",
            category="registered_supporter",
            payment_status="paid",
            date_of_birth=date(1999, 1, 1),
        ),
        applicant("af-ok", "2016-08-01", category="affiliated_supporter"),
        applicant("af-late", "2016-08-09", category="affiliated_supporter"),
        applicant(
            "rs-referred",
            "2016-07-19T10:00:00+01:00",
            category="registered_supporter",
            payment_status="paid",
            status="referred",
        ),
        applicant(
            "rs-unvetted",
            "2016-07-19T10:00:00+01:00",
            category="registered_supporter",
            payment_status="paid",
            status="screened",
        ),
        applicant(
            "rs-rejected",
            "2016-07-19T10:00:00+01:00",
            category="registered_supporter",
            payment_status="paid",
            status="rejected",
        ),
        member("m-case", "2011-01-01", open_case=True),
        applicant("a-after-snapshot", "2016-08-23"),
    ]
    assert verdicts("labour-2016", people) == {
        "m-old": ("yes", ""),
        "m-freeze-day": ("yes", ""),
        "m-after-freeze": ("no", "joined_after_freeze"),
        "m-suspended": ("no", "not_in_good_standing"),
        "m-arrears": ("no", "arrears"),
        "m-paid-to-day": ("yes", ""),
        "m-13": ("no", "under_age"),
        "m-14": ("yes", ""),
        "a-surge": ("no", "joined_after_freeze"),
        "rs-in-window": ("yes", ""),
        "rs-window-opens": ("yes", ""),
        "rs-too-late": ("no", "category_window"),
        "rs-unpaid": ("no", "fee_unpaid"),
        "rs-failed": ("no", "payment_failed"),
        "rs-17": ("no", "under_age"),
        "af-ok": ("yes", ""),
        "af-late": ("no", "joined_after_freeze"),
        "rs-referred": ("no", "open_case"),  # Labour: open case -> excluded
        "rs-unvetted": ("pending", "vetting_pending"),
        "rs-rejected": ("no", "application_rejected"),
        "m-case": ("no", "open_case"),
        "a-after-snapshot": ("no", "not_yet_joined"),
    }


def test_labour_2015_one_month_freeze_and_three_pound_supporters() -> None:
    people = [
        member("m-in", "2015-08-12T11:00:00"),
        member("m-out", "2015-08-13"),
        applicant("rs-in", "2015-08-01", category="registered_supporter", payment_status="paid"),
        applicant(
            "rs-16",
            "2015-08-01",
            category="registered_supporter",
            payment_status="paid",
            date_of_birth=date(1999, 6, 1),
        ),
        applicant("a-provisional", "2015-07-01", status="provisional"),
        applicant("a-fixit", "2015-07-01", status="fix_it"),
    ]
    assert verdicts("labour-2015", people) == {
        "m-in": ("yes", ""),
        "m-out": ("no", "not_yet_joined"),  # after the 12 Aug snapshot too
        "rs-in": ("yes", ""),
        "rs-16": ("no", "under_age"),
        "a-provisional": ("yes", ""),
        "a-fixit": ("pending", "vetting_pending"),
    }
    # On a later date the same late joiner is caught by the freeze, not by the snapshot date.
    assert verdicts("labour-2015", [member("m-out", "2015-08-13")], date(2015, 9, 10)) == {
        "m-out": ("no", "joined_after_freeze")
    }


def test_conservative_2022_three_calendar_months() -> None:
    # Snapshot 2022-09-02: three months earlier is 2022-06-02; joined on or before it qualifies.
    people = [
        member("m-on-cutoff", "2022-06-02T20:00:00"),
        member("m-day-late", "2022-06-03"),
        member(
            "m-lapsed",
            "2020-01-01",
            status="lapsed",
            status_changed_at=datetime(2022, 8, 30, tzinfo=UTC),
        ),
        member("m-arrears", "2020-01-01", paid_until=date(2022, 9, 1)),
        member("rs", "2020-01-01", category="registered_supporter"),
        member("m-15", "2020-01-01", date_of_birth=date(2007, 9, 2)),
        applicant("a-admitted", "2022-05-01"),
        applicant("a-provisional", "2022-05-01", status="provisional"),  # not admitted yet
        applicant("a-screened", "2022-05-01", status="screened"),
    ]
    assert verdicts("conservative-2022", people) == {
        "m-on-cutoff": ("yes", ""),
        "m-day-late": ("no", "tenure_short"),
        "m-lapsed": ("no", "lapsed"),  # no lapsed grace for the Conservatives
        "m-arrears": ("no", "arrears"),
        "rs": ("no", "category_not_enfranchised"),
        "m-15": ("yes", ""),
        "a-admitted": ("yes", ""),
        "a-provisional": ("no", "vetting_pending"),
        "a-screened": ("no", "vetting_pending"),
    }


def test_conservative_2024_ninety_days_not_three_months() -> None:
    # Snapshot 2024-10-31: 90 days earlier is 2024-08-02; three months earlier would be 07-31.
    people = [
        member("m-aug-02", "2024-08-02"),
        member("m-aug-03", "2024-08-03"),
        member("m-jul-31", "2024-07-31"),
    ]
    assert verdicts("conservative-2024", people) == {
        "m-aug-02": ("yes", ""),
        "m-aug-03": ("no", "tenure_short"),
        "m-jul-31": ("yes", ""),
    }
    # Under the 2022 rule (three months) on the same date, 1 and 2 August are both too late.
    assert verdicts("conservative-2022", people, date(2024, 10, 31)) == {
        "m-aug-02": ("no", "tenure_short"),
        "m-aug-03": ("no", "tenure_short"),
        "m-jul-31": ("yes", ""),
    }


def test_libdem_lapsed_within_grace_and_open_case_pending() -> None:
    at = date(2020, 7, 16)
    people = [
        member("m-current", "2020-07-15"),
        member(
            "m-lapsed-92",
            "2010-01-01",
            status="lapsed",
            status_changed_at=datetime(2020, 4, 15, 12, tzinfo=UTC),
        ),  # 92 days before
        member(
            "m-lapsed-93",
            "2010-01-01",
            status="lapsed",
            status_changed_at=datetime(2020, 4, 14, tzinfo=UTC),
        ),
        member("m-lapsed-unknown", "2010-01-01", status="lapsed"),
        member(
            "m-expelled",
            "2010-01-01",
            status="expelled",
            status_changed_at=datetime(2020, 7, 1, tzinfo=UTC),
        ),
        member("m-case", "2010-01-01", open_case=True),
        member("m-case-expelled", "2010-01-01", status="expelled", open_case=True),
        member("m-child", "2019-01-01", date_of_birth=date(2012, 1, 1)),  # no minimum age
        member("m-arrears", "2010-01-01", paid_until=date(2019, 1, 1)),  # no arrears rule
    ]
    assert verdicts("libdem", people, at) == {
        "m-current": ("yes", ""),
        "m-lapsed-92": ("yes", ""),
        "m-lapsed-93": ("no", "lapsed"),
        "m-lapsed-unknown": ("no", "lapsed"),
        "m-expelled": ("no", "not_in_good_standing"),
        "m-case": ("pending", "open_case"),
        "m-case-expelled": ("no", "not_in_good_standing"),
        "m-child": ("yes", ""),
        "m-arrears": ("yes", ""),
    }


def test_every_reason_is_listed_with_hard_reasons_first() -> None:
    rules = load_rules("labour-2016")
    p = applicant(
        "x",
        "2016-07-21T12:00:00+01:00",
        category="registered_supporter",
        payment_status="failed",
        date_of_birth=date(2000, 1, 1),
        open_case=True,
    )
    v = evaluate(p, rules, date(2016, 8, 22))
    assert v.eligible == "no"
    assert v.reasons == ("category_window", "payment_failed", "under_age", "open_case")


def test_unknown_age_can_be_excluded(tmp_path: object) -> None:
    from vetline.ballot import parse_rules

    rules = parse_rules(
        {"name": "t", "minimum_age": 16, "unknown_age": "exclude", "categories": {"member": {}}}
    )
    v = evaluate(member("x", "2020-01-01"), rules, date(2021, 1, 1))
    assert (v.eligible, v.reason) == ("no", "age_unknown")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2022, 9, 2), 3, date(2022, 6, 2)),
        (date(2022, 5, 31), 3, date(2022, 2, 28)),
        (date(2024, 5, 31), 3, date(2024, 2, 29)),
        (date(2022, 2, 15), 3, date(2021, 11, 15)),
        (date(2022, 1, 1), 12, date(2021, 1, 1)),
    ],
)
def test_months_before(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


def test_age_on_birthday_boundaries() -> None:
    assert age_on(date(2000, 2, 29), date(2018, 2, 28)) == 17
    assert age_on(date(2000, 2, 29), date(2018, 3, 1)) == 18
    assert age_on(date(2000, 5, 1), date(2018, 5, 1)) == 18


def test_snapshot_is_reproducible_and_hash_tracks_inputs(tmp_path: object) -> None:
    from pathlib import Path

    base = Path(str(tmp_path))
    rules = load_rules("labour-2016")
    people = [member("b", "2015-01-01"), applicant("a", "2016-07-12"), member("a", "2010-01-01")]
    one = take(people, rules, date(2016, 8, 22))
    two = take(list(reversed(people)), rules, date(2016, 8, 22))
    one.write(base / "1.csv")
    two.write(base / "2.csv")
    assert (base / "1.csv").read_bytes() == (base / "2.csv").read_bytes()
    assert (base / "1.csv.json").read_bytes() == (base / "2.csv.json").read_bytes()
    lines = (base / "1.csv").read_text().splitlines()
    assert lines[0] == "kind,id,category,joined_on,status,eligible,reason,all_reasons"
    assert [ln.split(",")[:2] for ln in lines[1:]] == [
        ["member", "a"],
        ["member", "b"],
        ["application", "a"],
    ]
    changed = take([*people[:2], member("a", "2010-01-02")], rules, date(2016, 8, 22))
    assert changed.inputs_sha256 != one.inputs_sha256
    assert take(people, rules, date(2016, 8, 23)).inputs_sha256 != one.inputs_sha256
    assert (
        take(people, load_rules("labour-2015"), date(2016, 8, 22)).inputs_sha256
        != one.inputs_sha256
    )


def test_hostile_ids_cannot_become_spreadsheet_formulas() -> None:
    rules = load_rules("labour-2016")
    snap = take([member('=HYPERLINK("http://x","y")', "2010-01-01")], rules, date(2016, 8, 22))
    row = snap.csv_text().splitlines()[1]
    assert row.startswith("member,\"'=HYPERLINK(")

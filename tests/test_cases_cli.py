"""The review CLI end to end, acting as named users: list, claim-next, show, propose, approve,
return, appeal, notices list."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, select
from typer.testing import CliRunner

from test_cases_support import make_app, make_entry, make_hit, make_list, make_run, make_users
from vetline.cli import app
from vetline.db import session_scope
from vetline.db.people import ListKind
from vetline.db.review import Case
from vetline.outcomes import decide_outcomes
from vetline.rulebook import load_rulebook


def _setup(engine: Engine) -> int:
    with session_scope(engine) as s:
        make_users(s)
        a = make_app(s, "A1", email="jane@example.org")
        greens = make_list(s, "greens", ListKind.PARTY_MEMBERS)
        make_hit(s, make_run(s), a, entry=make_entry(s, greens, "G1"))
        decide_outcomes(s, [a.id], rulebook=load_rulebook("labour-2016"))
        return s.scalars(select(Case.id)).one()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output + (
        str(result.exception or "") if result.exit_code else ""
    )


def test_cli_review_round_trip(db_url: str, engine: Engine) -> None:
    case_id = _setup(engine)
    code, out = run("cases", "list", "--as", "olu", "--json")
    assert code == 0 and [c["id"] for c in json.loads(out)] == [case_id]
    code, out = run("cases", "claim-next", "--as", "rosa", "--json")
    assert code == 0 and json.loads(out)["id"] == case_id
    code, out = run("cases", "claim-next", "--as", "ravi", "--json")
    assert code == 0 and json.loads(out) == {"id": None}
    code, out = run("cases", "show", str(case_id), "--as", "rosa", "--json")
    detail = json.loads(out)
    assert detail["hits"][0]["record"]["party"] == "Green Party"
    assert detail["clauses"][0]["id"] == "LAB-2.1-other-party"
    code, out = run("cases", "show", str(case_id), "--as", "rosa")
    assert code == 0 and "LAB-2.1-other-party" in out
    code, out = run(
        "cases",
        "propose",
        str(case_id),
        "--outcome",
        "reject",
        "--reason",
        "Membership record matches name and DOB",
        "--as",
        "rosa",
    )
    assert code == 0 and "waits for a different senior" in out
    code, out = run("cases", "approve", str(case_id), "--as", "rosa")
    assert code != 0 and "may not" in out  # a reviewer is not a senior
    code, out = run(
        "cases", "return", str(case_id), "--reason", "Check the address too", "--as", "sam"
    )
    assert code == 0
    code, out = run(
        "cases",
        "propose",
        str(case_id),
        "--outcome",
        "reject",
        "--reason",
        "Address matches as well",
        "--as",
        "rosa",
    )
    assert code == 0
    code, out = run("cases", "approve", str(case_id), "--as", "tess")
    assert code == 0 and "closed" in out
    code, out = run(
        "cases", "appeal", str(case_id), "--grounds", "Not me", "--as", "ravi", "--json"
    )
    assert code == 0
    appeal_id = json.loads(out)["id"]
    code, out = run("cases", "claim-next", "--as", "rosa", "--json")
    assert json.loads(out) == {"id": None}  # rosa decided the original: not for her
    code, out = run("cases", "claim-next", "--as", "ravi", "--json")
    assert json.loads(out)["id"] == appeal_id
    code, out = run("notices", "list", "--as", "olu", "--json")
    kinds = [n["kind"] for n in json.loads(out)]
    assert kinds == ["appeal_received", "decision", "referral"]
    code, out = run("audit", "verify")
    assert code == 0


def test_cli_refuses_unknown_users(db_url: str, engine: Engine) -> None:
    _setup(engine)
    code, out = run("cases", "list", "--as", "nobody")
    assert code != 0 and "no user called 'nobody'" in out


def test_every_review_command_is_documented() -> None:
    import typer.main

    from vetline.cli.audit import audit_app
    from vetline.cli.cases import cases_app, rulebook_app
    from vetline.cli.notices import notices_app
    from vetline.cli.users import users_app

    text = (Path(__file__).parent.parent / "docs" / "rulebook.md").read_text()
    groups = {
        "cases": cases_app,
        "rulebook": rulebook_app,
        "notices": notices_app,
        "audit": audit_app,
        "users": users_app,
    }
    for group, sub in groups.items():
        # the text after "vetline GROUP " on the documentation's command lines
        doc = " ".join(part for part in text.split(f"vetline {group} ")[1:])
        command = typer.main.get_command(sub)
        for name in command.commands:  # type: ignore[attr-defined]
            assert name in doc, f"vetline {group} {name} is not in docs/rulebook.md"
            assert command.commands[name].help, f"vetline {group} {name} has no help"  # type: ignore[attr-defined]


def test_cli_admin_track_respond_conflict_bulk_and_export(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    from datetime import timedelta

    from vetline.db.base import utcnow

    with session_scope(engine) as s:
        make_users(s)
        make_list(s, "register", ListKind.REGISTER)
        apps = [make_app(s, f"R{i}", first=f"P{i}") for i in range(3)]
        decide_outcomes(
            s,
            [a.id for a in apps],
            rulebook=load_rulebook("labour-2016"),
            now=utcnow() - timedelta(days=30),
        )
        ids = sorted(s.scalars(select(Case.id)))
    code, out = run("cases", "respond", str(ids[0]), "--text", "Registered now", "--as", "rosa")
    assert code == 0, out
    code, out = run("cases", "conflict", str(ids[0]), "--reason", "My brother", "--as", "ravi")
    assert code == 0, out
    code, out = run("cases", "claim-next", "--as", "ravi", "--json")
    assert json.loads(out) == {"id": None}  # the only open case is one ravi is conflicted on
    code, out = run("cases", "list", "--overdue", "--json", "--as", "olu")
    assert sorted(c["id"] for c in json.loads(out)) == ids  # every deadline passed
    code, out = run("cases", "bulk-prepare", "--as", "rosa", "--json", "--seed", "3")
    batch = json.loads(out)
    assert code == 0 and batch["cases"] == 2 and len(batch["sample"]) == 2
    code, out = run("cases", "bulk-confirm", str(batch["batch_id"]), "--as", "sam")
    assert code == 0 and "2 cases closed" in out
    code, out = run("notices", "export", "--out", str(tmp_path / "outbox"), "--as", "olu")
    assert code == 0 and len(list((tmp_path / "outbox").iterdir())) == 5  # 3 fix-its, 2 decisions
    code, out = run("audit", "list", "--json", "--entity", "bulk_confirmation")
    assert [e["action"] for e in json.loads(out)] == ["bulk.confirm", "bulk.prepare"]


def test_cli_extend_provisional(db_url: str, engine: Engine) -> None:
    with session_scope(engine) as s:
        make_users(s)
        a = make_app(s, "P1")
        decide_outcomes(s, [a.id], rulebook=load_rulebook("labour-2016"))
        app_id = a.id
    code, out = run(
        "cases", "extend-provisional", str(app_id), "--reason", "Branch", "--as", "rosa"
    )
    assert code != 0  # reviewers may not
    code, out = run("cases", "extend-provisional", str(app_id), "--reason", "Branch", "--as", "sam")
    assert code == 0 and "provisional until" in out

"""Rulebooks: the shipped examples load, bad files fail with file/line/key, evaluation is pure."""

from __future__ import annotations

import filecmp
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from vetline.cli import app
from vetline.errors import InputError
from vetline.rulebook import (
    DEFAULT_RULEBOOK,
    Facts,
    HitFact,
    evaluate,
    example_names,
    load_rulebook,
    parse_rulebook,
)
from vetline.rulebook.evaluate import SEVERITY

REPO = Path(__file__).parent.parent
GOOD = """\
name: tiny
version: "1"
title: t
party: t
summary: t
effective_from: 2016-01-01
appeal: {lodge_within_days: 28, decide_within_days: 56}
clauses:
  - id: A
    title: other party
    citation: ours
    effective_from: 2016-01-01
    track: conduct
    when:
      hit: {list: party_members, band: possible}
    outcome: refer
    explanation: plain words
"""


def test_shipped_rulebooks_load_and_the_repo_copies_are_the_same_files() -> None:
    assert {"labour-2016", "conservative-2022"} <= set(example_names())
    assert DEFAULT_RULEBOOK in example_names()
    for name in example_names():
        packaged = load_rulebook(name)
        from_repo = load_rulebook(REPO / "rulebooks" / f"{name}.yaml")
        assert packaged.sha256 == from_repo.sha256
        assert filecmp.cmp(
            REPO / "rulebooks" / f"{name}.yaml",
            REPO / "src/vetline/rulebook/examples" / f"{name}.yaml",
            shallow=False,
        )
    labour = load_rulebook("labour-2016")
    assert labour.label == "labour-2016@2016.1"
    assert labour.model.provisional is not None and labour.model.provisional.weeks == 8
    assert labour.model.provisional.extension_weeks == 4
    assert {c.track for c in labour.clauses} == {"conduct", "administrative"}


def test_good_rulebook_parses() -> None:
    rb = parse_rulebook(GOOD, "tiny.yaml")
    assert rb.clause("A").when.hit is not None


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("band: possible", "band: probable", r"line 15, clauses\[0\] \(id A\)\.when\.hit\.band"),
        ("    outcome: refer\n", "    outcome: refer\n    colour: red\n", r"\(id A\)\.colour"),
        (
            "      hit: {list: party_members, band: possible}",
            "      hit: {list: party_members}\n      age_under: 3",
            "exactly one key",
        ),
        ("track: conduct", "track: administrative", "fix_it notice, not a referral"),
        ('version: "1"', 'version: "1 beta"', "version"),
        (
            "effective_from: 2016-01-01\n    track",
            "effective_from: 16/01/2016\n    track",
            r"clauses\[0\] \(id A\)\.effective_from",
        ),
    ],
)
def test_bad_rulebook_errors_name_file_line_and_key(old: str, new: str, expected: str) -> None:
    assert old in GOOD
    with pytest.raises(InputError, match=expected) as err:
        parse_rulebook(GOOD.replace(old, new, 1), "rules/bad.yaml")
    assert "rules/bad.yaml" in err.value.detail


def test_duplicate_clause_ids_and_bad_yaml_and_missing_files() -> None:
    clause = GOOD[GOOD.index("  - id: A") :]
    with pytest.raises(InputError, match="appears twice"):
        parse_rulebook(GOOD + clause, "dup.yaml")
    with pytest.raises(InputError, match=r"bad\.yaml: not valid YAML"):
        parse_rulebook("name: [unclosed", "bad.yaml")
    with pytest.raises(InputError, match="no such rulebook file"):
        load_rulebook("/nonexistent/rules.yaml")
    with pytest.raises(InputError, match="labour-2016"):
        load_rulebook("labour-1900")


def _hit(i: int, kind: str, band: str, when: date | None = None) -> HitFact:
    return HitFact(
        hit_id=i, target="reference", list_kind=kind, band=band, score=0.6, event_date=when
    )


def test_evaluation_picks_the_most_serious_outcome_and_cites_every_clause() -> None:
    labour = load_rulebook("labour-2016")
    facts = Facts(
        application_id=1,
        as_of=date(2016, 7, 20),
        age=30,
        payment_status="failed",
        hits=(_hit(1, "party_members", "match"),),
    )
    ev = evaluate(labour, facts)
    assert ev.outcome == "refer" and ev.track == "conduct"
    assert ev.clause_ids == ("LAB-2.1-other-party", "LAB-ADM-payment")
    assert ev.evidence_hit_ids == (1,)


hits = st.lists(
    st.builds(
        _hit,
        st.integers(1, 10_000),
        st.sampled_from(
            ["candidates", "party_members", "officers", "expelled", "register", "donors"]
        ),
        st.sampled_from(["match", "possible", "name-only"]),
        st.one_of(st.none(), st.dates(date(2005, 1, 1), date(2016, 7, 1))),
    ),
    max_size=6,
    unique_by=lambda h: h.hit_id,
)


SHIPPED = {name: load_rulebook(name) for name in example_names()}


@settings(max_examples=200, deadline=None)
@given(hits, hits, st.sampled_from(example_names()))
def test_more_evidence_never_makes_the_outcome_milder(
    base: list[HitFact], extra: list[HitFact], name: str
) -> None:
    # the shipped rulebooks have no 'not' over hits (only register absence): adding a hit off
    # the register can only keep or raise the severity — and evaluation is deterministic
    rb = SHIPPED[name]
    extra = [
        h for h in extra if h.list_kind != "register" and h.hit_id not in {b.hit_id for b in base}
    ]
    day = date(2016, 7, 20) if name.startswith("labour") else date(2022, 7, 20)
    few = Facts(application_id=1, as_of=day, hits=tuple(base))
    more = Facts(application_id=1, as_of=day, hits=tuple(base + extra))
    assert evaluate(rb, few) == evaluate(rb, few)
    assert SEVERITY[evaluate(rb, more).outcome] >= SEVERITY[evaluate(rb, few).outcome]
    for clause_id in evaluate(rb, more).clause_ids:
        assert rb.has_clause(clause_id)


def test_cli_rulebook_check_and_list(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["rulebook", "check", str(REPO / "rulebooks/labour-2016.yaml")])
    assert ok.exit_code == 0 and "labour-2016@2016.1" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("band: possible", "band: maybe"))
    result = runner.invoke(app, ["rulebook", "check", str(bad)])
    assert result.exit_code != 0
    assert isinstance(result.exception, InputError) and "bad.yaml" in result.exception.detail
    listed = runner.invoke(app, ["rulebook", "list", "--json"])
    assert '"name": "conservative-2022"' in listed.output


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 200)
    | st.text(max_size=8)
    | st.dates(date(1990, 1, 1), date(2030, 1, 1)),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["hit", "list", "band", "any", "all", "not", "x", "id"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["name", "version", "appeal", "clauses", "default_outcome", "provisional"]),
    st.sampled_from(["id", "when", "track", "outcome", "effective_from", "response_days"]),
    json_values,
    st.booleans(),
)
def test_any_malformed_rulebook_gives_an_input_error_never_a_crash(
    top: str, clause_key: str, value: object, in_clause: bool
) -> None:
    import yaml

    data = yaml.safe_load(GOOD)
    if in_clause:
        data["clauses"][0][clause_key] = value
    else:
        data[top] = value
    try:
        rb = parse_rulebook(yaml.safe_dump(data), "fuzz.yaml")
    except InputError as exc:
        assert exc.detail.startswith("bad rulebook:\nfuzz.yaml: ") or "fuzz.yaml" in exc.detail
    else:
        assert rb.clauses

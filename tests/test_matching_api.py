"""The public matching API: hits, bands, explanations, households, namesakes, name-only."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from vetline.errors import InputError
from vetline.matching import (
    BANDS,
    MODEL_VERSION,
    REVIEW_THRESHOLD,
    dedupe_frame,
    explain_text,
    screen_frames,
)
from vetline.matching.model import shipped_model

APPLICANT = {
    "id": "a1",
    "first_name": "Bob",
    "last_name": "Smith",
    "date_of_birth": "1980-02-01",
    "postcode": "S11 8YE",
    "address": "12 High Street",
    "email": "bob.smith@example.org",
    "phone": "07700 900123",
}


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def one_hit(left: dict[str, object], right: dict[str, object], **kw: object) -> pd.Series:
    hits = screen_frames(frame(left), frame(right), threshold=0.0)
    assert len(hits) == 1
    return hits.iloc[0]


def test_output_shape_and_true_match_with_hard_corruptions() -> None:
    ref = {
        "id": "r1",
        "first_name": "ROBERT",
        "last_name": "smith",
        "date_of_birth": dt.date(1980, 1, 2),  # day/month swapped
        "postcode": "s118ye",
        "address": "12 High St",
    }
    hits = screen_frames(frame(APPLICANT), frame(ref))
    assert list(hits.columns) == ["left_id", "right_id", "score", "band", "explanation"]
    hit = hits.iloc[0]
    assert (hit.left_id, hit.right_id, hit.band) == ("a1", "r1", "match")
    assert 0.5 <= hit.score <= 1.0
    levels = {e["field"]: e["level"] for e in hit.explanation}
    assert levels["first_name"] == "nickname"
    assert levels["date_of_birth"] == "day/month swapped"
    assert levels["address"] == "same address and postcode"
    first = next(e for e in hit.explanation if e["field"] == "first_name")
    assert first["detail"] == "Bob → ROBERT" and first["weight"] > 0
    text = explain_text(hit.explanation)
    assert text.startswith("first name: nickname Bob → ROBERT, +")
    assert "date of birth: day/month swapped 1980-02-01 ↔ 1980-01-02, +" in text


def test_weights_add_up_to_the_score() -> None:
    hit = one_hit(APPLICANT, {**APPLICANT, "id": "r1", "first_name": "Robert"})
    bits = sum(e["weight"] for e in hit.explanation)
    assert hit.score == pytest.approx(1 / (1 + 2 ** (-bits)), abs=0.01)


def test_household_member_is_not_a_match() -> None:
    sister = {
        **APPLICANT,
        "id": "r2",
        "first_name": "Alice",
        "date_of_birth": "1984-07-19",
        "phone": None,
    }
    hits = screen_frames(frame(APPLICANT), frame(sister), threshold=0.0)
    assert hits.empty or hits.iloc[0].score < 0.05


def test_household_sharing_email_is_not_merged_on_dedupe() -> None:
    parent = {
        **APPLICANT,
        "id": "a2",
        "first_name": "Margaret",
        "date_of_birth": "1952-03-30",
    }
    hits = dedupe_frame(frame(APPLICANT, parent), threshold=0.0)
    # not merged: sharing home, email and phone makes it worth a look, never a claim
    assert hits.empty or (hits.iloc[0].score < 0.5 and hits.iloc[0].band == "possible")


def test_namesake_with_other_dob_and_address_is_not_a_match() -> None:
    namesake = {
        "id": "r3",
        "first_name": "Bob",
        "last_name": "Smith",
        "date_of_birth": "1961-11-23",
        "postcode": "LS6 2QT",
        "address": "4 Hyde Park Road",
    }
    hits = screen_frames(frame(APPLICANT), frame(namesake), threshold=0.0)
    assert hits.empty or hits.iloc[0].score < REVIEW_THRESHOLD


def test_candidate_list_hit_is_name_only_and_says_so() -> None:
    candidate = {"id": "c1", "first_name": "Robert", "last_name": "Smith"}
    hit = one_hit(APPLICANT, candidate)
    assert hit.band == "name-only"
    assert hit.score < 0.5
    assert any(e["level"] == "name-only" for e in hit.explanation)
    assert "name alone cannot show it is the same person" in explain_text(hit.explanation)


def test_candidate_list_with_agreeing_dob_is_not_name_only() -> None:
    candidate = {
        "id": "c1",
        "first_name": "Robert",
        "last_name": "Smith",
        "date_of_birth": "1980-02-01",
    }
    hit = one_hit(APPLICANT, candidate)
    assert hit.band == "match"


def test_names_only_frames_and_missing_columns() -> None:
    left = pd.DataFrame({"id": ["1"], "last_name": ["Okafor"], "first_name": ["Chidi"]})
    right = pd.DataFrame({"id": ["x"], "first_name": ["Chidi"], "last_name": ["Okafor"]})
    hits = screen_frames(left, right)
    assert list(hits["band"]) == ["name-only"]


def test_threshold_filters() -> None:
    ref = {**APPLICANT, "id": "r1"}
    assert len(screen_frames(frame(APPLICANT), frame(ref), threshold=0.999)) == 1
    weak = {"id": "r2", "first_name": "B", "last_name": "Smith"}
    assert screen_frames(frame(APPLICANT), frame(weak), threshold=0.9).empty


def test_dedupe_reports_each_pair_once() -> None:
    rows = [
        {**APPLICANT, "id": "a1"},
        {**APPLICANT, "id": "a2", "first_name": "Robert"},
        {**APPLICANT, "id": "a3", "email": "BOB.SMITH@example.org"},
    ]
    hits = dedupe_frame(frame(*rows))
    pairs = {tuple(sorted((h.left_id, h.right_id))) for h in hits.itertuples()}
    assert pairs == {("a1", "a2"), ("a1", "a3"), ("a2", "a3")}
    assert len(hits) == 3
    assert all(h.left_id != h.right_id for h in hits.itertuples())


def test_empty_and_bad_input() -> None:
    empty = pd.DataFrame({"id": pd.Series([], dtype=str)})
    assert screen_frames(empty, frame(APPLICANT)).empty
    assert dedupe_frame(frame(APPLICANT)).empty
    with pytest.raises(InputError, match="no 'id' column"):
        screen_frames(pd.DataFrame({"first_name": ["x"]}), frame(APPLICANT))
    with pytest.raises(InputError, match="row 1: date_of_birth"):
        screen_frames(frame({**APPLICANT, "date_of_birth": "soon"}), frame(APPLICANT))
    with pytest.raises(InputError, match="unknown matching engine"):
        screen_frames(frame(APPLICANT), frame(APPLICANT), engine="oracle")


def test_bands_and_version_are_documented() -> None:
    assert set(BANDS) == {"match", "possible", "name-only"}
    assert shipped_model().version == MODEL_VERSION
    assert 0 < REVIEW_THRESHOLD < 0.5


def test_identical_entries_on_one_list_share_one_person() -> None:
    """A register lists each elector once: father and son of the same name at the same
    address cannot both be the applicant, and the evidence cannot say which one is."""
    me = {
        "id": "a1",
        "first_name": "Iolo",
        "last_name": "Davies",
        "postcode": "S17 2SA",
        "address": "30 School Grove",
        "date_of_birth": "1987-02-25",
    }
    entry = {
        "first_name": "Iolo",
        "last_name": "Davies",
        "postcode": "S17 2SA",
        "address": "30 School Grove, Sheffield",
    }
    register = frame({"id": "r-son", **entry}, {"id": "r-father", **entry})
    alone = screen_frames(frame(me), register.iloc[[0]], threshold=0.0)
    both = screen_frames(frame(me), register, threshold=0.0).set_index("right_id")
    assert alone.iloc[0]["score"] > 0.9
    assert both.loc["r-son", "score"] == pytest.approx(both.loc["r-father", "score"])
    assert both["score"].max() < 0.5
    assert both["score"].sum() <= 1.0
    levels = [e["level"] for e in both.loc["r-son", "explanation"]]
    assert "competing entries" in levels


def test_same_person_on_two_lists_in_one_call_keeps_both_hits() -> None:
    entry = {k: v for k, v in APPLICANT.items() if k != "id"}
    right = frame(
        {"id": "reg-1", **entry, "list": "register"},
        {"id": "pm-1", **entry, "list": "party_members"},
    )
    hits = screen_frames(frame(APPLICANT), right).set_index("right_id")
    assert hits.loc["reg-1", "score"] > 0.9 and hits.loc["pm-1", "score"] > 0.9
    one_list = screen_frames(frame(APPLICANT), right.drop(columns=["list"]))
    assert one_list["score"].max() < 0.9  # as one list they are two entries for one person


def test_input_types_dates_and_ids_are_tolerated() -> None:
    left = pd.DataFrame(
        {
            "id": [1, 2],
            "first_name": ["Bob", "Ann"],
            "last_name": ["Smith", "Lee"],
            "date_of_birth": pd.to_datetime(["1980-02-01", None]),
            "postcode": ["S11 8YE", pd.NA],
        }
    )
    right = pd.DataFrame(
        {
            "id": ["x"],
            "first_name": ["Robert"],
            "last_name": ["Smith"],
            "date_of_birth": ["01/02/1980"],
            "postcode": ["S118YE"],
        }
    )
    hits = screen_frames(left, right)
    assert list(hits["left_id"]) == ["1"] and list(hits["right_id"]) == ["x"]
    levels = {e["field"]: e["level"] for e in hits.iloc[0]["explanation"]}
    assert levels["date_of_birth"] == "exact"


def test_precomputed_applicant_features_give_the_same_hits() -> None:
    from vetline.matching.features import build_features

    left = frame(
        {"id": "a1", "first_name": "Bob", "last_name": "Smith", "date_of_birth": "1980-02-01"},
        {"id": "a2", "first_name": "Jane", "last_name": "Doe", "postcode": "S11 8YE"},
    )
    right = frame(
        {"id": "r1", "first_name": "Robert", "last_name": "Smith", "date_of_birth": "1980-01-02"},
        {"id": "r2", "first_name": "Jane", "last_name": "Doe", "postcode": "S11 8YE"},
        {"id": "r3", "first_name": "Janet", "last_name": "Doe", "postcode": "S11 8YE"},
    )
    plain = screen_frames(left, right, threshold=0.0)
    reused = screen_frames(left, right, threshold=0.0, left_features=build_features(left))
    assert not plain.empty
    pd.testing.assert_frame_equal(plain, reused)
    with pytest.raises(ValueError, match="left_features"):
        screen_frames(left, right, left_features=build_features(left.head(1)))


def test_duckdb_memory_limit_is_applied_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    from vetline.matching.engine_duckdb import _connect

    left = frame(APPLICANT)
    right = frame({**APPLICANT, "id": "r1", "first_name": "Robert"}, {**APPLICANT, "id": "r2"})
    unlimited = screen_frames(left, right, threshold=0.0)
    monkeypatch.setenv("VETLINE_DUCKDB_MEMORY_LIMIT", "64MB")
    con = _connect()
    try:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()
    finally:
        con.close()
    assert limit is not None and limit[0] == "61.0 MiB"  # 64 MB as DuckDB reports it
    pd.testing.assert_frame_equal(screen_frames(left, right, threshold=0.0), unlimited)
    monkeypatch.setenv("VETLINE_DUCKDB_MEMORY_LIMIT", "lots'; DROP TABLE x; --")
    with pytest.raises(InputError, match="VETLINE_DUCKDB_MEMORY_LIMIT"):
        screen_frames(left, right)


def test_explanations_show_values_as_given_trimmed_with_dates_iso() -> None:
    from vetline.matching.explain import shown_columns

    people = pd.DataFrame(
        {
            "first_name": ["  Bob ", None, float("nan"), "   ", 7],
            "date_of_birth": [dt.date(1980, 2, 1), pd.Timestamp("1979-03-04 10:00"), None, "", "x"],
            "address": ["12 High St", None, " ", "1 Low Rd", None],
            "postcode": ["S11 8YE", "S1 1AA", "S2 2BB", None, float("nan")],
        }
    )
    shown = shown_columns(people, pd.Series([4, 0, 1, 2, 3]).to_numpy())
    assert shown["first_name"] == ["7", "Bob", "", "", ""]
    assert shown["date_of_birth"] == ["x", "1980-02-01", "1979-03-04", "", ""]
    assert shown["address"] == ["", "12 High St, S11 8YE", "S1 1AA", "S2 2BB", "1 Low Rd"]
    # columns the frame lacks show as missing
    assert shown["email"] == shown["phone"] == ["", "", "", "", ""]


def test_stages_are_timed_only_when_recorded() -> None:
    from vetline.matching.stages import record_stages, stage

    left = frame(APPLICANT)
    right = frame({**APPLICANT, "id": "r1", "first_name": "Robert"}, {**APPLICANT, "id": "r2"})
    with stage("outside any recording"):
        plain = screen_frames(left, right, threshold=0.0)
    with record_stages() as stages:
        timed = screen_frames(left, right, threshold=0.0)
    pd.testing.assert_frame_equal(plain, timed)
    assert list(stages) == [
        "normalise left+right",
        "list codes",
        "to DuckDB",
        "blocking",
        "levels",
        "scores",
        "explanations",
    ]
    assert all(wall >= 0.0 and cpu >= 0.0 for wall, cpu in stages.values())
    with record_stages() as nothing:
        pass
    assert nothing == {}


@pytest.mark.parametrize("per_address_table", [True, False])
def test_explanations_of_many_pairs_equal_those_of_each_pair(per_address_table: bool) -> None:
    """`explain_pairs` (what screening uses) gives `explain_pair`'s list for every pair: all
    level codes, equal and differing values, swapped names, rounding edges, competition."""
    import dataclasses

    import numpy as np

    from vetline.matching.comparisons import FIELDS
    from vetline.matching.explain import explain_pair, explain_pairs

    model = shipped_model()
    if not per_address_table:
        model = dataclasses.replace(model, address_without_dob=None)
    rng = np.random.default_rng(5)
    n = 3000
    codes = np.column_stack([rng.integers(0, len(f.levels), n) for f in FIELDS]).astype(np.int8)
    values = ["", "Bob", "Robert", "1980-02-01", "12 High St, S11 8YE", "x@y.org"]
    left = {f.name: [str(rng.choice(values)) for _ in range(n)] for f in FIELDS}
    right = {
        name: [v if rng.random() < 0.5 else str(rng.choice(values)) for v in column]
        for name, column in left.items()
    }
    name_only = rng.random(n) < 0.2
    counts = rng.integers(1, 4, n)
    bits = rng.choice([0.0, -0.004, -0.005, -0.3674, -1.005, -2.125], n)
    competition = rng.choice([0.0, -0.0049, -0.005, -0.125, -3.335], n)
    rivals = rng.integers(0, 3, n)
    many = explain_pairs(
        model,
        codes,
        name_only,
        left,
        right,
        name_counts=counts,
        name_bits=bits,
        competition=competition,
        competitors=rivals,
    )
    for i in range(n):
        one = explain_pair(
            model,
            codes[i].tolist(),
            bool(name_only[i]),
            {name: column[i] for name, column in left.items()},
            {name: column[i] for name, column in right.items()},
            name_count=int(counts[i]),
            name_bits=float(bits[i]),
            competition=float(competition[i]),
            competitors=int(rivals[i]),
        )
        assert many[i] == one

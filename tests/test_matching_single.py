"""One applicant at once (vetline.matching.single): the early answer for applicants who match
nothing gives exactly the hits of the full scoring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from test_matching_index import _rows, synth_frames  # noqa: F401  (a fixture, used by name)
from vetline.matching import single
from vetline.matching.comparisons import FIELDS
from vetline.matching.index import ReferenceIndex
from vetline.matching.lookup import SingleIndex
from vetline.matching.model import shipped_model


@given(
    codes=st.tuples(*(st.integers(0, len(f.levels) - 1) for f in FIELDS)),
    name_count=st.integers(0, 2_000_000),
)
def test_one_pair_log2_odds_equal_the_frame_sum(codes: tuple[int, ...], name_count: int) -> None:
    model = shipped_model()
    frame = pd.DataFrame(
        [{**dict(zip([f.name for f in FIELDS], codes, strict=True)), "r_name_n": name_count}]
    )
    expected = float(model.log2_odds_without_competition(frame)[0])
    assert abs(model.pair_log2_odds(codes, name_count) - expected) <= 1e-12


def test_applicants_matching_nothing_near_the_threshold_get_the_full_scorings_hits(
    synth_frames: tuple[pd.DataFrame, pd.DataFrame],  # noqa: F811
    tmp_path: Path,
    monkeypatch: Any,
) -> None:
    """At a threshold, screen_single gives the hits at threshold 0 that score at least it,
    for every applicant (against an index of members and lists, and the other applicants),
    and skips the scoring for many of them. Without the electoral register (where nearly
    every applicant has an entry, so a pair always comes near the threshold), as in
    bench/bench_web.py's database."""
    applicants, reference = synth_frames
    reference = reference[~reference["list"].str.contains("register")]
    ReferenceIndex.build(reference, tmp_path / "idx").close()
    index = SingleIndex.load(tmp_path / "idx")
    frame = applicants.reset_index(drop=True)
    scorings = [0]
    score_levels, score_rows = single.score_levels, single.score_rows

    def counted(*args: Any, **kwargs: Any) -> pd.DataFrame:
        scorings[0] += 1
        return score_levels(*args, **kwargs)

    def counted_rows(*args: Any, **kwargs: Any) -> Any:
        scorings[0] += 1
        return score_rows(*args, **kwargs)

    # the frame path's scoring and the Python path's (a handful of pairs)
    monkeypatch.setattr(single, "score_levels", counted)
    monkeypatch.setattr(single, "score_rows", counted_rows)
    chosen = range(0, len(frame), 3)
    hits_seen = 0
    for threshold in (0.05, 0.5):
        scorings[0] = 0
        for pos in chosen:
            record = frame.iloc[pos].to_dict()
            others = frame.drop(index=pos).reset_index(drop=True)
            as_records = others.to_dict("records")
            everything = single.screen_single(record, [index], others=others, threshold=0.0)
            expected = [_rows(h[h["score"] >= threshold]) for h in everything]
            got = single.screen_single(record, [index], others=as_records, threshold=threshold)
            assert [_rows(h) for h in got] == expected, record["id"]
            hits_seen += sum(len(h) for h in got)
        # every threshold-0 call scores; the early answer spares most threshold calls
        assert scorings[0] < 1.5 * len(chosen), threshold
    assert hits_seen >= 20


def test_the_early_answer_needs_the_python_levels(tmp_path: Path) -> None:
    """With no pair near the threshold, an empty answer per part (and for the others)."""
    from test_matching_index import REFERENCE

    ReferenceIndex.build(REFERENCE, tmp_path / "idx").close()
    index = SingleIndex.load(tmp_path / "idx")
    from vetline.matching.lookup import applicant_features

    far = {
        "id": "x",
        "first_name": "Rachel",
        "last_name": "Stone",
        "postcode": "S11 8YE",
        "address": "99 Low Lane",
        "date_of_birth": "1951-07-30",
    }
    assert len(index.candidates(applicant_features(far)))  # r1: postcode and initial
    got = single.screen_single(far, [index], others=[], threshold=0.05)
    assert [len(h) for h in got] == [0, 0]
    assert list(got[0].columns) == ["left_id", "right_id", "score", "band", "explanation"]


@pytest.mark.parametrize("threshold", [0.0, 0.05])
def test_others_as_a_frame_or_as_records_give_the_same_hits(
    threshold: float,
) -> None:
    from test_matching_index import APPLICANTS

    others = APPLICANTS.iloc[1:].reset_index(drop=True)
    record = APPLICANTS.iloc[0].to_dict()
    record["first_name"] = "Mary"
    record["last_name"] = "Hall"
    record["date_of_birth"] = "1990-05-05"
    by_frame = single.screen_single(record, [], others=others, threshold=threshold)
    by_records = single.screen_single(
        record, [], others=others.to_dict("records"), threshold=threshold
    )
    assert [_rows(h) for h in by_frame] == [_rows(h) for h in by_records]
    assert sum(len(h) for h in by_frame) >= 1


@pytest.mark.parametrize("threshold", [0.0, 0.05])
def test_features_known_before_give_the_same_hits_and_never_go_stale(threshold: float) -> None:
    from test_matching_index import APPLICANTS

    others = APPLICANTS.iloc[1:].reset_index(drop=True).to_dict("records")
    record = {**APPLICANTS.iloc[0].to_dict(), "first_name": "Mary", "last_name": "Hall"}
    record["date_of_birth"] = "1990-05-05"
    plain = single.screen_single(record, [], others=others, threshold=threshold)
    known = single.KnownFeatures()
    for other in others:
        known.add(other)
    assert len(known) == len(others)
    got = single.screen_single(record, [], others=others, threshold=threshold, known_features=known)
    assert [_rows(h) for h in got] == [_rows(h) for h in plain]
    assert "a1" in known._rows  # the applicant is kept for the submissions after it
    # a record changed since it was kept is featurised again, not taken from the cache
    changed = [{**o, "first_name": "Mary", "last_name": "Hall"} for o in others]
    fresh = single.screen_single(record, [], others=changed, threshold=threshold)
    cached = single.screen_single(
        record, [], others=changed, threshold=threshold, known_features=known
    )
    assert [_rows(h) for h in cached] == [_rows(h) for h in fresh]
    assert [_rows(h) for h in fresh] != [_rows(h) for h in plain]


_NAMES = st.sampled_from(["ann", "Ann Marie", "lee", "Lee-Smith", "a", "bo", "smith", "o'neil", ""])


@st.composite
def _person(draw: st.DrawFn) -> dict[str, Any]:
    import datetime as dt

    return {
        "first_name": draw(_NAMES),
        "last_name": draw(_NAMES),
        "date_of_birth": draw(
            st.none() | st.sampled_from([dt.date(1980, 3, 4), dt.date(1980, 4, 3)])
        ),
        "postcode": draw(st.sampled_from(["", "LS7 5ZT", "ls75zt", "SW1A 1AA"])),
        "address": draw(st.sampled_from(["", "1 High Street", "12 Low Road"])),
        "email": draw(st.sampled_from(["", "ann@example.org", "ANN@example.org "])),
        "phone": draw(st.sampled_from(["", "07700 900123", "+44 7700 900123"])),
    }


@given(a=_person(), b=_person())
def test_a_rule_holds_either_way_round_iff_it_holds_one_way(
    a: dict[str, Any], b: dict[str, Any]
) -> None:
    """screen_single pairs another application with the applicant when the applicant's
    right-hand keys meet the other's keys: the same as the applicant's keys meeting the
    other's right-hand keys, since mirroring a key is its own inverse."""
    fa, fb = (single.applicant_features(p) for p in (a, b))
    ka, kb = single.applicant_keys(fa), single.applicant_keys(fb)
    ra, rb = single._reverse_keys(fa, ka), single._reverse_keys(fb, kb)
    assert single._reverse_keys(fa, sorted(ra)) == set(ka)  # an involution
    either = not set(ka).isdisjoint(rb) or not ra.isdisjoint(kb)
    assert either == (not ra.isdisjoint(kb))

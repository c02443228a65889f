"""screen_single's Python path (vetline.matching.single._screen_rows: rows from the index's
row store, levels by `levels_of`, scores by `score_rows`, frames only for the hits) gives
exactly the frames of its reference path (`screen_single_tables`: arrow tables, the level
frame, `score_levels`): same rows, order, floats, dtypes and index."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_matching_index import synth_frames  # noqa: F401  (a fixture, used by name)
from vetline.matching import row_scoring, single
from vetline.matching.index import ReferenceIndex
from vetline.matching.lookup import Delta, SingleIndex
from vetline.matching.row_store import _RowStore


def _assert_same_frames(got: list[pd.DataFrame], want: list[pd.DataFrame]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        pd.testing.assert_frame_equal(g, w, check_exact=True)
        assert list(g.dtypes) == list(w.dtypes)
        assert type(g.index) is type(w.index)
        # floats bit for bit, explanations item for item
        assert repr(g.to_dict("list")) == repr(w.to_dict("list"))


@pytest.mark.parametrize("threshold", [0.0, 0.05, 0.5])
def test_the_python_path_gives_the_reference_paths_frames(
    synth_frames: tuple[pd.DataFrame, pd.DataFrame],  # noqa: F811
    tmp_path: Path,
    threshold: float,
    monkeypatch: Any,
) -> None:
    """Against an index of members and lists (with a delta: added, changed and removed
    records, a list taken off) and the other applicants (as records and as a frame)."""
    applicants, reference = synth_frames
    rng = np.random.default_rng(7)
    new = rng.random(len(reference)) < 0.1
    before = reference[~new]
    ReferenceIndex.build(before, tmp_path / "idx").close()
    plain = SingleIndex.load(tmp_path / "idx")
    gone = before.sample(50, random_state=2)
    delta = Delta(
        added=reference[new],
        removed_ids=frozenset(gone["id"]),
        removed_lists=frozenset({"expelled"}),
    )
    with_delta = plain.with_delta(delta)
    frame = applicants.reset_index(drop=True)
    hits = 0
    fallbacks = [0]
    tables = single._screen_tables

    def counted(*args: Any, **kwargs: Any) -> list[pd.DataFrame]:
        fallbacks[0] += 1
        return tables(*args, **kwargs)

    for pos in range(0, len(frame), 4):
        record = frame.iloc[pos].to_dict()
        others = frame.drop(index=pos).reset_index(drop=True)
        for indexes in ([plain], [with_delta], [plain, with_delta]):
            for given_others in (others.to_dict("records"), others, None):
                want = single.screen_single_tables(
                    record, indexes, others=given_others, threshold=threshold
                )
                monkeypatch.setattr(single, "_screen_tables", counted)
                got = single.screen_single(
                    record, indexes, others=given_others, threshold=threshold
                )
                monkeypatch.setattr(single, "_screen_tables", tables)
                _assert_same_frames(got, want)
                hits += sum(len(h) for h in got)
    assert hits >= 50
    assert fallbacks[0] == 0  # the Python path served every one of them


def test_applicants_without_an_id_and_unusual_values_give_the_reference_frames(
    synth_frames: tuple[pd.DataFrame, pd.DataFrame],  # noqa: F811
    tmp_path: Path,
) -> None:
    """No id (left_id "applicant"), a date of birth as a date, a NaN, a number: values the
    Python path shows itself or leaves to the reference path."""
    applicants, reference = synth_frames
    ReferenceIndex.build(reference, tmp_path / "idx").close()
    index = SingleIndex.load(tmp_path / "idx")
    frame = applicants.reset_index(drop=True)
    seen = 0
    for pos in range(0, len(frame), 9):
        record = frame.iloc[pos].to_dict()
        others = frame.drop(index=pos).reset_index(drop=True).to_dict("records")[:40]
        variants = [
            {k: v for k, v in record.items() if k != "id"},
            {**record, "email": float("nan"), "phone": None},
            {**record, "phone": 7700900123},
            {**record, "address": "  " + str(record.get("address") or "") + " "},
        ]
        if isinstance(record.get("date_of_birth"), str) and record["date_of_birth"]:
            born = dt.date.fromisoformat(record["date_of_birth"][:10])
            variants.append({**record, "date_of_birth": born})
            others = [
                {**o, "date_of_birth": born} if i % 3 == 0 else o for i, o in enumerate(others)
            ]
        for variant in variants:
            want = single.screen_single_tables(variant, [index], others=others, threshold=0.0)
            got = single.screen_single(variant, [index], others=others, threshold=0.0)
            _assert_same_frames(got, want)
            seen += sum(len(h) for h in got)
    assert seen >= 20


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 4),
            st.one_of(
                st.floats(0.0, 1e-300),
                st.floats(0.0, 1.0),
                st.floats(1.0, 2.0**60),
                st.sampled_from([0.0, 2.0**-60, 2.0**60, 1e-17, 3.0]),
            ),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_group_sums_are_pandas_groupby_sums(pairs: list[tuple[int, float]]) -> None:
    """`_kahan_group_sums` adds as pandas' groupby sum does (compensated), bit for bit."""
    groups = [g for g, _v in pairs]
    values = [v for _g, v in pairs]
    want = pd.Series(values).groupby([np.zeros(len(pairs)), groups]).transform("sum")
    got = row_scoring._kahan_group_sums(groups, values, max(groups) + 1)
    assert [got[g] for g in groups] == want.tolist()


_TEXT = st.one_of(
    st.sampled_from(["", "ann", "smith", "o'neil", "ñandú", "a\x1fb", "x\x1ey", " "]),
    st.text(max_size=6),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "idx": st.integers(0, 10**6),
                "fn": st.none() | _TEXT,
                "fn_keys": st.none() | st.lists(_TEXT, max_size=3),
                "dob": st.none() | st.dates(dt.date(1900, 1, 1), dt.date(2020, 1, 1)),
                "dob_y": st.none() | st.integers(1900, 2020),
                "pc": _TEXT,
                "has_other": st.booleans(),
                "name_n": st.none() | st.integers(1, 10**6),
            }
        ),
        min_size=1,
        max_size=12,
    ),
    st.data(),
)
def test_the_row_store_reads_rows_as_to_pylist(rows: list[dict[str, Any]], data: Any) -> None:
    """Rows read back from `_RowStore` equal arrow's `to_pylist`, or are marked unreadable
    (a NULL text or list or required number, a separator inside a value): never a wrong
    row."""
    schema = pa.schema(
        [
            ("idx", pa.int64()),
            ("fn", pa.string()),
            ("fn_keys", pa.list_(pa.string())),
            ("dob", pa.date32()),
            ("dob_y", pa.int32()),
            ("pc", pa.string()),
            ("has_other", pa.bool_()),
            ("name_n", pa.int64()),
        ]
    )
    table = pa.Table.from_pylist(rows, schema=schema)
    store = _RowStore(table, required=("name_n",))
    positions = np.asarray(
        data.draw(st.lists(st.integers(0, len(rows) - 1), max_size=8)), dtype=np.int64
    )
    if store.readable(positions):
        want = table.take(pa.array(positions)).to_pylist()
        assert store.rows(positions) == want
        some = ("name_n", "fn_keys", "dob")
        assert store.rows(positions, some) == [{k: r[k] for k in some} for r in want]
    for i, row in enumerate(rows):
        texts = [row["fn"], row["pc"], *(row["fn_keys"] or [])]
        clean = None not in (row["fn"], row["fn_keys"], row["name_n"])
        clean = clean and not any("\x1f" in v or "\x1e" in v for v in texts)
        assert store.readable(np.asarray([i])) == clean


_NAMES = st.sampled_from(["ann", "Ann Marie", "lee", "Lee-Smith", "a", "bo", "smith", "o'neil", ""])


@st.composite
def _person(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "first_name": draw(_NAMES | st.text(max_size=5)),
        "last_name": draw(_NAMES | st.text(max_size=5)),
        "date_of_birth": draw(
            st.none() | st.sampled_from([dt.date(1980, 3, 4), dt.date(1980, 4, 3)])
        ),
        "postcode": draw(st.sampled_from(["", "LS7 5ZT", "ls75zt", "SW1A 1AA"])),
        "address": draw(st.sampled_from(["", "1 High Street", "12 Low Road", "1 Low Road"])),
        "email": draw(st.sampled_from(["", "ann@example.org", "ANN@example.org "])),
        "phone": draw(st.sampled_from(["", "07700 900123", "+44 7700 900123"])),
    }


@settings(max_examples=400, deadline=None)
@given(
    a=_person(),
    b=_person(),
    extra=st.lists(
        st.tuples(st.sampled_from(["lv", "ln_fn", "pc_no", "dob"]), st.text(max_size=6)), max_size=3
    ),
)
def test_meets_is_back_meeting_the_records_keys(
    a: dict[str, Any], b: dict[str, Any], extra: list[tuple[str, str]]
) -> None:
    """`_Meets(back)(f)` is `not back.isdisjoint(applicant_keys(f))`, keys made lazily."""
    fa, fb = (single.applicant_features(p) for p in (a, b))
    back = single._reverse_keys(fa, single.applicant_keys(fa)) | set(extra)
    assert single._Meets(back)(fb) == (not back.isdisjoint(single.applicant_keys(fb)))
    # a key of b's own, planted in back, is always met
    for key in single.applicant_keys(fb)[:3]:
        assert single._Meets({key})(fb)


def test_the_row_store_of_an_empty_table() -> None:
    """A delta that only removes records has no rows to read."""
    from vetline.matching.lookup import feature_schema

    store = _RowStore(feature_schema().empty_table(), required=("name_n",))
    none = np.zeros(0, dtype=np.int64)
    assert len(store) == 0 and store.readable(none) and store.rows(none) == []

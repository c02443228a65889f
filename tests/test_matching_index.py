"""The stored reference index gives the same hits as screen_frames, for a batch and for one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vetline.errors import NotFound
from vetline.matching import screen_frames
from vetline.matching.api import HIT_COLUMNS
from vetline.matching.index import ReferenceIndex
from vetline.matching.lookup import Delta, SingleIndex, duckdb_hash

REFERENCE = pd.DataFrame(
    {
        "id": ["r1", "r2", "r3", "r4", "r5"],
        "first_name": ["Robert", "Mary", "Iolo", "Iolo", "Chidi"],
        "last_name": ["Smith", "Jones-Hall", "Davies", "Davies", "Okafor"],
        "date_of_birth": ["1980-01-02", None, None, None, None],
        "postcode": ["S11 8YE", "LS1 1AA", "S17 2SA", "S17 2SA", None],
        "address": ["12 High St", "1 Park Road", "30 School Grove", "30 School Grove", None],
        "list": ["party_members", "party_members", "register", "register", "candidates"],
    }
)
APPLICANTS = pd.DataFrame(
    {
        "id": ["a1", "a2", "a3", "a4"],
        "first_name": ["Bob", "Mary", "Iolo", "Chidi"],
        "last_name": ["Smith", "Hall", "Davies", "Okafor"],
        "date_of_birth": ["1980-02-01", "1990-05-05", "1987-02-25", None],
        "postcode": ["s118ye", "LS1 1AA", "S17 2SA", None],
        "address": ["12 High Street", "1 Park Rd", "30 School Grove, Sheffield", None],
    }
)


def _rows(hits: pd.DataFrame) -> list[tuple[str, str, float, str, str]]:
    return sorted(
        (h.left_id, h.right_id, round(h.score, 9), h.band, str(h.explanation))
        for h in hits.itertuples(index=False)
    )


def test_index_batch_and_single_agree_with_screen_frames(tmp_path: Path) -> None:
    expected = screen_frames(APPLICANTS, REFERENCE, threshold=0.0)
    assert len(expected) >= 4
    ReferenceIndex.build(REFERENCE, tmp_path / "idx").close()
    index = ReferenceIndex.open(tmp_path / "idx")
    try:
        assert index.meta["rows"] == 5
        assert _rows(index.screen(APPLICANTS, threshold=0.0)) == _rows(expected)
        one = APPLICANTS.iloc[0].to_dict()
        single = index.screen_one(one, threshold=0.0)
        assert _rows(single) == _rows(expected[expected["left_id"] == "a1"])
        nobody = index.screen_one({"first_name": "Zebedee", "last_name": "Quux"})
        assert nobody.empty
    finally:
        index.close()


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no reference index"):
        ReferenceIndex.open(tmp_path / "nowhere")


# --- the in-memory single-applicant index (vetline.matching.lookup) ---


@pytest.fixture(scope="module")
def synth_frames(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Applicants and a several-list reference (members + reference lists) from `vetline synth`."""
    from vetline.intake.frames import read_applicants_frame, read_reference_frame
    from vetline.synth import generate

    out = tmp_path_factory.mktemp("lookup")
    generate(out, members=1500, applicants=500, days=3, seed=33)
    frames = [read_applicants_frame(out / "members.csv").assign(list="members")]
    for path in sorted((out / "reference").glob("*.csv")):
        frames.append(read_reference_frame(path)[0].assign(list=path.stem))
    reference = pd.concat(frames, ignore_index=True)
    reference["id"] = reference["list"] + ":" + reference["id"].astype(str)
    return read_applicants_frame(out / "applications.csv"), reference


def _per_applicant(
    index: SingleIndex, applicants: pd.DataFrame, threshold: float = 0.0
) -> pd.DataFrame:
    found = []
    for record in applicants.to_dict("records"):
        hits = index.screen_one(record, threshold=threshold)
        hits["left_id"] = record["id"]
        if not hits.empty:
            found.append(hits)
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=HIT_COLUMNS)


def test_single_index_gives_the_hits_of_screen_frames(tmp_path: Path) -> None:
    ReferenceIndex.build(REFERENCE, tmp_path / "idx").close()
    index = SingleIndex.load(tmp_path / "idx")
    expected = screen_frames(APPLICANTS, REFERENCE, threshold=0.0)
    assert _rows(_per_applicant(index, APPLICANTS)) == _rows(expected)
    assert index.screen_one({"first_name": "Zebedee", "last_name": "Quux"}).empty
    assert index.screen_one({}).empty


def test_lookup_keys_find_every_blocked_row(
    tmp_path: Path, synth_frames: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    """The key lookups find exactly the rows the blocking rules' SQL pairs up (the single path
    compares every row found): a rule changed in vetline.matching.blocking without its key
    here fails this."""
    import duckdb

    from vetline.matching.blocking import candidate_pairs_sql, key_views
    from vetline.matching.engine_duckdb import _arrow
    from vetline.matching.features import build_features

    applicants, reference = synth_frames
    ReferenceIndex.build(reference, tmp_path / "idx").close()
    index = SingleIndex.load(tmp_path / "idx")
    left, right = build_features(applicants), build_features(reference)
    con = duckdb.connect()
    con.register("L", _arrow(left))
    con.register("R", _arrow(right))
    for side in ("L", "R"):
        for stmt in key_views(side, "unnest"):
            con.execute(stmt)
    pairs = con.sql(candidate_pairs_sql(dedupe=False)).df()
    blocked = pairs.groupby("l")["r"].agg(set).to_dict()
    assert len(blocked) > len(applicants) // 2
    for pos, row in enumerate(left.to_dict("records")):
        found = set(index.candidates(row).tolist())
        assert blocked.get(pos, set()) == found, applicants["id"].iloc[pos]


def test_single_index_on_synthetic_lists_equals_the_batch(
    tmp_path: Path, synth_frames: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    applicants, reference = synth_frames
    ReferenceIndex.build(reference, tmp_path / "idx").close()
    index = SingleIndex.load(tmp_path / "idx")
    sample = applicants.iloc[::4]
    expected = screen_frames(sample, reference)
    assert len(expected) > 20
    assert _rows(_per_applicant(index, sample, 0.05)) == _rows(expected)


def test_a_delta_screens_as_the_reference_now_is(
    tmp_path: Path, synth_frames: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    """Index built on an older reference + a delta (added, changed, removed records, a list
    taken off) gives the hits of screen_frames on the reference as it is now, name counts and
    one-person-one-entry competition included."""
    applicants, reference = synth_frames
    now = reference[reference["list"] != "expelled"].reset_index(drop=True)
    # the index was built before: a fifth of today's records were not there yet, some had
    # other details, some have left since, and the expelled list was still active
    rng = np.random.default_rng(5)
    new = rng.random(len(now)) < 0.2
    changed = ~new & (rng.random(len(now)) < 0.05)
    before = now[~new].copy()
    before.loc[changed[~new], "first_name"] = "Zachariah"
    gone = reference.sample(200, random_state=3).assign(id=lambda f: "gone:" + f["id"])
    old = pd.concat([before, gone, reference[reference["list"] == "expelled"]], ignore_index=True)
    ReferenceIndex.build(old, tmp_path / "idx").close()
    delta = Delta(
        added=now[new | changed],
        removed_ids=frozenset(now["id"][changed]) | frozenset(gone["id"]),
        removed_lists=frozenset({"expelled"}),
    )
    index = SingleIndex.load(tmp_path / "idx").with_delta(delta)
    sample = applicants.iloc[1::4]
    expected = screen_frames(sample, now)
    assert len(expected) > 20
    assert _rows(_per_applicant(index, sample, 0.05)) == _rows(expected)


def test_applicant_features_are_build_features_of_one_row(
    synth_frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    import pyarrow as pa

    from vetline.matching.features import build_features
    from vetline.matching.lookup import applicant_features, feature_schema

    applicants, _reference = synth_frames
    odd = pd.DataFrame(
        [
            {"id": "e1"},
            {"id": "e2", "first_name": "J.", "last_name": "O'Neill-Smith", "phone": "+44 7700"},
            {"id": "e3", "first_name": float("nan"), "date_of_birth": "02/01/1980"},
        ]
    )
    frame = pd.concat([applicants, odd], ignore_index=True)
    for record in frame.to_dict("records"):
        one = pd.DataFrame([record])
        batch = pa.Table.from_pandas(build_features(one), preserve_index=False)
        mine = pa.Table.from_pylist([applicant_features(record)], schema=feature_schema())
        assert mine.to_pylist() == batch.cast(feature_schema()).to_pylist(), record


def test_double_sign_ups_with_the_single_applicant_equal_dedupe_frame(
    synth_frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """`screen_single(..., others=)` finds the pairs `dedupe_frame` finds between the applicant
    and the others (blocking either way round, names counted in the frame, no competition)."""
    from vetline.matching import dedupe_frame
    from vetline.matching.single import screen_single

    applicants, _reference = synth_frames
    frame = applicants.reset_index(drop=True)
    pairs = dedupe_frame(frame, threshold=0.0)
    involved = set(pairs["left_id"]) | set(pairs["right_id"])
    chosen = [p for p, i in enumerate(frame["id"]) if i in involved or p % 10 == 0]
    found = 0
    for pos in chosen:
        applicant = frame.iloc[pos]
        others = frame.drop(index=pos).reset_index(drop=True)
        both = pd.concat([frame.iloc[[pos]], others], ignore_index=True)
        expected = dedupe_frame(both, threshold=0.0)
        expected = expected[expected["left_id"] == applicant["id"]]
        (got,) = screen_single(applicant.to_dict(), [], others=others, threshold=0.0)
        assert _rows(got) == _rows(expected), applicant["id"]
        found += len(got)
    # enough pairs to mean something: how many clear the engine's -12-bit floor is the
    # model's number (model 1.2: 10 in this data)
    assert found >= len(pairs) >= 10


def test_single_index_screens_from_several_threads_at_once(tmp_path: Path) -> None:
    """Each thread compares on its own DuckDB connection; the arrays in memory are shared."""
    from concurrent.futures import ThreadPoolExecutor

    ReferenceIndex.build(REFERENCE, tmp_path / "idx").close()
    index = SingleIndex.load(tmp_path / "idx")
    records = APPLICANTS.to_dict("records") * 10
    alone = [_rows(index.screen_one(r, threshold=0.0)) for r in records]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda r: _rows(index.screen_one(r, threshold=0.0)), records))
    assert together == alone
    assert any(alone)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=20))
def test_python_hash_is_duckdbs_hash(keys: list[str]) -> None:
    """The lookup's keys are hashed in Python as DuckDB hashed the stored ones."""
    from vetline.matching.lookup import _connection, _duckdb_hashes, _python_hash_agrees

    keys = [k.replace("\x00", "") for k in keys]  # DuckDB's VARCHAR holds no NUL
    assert _python_hash_agrees()
    assert [duckdb_hash(k) for k in keys] == _duckdb_hashes(_connection(), keys).tolist()

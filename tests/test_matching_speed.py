"""The speed-ups of batch screening change nothing: the same candidate pairs, the same hits.

Each shortcut is checked against the plain computation it replaces, on synthetic data with
every kind of corruption, namesake and household in it.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vetline.matching import dedupe_frame, screen_frames
from vetline.matching.api import keep_bits_for, score_levels
from vetline.matching.blocking import candidate_pairs_sql
from vetline.matching.comparisons import FIELDS
from vetline.matching.engine_duckdb import (
    _DL_MACRO,
    _TEXT_LIST_MACROS,
    levels_of_pairs,
    register_sides,
)
from vetline.matching.engines import compare_levels
from vetline.matching.features import build_features
from vetline.synth import generate

PERSON = ["id", "first_name", "last_name", "date_of_birth", "postcode", "address", "email", "phone"]

# The blocking rules as first written, without the conditions that only skip pairs another
# rule already yields.
PLAIN_RULES = (
    "SELECT a.idx AS l, b.idx AS r FROM L_ln a JOIN R_lv b ON a.lnk = b.lnk AND a.fn = b.fnk",
    "SELECT a.idx AS l, b.idx AS r FROM L_lv a JOIN R_ln b ON a.lnk = b.lnk AND a.fnk = b.fn",
    "SELECT a.idx AS l, b.idx AS r FROM (SELECT * FROM L_ln WHERE length(fn) = 1) a "
    "JOIN R_ln b ON a.lnk = b.lnk AND a.fn_init = b.fn_init",
    "SELECT a.idx AS l, b.idx AS r FROM L_ln a JOIN (SELECT * FROM R_ln WHERE length(fn) = 1) b "
    "ON a.lnk = b.lnk AND a.fn_init = b.fn_init",
    "SELECT a.idx AS l, b.idx AS r FROM L_ln a JOIN R_ln b "
    "ON a.lnk = b.lnk AND a.fn_sx = b.fn_sx AND a.fn_sx <> ''",
    "SELECT a.idx AS l, b.idx AS r FROM L a JOIN R b "
    "ON a.fn = b.fn AND a.ln_sx = b.ln_sx AND a.fn <> '' AND a.ln_sx <> ''",
    "SELECT a.idx AS l, b.idx AS r FROM L a JOIN R b "
    "ON a.fn = b.ln AND a.ln = b.fn AND a.fn <> '' AND a.ln <> ''",
    "SELECT a.idx AS l, b.idx AS r FROM L a JOIN R b ON a.dob_key = b.dob_key AND a.dob_key <> ''",
    "SELECT a.idx AS l, b.idx AS r FROM L a JOIN R b "
    "ON a.pc = b.pc AND a.fn_init = b.fn_init AND a.pc <> ''",
    "SELECT a.idx AS l, b.idx AS r FROM L a JOIN R b "
    "ON a.pc = b.pc AND a.addr_no = b.addr_no AND a.pc <> '' AND a.addr_no <> ''",
    "SELECT a.idx AS l, b.idx AS r FROM L a JOIN R b "
    "ON a.pc = b.pc AND a.ln_sx = b.ln_sx AND a.pc <> '' AND a.ln_sx <> ''",
    "SELECT a.idx AS l, b.idx AS r FROM L a JOIN R b ON a.email = b.email AND a.email <> ''",
    "SELECT a.idx AS l, b.idx AS r FROM L a JOIN R b ON a.phone = b.phone AND a.phone <> ''",
)


def _read(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = raw.reindex(columns=PERSON)
    return frame.where(frame.notna() & (frame != ""), None)


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("synth")
    generate(out, members=3000, applicants=1500, seed=31)
    party = _read(out / "reference" / "party_members.csv").assign(list="party_members")
    expelled = _read(out / "reference" / "expelled.csv").assign(list="expelled")
    return {
        "applications": _read(out / "applications.csv"),
        "members": _read(out / "members.csv"),
        "lists": pd.concat([party, expelled], ignore_index=True),
    }


def _pairs(left: pd.DataFrame, right: pd.DataFrame, sql: str) -> set[tuple[int, int]]:
    con = duckdb.connect()
    try:
        register_sides(con, build_features(left), build_features(right))
        return {(int(a), int(b)) for a, b in con.execute(sql).fetchall()}
    finally:
        con.close()


@pytest.mark.parametrize("dedupe", [False, True])
def test_blocking_yields_the_pairs_of_the_plain_rules(
    synth: dict[str, pd.DataFrame], dedupe: bool
) -> None:
    left = synth["applications"]
    right = left if dedupe else synth["members"]
    union = " UNION ".join(f"({sql})" for sql in PLAIN_RULES)
    plain = (
        f"SELECT DISTINCT least(l, r), greatest(l, r) FROM ({union}) u WHERE l <> r"
        if dedupe
        else union
    )
    expected = _pairs(left, right, plain)
    assert len(expected) > 500
    assert _pairs(left, right, candidate_pairs_sql(dedupe=dedupe)) == expected
    assert _pairs(left, right, candidate_pairs_sql(dedupe=dedupe, packed=True)) == expected


def _rows(hits: pd.DataFrame) -> list[tuple[str, str, float, str, str]]:
    return sorted(
        (h.left_id, h.right_id, round(h.score, 9), h.band, str(h.explanation))
        for h in hits.itertuples(index=False)
    )


@pytest.mark.parametrize("threshold", [0.05, 0.5, 0.9])
def test_leaving_hopeless_pairs_in_the_engine_changes_no_hit(
    synth: dict[str, pd.DataFrame], threshold: float
) -> None:
    apps, lists, members = synth["applications"], synth["lists"], synth["members"]
    for right in (lists, members):
        # the plain path: every pair above the floor goes to scoring
        levels = compare_levels(build_features(apps), build_features(right))
        if "list" in right.columns:
            levels["r_list"] = right["list"].to_numpy()[levels["r"].to_numpy()]
        plain = score_levels(levels, apps, right, threshold=threshold)
        assert len(plain) > 20
        assert _rows(screen_frames(apps, right, threshold=threshold)) == _rows(plain)
    levels = compare_levels(build_features(apps), None)
    levels["r_name_n"] = (levels["r_name_n"] - 1).clip(lower=1)
    levels["r_compete"] = False
    plain = score_levels(levels, apps, apps, threshold=threshold)
    assert _rows(dedupe_frame(apps, threshold=threshold)) == _rows(plain)


def test_keep_bits_is_the_threshold_in_bits() -> None:
    assert keep_bits_for(0.0) is None
    assert keep_bits_for(0.5) == pytest.approx(0.0, abs=1e-5)
    assert keep_bits_for(0.5) < 0.0  # never above the exact bound
    bits = keep_bits_for(0.05)
    assert bits is not None and 1 / (1 + 2 ** (-bits)) <= 0.05


def test_levels_on_text_lists_equal_levels_on_lists(synth: dict[str, pd.DataFrame]) -> None:
    # hyphenated, double-barrelled and middle names, nicknames: every list comparison
    extra = pd.DataFrame(
        {
            "id": ["x1", "x2", "x3", "x4", "x5"],
            "first_name": ["Mary Ann", "Bob", "J R", "Robert James", "Ann"],
            "last_name": ["Jones-Hall", "Hall Jones", "Smith", "Van der Berg", "Hall"],
        }
    )
    left = pd.concat([synth["applications"], extra], ignore_index=True)
    right = pd.concat([synth["members"], extra], ignore_index=True)
    con = duckdb.connect()
    try:
        register_sides(con, build_features(left), build_features(right))
        con.execute(f"CREATE TEMP TABLE pairs AS {candidate_pairs_sql(dedupe=False)}")
        plain = levels_of_pairs(con, prefilter=False)
        text = levels_of_pairs(con, prefilter=False, text_lists=True)
    finally:
        con.close()
    key = ["l", "r"]
    plain = plain.sort_values(key, ignore_index=True)
    text = text.sort_values(key, ignore_index=True)
    assert len(plain) > 1000
    assert (plain["first_name"] == 3).any() and (plain["last_name"] == 3).any()
    pd.testing.assert_frame_equal(plain, text)


def test_text_list_macros_match_list_functions() -> None:
    con = duckdb.connect()
    try:
        for stmt in _TEXT_LIST_MACROS:
            con.execute(stmt)
        cases = [[], ["a"], ["a", "b"], ["b", "c"], ["ab"], ["a b", "c"], ["c", "a"]]
        for a in cases:
            for b in cases:
                sa = "|" + "|".join(a) + "|" if a else ""
                sb = "|" + "|".join(b) + "|" if b else ""
                got = con.execute(
                    "SELECT vl_overlap(?, ?), vl_all(?, ?), list_has_any(?::VARCHAR[], "
                    "?::VARCHAR[]), list_has_all(?::VARCHAR[], ?::VARCHAR[])",
                    [sa, sb, sa, sb, a, b, a, b],
                ).fetchall()[0]
                assert got[0] == got[2] and got[1] == got[3], (a, b)
            for x in ("a", "b", "ab", "a b", "", "c"):
                got = con.execute(
                    "SELECT vl_has(?, ?), list_contains(?::VARCHAR[], ?)", [sa, x, a, x]
                ).fetchall()[0]
                assert got[0] == got[1], (a, x)
    finally:
        con.close()


_WORDS = st.text(alphabet="abcdeé", max_size=7)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_WORDS, _WORDS), min_size=1, max_size=40))
def test_dl_shortcut_is_exact_up_to_one_edit(pairs: list[tuple[str, str]]) -> None:
    con = duckdb.connect()
    try:
        con.execute(_DL_MACRO)
        con.register("p", pd.DataFrame(pairs, columns=["a", "b"]))
        rows = con.execute("SELECT vl_dl(a, b), damerau_levenshtein(a, b), a, b FROM p").fetchall()
    finally:
        con.close()
    for fast, full, a, b in rows:
        assert (fast <= 1) == (full <= 1), (a, b)
        assert fast == full if full <= 1 else 2 <= fast <= full, (a, b)


def test_levels_ask_only_whether_the_edit_distance_is_at_most_one() -> None:
    # vl_dl is exact only up to 1: any other use of {dl} in the level SQL needs a new look
    for f in FIELDS:
        uses = re.findall(r"\{dl\}\([^()]*\)\s*(<=|<|>=|>|=|<>|!=)\s*(\d+)", f.sql)
        assert len(uses) == f.sql.count("{dl}"), f.name
        assert all(use == ("<=", "1") for use in uses), (f.name, uses)


def test_feature_table_is_the_features_as_arrow(synth: dict[str, pd.DataFrame]) -> None:
    import pyarrow as pa

    from vetline.matching.features import build_feature_table

    odd = pd.DataFrame(
        {
            "id": ["x1", "x2", "x3", "x4"],
            "first_name": ["Mary Ann", None, "J R", "Dr Bob"],
            "last_name": ["Jones-Hall", "Lee", None, "O'Brien"],
            "date_of_birth": ["1980-02-01", None, "01/02/1980", None],
            "postcode": [None, "S11 8YE", "s118ye", ""],
        }
    )
    frames = [
        synth["applications"],
        synth["lists"],
        odd,
        odd[["id", "first_name"]],
        odd.head(0),
        synth["members"][["id", "first_name", "last_name"]],
    ]
    for frame in frames:
        expected = pa.Table.from_pandas(build_features(frame), preserve_index=False)
        got = build_feature_table(frame)
        assert got.schema == expected.schema.remove_metadata()
        assert got.equals(expected.replace_schema_metadata(None))


@pytest.mark.parametrize("dedupe", [False, True])
def test_name_pair_tests_once_per_pair_of_names_give_the_levels_in_line(
    synth: dict[str, pd.DataFrame], dedupe: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The DuckDB batch tests each distinct pair of names once (`_name_pairs`): every pair
    gets the level codes the level SQL gives with the tests in line."""
    from vetline.matching import engine_duckdb

    left = build_features(synth["applications"])
    right = None if dedupe else build_features(synth["members"])
    calls: list[int] = []
    real = engine_duckdb._name_pairs

    def counted(*args: object) -> None:
        calls.append(1)
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(engine_duckdb, "_name_pairs", counted)
    by_names = engine_duckdb.compare(left, right, dedupe=dedupe, prefilter=False)
    assert calls == [1]
    monkeypatch.setattr(engine_duckdb, "_with_name_ids", lambda *a: None)
    in_line = engine_duckdb.compare(left, right, dedupe=dedupe, prefilter=False)
    assert calls == [1]
    key = ["l", "r"]
    by_names = by_names.sort_values(key, ignore_index=True)
    in_line = in_line.sort_values(key, ignore_index=True)
    assert len(in_line) > 500
    pd.testing.assert_frame_equal(by_names, in_line)
    # name levels that rest on the tests occur (nickname, typo, shared part)
    assert {5, 6} <= set(in_line["first_name"])
    assert {3, 4} <= set(in_line["last_name"])

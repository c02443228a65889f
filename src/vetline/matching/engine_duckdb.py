"""The DuckDB engine: blocking and comparisons as SQL in an in-process database."""

from __future__ import annotations

import os
import re

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from vetline.errors import InputError
from vetline.matching.blocking import candidate_pairs_sql, key_views
from vetline.matching.comparisons import (
    DUCKDB_DIALECT,
    FIELDS,
    NAME_PAIR_TESTS,
    level_select,
    name_pair_tests,
)
from vetline.matching.engines import GROUP_ODDS, GROUP_STRONG, LIST_CODE
from vetline.matching.model import PAIR_FLOOR_BITS, Model, raw_log2_odds_sql, shipped_model
from vetline.matching.stages import stage


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    threads = os.environ.get("VETLINE_DUCKDB_THREADS")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    # DuckDB's own cap (default: 80% of RAM) lets its buffer pool keep blocks it no longer
    # needs; batch screening's working set is far smaller, and 1GB took 0.4 GiB off the peak
    # of 128k x 1.57M with no loss of speed (docs/matching.md)
    limit = os.environ.get("VETLINE_DUCKDB_MEMORY_LIMIT", "").strip()
    if limit:
        if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", limit, re.IGNORECASE):
            raise InputError(
                f"VETLINE_DUCKDB_MEMORY_LIMIT={limit!r}: give a size such as 1GB or 1500MB"
            )
        con.execute(f"SET memory_limit = '{limit}'")
    con.execute("SET preserve_insertion_order = false")
    return con


# The list columns of the features, as the level SQL sees them in `compare`: one string
# "|a|b|" ("" for an empty list). Folded names hold letters, digits and spaces only, so "|"
# cannot occur inside an element. Strings are cheaper than lists to carry through the pair
# joins, and membership is a substring test.
LIST_COLUMNS = ("fn_mid", "fn_keys", "ln_keys")
# Damerau-Levenshtein is by far the dearest function of the level SQL (about ten times
# Jaro-Winkler), and the levels only ask whether it is at most 1. `vl_dl` is the exact distance
# whenever that is 0 or 1, and otherwise a lower bound of at least 2, found without the full
# computation for non-empty ASCII strings: lengths two apart; equal lengths differing in other
# than two places (one edit of equal-length strings is a substitution or a swap of
# neighbours); lengths one apart with first and last characters both different (one deletion
# keeps one of them).
_DL_MACRO = (
    "CREATE OR REPLACE TEMP MACRO vl_dl(a, b) AS CASE "
    "WHEN strlen(a) <> length(a) OR strlen(b) <> length(b) OR a = '' OR b = '' "
    "THEN damerau_levenshtein(a, b) "
    "WHEN abs(strlen(a) - strlen(b)) >= 2 THEN abs(strlen(a) - strlen(b)) "
    "WHEN strlen(a) = strlen(b) THEN CASE WHEN mismatches(a, b) = 2 "
    "THEN damerau_levenshtein(a, b) ELSE least(mismatches(a, b), 2) END "
    "WHEN a[1] <> b[1] AND a[-1] <> b[-1] THEN 2 "
    "ELSE damerau_levenshtein(a, b) END"
)
_TEXT_LIST_MACROS = (
    "CREATE OR REPLACE TEMP MACRO vl_has(s, x) AS contains(s, '|' || x || '|')",
    "CREATE OR REPLACE TEMP MACRO vl_items(s) AS "
    "CASE WHEN s = '' THEN []::VARCHAR[] ELSE string_split(s[2:-2], '|') END",
    # one side a single element (the usual case): a substring test; else compare the items
    "CREATE OR REPLACE TEMP MACRO vl_overlap(a, b) AS CASE WHEN a = '' OR b = '' THEN false "
    "WHEN a = b THEN true WHEN NOT contains(a[2:-2], '|') THEN contains(b, a) "
    "WHEN NOT contains(b[2:-2], '|') THEN contains(a, b) "
    "ELSE list_has_any(vl_items(a), vl_items(b)) END",
    "CREATE OR REPLACE TEMP MACRO vl_all(a, b) AS list_has_all(vl_items(a), vl_items(b))",
    _DL_MACRO,
)
TEXT_LIST_DIALECT = {
    **DUCKDB_DIALECT,
    "has": "vl_has",
    "overlap": "vl_overlap",
    "all": "vl_all",
    "dl": "vl_dl",
}


def _text_lists_view(con: duckdb.DuckDBPyConnection, side: str) -> None:
    encoded = ", ".join(
        f"CASE WHEN len({c}) = 0 THEN '' ELSE '|' || array_to_string({c}, '|') || '|' END AS {c}"
        for c in LIST_COLUMNS
    )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {side}_text AS SELECT * REPLACE ({encoded}) FROM {side}"
    )


def _arrow(features: pd.DataFrame | pa.Table) -> pa.Table:
    if isinstance(features, pa.Table):
        return features
    return pa.Table.from_pandas(features, preserve_index=False)


# Name pairs. The tests of a pair of names that depend on the two names alone
# (`comparisons.NAME_PAIR_TESTS`: nickname, typo, similar, shared surname part) are worked out
# once per distinct pair of names instead of once per pair of records: 128k applicants x 973k
# register entries form 12.2M candidate pairs but only ~121k distinct pairs of first names and
# ~214k of surnames. Each side gets a number per distinct (name, variants) and (surname, parts)
# shared by both sides (`fn_id`, `ln_id`), the pairs' distinct combinations are tested in
# `fn_pairs` / `ln_pairs`, and the level SQL joins them by one BIGINT key
# (`left id * 2^32 + right id`). The tests are the same SQL on the same values: the same
# levels (tested against the SQL in line).
NAME_IDS = ("fn_id", "ln_id")
_NAME_KEYS = {"fn_id": ("fn", "fn_keys"), "ln_id": ("ln", "ln_keys")}
_PAIR_KEY = "{side_l}.{col} * 4294967296 + {side_r}.{col}"
_NAME_PAIR_COLUMNS = {
    "fn_id": ("fn_nick", "fn_typo", "fn_sim"),
    "ln_id": ("ln_part", "ln_typo", "ln_sim"),
}


def _with_name_ids(
    left: pa.Table, right: pa.Table | None
) -> tuple[pa.Table, pa.Table | None] | None:
    """Both tables with `fn_id` and `ln_id` (numbers shared by both sides), or None when a
    name or its variants are missing (NULL) somewhere: then the tests stay in line."""
    tables = [left] if right is None else [left, right]
    ids: dict[str, list[pa.Array]] = {}
    for id_name, (name, keys) in _NAME_KEYS.items():
        chunks: list[pa.Array] = []
        for table in tables:
            if table[name].null_count or table[keys].null_count:
                return None
            try:  # (a frame of no or only empty lists gives them another type)
                names = table[name].cast(pa.string())
                joined = pc.binary_join(table[keys].cast(pa.list_(pa.string())), "|")
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return None
            if joined.null_count:  # a NULL inside a list
                return None
            # folded names hold letters, digits and spaces only: "\x00" separates them
            chunks += pc.binary_join_element_wise(names, joined, "\x00").chunks
        encoded = pa.chunked_array(chunks, type=pa.string()).dictionary_encode()
        if encoded.num_chunks and len(encoded.chunk(0).dictionary) >= 2**31:
            return None  # (never: a key holds two numbers below 2^32)
        numbers = pa.chunked_array([c.indices for c in encoded.chunks], type=pa.int32())
        numbers = pc.cast(numbers, pa.int64())
        ids[id_name] = [numbers.slice(0, len(left)), numbers.slice(len(left))]
    out = [
        table.append_column("fn_id", ids["fn_id"][k]).append_column("ln_id", ids["ln_id"][k])
        for k, table in enumerate(tables)
    ]
    return out[0], (out[1] if right is not None else None)


def _name_pairs(con: duckdb.DuckDBPyConnection, left: str, right: str) -> None:
    """Tables `fn_pairs` and `ln_pairs`: the name-pair tests of every distinct pair of
    names among the candidate pairs (table `pairs`), keyed as `_PAIR_KEY`."""
    keys = ", ".join(
        f"{_PAIR_KEY.format(side_l='a', side_r='b', col=col)} AS {col}" for col in NAME_IDS
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE name_keys AS SELECT DISTINCT {keys} "
        f"FROM pairs p JOIN {left} a ON p.l = a.idx JOIN {right} b ON p.r = b.idx"
    )
    tests = name_pair_tests(TEXT_LIST_DIALECT)
    for col, (name, lists) in _NAME_KEYS.items():
        sides = " UNION ALL ".join(
            f"SELECT {col}, {name}, {lists} FROM {side}_text" for side in ("L", "R")
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {col}_names AS SELECT {col} AS id, "
            f"any_value({name}) AS {name}, any_value({lists}) AS {lists} FROM ({sides}) "
            f"GROUP BY {col}"
        )
        columns = ", ".join(f"{tests[t]} AS {t}" for t in _NAME_PAIR_COLUMNS[col])
        table = "fn_pairs" if col == "fn_id" else "ln_pairs"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT k.key, {columns} FROM "
            f"(SELECT DISTINCT {col} AS key FROM name_keys) k "
            f"JOIN {col}_names l ON k.key // 4294967296 = l.id "
            f"JOIN {col}_names r ON k.key % 4294967296 = r.id"
        )


def register_sides(
    con: duckdb.DuckDBPyConnection, left: pd.DataFrame | pa.Table, right: pd.DataFrame | pa.Table
) -> None:
    """Register the two feature tables as L and R with their key views, text-list views and
    macros: everything `compare_registered(..., text_lists=True)` reads."""
    con.register("L", _arrow(left))
    con.register("R", _arrow(right))
    for side in ("L", "R"):
        for stmt in key_views(side, "unnest"):
            con.execute(stmt)
        _text_lists_view(con, side)
    for stmt in _TEXT_LIST_MACROS:
        con.execute(stmt)


def compare(
    left: pd.DataFrame | pa.Table,
    right: pd.DataFrame | pa.Table | None,
    *,
    dedupe: bool = False,
    prefilter: bool = True,
    keep_bits: float | None = None,
    group_sums: bool = False,
) -> pd.DataFrame:
    """Return candidate pairs (l, r positions) with one level code per field.

    With `dedupe=True`, `right` is ignored and `left` is compared with itself. `keep_bits`
    and `group_sums`: see `levels_query`.
    """
    con = _connect()
    try:
        same = dedupe or right is None
        with stage("to DuckDB"):
            left_table = _arrow(left)
            right_table = left_table if same or right is None else _arrow(right)
            named = _with_name_ids(left_table, None if same else right_table)
            if named is not None:
                left_table = named[0]
                right_table = named[1] if named[1] is not None else left_table
            register_sides(con, left_table, right_table)
        return compare_registered(
            con,
            dedupe=dedupe,
            prefilter=prefilter,
            keep_bits=keep_bits,
            text_lists=True,
            group_sums=group_sums,
            by_list=LIST_CODE in right_table.column_names,
            name_pairs=named is not None,
        )
    finally:
        con.close()


def compare_registered(
    con: duckdb.DuckDBPyConnection,
    *,
    dedupe: bool = False,
    prefilter: bool = True,
    keep_bits: float | None = None,
    text_lists: bool = False,
    group_sums: bool = False,
    by_list: bool = False,
    name_pairs: bool = False,
) -> pd.DataFrame:
    """Blocking and levels on a connection where L, R and their key views already exist
    (and, with `text_lists`, the L_text / R_text views and their macros; with `name_pairs`
    and `text_lists`, L and R have `fn_id` and `ln_id`: see "Name pairs")."""
    with stage("blocking"):
        pairs = candidate_pairs_sql(dedupe=dedupe, packed=True)
        con.execute(f"CREATE OR REPLACE TEMP TABLE pairs AS {pairs}")
    name_pairs = name_pairs and text_lists
    with stage("levels"):
        if name_pairs:
            _name_pairs(con, "L", "R")
        return levels_of_pairs(
            con,
            prefilter=prefilter,
            keep_bits=keep_bits,
            dedupe=dedupe,
            text_lists=text_lists,
            group_sums=group_sums,
            by_list=by_list,
            name_pairs=name_pairs,
        )


def levels_query(
    *,
    prefilter: bool = True,
    keep_bits: float | None = None,
    dedupe: bool = False,
    text_lists: bool = False,
    group_sums: bool = False,
    by_list: bool = False,
    name_pairs: bool = False,
) -> str:
    """The SQL giving level codes for the pairs in table `pairs` (l, r) of tables L and R
    (with `text_lists`: of the views L_text and R_text, list columns as "|a|b|" strings).

    `keep_bits` (a pair's own log2 odds that could still reach the caller's threshold): only
    pairs that can become hits are returned, with every pair competing with them. Competition
    only lowers a score, so a pair whose own odds are below the threshold is never a hit; with
    competition (one person, one entry) all pairs of a left record that has such a candidate
    are kept, so the competition sums stay exactly what they were. In `dedupe` mode nothing
    competes and the name count excludes the record itself (as `dedupe_frame` scores it).
    Most candidate pairs are far below any review threshold: this keeps them out of pandas.

    `group_sums` (with `keep_bits`, not `dedupe`): the competition sums are taken here instead,
    and only the pairs that can reach the threshold are returned, each with its group's
    (applicant; with `by_list`, applicant and R's `list_code`) `g_odds`, the sum of the
    competing pairs' own odds, and `g_strong`, how many of them have odds of at least 1%
    (`score_levels` takes these instead of summing over every pair). At surge scale this
    returns ~0.2M rows instead of ~11M: most applicants have one candidate worth keeping, and
    so every pair of theirs had to come out only to be summed.
    """
    model = shipped_model()
    dialect, left, right = (
        (TEXT_LIST_DIALECT, "L_text", "R_text") if text_lists else (DUCKDB_DIALECT, "L", "R")
    )
    list_code = f", r.{LIST_CODE} AS r_list" if by_list else ""
    tests, joins = None, ""
    if name_pairs:  # with `text_lists`: the tables of `_name_pairs`
        tests = {t: f"np_{col}.{t}" for col, names in _NAME_PAIR_COLUMNS.items() for t in names}
        assert set(tests) == set(NAME_PAIR_TESTS)
        joins = "".join(
            f" JOIN {'fn' if col == 'fn_id' else 'ln'}_pairs np_{col} "
            f"ON np_{col}.key = {_PAIR_KEY.format(side_l='l', side_r='r', col=col)}"
            for col in NAME_IDS
        )
    levels = (
        f"SELECT p.l, p.r, {level_select(dialect, tests)}{list_code} "
        f"FROM pairs p JOIN {left} l ON p.l = l.idx JOIN {right} r ON p.r = r.idx{joins}"
    )
    if group_sums and keep_bits is not None and not dedupe:
        return _group_sums_query(
            levels, model, prefilter=prefilter, keep_bits=keep_bits, by_list=by_list
        )
    floor = f"WHERE {raw_log2_odds_sql(model)} >= {PAIR_FLOOR_BITS!r}" if prefilter else ""
    query = f"SELECT * FROM ({levels}) x {floor}"
    if keep_bits is not None:
        bound = f"{raw_log2_odds_sql(model)} >= {float(keep_bits)!r}"
        if dedupe:
            # the bound sees the dedupe name count; the rows keep the engine's own
            own = (
                "SELECT * REPLACE (greatest(r_name_n - 1, 1) AS r_name_n), r_name_n AS kept_n "
                f"FROM ({query}) y"
            )
            query = (
                f"SELECT * EXCLUDE (kept_n) REPLACE (kept_n AS r_name_n) FROM ({own}) z "
                f"WHERE {bound}"
            )
        else:
            query = (
                f"WITH lv AS MATERIALIZED ({query}) SELECT * FROM lv "
                f"WHERE l IN (SELECT l FROM lv WHERE {bound})"
            )
    return query


def _group_sums_query(
    levels: str, model: Model, *, prefilter: bool, keep_bits: float, by_list: bool
) -> str:
    """`levels_query` with `group_sums`: the candidates of a hit plus their group's sums."""
    by = "l, r_list" if by_list else "l"
    # the odds and "strong" test exactly as `competition_bits` and `score_levels` take them
    odds = "pow(2.0, least(greatest(own, -60.0), 60.0))"
    floor = f"WHERE own >= {PAIR_FLOOR_BITS!r}" if prefilter else ""
    return (
        f"WITH lv AS MATERIALIZED (SELECT * FROM (SELECT *, {raw_log2_odds_sql(model)} AS own "
        f"FROM ({levels}) x) y {floor}), "
        f"grp AS (SELECT {by}, sum(CASE WHEN r_compete THEN {odds} ELSE 0.0 END) "
        f"AS {GROUP_ODDS}, count(*) FILTER (WHERE r_compete AND {odds} >= 0.01) "
        f"AS {GROUP_STRONG} FROM lv GROUP BY {by}) "
        f"SELECT lv.* EXCLUDE (own), grp.{GROUP_ODDS}, grp.{GROUP_STRONG} "
        f"FROM lv JOIN grp USING ({by}) "
        f"WHERE lv.own >= {float(keep_bits)!r}"
    )


def levels_of_pairs(
    con: duckdb.DuckDBPyConnection,
    *,
    prefilter: bool = True,
    keep_bits: float | None = None,
    dedupe: bool = False,
    text_lists: bool = False,
    group_sums: bool = False,
    by_list: bool = False,
    name_pairs: bool = False,
) -> pd.DataFrame:
    """Level codes for the pairs in table `pairs` (l, r) of tables L and R (see levels_query)."""
    query = levels_query(
        prefilter=prefilter,
        keep_bits=keep_bits,
        dedupe=dedupe,
        text_lists=text_lists,
        group_sums=group_sums,
        by_list=by_list,
        name_pairs=name_pairs,
    )
    out = con.sql(query).to_arrow_table().to_pandas()
    for f in FIELDS:
        out[f.name] = out[f.name].astype(np.int8)
    return out

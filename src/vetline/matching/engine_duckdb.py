"""The DuckDB engine: blocking and comparisons as SQL in an in-process database."""

from __future__ import annotations

import os

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from vetline.matching.blocking import candidate_pairs_sql, key_views
from vetline.matching.comparisons import DUCKDB_DIALECT, FIELDS, level_select
from vetline.matching.model import PAIR_FLOOR_BITS, raw_log2_odds_sql, shipped_model


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    threads = os.environ.get("VETLINE_DUCKDB_THREADS")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = false")
    return con


def _arrow(features: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(features, preserve_index=False)


def compare(
    left: pd.DataFrame,
    right: pd.DataFrame | None,
    *,
    dedupe: bool = False,
    prefilter: bool = True,
    keep_bits: float | None = None,
) -> pd.DataFrame:
    """Return candidate pairs (l, r positions) with one level code per field.

    With `dedupe=True`, `right` is ignored and `left` is compared with itself. `keep_bits`:
    see `levels_of_pairs`.
    """
    con = _connect()
    try:
        con.register("L", _arrow(left))
        con.register("R", _arrow(left) if dedupe or right is None else _arrow(right))
        for side in ("L", "R"):
            for stmt in key_views(side, "unnest"):
                con.execute(stmt)
        return compare_registered(con, dedupe=dedupe, prefilter=prefilter, keep_bits=keep_bits)
    finally:
        con.close()


def compare_registered(
    con: duckdb.DuckDBPyConnection,
    *,
    dedupe: bool = False,
    prefilter: bool = True,
    keep_bits: float | None = None,
) -> pd.DataFrame:
    """Blocking and levels on a connection where L, R and their key views already exist."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE pairs AS {candidate_pairs_sql(dedupe=dedupe)}")
    return levels_of_pairs(con, prefilter=prefilter, keep_bits=keep_bits, dedupe=dedupe)


def levels_of_pairs(
    con: duckdb.DuckDBPyConnection,
    *,
    prefilter: bool = True,
    keep_bits: float | None = None,
    dedupe: bool = False,
) -> pd.DataFrame:
    """Level codes for the pairs in table `pairs` (l, r) of tables L and R.

    `keep_bits` (a pair's own log2 odds that could still reach the caller's threshold): only
    pairs that can become hits are returned, with every pair competing with them. Competition
    only lowers a score, so a pair whose own odds are below the threshold is never a hit; with
    competition (one person, one entry) all pairs of a left record that has such a candidate
    are kept, so the competition sums stay exactly what they were. In `dedupe` mode nothing
    competes and the name count excludes the record itself (as `dedupe_frame` scores it).
    Most candidate pairs are far below any review threshold: this keeps them out of pandas.
    """
    model = shipped_model()
    levels = (
        f"SELECT p.l, p.r, {level_select(DUCKDB_DIALECT)} "
        "FROM pairs p JOIN L l ON p.l = l.idx JOIN R r ON p.r = r.idx"
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
    out = con.sql(query).to_arrow_table().to_pandas()
    for f in FIELDS:
        out[f.name] = out[f.name].astype(np.int8)
    return out

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
    left: pd.DataFrame, right: pd.DataFrame | None, *, dedupe: bool = False, prefilter: bool = True
) -> pd.DataFrame:
    """Return candidate pairs (l, r positions) with one level code per field.

    With `dedupe=True`, `right` is ignored and `left` is compared with itself.
    """
    con = _connect()
    try:
        con.register("L", _arrow(left))
        con.register("R", _arrow(left) if dedupe or right is None else _arrow(right))
        for side in ("L", "R"):
            for stmt in key_views(side, "unnest"):
                con.execute(stmt)
        return compare_registered(con, dedupe=dedupe, prefilter=prefilter)
    finally:
        con.close()


def compare_registered(
    con: duckdb.DuckDBPyConnection, *, dedupe: bool = False, prefilter: bool = True
) -> pd.DataFrame:
    """Blocking and levels on a connection where L, R and their key views already exist."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE pairs AS {candidate_pairs_sql(dedupe=dedupe)}")
    return levels_of_pairs(con, prefilter=prefilter)


def levels_query(*, prefilter: bool = True) -> str:
    """The SQL giving level codes for the pairs in table `pairs` (l, r) of tables L and R."""
    return (
        f"SELECT * FROM (SELECT p.l, p.r, {level_select(DUCKDB_DIALECT)} "
        "FROM pairs p JOIN L l ON p.l = l.idx JOIN R r ON p.r = r.idx) x "
        + (
            f"WHERE {raw_log2_odds_sql(shipped_model())} >= {PAIR_FLOOR_BITS!r}"
            if prefilter
            else ""
        )
    )


def levels_of_pairs(con: duckdb.DuckDBPyConnection, *, prefilter: bool = True) -> pd.DataFrame:
    """Level codes for the pairs in table `pairs` (l, r) of tables L and R."""
    query = levels_query(prefilter=prefilter)
    out = con.sql(query).to_arrow_table().to_pandas()
    for f in FIELDS:
        out[f.name] = out[f.name].astype(np.int8)
    return out

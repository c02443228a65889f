"""Pick the engine that runs blocking and comparisons by name: `duckdb` or `spark`."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from vetline.errors import InputError

ENGINES = ("duckdb", "spark")
# An optional integer column of the right-hand features: the list each record belongs to
# (records of one list compete for an applicant); the DuckDB engine returns it as `r_list`.
LIST_CODE = "list_code"
# The competition sums the DuckDB engine returns with each pair under `group_sums`.
GROUP_ODDS = "g_odds"
GROUP_STRONG = "g_strong"


def compare_levels(
    left: pd.DataFrame | pa.Table,
    right: pd.DataFrame | pa.Table | None,
    *,
    engine: str = "duckdb",
    prefilter: bool = True,
    keep_bits: float | None = None,
    group_sums: bool = False,
) -> pd.DataFrame:
    """Candidate pairs with level codes; `right=None` compares `left` with itself (dedupe).

    `prefilter` drops pairs too weak to matter (below PAIR_FLOOR_BITS); training turns it off.
    `keep_bits` lets the engine leave out pairs that cannot reach a hit and do not compete
    with one (see `engine_duckdb.levels_of_pairs`); an engine may ignore it, since scoring
    gives the same hits either way. Features may come as Arrow tables (`features_for`):
    the DuckDB engine reads those as they are. `group_sums`: the DuckDB engine returns only
    the pairs that can reach `keep_bits`, with their competition sums (`g_odds`, `g_strong`;
    see `engine_duckdb.levels_query`); other engines return every pair, which scores alike.
    """
    if engine == "duckdb":
        from vetline.matching.engine_duckdb import compare as duckdb_compare

        return duckdb_compare(
            left,
            right,
            dedupe=right is None,
            prefilter=prefilter,
            keep_bits=keep_bits,
            group_sums=group_sums,
        )
    if engine == "spark":
        from vetline.matching.engine_spark import compare as spark_compare

        if isinstance(left, pa.Table) or isinstance(right, pa.Table):
            raise TypeError("the Spark engine takes feature frames, not Arrow tables")
        return spark_compare(left, right, dedupe=right is None, prefilter=prefilter)
    raise InputError(f"unknown matching engine {engine!r}: choose one of {', '.join(ENGINES)}")


def features_for(frame: pd.DataFrame, *, engine: str) -> pd.DataFrame | pa.Table:
    """`build_features(frame)` in the form the engine reads. For DuckDB that is Arrow, built
    without the pandas frame (object columns: about 1.2 GB for a million records, against
    0.2 GB as Arrow), which also spares the memory peak of the joins."""
    from vetline.matching.features import build_feature_table, build_features

    if engine == "duckdb":
        return build_feature_table(frame)
    return build_features(frame)


def features_for_both(
    left: pd.DataFrame, right: pd.DataFrame, *, engine: str
) -> tuple[pd.DataFrame | pa.Table, pd.DataFrame | pa.Table]:
    """`features_for` of both sides; for DuckDB normalised in one pass, so one process pool
    serves both frames (`build_feature_tables`)."""
    from vetline.matching.features import build_feature_tables

    if engine == "duckdb":
        left_table, right_table = build_feature_tables([left, right])
        return left_table, right_table
    return features_for(left, engine=engine), features_for(right, engine=engine)

"""Pick the engine that runs blocking and comparisons by name: `duckdb` or `spark`."""

from __future__ import annotations

import pandas as pd

from vetline.errors import InputError

ENGINES = ("duckdb", "spark")


def compare_levels(
    left: pd.DataFrame,
    right: pd.DataFrame | None,
    *,
    engine: str = "duckdb",
    prefilter: bool = True,
    keep_bits: float | None = None,
) -> pd.DataFrame:
    """Candidate pairs with level codes; `right=None` compares `left` with itself (dedupe).

    `prefilter` drops pairs too weak to matter (below PAIR_FLOOR_BITS); training turns it off.
    `keep_bits` lets the engine leave out pairs that cannot reach a hit and do not compete
    with one (see `engine_duckdb.levels_of_pairs`); an engine may ignore it, since scoring
    gives the same hits either way.
    """
    if engine == "duckdb":
        from vetline.matching.engine_duckdb import compare as duckdb_compare

        return duckdb_compare(
            left, right, dedupe=right is None, prefilter=prefilter, keep_bits=keep_bits
        )
    if engine == "spark":
        from vetline.matching.engine_spark import compare as spark_compare

        return spark_compare(left, right, dedupe=right is None, prefilter=prefilter)
    raise InputError(f"unknown matching engine {engine!r}: choose one of {', '.join(ENGINES)}")

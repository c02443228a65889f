"""The Spark engine: the same blocking and comparison SQL, run by Spark SQL.

Local mode by default (`local[*]`). To use a cluster, set `VETLINE_SPARK_MASTER` (e.g.
`spark://host:7077` or `yarn`) before screening; any other Spark setting can be passed with
`PYSPARK_SUBMIT_ARGS` or `spark-defaults.conf` as usual. rapidfuzz must be installed on the
executors (it is a vetline dependency). pyspark is an optional extra, imported lazily.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from vetline.errors import MissingExtra
from vetline.matching.blocking import candidate_pairs_sql, key_views
from vetline.matching.comparisons import FIELDS, SPARK_DIALECT, level_select
from vetline.matching.model import PAIR_FLOOR_BITS, raw_log2_odds_sql, shipped_model

_SESSION: Any = None


GATEWAY_ATTEMPTS = 3


def start_with_retries(start: Callable[[], Any], attempts: int = GATEWAY_ATTEMPTS) -> Any:
    """Start the Spark session, again if the local JVM gateway exits before it answers.

    Seen once in a full test run on a loaded 2-core machine (and not again in the same run
    repeated): pyspark's JAVA_GATEWAY_EXITED. A local gateway that dies at start is worth a
    second try; any other error, or the same one every time, is raised.
    """
    for attempt in range(1, attempts + 1):
        try:
            return start()
        except Exception as exc:
            if "JAVA_GATEWAY_EXITED" not in str(exc) or attempt == attempts:
                raise
            warnings.warn(
                f"Spark's JVM gateway exited while starting (attempt {attempt} of {attempts}); "
                "starting it again",
                RuntimeWarning,
                stacklevel=2,
            )
            time.sleep(attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _spark() -> Any:
    global _SESSION
    try:
        from pyspark.sql import SparkSession
        from pyspark.sql.functions import udf
        from pyspark.sql.types import BooleanType, DoubleType, IntegerType
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingExtra("spark", "pyspark") from exc
    if _SESSION is not None:
        return _SESSION
    master = os.environ.get("VETLINE_SPARK_MASTER", "local[*]")
    # Python workers must run the interpreter that has vetline's dependencies (rapidfuzz).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(master)
        .appName("vetline-matching")
        .config("spark.sql.shuffle.partitions", os.environ.get("VETLINE_SPARK_PARTITIONS", "2"))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    session = start_with_retries(builder.getOrCreate)
    session.sparkContext.setLogLevel("ERROR")

    def jaro_winkler(a, b):  # type: ignore[no-untyped-def]  # plain UDF: no type hints
        from rapidfuzz.distance import JaroWinkler

        if a is None or b is None:
            return None
        if not a and not b:
            return 0.0  # as DuckDB's jaro_winkler_similarity
        return float(JaroWinkler.normalized_similarity(a, b))

    def damerau(a, b):  # type: ignore[no-untyped-def]
        from rapidfuzz.distance import DamerauLevenshtein

        if a is None or b is None:
            return None
        return int(DamerauLevenshtein.distance(a, b))

    def has_all(big, small):  # type: ignore[no-untyped-def]
        if big is None or small is None:
            return None
        return set(small) <= set(big)

    session.udf.register("vl_jaro_winkler", udf(jaro_winkler, DoubleType()))
    session.udf.register("vl_has_all", udf(has_all, BooleanType()))
    session.udf.register("vl_damerau_levenshtein", udf(damerau, IntegerType()))
    _SESSION = session
    return session


def _to_spark(session: Any, features: pd.DataFrame) -> Any:
    frame = features.copy()
    # Spark wants plain column types: nullable ints as float-free objects, dates as dates
    for col in ("dob_y", "dob_m", "dob_d"):
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    frame["dob"] = frame["dob"].astype(object)
    schema = (
        "idx long, fn string, fn_init string, fn_mid array<string>, fn_mid_init string, "
        "fn_keys array<string>, fn_sx string, ln string, ln_keys array<string>, ln_sx string, "
        "dob date, dob_y int, dob_m int, dob_d int, dob_key string, pc string, "
        "pc_sector string, pc_district string, "
        "pc_area string, addr string, addr_no string, addr_key string, "
        "email string, phone string, has_other boolean, name_n long"
    )
    rows = [tuple(r) for r in frame.itertuples(index=False, name=None)]
    return session.createDataFrame(rows, schema=schema)


def compare(
    left: pd.DataFrame, right: pd.DataFrame | None, *, dedupe: bool = False, prefilter: bool = True
) -> pd.DataFrame:
    """Spark twin of `engine_duckdb.compare`: same pairs, same level codes."""
    session = _spark()
    _to_spark(session, left).createOrReplaceTempView("L")
    if dedupe or right is None:
        _to_spark(session, left).createOrReplaceTempView("R")
    else:
        _to_spark(session, right).createOrReplaceTempView("R")
    for side in ("L", "R"):
        for stmt in key_views(side, "explode"):
            session.sql(stmt)
    session.sql(candidate_pairs_sql(dedupe=dedupe)).createOrReplaceTempView("pairs")
    query = (
        f"SELECT * FROM (SELECT p.l, p.r, {level_select(SPARK_DIALECT)} "
        "FROM pairs p JOIN L l ON p.l = l.idx JOIN R r ON p.r = r.idx) x "
        + (
            f"WHERE {raw_log2_odds_sql(shipped_model())} >= {PAIR_FLOOR_BITS!r}"
            if prefilter
            else ""
        )
    )
    out = session.sql(query).toPandas()
    if out.empty:
        out = pd.DataFrame({c: pd.Series([], dtype=np.int64) for c in ["l", "r"]})
        for f in FIELDS:
            out[f.name] = pd.Series([], dtype=np.int8)
        out["r_name_n"] = pd.Series([], dtype=np.int64)
        out["r_compete"] = pd.Series([], dtype=bool)
        return out
    out["l"] = out["l"].astype(np.int64)
    out["r"] = out["r"].astype(np.int64)
    for f in FIELDS:
        out[f.name] = out[f.name].astype(np.int8)
    out["r_name_n"] = out["r_name_n"].astype(np.int64)
    out["r_compete"] = out["r_compete"].astype(bool)
    return out.sort_values(["l", "r"], ignore_index=True)

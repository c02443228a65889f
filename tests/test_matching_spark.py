"""DuckDB and Spark give the same hits (Spark local mode; slow to start, so one small case)."""

from __future__ import annotations

import pandas as pd
import pytest

from vetline.matching import dedupe_frame, screen_frames

pytest.importorskip("pyspark")

LEFT = pd.DataFrame(
    {
        "id": ["a1", "a2", "a3", "a4", "a5", "a6"],
        "first_name": ["Bob", "Mary", "John", "Sarah", "Smith", "J."],
        "last_name": ["Smith", "Jones-Hall", "Brown", "Green", "Peter", "Okafor"],
        "date_of_birth": ["1980-02-01", "1990-05-05", None, "1970-03-03", "1966-01-01", None],
        "postcode": ["S11 8YE", "LS1 1AA", None, "S10 2TN", None, "M1 1AE"],
        "address": ["12 High Street", "1 Park Rd", None, "5 Mill Lane", None, "3 Canal St"],
        "email": [None, "mary@example.org", None, None, None, None],
    }
)
RIGHT = pd.DataFrame(
    {
        "id": ["r1", "r2", "r3", "r4", "r5", "r6"],
        "first_name": ["Robert", "Mary", "Jon", "Peter", "Peter", "Jude"],
        "last_name": ["Smith", "Hall", "Brown", "Green", "Smith", "Okafor"],
        "date_of_birth": ["1980-01-02", None, None, "1968-07-09", "1966-01-01", None],
        "postcode": ["s118ye", "LS1 1AB", None, "S10 2TN", None, "M1 1AE"],
        "address": ["12 High St", "1 Park Road", None, "5 Mill Lane", None, "3 Canal Street"],
        "email": [None, "MARY@example.org", None, None, None, None],
    }
)


def _key(hits: pd.DataFrame) -> list[tuple[str, str, float, str]]:
    return sorted(
        (h.left_id, h.right_id, round(h.score, 9), h.band) for h in hits.itertuples(index=False)
    )


@pytest.mark.spark
@pytest.mark.slow
def test_spark_agrees_with_duckdb() -> None:
    duck = screen_frames(LEFT, RIGHT, threshold=0.0)
    spark = screen_frames(LEFT, RIGHT, threshold=0.0, engine="spark")
    assert _key(duck) == _key(spark)
    assert len(duck) >= 5
    both = pd.concat([LEFT, RIGHT], ignore_index=True)
    assert _key(dedupe_frame(both, threshold=0.0)) == _key(
        dedupe_frame(both, threshold=0.0, engine="spark")
    )
    explanations = {(h.left_id, h.right_id): h.explanation for h in duck.itertuples()}
    for h in spark.itertuples():
        assert h.explanation == explanations[(h.left_id, h.right_id)]


def test_a_spark_gateway_that_dies_at_start_is_started_again_and_other_errors_are_not() -> None:
    from vetline.matching.engine_spark import start_with_retries

    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("[JAVA_GATEWAY_EXITED] Java gateway process exited")
        return "session"

    with pytest.warns(RuntimeWarning, match="attempt 1 of 3"):
        assert start_with_retries(flaky) == "session"
    assert len(calls) == 2

    def always() -> str:
        raise RuntimeError("[JAVA_GATEWAY_EXITED] again")

    with pytest.warns(RuntimeWarning), pytest.raises(RuntimeError, match="again"):
        start_with_retries(always, attempts=2)

    def other() -> str:
        raise ValueError("not a gateway problem")

    with pytest.raises(ValueError):
        start_with_retries(other)

"""The date of birth's "one or two digits differ" level (model 1.3): engines, weights, words."""

from __future__ import annotations

import pandas as pd
import pytest

from vetline.matching import explain_text, screen_frames
from vetline.matching.comparisons import FIELDS
from vetline.matching.engines import compare_levels
from vetline.matching.explain import level_agreement
from vetline.matching.features import build_features
from vetline.matching.model import model_from_json, shipped_model
from vetline.matching.training import ORDER

DOB = next(f for f in FIELDS if f.name == "date_of_birth")
APPLICANT = {
    "id": "a1",
    "first_name": "Imogen",
    "last_name": "Featherstonehaugh",
    "date_of_birth": "1980-02-01",
    "postcode": "S11 8YE",
    "address": "12 High Street",
}
# each right-hand date of birth and the level it must give against 1980-02-01
DATES = {
    "1980-02-01": "exact",
    "1980-01-02": "day/month swapped",
    "1980-02-11": "two of day, month, year agree",
    "1981-02-11": "one or two digits differ",  # year and day, one digit each
    "1981-12-01": "one or two digits differ",  # year and month, one digit each
    "1990-03-01": "one or two digits differ",  # year and month: 1980 → 1990, 02 → 03
    "1950-02-10": "different",  # a generation older: three digits
    "1975-06-30": "different",
    None: "missing",
}


def _rights() -> pd.DataFrame:
    return pd.DataFrame(
        [{**APPLICANT, "id": f"r{k}", "date_of_birth": d} for k, d in enumerate(DATES)]
    )


def _levels(engine: str) -> list[str]:
    left = build_features(pd.DataFrame([APPLICANT]))
    right = build_features(_rights())
    levels = compare_levels(left, right, engine=engine, prefilter=False).sort_values("r")
    return [DOB.levels[int(c)] for c in levels["date_of_birth"]]


def test_duckdb_levels() -> None:
    assert _levels("duckdb") == list(DATES.values())


@pytest.mark.spark
@pytest.mark.slow
def test_spark_levels_equal_duckdb() -> None:
    pytest.importorskip("pyspark")
    assert _levels("spark") == list(DATES.values())


def test_shipped_model_orders_the_split_levels() -> None:
    model = shipped_model()
    w = dict(zip(DOB.levels, model.weights["date_of_birth"], strict=True))
    assert ("two of day, month, year agree", "one or two digits differ") in ORDER[DOB.name]
    assert ("one or two digits differ", "different") in ORDER[DOB.name]
    for strong, weak in ORDER[DOB.name]:
        assert w[strong] >= w[weak] - 1e-3, (strong, weak)
    assert w["different"] < 0
    assert model_from_json(model.to_json()) == model


def test_explanation_names_the_level_for_a_reviewer() -> None:
    model = shipped_model()
    hits = screen_frames(pd.DataFrame([APPLICANT]), _rights(), threshold=0.0)
    by_right = {h.right_id: h for h in hits.itertuples(index=False)}
    close = next(e for e in by_right["r3"].explanation if e["field"] == "date_of_birth")
    assert close["level"] == "one or two digits differ"
    assert close["detail"] == "1980-02-01 ~ 1981-02-11"
    assert level_agreement(close["level"]) == "partly"
    code = DOB.levels.index("one or two digits differ")
    assert close["weight"] == pytest.approx(model.weights["date_of_birth"][code], abs=0.005)
    assert "date of birth: one or two digits differ 1980-02-01 ~ 1981-02-11, " in explain_text(
        by_right["r3"].explanation
    )
    if "r6" in by_right:  # the wholly different date may fall below the engine's floor
        wholly = next(e for e in by_right["r6"].explanation if e["field"] == "date_of_birth")
        assert (wholly["level"], wholly["detail"]) == ("different", "1980-02-01 ≠ 1950-02-10")
        assert level_agreement(wholly["level"]) == "differs"

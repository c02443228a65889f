"""The scoring rule's address table for pairs without a date of birth (model 1.2)."""

from __future__ import annotations

import itertools

import duckdb
import numpy as np
import pandas as pd
import pytest

from vetline.matching import screen_frames
from vetline.matching.comparisons import FIELDS
from vetline.matching.model import (
    ADDRESS_LEVELS,
    ADDRESS_NO_DOB,
    model_from_json,
    raw_log2_odds_sql,
    shipped_model,
)
from vetline.matching.training import ORDER, fit_model

DISTRICT = ADDRESS_LEVELS.index("same postcode district only")

APPLICANT = {
    "id": "a1",
    "first_name": "Imogen",
    "last_name": "Featherstonehaugh",
    "date_of_birth": "1980-02-01",
    "postcode": "S11 8YE",
    "address": "12 High Street",
}
# a register entry: no date of birth, another address in the same postcode district
ENTRY = {
    "id": "r1",
    "first_name": "Imogen",
    "last_name": "Featherstonehaugh",
    "postcode": "S11 7AB",
    "address": "3 Low Road",
}


def test_shipped_model_has_the_table_in_order() -> None:
    model = shipped_model()
    assert model.address_without_dob is not None
    w = dict(zip(ADDRESS_LEVELS, model.address_without_dob, strict=True))
    for strong, weak in ORDER["address"]:
        assert w[strong] >= w[weak] - 1e-3, (strong, weak)
    assert model_from_json(model.to_json()) == model


def test_a_pair_without_a_date_of_birth_uses_the_table_and_says_so() -> None:
    model = shipped_model()
    assert model.address_without_dob is not None
    hit = screen_frames(pd.DataFrame([APPLICANT]), pd.DataFrame([ENTRY]), threshold=0.0).iloc[0]
    address = next(e for e in hit.explanation if e["field"] == "address")
    assert address["level"] == "same postcode district only"
    assert address["weight"] == pytest.approx(model.address_without_dob[DISTRICT], abs=0.005)
    assert "no date of birth to compare" in address["detail"]
    bits = sum(e["weight"] for e in hit.explanation)
    assert hit.score == pytest.approx(1 / (1 + 2 ** (-bits)), abs=0.01)

    # the same entry with a date of birth that agrees: the ordinary address weight, no note
    dated = screen_frames(
        pd.DataFrame([APPLICANT]),
        pd.DataFrame([{**ENTRY, "date_of_birth": "1980-02-01"}]),
        threshold=0.0,
    ).iloc[0]
    address = next(e for e in dated.explanation if e["field"] == "address")
    assert address["weight"] == pytest.approx(model.weights["address"][DISTRICT], abs=0.005)
    assert "no date of birth" not in address["detail"]


def test_engine_prefilter_sql_adds_up_as_the_model_does() -> None:
    """raw_log2_odds_sql (the DuckDB and Spark pre-filter) equals the numpy sum, table included."""
    model = shipped_model()
    combos = itertools.product(
        range(len(FIELDS[0].levels)),
        (0, 2, 7),
        range(len(FIELDS[2].levels)),
        range(len(ADDRESS_LEVELS)),
        (0, 1, 3),
        (0, 1, 2),
    )
    levels = pd.DataFrame(list(combos), columns=[f.name for f in FIELDS])
    levels["r_name_n"] = np.arange(len(levels)) % 7 + 1
    con = duckdb.connect()
    con.register("levels", levels)
    sql = con.execute(f"SELECT {raw_log2_odds_sql(model)} AS bits FROM levels").df()["bits"]
    np.testing.assert_allclose(sql.to_numpy(), model.log2_odds_without_competition(levels))


def test_fit_learns_the_table_apart_and_keeps_it_in_order() -> None:
    """Without a date of birth "same district" is mostly a namesake; with one, mostly the
    person: one shared weight cannot serve both, the table can."""
    rng = np.random.default_rng(3)
    n = 8000
    no_dob = rng.random(n) < 0.5
    y = rng.random(n) < np.where(no_dob, 0.1, 0.7)
    frame = {f.name: np.zeros(n, dtype=np.int8) for f in FIELDS}
    frame["first_name"] = np.full(n, 2, dtype=np.int8)
    frame["last_name"] = np.full(n, 2, dtype=np.int8)
    frame["date_of_birth"] = np.where(no_dob, 0, np.where(y, 1, 4)).astype(np.int8)
    frame["address"] = np.where(rng.random(n) < 0.7, DISTRICT, 1).astype(np.int8)
    frame["r_name_n"] = np.ones(n, dtype=np.int64)
    levels = pd.DataFrame(frame)
    model = fit_model(levels, y, version="t", meta={}, address_without_dob=True)
    assert model.address_without_dob is not None
    alone = dict(zip(ADDRESS_LEVELS, model.address_without_dob, strict=True))
    for strong, weak in ORDER["address"]:
        assert alone[strong] >= alone[weak] - 1e-6, (strong, weak)
    district = (levels["address"] == DISTRICT).to_numpy()
    for mask in (no_dob & district, ~no_dob & district):
        assert model.score(levels[mask]).mean() == pytest.approx(y[mask].mean(), abs=0.03)
    assert ADDRESS_NO_DOB in model.to_json()
    assert fit_model(levels, y, version="t", meta={}).address_without_dob is None

"""The stored reference index gives the same hits as screen_frames, for a batch and for one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from vetline.errors import NotFound
from vetline.matching import screen_frames
from vetline.matching.index import ReferenceIndex

REFERENCE = pd.DataFrame(
    {
        "id": ["r1", "r2", "r3", "r4", "r5"],
        "first_name": ["Robert", "Mary", "Iolo", "Iolo", "Chidi"],
        "last_name": ["Smith", "Jones-Hall", "Davies", "Davies", "Okafor"],
        "date_of_birth": ["1980-01-02", None, None, None, None],
        "postcode": ["S11 8YE", "LS1 1AA", "S17 2SA", "S17 2SA", None],
        "address": ["12 High St", "1 Park Road", "30 School Grove", "30 School Grove", None],
        "list": ["party_members", "party_members", "register", "register", "candidates"],
    }
)
APPLICANTS = pd.DataFrame(
    {
        "id": ["a1", "a2", "a3", "a4"],
        "first_name": ["Bob", "Mary", "Iolo", "Chidi"],
        "last_name": ["Smith", "Hall", "Davies", "Okafor"],
        "date_of_birth": ["1980-02-01", "1990-05-05", "1987-02-25", None],
        "postcode": ["s118ye", "LS1 1AA", "S17 2SA", None],
        "address": ["12 High Street", "1 Park Rd", "30 School Grove, Sheffield", None],
    }
)


def _rows(hits: pd.DataFrame) -> list[tuple[str, str, float, str, str]]:
    return sorted(
        (h.left_id, h.right_id, round(h.score, 9), h.band, str(h.explanation))
        for h in hits.itertuples(index=False)
    )


def test_index_batch_and_single_agree_with_screen_frames(tmp_path: Path) -> None:
    expected = screen_frames(APPLICANTS, REFERENCE, threshold=0.0)
    assert len(expected) >= 4
    ReferenceIndex.build(REFERENCE, tmp_path / "idx").close()
    index = ReferenceIndex.open(tmp_path / "idx")
    try:
        assert index.meta["rows"] == 5
        assert _rows(index.screen(APPLICANTS, threshold=0.0)) == _rows(expected)
        one = APPLICANTS.iloc[0].to_dict()
        single = index.screen_one(one, threshold=0.0)
        assert _rows(single) == _rows(expected[expected["left_id"] == "a1"])
        nobody = index.screen_one({"first_name": "Zebedee", "last_name": "Quux"})
        assert nobody.empty
    finally:
        index.close()


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no reference index"):
        ReferenceIndex.open(tmp_path / "nowhere")

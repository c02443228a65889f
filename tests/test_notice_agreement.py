"""A notice says which details agree from what the values are, not from the weights' signs."""

from __future__ import annotations

from vetline.cases.notices import agreement
from vetline.matching.explain import level_agreement


def test_identical_email_with_a_negative_weight_is_agreement() -> None:
    explanation = [
        {"field": "first_name", "level": "nickname", "detail": "Bob → Robert", "weight": 0.5},
        {"field": "last_name", "level": "exact", "detail": "Smith", "weight": 1.6},
        {"field": "email", "level": "exact", "detail": "bob@example.org", "weight": -1.2},
        {"field": "date_of_birth", "level": "different", "detail": "…", "weight": -2.8},
        {"field": "phone", "level": "missing", "detail": "", "weight": 0.0},
        {"field": "prior", "level": "base rate", "detail": "", "weight": -2.5},
    ]
    text = agreement(explanation)
    assert text == (
        "Details that agree: surname, email address. "
        "Details that partly agree: first name. "
        "Details that differ: date of birth."
    )


def test_levels() -> None:
    assert level_agreement("exact") == "agrees"
    assert level_agreement("same address and postcode") == "agrees"
    assert level_agreement("different") == "differs"
    assert level_agreement("day/month swapped") == "partly"
    assert level_agreement("missing") == "missing"
    assert level_agreement(None) == "missing"

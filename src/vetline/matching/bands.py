"""Reviewer bands: the label a human sees next to a score.

| band        | rule                                                                  |
|-------------|-----------------------------------------------------------------------|
| `match`     | score ≥ 0.5 with evidence beyond the name: claims the same person      |
| `possible`  | REVIEW_THRESHOLD ≤ score < 0.5, with evidence beyond the name          |
| `name-only` | no comparable date of birth, address/postcode, email or phone (e.g. a  |
|             | candidate list): the name alone cannot show it is the same person      |
"""

from __future__ import annotations

import numpy as np

REVIEW_THRESHOLD = 0.05
MATCH_THRESHOLD = 0.5
BANDS: dict[str, str] = {
    "match": "score ≥ 0.5 with evidence beyond the name: claims the same person",
    "possible": f"score ≥ {REVIEW_THRESHOLD} and < 0.5: listed for a human to check",
    "name-only": "no date of birth, address, email or phone to compare: the name alone cannot "
    "show it is the same person",
}


def assign_bands(scores: np.ndarray, name_only: np.ndarray) -> np.ndarray:
    """Band per pair: name-only whenever only names could be compared, else by score."""
    bands = np.where(scores >= MATCH_THRESHOLD, "match", "possible").astype(object)
    bands[name_only] = "name-only"
    return bands

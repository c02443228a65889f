"""The linkage model: is this applicant the same person as that record?

Public API (others code against it; keep these names and shapes):

- `screen_frames(left, right, threshold=REVIEW_THRESHOLD, engine="duckdb")` — pairs across two
  person frames;
- `dedupe_frame(records, ...)` — pairs within one frame, each pair once;
- `explain_text(explanation)` — one line for a CSV or the terminal;
- `MODEL_VERSION`, `BANDS`, `REVIEW_THRESHOLD`, `MATCH_THRESHOLD`.

Both return a DataFrame with `left_id, right_id, score, band, explanation`, one row per pair
scoring at or above `threshold`. `score` is a calibrated probability that the two records are
the same person (≥ 0.5 claims it); `band` is the reviewer label (see `vetline.matching.bands`);
`explanation` lists each compared field's level, detail and weight in bits.

Input frames have a string `id` and any of `first_name, last_name, date_of_birth, postcode,
address, email, phone` (a missing column means "not known"). The right frame of
`screen_frames` is one list; to pass several lists at once add a `list` column (records of one
list compete for an applicant: a list holds each person once).
"""

from __future__ import annotations

from vetline.matching.api import dedupe_frame, screen_frames
from vetline.matching.bands import BANDS, MATCH_THRESHOLD, REVIEW_THRESHOLD
from vetline.matching.explain import explain_text
from vetline.matching.model import shipped_model

MODEL_VERSION: str = shipped_model().version

__all__ = [
    "BANDS",
    "MATCH_THRESHOLD",
    "MODEL_VERSION",
    "REVIEW_THRESHOLD",
    "dedupe_frame",
    "explain_text",
    "screen_frames",
]

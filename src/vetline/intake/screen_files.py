"""`vetline screen` without a database: applicants CSV against reference CSVs -> hits CSV.

The output is meant to be opened in a spreadsheet by a compliance officer, so every text
cell that a spreadsheet would run as a formula is defused (OWASP CSV injection advice).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vetline.errors import InputError
from vetline.intake.frames import read_applicants_frame, read_reference_frame
from vetline.settings import get_settings

HIT_COLUMNS = ("applicant_id", "reference_list", "reference_id", "score", "band", "explanation")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """Prefix a quote to a cell a spreadsheet would treat as a formula; else return it as is."""
    return "'" + value if value.startswith(_FORMULA_START) else value


@dataclass
class ScreenResult:
    applicants: int
    references: dict[str, tuple[str, int]]  # list name -> (format, entries)
    hits: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        """Hits per reference list and band, for the summary table."""
        out: dict[str, dict[str, int]] = {name: {} for name in self.references}
        for hit in self.hits:
            bands = out[hit["reference_list"]]
            bands[hit["band"]] = bands.get(hit["band"], 0) + 1
        return out


def screen_files(
    applicants: Path,
    against: list[Path],
    *,
    threshold: float | None = None,
    engine: str | None = None,
) -> ScreenResult:
    """Screen every applicant against every reference file; keep pairs at/above threshold."""
    # imported here: the linkage stack (DuckDB, numpy) should not slow every CLI start
    from vetline.matching import REVIEW_THRESHOLD, explain_text, screen_frames
    from vetline.matching.engines import features_for

    if not against:
        raise InputError("give at least one reference file with --against")
    names = [p.stem for p in against]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(f"two --against files share the name {dupes[0]!r}: rename one")
    cut = REVIEW_THRESHOLD if threshold is None else threshold
    backend = engine or get_settings().match_engine
    if not 0.0 <= cut <= 1.0:
        raise InputError(f"--threshold {cut} is not a probability between 0 and 1")
    left = read_applicants_frame(applicants)
    frames = {p.stem: read_reference_frame(p) for p in against}
    result = ScreenResult(
        applicants=len(left), references={n: (fmt, len(df)) for n, (df, fmt) in frames.items()}
    )
    # the applicants are normalised once, not once per reference file
    features = features_for(left, engine=backend) if not left.empty else None
    for name, (right, _fmt) in frames.items():
        if left.empty or right.empty:
            continue
        pairs = screen_frames(left, right, threshold=cut, engine=backend, left_features=features)
        for pair in pairs.itertuples(index=False):
            if float(pair.score) < cut:
                continue
            result.hits.append(
                {
                    "applicant_id": str(pair.left_id),
                    "reference_list": name,
                    "reference_id": str(pair.right_id),
                    "score": float(pair.score),
                    "band": str(pair.band),
                    "explanation": explain_text(pair.explanation),
                }
            )
    # reference_id breaks ties: the engine returns pairs in no fixed order
    result.hits.sort(
        key=lambda h: (-h["score"], h["applicant_id"], h["reference_list"], h["reference_id"])
    )
    return result


def write_hits(hits: list[dict[str, Any]], out: Path) -> None:
    """Write the hits CSV (UTF-8, header always present, formula-looking cells defused)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HIT_COLUMNS)
        for hit in hits:
            writer.writerow(
                [
                    safe_cell(hit["applicant_id"]),
                    safe_cell(hit["reference_list"]),
                    safe_cell(hit["reference_id"]),
                    f"{hit['score']:.6f}",
                    safe_cell(hit["band"]),
                    safe_cell(hit["explanation"]),
                ]
            )

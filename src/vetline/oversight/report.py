"""Write the report files: one call for the CLI and for `vetline demo`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from vetline.oversight.figures import ReportOptions, figures
from vetline.oversight.html import render


def write_report(
    session: Session,
    out: Path,
    *,
    json_out: Path | None = None,
    options: ReportOptions = ReportOptions(),  # frozen: safe as a default
) -> dict[str, Any]:
    """Write the self-contained HTML report (and the figures as JSON); return the figures."""
    data = figures(session, options)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(data), encoding="utf-8")
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return data

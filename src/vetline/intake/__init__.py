"""Intake: read the documented CSV formats (docs/formats.md), validate, import atomically."""

from __future__ import annotations

from vetline.intake.frames import read_applicants_frame, read_reference_frame
from vetline.intake.importer import (
    ImportSummary,
    import_application,
    import_applications,
    import_members,
    import_reference,
)

__all__ = [
    "ImportSummary",
    "import_application",
    "import_applications",
    "import_members",
    "import_reference",
    "read_applicants_frame",
    "read_reference_frame",
]

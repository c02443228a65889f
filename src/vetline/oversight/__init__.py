"""Oversight for the governing committee: surge, coordinated sign-ups, projected exclusions,
review capacity and even-handedness — as JSON figures and as one self-contained HTML report."""

from __future__ import annotations

from vetline.oversight.figures import ReportOptions, compute_figures, figures
from vetline.oversight.html import render
from vetline.oversight.report import write_report

__all__ = ["ReportOptions", "compute_figures", "figures", "render", "write_report"]

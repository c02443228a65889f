"""Realistic synthetic data with ground truth: a membership, a surge, reference lists.

`generate(out, members=..., applicants=..., days=..., seed=...)` writes the files described
in docs/formats.md ("Synthetic data"); the same seed always gives byte-identical files.
"""

from __future__ import annotations

from vetline.synth.generate import DEFAULT_START, STEPS, SynthSummary, generate

__all__ = ["DEFAULT_START", "STEPS", "SynthSummary", "generate"]

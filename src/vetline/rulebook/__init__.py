"""Rulebooks as data: clauses with citations, effective dates, tracks, conditions and outcomes."""

from vetline.rulebook.evaluate import ClauseResult, Evaluation, evaluate
from vetline.rulebook.facts import Facts, HitFact
from vetline.rulebook.loader import DEFAULT_RULEBOOK, example_names, load_rulebook, parse_rulebook
from vetline.rulebook.model import Rulebook

__all__ = [
    "DEFAULT_RULEBOOK",
    "ClauseResult",
    "Evaluation",
    "Facts",
    "HitFact",
    "Rulebook",
    "evaluate",
    "example_names",
    "load_rulebook",
    "parse_rulebook",
]

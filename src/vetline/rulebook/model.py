"""A loaded rulebook: the validated model plus the exact text and its hash (what was applied)."""

from __future__ import annotations

from dataclasses import dataclass

from vetline.rulebook.schema import Clause, RulebookModel


@dataclass(frozen=True)
class Rulebook:
    model: RulebookModel
    body: str
    sha256: str
    source: str

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def version(self) -> str:
        return self.model.version

    @property
    def label(self) -> str:
        """How outcomes and decisions cite it: name@version."""
        return f"{self.model.name}@{self.model.version}"

    @property
    def clauses(self) -> list[Clause]:
        return self.model.clauses

    def clause(self, clause_id: str) -> Clause:
        for clause in self.model.clauses:
            if clause.id == clause_id:
                return clause
        raise KeyError(clause_id)

    def has_clause(self, clause_id: str) -> bool:
        return any(c.id == clause_id for c in self.model.clauses)

"""A reproducible electorate snapshot: a CSV plus a sidecar JSON carrying the hash of its inputs.

Same database rows + same rules + same date give a byte-identical CSV and sidecar: rows are
sorted, nothing time-of-run is written, and the hash covers the canonical rules text, the date
and every input field the rules read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date
from pathlib import Path
from typing import Any

from vetline.ballot.electorate import Person, Verdict, compute
from vetline.ballot.rules import FranchiseRules

CSV_COLUMNS = ("kind", "id", "category", "joined_on", "status", "eligible", "reason", "all_reasons")
FORMAT_VERSION = 1


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    """Keep a spreadsheet from running a value as a formula ('=HYPERLINK(...)' -> "'=HYPER...")."""
    return "'" + text if text.startswith(FORMULA_START) else text


def data_sha256(people: Sequence[Person]) -> str:
    """Order-independent hash of the inputs: sorted canonical rows, one per line."""
    digest = hashlib.sha256()
    for row in sorted("\t".join(p.canonical()) for p in people):
        digest.update(row.encode())
        digest.update(b"\n")
    return digest.hexdigest()


@dataclass(frozen=True)
class Snapshot:
    rules: FranchiseRules
    at: date
    verdicts: list[Verdict]
    data_sha256: str

    @property
    def inputs_sha256(self) -> str:
        """One hash naming the whole input: rules, snapshot date and data."""
        text = f"{self.rules.sha256()}\n{self.at.isoformat()}\n{self.data_sha256}\n"
        return hashlib.sha256(text.encode()).hexdigest()

    def counts(self, kind: str | None = None) -> dict[str, Any]:
        chosen = [v for v in self.verdicts if kind is None or v.person.kind == kind]
        eligible = Counter(v.eligible for v in chosen)
        reasons = Counter(v.reason for v in chosen if v.reason)
        return {
            "considered": len(chosen),
            "yes": eligible["yes"],
            "pending": eligible["pending"],
            "no": eligible["no"],
            "by_reason": dict(sorted(reasons.items())),
        }

    def csv_text(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for v in self.verdicts:
            p = v.person
            writer.writerow(
                [
                    p.kind,
                    cell(p.id),
                    cell(p.category),
                    p.joined_at.astimezone(UTC).date().isoformat(),
                    cell(p.status),
                    v.eligible,
                    v.reason,
                    ";".join(v.reasons),
                ]
            )
        return out.getvalue()

    def metadata(self, csv_sha256: str) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "rules": {"name": self.rules.name, "version": self.rules.version},
            "at": self.at.isoformat(),
            "inputs_sha256": self.inputs_sha256,
            "rules_sha256": self.rules.sha256(),
            "data_sha256": self.data_sha256,
            "csv_sha256": csv_sha256,
            "all": self.counts(),
            "members": self.counts("member"),
            "surge": self.counts("application"),
        }

    def write(self, path: Path) -> Path:
        """Write the CSV and `<path>.json` beside it; return the sidecar's path."""
        text = self.csv_text()
        data = text.encode("utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        sidecar = path.with_name(path.name + ".json")
        meta = self.metadata(hashlib.sha256(data).hexdigest())
        sidecar.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return sidecar


def take(people: Sequence[Person], rules: FranchiseRules, at: date) -> Snapshot:
    """Compute the electorate and wrap it with the hash of its inputs."""
    return Snapshot(rules, at, compute(people, rules, at), data_sha256(people))

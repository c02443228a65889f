"""The formats we read, and recognising a reference file's format by its header."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from vetline.intake import rows
from vetline.intake.csvfile import CsvFile


@dataclass(frozen=True)
class Format:
    """A documented CSV format: its row model and the columns its header must/may carry."""

    name: str
    model: type[BaseModel]
    required: frozenset[str]
    optional: frozenset[str]
    other_columns_allowed: bool = False  # the Democracy Club export has dozens we keep as-is

    def check_header(self, csv: CsvFile) -> None:
        csv.check_columns(
            set(self.required), None if self.other_columns_allowed else set(self.optional)
        )
        if self.model is not rows.DemocracyClubRow and not {"first_name", "last_name"} & (
            csv.columns
        ):
            csv.check_columns({"first_name", "last_name"}, None)


def _format(
    name: str, model: type[BaseModel], required: set[str] | None = None, *, other: bool = False
) -> Format:
    must, may = rows.columns(model)
    if required is not None:
        must = required
    return Format(name, model, frozenset(must), frozenset((must | may) - must), other)


APPLICATIONS = _format("applications", rows.ApplicationRow)
MEMBERS = _format("members", rows.MemberRow)
PERSON = _format("person", rows.ReferencePersonRow)
DEMOCRACY_CLUB = _format(
    "democracy_club",
    rows.DemocracyClubRow,
    {
        "person_id",
        "person_name",
        "election_id",
        "ballot_paper_id",
        "election_date",
        "party_name",
        "party_id",
        "post_label",
    },
    other=True,
)
REGISTER = _format("register", rows.RegisterRow)

# Any person-format file can be screened: the application/member/reference extras are
# accepted there and ignored (they are not identity evidence).
_ANY_PERSON_COLUMN = frozenset().union(
    *(f.required | f.optional for f in (APPLICATIONS, MEMBERS, PERSON))
)
SCREENABLE_PERSON = Format("person", rows.PersonRow, frozenset({"id"}), _ANY_PERSON_COLUMN - {"id"})


def detect_reference(csv: CsvFile) -> Format:
    """Democracy Club by `person_name` + `ballot_paper_id`, register by `elector_number`."""
    if {"person_name", "ballot_paper_id"} <= csv.columns:
        return DEMOCRACY_CLUB
    if "elector_number" in csv.columns:
        return REGISTER
    return PERSON

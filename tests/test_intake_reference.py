"""Reference lists: the real Democracy Club sample, registers, person lists, and list versions."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vetline.db.people import Import, RecordChange, ReferenceEntry, ReferenceList
from vetline.errors import InputError
from vetline.intake import import_reference

DATA = Path(__file__).parent / "data" / "intake"


def _entries(session: Session, list_name: str) -> dict[str, ReferenceEntry]:
    query = select(ReferenceEntry).join(ReferenceList).where(ReferenceList.name == list_name)
    return {e.external_id: e for e in session.scalars(query)}


def test_the_real_democracy_club_sample_imports_as_it_is(
    session: Session, sample_dc_csv: Path
) -> None:
    summary = import_reference(
        session,
        sample_dc_csv,
        list_name="dc-south-yorkshire",
        kind="candidates",
        source="candidates.democracyclub.org.uk",
        licence="CC BY 4.0",
    )
    session.commit()
    assert summary.file_format == "democracy_club"
    assert (summary.rows, summary.inserted, summary.list_version) == (842, 842, 1)
    entries = _entries(session, "dc-south-yorkshire")
    assert len({e.person_key for e in entries.values()}) == 795
    davison = entries["12318:local.sheffield.ecclesall.2021-05-06"]
    assert (davison.first_name, davison.last_name) == ("Roger Noel", "Davison")
    assert (davison.party, davison.role) == ("Liberal Democrats", "Ecclesall")
    assert davison.event_date == date(2021, 5, 6) and davison.person_key == "12318"
    assert davison.details["person_name"] == "Roger Noel Davison"
    assert davison.details["votes_cast"] == "2904" and davison.details["party_id"] == "party:90"
    assert davison.address is None and davison.date_of_birth is None
    with sample_dc_csv.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):  # every name splits into a slice of the original
            e = entries[f"{row['person_id']}:{row['ballot_paper_id']}"]
            assert f"{e.first_name or ''} {e.last_name}".strip() == row["person_name"].strip()
    ref = session.scalars(select(ReferenceList)).one()
    assert (ref.kind, ref.source, ref.licence, ref.version) == (
        "candidates",
        "candidates.democracyclub.org.uk",
        "CC BY 4.0",
        1,
    )


def test_sopn_names_win_and_extra_columns_are_kept(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "dc.csv"
    path.write_text(
        "person_id,person_name,election_id,ballot_paper_id,election_date,party_name,party_id,"
        "post_label,sopn_first_names,sopn_last_name,gender,birth_date,favourite_biscuits\n"
        "7,Jo van der Berg,local.x.2024-05-02,local.x.ward.2024-05-02,2024-05-02,Green Party,"
        "party:63,Ward,Johanna,VAN DER BERG,female,1970,Hobnob\n"
        "8,Sam de Souza,local.x.2024-05-02,local.x.ward.2024-05-02,2024-05-02,Independent,"
        "ynmp-party:2,Ward,,,,1981-04-05,\n"
    )
    import_reference(session, path, list_name="dc", kind="candidates")
    entries = _entries(session, "dc")
    jo = entries["7:local.x.ward.2024-05-02"]
    assert (jo.first_name, jo.last_name) == ("Johanna", "VAN DER BERG")
    assert jo.details["birth_date"] == "1970" and jo.date_of_birth is None
    assert jo.details["favourite_biscuits"] == "Hobnob"
    sam = entries["8:local.x.ward.2024-05-02"]
    assert (sam.first_name, sam.last_name) == ("Sam", "de Souza")
    assert sam.date_of_birth == date(1981, 4, 5)


def _versions(e: ReferenceEntry) -> tuple[int, int, int | None]:
    return e.added_in_version, e.changed_in_version, e.removed_in_version


def test_list_versions_track_added_changed_removed_and_returning_entries(
    session: Session, tmp_path: Path
) -> None:
    header = "id,first_name,last_name,postcode,party,role,event_date\n"
    v1 = tmp_path / "other_party.csv"
    v1.write_text(
        header + "P1,Ann,Lee,S1 1AA,Reform UK,,\nP2,Bob,Ray,,Reform UK,,\nP3,Cy,Day,,,,\n"
    )
    s1 = import_reference(session, v1, list_name="other", kind="party_members")
    session.commit()
    assert (s1.inserted, s1.list_version) == (3, 1)

    same = import_reference(session, v1, list_name="other", kind="party_members")
    session.commit()
    assert (same.inserted, same.updated, same.removed, same.unchanged) == (0, 0, 0, 3)
    assert same.list_version == 1  # nothing changed: no new version

    v2 = tmp_path / "other_party_v2.csv"
    v2.write_text(
        header + "P1,Ann,Lee,S1 1AA,Reform UK,,\nP2,Bob,Ray,,Reform UK,Chair,\nP4,Di,Fox,,,,\n"
    )
    s2 = import_reference(session, v2, list_name="other", kind="party_members")
    session.commit()
    assert (s2.inserted, s2.updated, s2.unchanged, s2.removed, s2.list_version) == (1, 1, 1, 1, 2)
    e = _entries(session, "other")
    assert _versions(e["P1"]) == (1, 1, None)
    assert _versions(e["P2"]) == (1, 2, None) and e["P2"].role == "Chair"
    assert _versions(e["P3"]) == (1, 1, 2)
    assert _versions(e["P4"]) == (2, 2, None)
    change = session.scalars(select(RecordChange)).one()
    assert (change.entity, change.before, change.after) == (
        "reference_entry",
        {"role": None},
        {"role": "Chair"},
    )

    s3 = import_reference(session, v1, list_name="other", kind="party_members")
    session.commit()
    assert (s3.inserted, s3.updated, s3.removed, s3.list_version) == (0, 2, 1, 3)
    e = _entries(session, "other")
    assert _versions(e["P3"]) == (1, 3, None)  # back on the list
    assert _versions(e["P4"]) == (2, 2, 3)
    assert session.scalars(select(ReferenceList)).one().version == 3


def test_register_extract_is_recognised_and_its_keys_unique(session: Session) -> None:
    summary = import_reference(session, DATA / "register.csv", list_name="reg", kind="register")
    assert summary.file_format == "register" and summary.inserted == 3
    e = _entries(session, "reg")
    assert (e["EA-2"].first_name, e["EA-2"].last_name) == ("Siobhán", "O'Brien")
    assert e["EA-1"].details == {"title": "Mr"}
    assert e["EB-7"].date_of_birth == date(2008, 12, 1)


def test_register_rows_need_an_address(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "reg.csv"
    path.write_text("elector_number,first_name,last_name,address,postcode\nEA-1,Ann,Lee,,S1 1AA\n")
    with pytest.raises(InputError, match=r"reg\.csv, row 2, field address: is required"):
        import_reference(session, path, list_name="reg", kind="register")
    assert session.scalar(select(func.count()).select_from(ReferenceList)) == 0


def test_expelled_list_in_person_format(session: Session) -> None:
    summary = import_reference(
        session, DATA / "expelled.csv", list_name="expelled", kind="expelled"
    )
    assert summary.file_format == "person"
    e = _entries(session, "expelled")
    assert e["X1"].event_date == date(2019, 4, 1) and e["X2"].last_name == "De La Cruz"


def test_kind_must_fit_the_list_and_the_format(session: Session, sample_dc_csv: Path) -> None:
    with pytest.raises(InputError, match="use --kind candidates"):
        import_reference(session, sample_dc_csv, list_name="dc", kind="expelled")
    with pytest.raises(InputError, match="is not one of"):
        import_reference(session, sample_dc_csv, list_name="dc", kind="enemies")
    import_reference(session, DATA / "expelled.csv", list_name="x", kind="expelled")
    session.commit()
    with pytest.raises(InputError, match="is a expelled list, not donors"):
        import_reference(session, DATA / "expelled.csv", list_name="x", kind="donors")
    assert session.scalar(select(func.count()).select_from(Import)) == 1


def test_a_bad_dc_row_rolls_back_the_new_list(
    session: Session, sample_dc_csv: Path, tmp_path: Path
) -> None:
    lines = sample_dc_csv.read_text(encoding="utf-8").splitlines()
    lines[300] = lines[300].replace("2021-05-06,False", "06/05/21,False", 1)
    path = tmp_path / "dc.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"dc\.csv, row 301, field election_date: '06/05/21'"):
        import_reference(session, path, list_name="dc", kind="candidates")
    assert session.scalar(select(func.count()).select_from(ReferenceEntry)) == 0
    assert session.scalar(select(func.count()).select_from(ReferenceList)) == 0

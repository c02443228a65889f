"""Franchise rules: every shipped rule set loads, by name and by path; bad files say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from vetline.ballot import bundled_names, load_rules
from vetline.errors import InputError, NotFound

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ["conservative-2022", "conservative-2024", "labour-2015", "labour-2016", "libdem"]


def test_bundled_names_are_the_shipped_five() -> None:
    assert bundled_names() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_root_franchises_folder_and_bundle_are_the_same_rules(name: str) -> None:
    by_path = load_rules(ROOT / "franchises" / f"{name}.yaml")
    assert by_path == load_rules(name)
    assert by_path.sha256() == load_rules(name).sha256()


def test_unknown_name_lists_the_bundled_ones() -> None:
    with pytest.raises(NotFound, match="labour-2016"):
        load_rules("labour-2099")


def test_missing_yaml_path_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no such franchise rules file"):
        load_rules(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("name: x\ncategories: {member: {}}\nopen_case: maybe\n", "open_case"),
        ("name: x\ncategories: {voter: {}}\n", "unknown categories"),
        ("name: x\ncategories: {member: {freeze_date: 2016-13-40}}\n", "month must be"),
        ("name: x\ncategories: {member: {freeze_date: soon}}\n", "categories.member.freeze_date"),
        ("name: x\ncategories: {member: {minimum_tenure: {days: 3, months: 1}}}\n", "exactly one"),
        (
            "name: x\ncategories: {registered_supporter: {window: "
            "{opens: 2016-07-18T17:00:00, closes: 2016-07-20T17:00:00+01:00}}}\n",
            "UTC offset",
        ),
        ("name: x\ncategories: {member: {}}\ntypo_field: 1\n", "typo_field"),
        ("name: x\ncategories: {}\n", "nobody could vote"),
        ("- a list\n", "must be a mapping"),
        ("name: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_rules_name_file_and_field(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    with pytest.raises(InputError) as info:
        load_rules(path)
    assert str(path) in info.value.detail
    assert expected in info.value.detail

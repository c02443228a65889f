"""The synthetic data generator: layout, formats, determinism and the truth it claims."""

from __future__ import annotations

import csv
import json
import random
import re
import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nicknames import NickNamer
from rapidfuzz.distance import DamerauLevenshtein
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from vetline.cli import app
from vetline.db import get_engine
from vetline.errors import InputError
from vetline.intake.importer import import_applications, import_members, import_reference
from vetline.synth import DEFAULT_START, generate
from vetline.synth.corrupt import GROUPS, Corruptor, typo
from vetline.synth.names import build_names, fold
from vetline.synth.people import build_population
from vetline.synth.places import build_places

PERSON = ["id", "first_name", "last_name", "date_of_birth", "postcode", "address", "email", "phone"]
FILES = {
    "members.csv": [*PERSON, "joined_at", "status", "category", "paid_until", "status_changed_at"],
    "applications.csv": [
        *PERSON,
        "applied_at",
        "source",
        "category",
        "payment_ref",
        "payment_status",
    ],
    "reference/party_members.csv": [*PERSON, "party", "role", "event_date"],
    "reference/expelled.csv": [*PERSON, "event_date"],
    "reference/register.csv": [
        "elector_number",
        "title",
        "first_name",
        "last_name",
        "address",
        "postcode",
        "date_of_birth",
    ],
    "truth.csv": ["applicant_id", "relation", "target_file", "target_id", "corruption"],
}
TARGET_PATH = {
    "members": "members.csv",
    "applications": "applications.csv",
    "candidates": "reference/candidates.csv",
    "party_members": "reference/party_members.csv",
    "expelled": "reference/expelled.csv",
    "register": "reference/register.csv",
}
TARGET_KEY = {"candidates": "person_id", "register": "elector_number"}
DAYS = 10


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh))


def parse_dob(text: str) -> date | None:
    if not text:
        return None
    if "/" in text:
        d, m, y = text.split("/")
        return date(int(y), int(m), int(d))
    return date.fromisoformat(text)


class Data:
    """A generated data set, indexed by file and id."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.rows = {name: read(out / path) for name, path in TARGET_PATH.items()}
        self.by_id: dict[str, dict[str, dict[str, str]]] = {}
        for name, rows in self.rows.items():
            key = TARGET_KEY.get(name, "id")
            self.by_id[name] = {r[key]: r for r in rows}
        self.truth = read(out / "truth.csv")

    def pairs(self, relation: str, op: str | None = None):  # type: ignore[no-untyped-def]
        for t in self.truth:
            if t["relation"] != relation:
                continue
            if op is not None and op not in t["corruption"].split("+"):
                continue
            yield (
                t,
                self.by_id["applications"][t["applicant_id"]],
                self.by_id[t["target_file"]][t["target_id"]],
            )


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Data:
    out = tmp_path_factory.mktemp("synth")
    generate(out, members=2500, applicants=2000, days=DAYS, seed=7)
    return Data(out)


def test_writes_the_documented_files_with_their_headers(data: Data, sample_dc_csv: Path) -> None:
    for path, columns in FILES.items():
        assert header(data.out / path) == columns, path
    assert header(data.out / "reference/candidates.csv") == header(sample_dc_csv)
    assert len(data.rows["applications"]) == 2000
    assert len(data.by_id["applications"]) == 2000  # ids unique
    assert len(data.by_id["register"]) == len(data.rows["register"])
    assert all(re.fullmatch(r"[A-Z]{2}\d?-\d+", r["elector_number"]) for r in data.rows["register"])


def test_the_intake_importer_accepts_every_file(data: Data, sqlite_url: str) -> None:
    with Session(get_engine(sqlite_url)) as session:
        assert import_applications(session, data.out / "applications.csv").rows == 2000
        assert import_members(session, data.out / "members.csv").rows == len(data.rows["members"])
        for kind in ("candidates", "party_members", "expelled", "register"):
            got = import_reference(session, data.out / TARGET_PATH[kind], list_name=kind, kind=kind)
            assert got.rows == len(data.rows[kind]), kind


def test_same_seed_same_bytes_other_seed_other_data(tmp_path: Path) -> None:
    runs = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate(tmp_path / name, members=300, applicants=200, days=3, seed=seed)
        runs.append(
            {p: (tmp_path / name / p).read_bytes() for p in [*FILES, *["reference/candidates.csv"]]}
        )
    assert runs[0] == runs[1]
    assert all(runs[0][p] != runs[2][p] for p in runs[0])


def test_truth_points_at_existing_records(data: Data) -> None:
    relations = Counter(t["relation"] for t in data.truth)
    assert set(relations) == {"match", "namesake", "household", "coordinated"}
    for t in data.truth:
        assert t["applicant_id"] in data.by_id["applications"]
        assert t["target_id"] in data.by_id[t["target_file"]], t
        if t["target_file"] == "applications":
            assert t["target_id"] < t["applicant_id"]  # always the later one points back


def test_every_corruption_is_planted(data: Data) -> None:
    ops = Counter(
        op
        for t in data.truth
        if t["relation"] == "match"
        for op in t["corruption"].split("+")
        if op
    )
    expected = {
        "nickname",
        "initials",
        "typo_first",
        "typo_last",
        "swap_names",
        "hyphenated",
        "half_surname",
        "married_name",
        "moved",
        "dob_swap",
        "missing",
        "case_space",
        "accent_strip",
    }
    assert expected <= set(ops), expected - set(ops)
    per_record = [
        len(t["corruption"].split("+"))
        for t in data.truth
        if t["relation"] == "match" and t["target_file"] == "members" and t["corruption"]
    ]
    assert max(per_record) >= 2


def test_nicknames_are_known_nicknames_of_the_target(data: Data) -> None:
    namer = NickNamer()
    seen = 0
    for _, app_row, target in data.pairs("match", "nickname"):
        if "first_name" not in target or "swap_names" in _:  # type: ignore[operator]
            continue
        mine = fold(app_row["first_name"])
        theirs = fold(target["first_name"]).split(" ")[0]
        assert mine != theirs
        assert mine in namer.nicknames_of(theirs), (mine, theirs)
        seen += 1
    assert seen


def test_name_corruptions_do_what_they_say(data: Data) -> None:
    checks = 0
    for t, a, b in data.pairs("match"):
        ops = set(t["corruption"].split("+"))
        if t["target_file"] in ("candidates", "register", "applications"):
            continue
        fa, la, fb, lb = (
            fold(x) for x in (a["first_name"], a["last_name"], b["first_name"], b["last_name"])
        )
        if "swap_names" in ops:
            assert (fa, la) == (lb, fb.split(" ")[0]) or (fa, la) == (lb, fb)
        if "typo_last" in ops:
            assert 1 <= DamerauLevenshtein.distance(la, lb) <= 2
        if "initials" in ops:
            assert fa.replace(".", "")[0] == fb[0] and len(fa.replace(".", "").split()[0]) == 1
        if "married_name" in ops:
            assert la != lb
            if not ops & {"nickname", "initials", "typo_first", "accent_strip"}:
                assert fa.split(" ")[0] == fb.split(" ")[0]
        if "hyphenated" in ops:
            assert lb in la and la != lb
        if "half_surname" in ops:
            assert la in lb and la != lb
        if "moved" in ops and a["postcode"]:
            assert a["address"].split(",")[0].lower() != b["address"].split(",")[0].lower()
        if "missing" in ops:
            assert any(
                a[f] == "" for f in ("date_of_birth", "email", "phone", "address", "postcode")
            )
        checks += 1
    assert checks > 20


def test_dob_swap_swaps_day_and_month(data: Data) -> None:
    seen = 0
    for _, a, b in data.pairs("match", "dob_swap"):
        if not b.get("date_of_birth") or not a["date_of_birth"]:
            continue
        da, db = parse_dob(a["date_of_birth"]), parse_dob(b["date_of_birth"])
        assert da is not None and db is not None
        assert (da.year, da.month, da.day) == (db.year, db.day, db.month)
        assert da != db
        seen += 1
    assert seen


def test_namesakes_share_the_name_not_the_birthday(data: Data) -> None:
    n = 0
    for t, a, b in data.pairs("namesake"):
        first, last = fold(a["first_name"]).split(" ")[0], fold(a["last_name"])
        if t["target_file"] == "candidates":  # one name field, as Democracy Club has it
            full = fold(b["person_name"])
            assert full.startswith(first + " ") and full.endswith(" " + last)
            continue
        assert first == fold(b["first_name"]).split(" ")[0]
        assert last == fold(b["last_name"])
        da, db = parse_dob(a["date_of_birth"]), parse_dob(b.get("date_of_birth", ""))
        if da and db:
            assert da != db
            n += 1
    assert n >= 10


def test_households_share_surname_and_address(data: Data) -> None:
    n = 0
    for _, a, b in data.pairs("household"):
        assert fold(a["last_name"]) == fold(b["last_name"])
        assert fold(a["first_name"]).split(" ")[0] != fold(b["first_name"]).split(" ")[0]
        if a["postcode"] and a["address"] and b["address"]:
            assert a["postcode"].replace(" ", "").upper() == b["postcode"].replace(" ", "").upper()
            assert re.findall(r"\d+", a["address"]) == re.findall(r"\d+", b["address"])
            n += 1
    assert n >= 50
    shared = [t for t in data.truth if t["corruption"] == "shared_email"]
    assert shared


def test_applications_arrive_in_a_spiky_surge(data: Data) -> None:
    start = DEFAULT_START
    times = [
        datetime.fromisoformat(r["applied_at"].replace("Z", "+00:00"))
        for r in data.rows["applications"]
    ]
    assert all(start <= t < start + timedelta(days=DAYS) for t in times)
    assert times == sorted(times)
    per_day = Counter((t - start).days for t in times)
    counts = [per_day.get(d, 0) for d in range(DAYS)]
    assert max(counts) >= 2 * statistics.median(counts)
    sources = Counter(r["source"] for r in data.rows["applications"])
    assert sources["Flood into the party"] > sources["website"] > 0
    assert any(s.startswith("#StandWith") for s in sources)
    status = Counter(r["payment_status"] for r in data.rows["applications"])
    assert 0 < status["failed"] < 0.1 * len(times)
    categories = Counter(r["category"] for r in data.rows["applications"])
    assert categories["registered_supporter"] and categories["affiliated_supporter"]


def test_rates_look_like_a_real_surge(data: Data) -> None:
    n = len(data.rows["applications"])
    hits: dict[str, set[str]] = defaultdict(set)
    for t in data.truth:
        if t["relation"] == "match" and "moved" not in t["corruption"].split("+"):
            hits[t["target_file"]].add(t["applicant_id"])
    assert 0.015 * n <= len(hits["members"]) <= 0.06 * n
    assert 0.005 * n <= len(hits["party_members"] | hits["candidates"]) <= 0.04 * n
    assert len(hits["expelled"]) >= 1
    not_registered_here = n - len(hits["register"])
    assert 0.03 * n <= not_registered_here <= 0.1 * n
    clean = n - len(
        set().union(
            *(
                hits[f]
                for f in ("members", "party_members", "candidates", "expelled", "applications")
            )
        )
    )
    assert clean > 0.9 * n


def test_members_have_histories_and_ages_test_the_rules(data: Data) -> None:
    members = data.rows["members"]
    status = Counter(m["status"] for m in members)
    assert status["current"] > 0.8 * len(members)
    assert all(status[s] for s in ("lapsed", "suspended", "expelled", "excluded"))
    assert all(bool(m["status_changed_at"]) == (m["status"] != "current") for m in members)
    assert Counter(m["category"] for m in members)["registered_supporter"]
    start = DEFAULT_START.date()
    arrears = [m for m in members if m["status"] == "current" and m["paid_until"] < str(start)]
    assert 0 < len(arrears) < 0.2 * len(members)
    joined_years = {m["joined_at"][:4] for m in members}
    assert len(joined_years) > 20
    near_freeze = [
        m
        for m in members
        if abs((start - date.fromisoformat(m["joined_at"][:10])).days - 183) <= 10
    ]
    assert len(near_freeze) > 0.03 * len(members)
    ages = [
        (start - d).days // 365
        for r in data.rows["applications"]
        if (d := parse_dob(r["date_of_birth"]))
    ]
    assert any(14 <= a <= 15 for a in ages) and any(a < 18 for a in ages)
    years = [d.year for r in data.rows["applications"] if (d := parse_dob(r["date_of_birth"]))]
    assert min(years) >= 1929 and max(years) <= 2011


def test_names_have_real_world_variety(data: Data) -> None:
    names = [
        r["first_name"] + " " + r["last_name"]
        for f in ("members", "register")
        for r in data.rows[f]
    ]
    text = " ".join(names)
    assert "'" in text  # O'Brien
    assert re.search(r"[áéíóúëöüçñ]", text)  # Siobhán, Zoë
    assert re.search(r"[ễạảấầẩẫậắằẳẵặẹẻẽếềểệịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđĐ]|Nguyễn|Trần", text)
    assert re.search(r"[\u4e00-\u9fff]", text)  # 李小龍
    assert re.search(r"\w-\w", " ".join(r["last_name"] for r in data.rows["register"]))
    emails = [r["email"] for r in data.rows["members"] if r["email"]]
    domains = Counter(e.split("@")[1] for e in emails)
    assert domains.most_common(1)[0][0] == "gmail.com" and "hotmail.co.uk" in domains
    assert len(set(emails)) > 0.95 * len(emails)
    postcodes = Counter(r["postcode"] for r in data.rows["register"])
    assert postcodes.most_common(1)[0][1] > 5  # neighbours share a postcode
    assert all(re.fullmatch(r"[A-Z]{1,2}\d{1,2} \d[A-Z]{2}", p) for p in postcodes)


def test_coordinated_clusters_sign_up_together_and_share_something(data: Data) -> None:
    clusters: dict[str, list[dict[str, str]]] = defaultdict(list)
    for t, a, anchor in data.pairs("coordinated"):
        clusters[t["target_id"]].append(a)
        shared = re.search(r"shared=([\w+]+)", t["corruption"])
        assert shared
        t_a = datetime.fromisoformat(a["applied_at"].replace("Z", "+00:00"))
        t_0 = datetime.fromisoformat(anchor["applied_at"].replace("Z", "+00:00"))
        assert timedelta(0) <= t_a - t_0 <= timedelta(minutes=40)
        for kind in shared.group(1).split("+"):
            if kind == "phone":
                assert a["phone"] == anchor["phone"] != ""
            elif kind == "payment_ref":
                assert a["payment_ref"] == anchor["payment_ref"]
            else:
                same_domain = a["email"].split("@")[1] == anchor["email"].split("@")[1]
                plus = "+" in a["email"]
                assert same_domain or plus
    assert len(clusters) >= 2


def test_scales_with_the_request(tmp_path: Path) -> None:
    small = generate(tmp_path / "s", members=200, applicants=150, days=2, seed=1)
    big = generate(tmp_path / "b", members=2000, applicants=1500, days=2, seed=1)
    assert small.counts["applications.csv"] == 150 and big.counts["applications.csv"] == 1500
    for name in ("members.csv", "reference/register.csv", "reference/party_members.csv"):
        ratio = big.counts[name] / small.counts[name]
        assert 6 < ratio < 14, (name, ratio)


def test_rejects_sizes_too_small_to_plant_anything(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        generate(tmp_path, members=10, applicants=100)
    with pytest.raises(InputError):
        generate(tmp_path, members=100, applicants=100, days=0)


def test_cli_writes_files_and_a_json_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "synth",
            "--out",
            str(tmp_path),
            "--members",
            "100",
            "--applicants",
            "100",
            "--days",
            "2",
            "--seed",
            "5",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["files"]["applications.csv"] == 100
    assert (tmp_path / "reference" / "register.csv").exists()
    start = datetime.fromisoformat(
        read(tmp_path / "applications.csv")[0]["applied_at"].replace("Z", "+00:00")
    )
    assert start.astimezone(UTC) >= DEFAULT_START


def test_custom_start_moves_the_whole_world(tmp_path: Path) -> None:
    start = datetime(2016, 7, 11, 8, 0, tzinfo=UTC)
    steps: list[str] = []
    generate(
        tmp_path,
        members=200,
        applicants=150,
        days=3,
        seed=2,
        start=start,
        progress=lambda step, done, total: steps.append(step),
    )
    assert steps[0] == "people" and steps[-1] == "done" and len(steps) >= 8
    apps = read(tmp_path / "applications.csv")
    times = [datetime.fromisoformat(r["applied_at"].replace("Z", "+00:00")) for r in apps]
    assert all(start <= t < start + timedelta(days=3) for t in times)
    elections = {r["election_date"] for r in read(tmp_path / "reference/candidates.csv")}
    assert elections and max(elections) < "2016-07-11"
    joined = [m["joined_at"][:10] for m in read(tmp_path / "members.csv")]
    assert max(joined) < "2016-07-11"


@given(
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'-", min_size=4, max_size=20
    ),
    st.integers(0, 2**32),
)
def test_a_typo_is_one_or_two_edits(word: str, seed: int) -> None:
    got = typo(random.Random(seed), word)
    assert got != word
    assert 1 <= DamerauLevenshtein.distance(got, word) <= 2


def test_cli_start_option(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        app,
        [
            "synth",
            "--out",
            str(tmp_path),
            "--members",
            "60",
            "--applicants",
            "100",
            "--days",
            "1",
            "--start",
            "2016-07-11T08:00",
            "--json",
        ],
    )
    assert ok.exit_code == 0, ok.output
    first = read(tmp_path / "applications.csv")[0]["applied_at"]
    assert first.startswith("2016-07-11")
    bad = runner.invoke(app, ["synth", "--out", str(tmp_path), "--start", "next tuesday"])
    assert bad.exit_code != 0 and "--start" in bad.output


@pytest.fixture(scope="module")
def corruptor() -> Corruptor:
    rng = np.random.default_rng(0)
    names = build_names()
    places = build_places(rng, names, 200)
    pop, hhs = build_population(rng, names, places, 400, DEFAULT_START.date())
    return Corruptor(names, places, hhs, pop, rng, random.Random(0), born_before="2002-07-10")


RECORDS = [
    {
        "first_name": "Robert James",
        "last_name": "O'Brien-Smith",
        "date_of_birth": "1980-03-07",
        "postcode": "S11 8YE",
        "address": "12 Ecclesall Road, Sheffield",
        "email": "rob.obrien@gmail.com",
        "phone": "07700 900123",
    },
    {
        "first_name": "小龍",
        "last_name": "李",
        "date_of_birth": "1975-11-02",
        "postcode": "M14 5RT",
        "address": "3 Wilmslow Road, Manchester",
        "email": "xiaolong.li@qq.com",
        "phone": "",
    },
    {
        "first_name": "Siobhán",
        "last_name": "Nguyễn",
        "date_of_birth": "1990-01-01",
        "postcode": "",
        "address": "",
        "email": "",
        "phone": "0114 2345678",
    },
]


@pytest.mark.parametrize("op", sorted(GROUPS))
def test_each_corruption_changes_the_record_when_it_applies(corruptor: Corruptor, op: str) -> None:
    applied = 0
    for original in RECORDS:
        rec = dict(original)
        if not corruptor.applicable(rec, op):
            continue
        corruptor.apply(rec, 0, op)
        assert rec != original, (op, original)
        assert rec["first_name"].strip() and rec["last_name"].strip()
        applied += 1
    assert applied, f"{op} applies to none of the sample records"


_ON = date(2026, 5, 1)
_ON_DAYS = _ON.toordinal() - date(1970, 1, 1).toordinal()


@given(st.integers(17, 99), st.integers(0, 364), st.integers(0, 2**32))
def test_a_household_member_is_born_on_a_date_intake_accepts(
    age: int, day_of_year: int, seed: int
) -> None:
    from vetline.intake.values import parse_birth_date
    from vetline.synth.plant import relative_dob

    base = _ON_DAYS - int(age * 365.25) - day_of_year
    born = date(1970, 1, 1) + timedelta(days=relative_dob(random.Random(seed), base, _ON_DAYS))
    parse_birth_date(born.isoformat(), today=_ON)  # raises if before 1900 or in the future
    assert (_ON - born).days >= 17 * 365


def test_only_impossible_relatives_are_drawn_again() -> None:
    from vetline.synth.plant import _draw_relative_dob, relative_dob

    earliest = date(1900, 1, 1).toordinal() - date(1970, 1, 1).toordinal()
    old = _ON_DAYS - int(93 * 365.25)  # a 93-year-old: a parent would be born before 1900
    redrawn = 0
    for seed in range(300):
        first = _draw_relative_dob(random.Random(seed), old, _ON_DAYS)
        py = random.Random(seed)
        got = relative_dob(py, old, _ON_DAYS)
        plain = random.Random(seed)
        _draw_relative_dob(plain, old, _ON_DAYS)
        assert py.random() == plain.random()  # the caller's generator advanced the same
        if first >= earliest:
            assert got == first  # a possible draw is kept as it was
        else:
            redrawn += 1
            assert got >= earliest and got != old
    assert redrawn > 0  # the old parent case does occur and is redrawn

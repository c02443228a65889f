"""`generate`: one seeded run from population to the files of docs/formats.md."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from vetline.errors import InputError
from vetline.synth.assemble import applications, coordinated, expelled_dates, register
from vetline.synth.membership import MEMBER_EXTRA, membership_columns
from vetline.synth.names import build_names
from vetline.synth.people import age_on, build_population
from vetline.synth.places import build_places
from vetline.synth.plant import (
    MATCH_OPS,
    AppPlan,
    n_corruptions,
    pick,
    plant_lookalikes,
)
from vetline.synth.reference import (
    DC_COLUMNS,
    REGISTER_COLUMNS,
    candidacies,
    party_columns,
)
from vetline.synth.render import (
    EXPELLED_STYLE,
    MEMBER_STYLE,
    PARTY_STYLE,
    PERSON_COLUMNS,
    Rows,
    render,
)
from vetline.synth.surge import APPLICATION_EXTRA
from vetline.synth.truth import TRUTH_COLUMNS, Side, truth_rows
from vetline.synth.writer import write_columns, write_rows

# A Monday in July, as in 2016; fixed so that a seed alone decides the output.
DEFAULT_START = datetime(2023, 7, 10, 6, 0, tzinfo=UTC)
Progress = Callable[[str, int, int], None]
STEPS = ("people", "membership", "reference lists", "applications", "register", "truth", "writing")


@dataclass(frozen=True)
class SynthSummary:
    """What a run wrote: rows per file (paths relative to `out`) and truth rows by relation."""

    out: Path
    counts: dict[str, int]
    truth: dict[str, int]
    seconds: float
    planted: dict[str, int] = field(default_factory=dict)


@dataclass
class _Sizes:
    members: int
    applicants: int
    party_members: int
    candidates: int
    expelled_old: int
    dup_members: int
    twice: int
    on_party: int
    on_candidates: int
    on_expelled: int
    namesakes: int
    households: int
    coordinated: int
    fresh: int = 0


def _sizes(members: int, applicants: int) -> _Sizes:
    a = applicants

    def r(rate: float) -> int:
        return max(1, round(rate * a))

    s = _Sizes(
        members=members,
        applicants=a,
        party_members=max(20, int(0.45 * a + 0.005 * members)),
        candidates=max(15, int(0.1 * a + 0.002 * members)),
        expelled_old=max(5, int(0.003 * members + 0.002 * a)),
        dup_members=r(0.03),
        twice=r(0.015),
        on_party=r(0.012),
        on_candidates=r(0.004),
        on_expelled=r(0.0025),
        namesakes=r(0.025),
        households=r(0.02),
        coordinated=max(3, round(0.006 * a)),
    )
    planted = s.dup_members + s.twice + s.on_party + s.on_candidates + s.on_expelled
    s.fresh = a - planted - s.coordinated
    return s


def generate(
    out: Path,
    *,
    members: int = 20_000,
    applicants: int = 5_000,
    days: int = 10,
    seed: int = 1,
    start: datetime | None = None,
    progress: Progress | None = None,
) -> SynthSummary:
    """Write a synthetic membership, surge, reference lists and ground truth under `out`.

    `progress(step, done, total)` is called as each of `STEPS` starts (and once at the end).
    The same arguments always produce byte-identical files.
    """
    if members < 50 or applicants < 100:
        raise InputError("synth needs at least 50 members and 100 applicants")
    if days < 1:
        raise InputError("synth needs --days of at least 1")
    start = (start or DEFAULT_START).astimezone(UTC)
    t_begin = time.perf_counter()

    def step(i: int) -> None:
        if progress:
            progress(STEPS[i] if i < len(STEPS) else "done", i, len(STEPS))

    rng = np.random.default_rng(seed)
    py = random.Random(seed)
    sz = _sizes(members, applicants)
    if sz.fresh < applicants // 2:
        raise InputError("too few applicants for the planted cases; use at least 100")
    on = start.date()

    # -- people ------------------------------------------------------------------------
    step(0)
    names = build_names()
    need = sz.members + sz.fresh + sz.party_members + sz.candidates + sz.expelled_old
    people = int(need * 1.6) + 200
    places = build_places(rng, names, int(people / 2.35))
    pop, hhs = build_population(rng, names, places, people, on)
    ages = age_on(pop.dob, on)
    taken = np.zeros(len(pop), dtype=bool)
    member_w = np.select([ages < 14, ages < 18, ages < 30, ages < 60], [0, 0.3, 0.6, 1.0], 1.3)
    app_w = np.select(
        [ages < 12, ages < 14, ages < 16, ages < 18, ages < 30, ages < 50, ages < 70],
        [0, 0.05, 0.4, 0.6, 1.5, 1.0, 0.8],
        0.5,
    )
    adult = np.where(ages >= 18, 1.0, 0.0)
    member_pids = pick(rng, member_w.astype(float), sz.members, taken)
    fresh_pids = pick(rng, app_w.astype(float), sz.fresh, taken)
    pm_pids = pick(rng, adult, sz.party_members, taken)
    cand_pids = pick(rng, np.where(ages >= 21, 1.0 + (ages > 40), 0.0), sz.candidates, taken)
    exp_pids = pick(rng, np.where(ages >= 25, 1.0, 0.0), sz.expelled_old, taken)

    # -- membership and the expelled -----------------------------------------------------
    step(1)
    mcols, mstatus = membership_columns(rng, pop.dob[member_pids], start)
    expelled_members = member_pids[mstatus == 3]

    # -- reference lists ---------------------------------------------------------------
    step(2)
    dc, dc_pid, cand_party, dc_ops = candidacies(py, rng, pop, names, places, hhs, cand_pids, start)
    also_member = [i for i in range(len(cand_pids)) if py.random() < 0.35]
    pm_all = np.concatenate([pm_pids, cand_pids[also_member]])
    fixed = {
        len(pm_pids) + j: (cand_party[i], "Councillor" if py.random() < 0.3 else "Candidate")
        for j, i in enumerate(also_member)
    }

    # -- the applications: who they really are -------------------------------------------
    step(3)
    plan = AppPlan()
    for pid in fresh_pids.tolist():
        row = plan.add(pid, "fresh")
        if py.random() < 0.02 and ages[pid] >= 18:
            plan.moved_only.add(row)  # registered at an old address
    used: set[int] = set()

    def targets(pool: np.ndarray, k: int, weights: np.ndarray | None = None) -> list[int]:
        cand = [p for p in pool.tolist() if p not in used and ages[p] >= 14]
        if not cand:
            return []
        w = None
        if weights is not None:
            wmap = dict(zip(pool.tolist(), weights.tolist(), strict=True))
            w = np.array([wmap[p] for p in cand], dtype=float)
            w /= w.sum()
        got = rng.choice(np.array(cand), size=min(k, len(cand)), replace=False, p=w).tolist()
        used.update(got)
        return [int(g) for g in got]

    status_w = np.array([0.55 / 0.86, 0.35 / 0.095, 0.04 / 0.015, 0.03 / 0.015, 0.03 / 0.015])
    cycle = 0

    def double_barrelled(pid: int) -> bool:
        last = names.surnames.text[int(pop.last[pid])]
        return "-" in last or " " in last

    def add_planted(pids: list[int], kind: str, pool: np.ndarray, allow_none: float = 0.0) -> None:
        """Plant matches, cycling the preferred corruption so every kind is represented."""
        nonlocal cycle
        doubles = [p for p in pool.tolist() if p not in used and double_barrelled(p)]
        for pid in pids:
            k = n_corruptions(py, allow_none)
            prefer = MATCH_OPS[cycle % len(MATCH_OPS)] if k else None
            cycle += k > 0
            if prefer == "half_surname" and not double_barrelled(pid) and doubles:
                used.discard(pid)  # someone with a double-barrelled name takes this slot
                pid = doubles.pop()
                used.add(pid)
            plan.add(pid, kind, k, prefer)

    add_planted(
        targets(member_pids, sz.dup_members, status_w[mstatus]), "member", member_pids, 0.15
    )
    add_planted(targets(pm_pids, sz.on_party), "party_member", pm_pids)
    add_planted(targets(cand_pids, sz.on_candidates), "candidate", cand_pids)
    exp_pool = np.concatenate([exp_pids, expelled_members])
    add_planted(targets(exp_pool, sz.on_expelled), "expelled", exp_pool)
    fresh_rows = [i for i, k in enumerate(plan.kind) if k == "fresh"]
    for row in py.sample(fresh_rows, min(sz.twice, len(fresh_rows))):
        twin = plan.add(plan.pid[row], "twice", n_corruptions(py, 0.35))
        plan.prefer[twin] = py.choice(MATCH_OPS) if plan.k[twin] else None
        plan.first_of[twin] = row
    clusters = coordinated(
        py, rng, names, pop, places, hhs, plan, pm_pids, used, sz.coordinated, on
    )
    unregistered = {p for c in clusters for p in c.fakes}

    # lookalikes of genuine applicants
    anchors_rows = py.sample(fresh_rows, min(len(fresh_rows), sz.namesakes + sz.households))
    anchors = [plan.pid[r] for r in anchors_rows]
    look, register_only = plant_lookalikes(
        py, rng, names, pop, places, hhs, anchors, min(sz.namesakes, len(anchors)), on
    )
    if look.members:
        extra, estatus = membership_columns(rng, pop.dob[np.array(look.members)], start)
        for c in MEMBER_EXTRA:
            mcols[c].extend(extra[c])
        member_pids = np.concatenate([member_pids, look.members])
        expelled_members = np.concatenate([expelled_members, np.array(look.members)[estatus == 3]])
    if look.candidates:
        more, more_pid, _, more_ops = candidacies(
            py, rng, pop, names, places, hhs, np.array(look.candidates), start
        )
        base = len(dc_pid)
        taken_ids = set(dc["person_id"])
        for row, pid_s in enumerate(more["person_id"]):
            while pid_s in taken_ids:  # both calls draw ids from the same range
                pid_s = str(int(pid_s) + 100_000)
            more["person_id"][row] = pid_s
        for c in dc:
            dc[c].extend(more[c])
        dc_pid.extend(more_pid)
        dc_ops.update({base + k: v for k, v in more_ops.items()})
    pm_all = np.concatenate([pm_all, look.party_members]).astype(np.int64)
    exp_all = np.concatenate([exp_pids, expelled_members, look.expelled]).astype(np.int64)

    # -- render the person files --------------------------------------------------------
    mrows = Rows(member_pids.astype(np.int64), pop.hh[member_pids])
    render(pop, names, places, hhs, mrows, rng, MEMBER_STYLE)
    mrows.cols.update(mcols)
    order = np.argsort(np.array([j[:19] for j in mcols["joined_at"]]), kind="stable")
    mrows.reorder(order)
    mrows.cols["id"] = [f"M{i + 1:07d}" for i in range(len(mrows))]

    prows = Rows(pm_all, pop.hh[pm_all])
    render(pop, names, places, hhs, prows, rng, PARTY_STYLE)
    councils = [hhs.council[h] for h in prows.hh.tolist()]
    prows.cols.update(party_columns(rng, councils, start, fixed))
    prows.cols["id"] = [f"PM{i + 1:06d}" for i in range(len(prows))]

    xrows = Rows(exp_all, pop.hh[exp_all])
    render(pop, names, places, hhs, xrows, rng, EXPELLED_STYLE)
    exp_dates = expelled_dates(py, start, mrows, xrows)
    xrows.cols["event_date"] = exp_dates
    xrows.cols["id"] = [f"X{i + 1:05d}" for i in range(len(xrows))]

    arows = applications(py, rng, names, places, hhs, pop, plan, clusters, start, days)

    # -- register ----------------------------------------------------------------------
    step(4)
    reg = register(
        py, rng, pop, places, hhs, names, plan, member_pids, unregistered, register_only, start
    )

    # -- truth -------------------------------------------------------------------------
    step(5)
    dc_side = Side(
        "candidates",
        dc["person_id"],
        np.array(dc_pid, dtype=np.int64),
        np.full(len(dc_pid), -1),
        dc["first_name"],
        dc["last_name"],
        [""] * len(dc_pid),
        dc_ops,
    )
    dist = np.array(hhs.district, dtype=np.int64)
    app_side = _side("applications", arows, dist)
    sides = [
        _side("members", mrows, dist),
        dc_side,
        _side("party_members", prows, dist),
        _side("expelled", xrows, dist),
        _side("register", reg, dist, id_col="elector_number"),
        app_side,
    ]
    planted_people = {
        p
        for group in (
            look.members,
            look.party_members,
            look.candidates,
            look.expelled,
            register_only,
        )
        for p in group
    }
    truth = truth_rows(app_side, sides, planted_people)
    for cl in clusters:
        anchor = arows.cols["id"][cl.rows[0]]
        for r in cl.rows[1:]:
            truth.append((arows.cols["id"][r], "coordinated", "applications", anchor, cl.note))
    truth.sort()

    # -- write -------------------------------------------------------------------------
    step(6)
    out = Path(out)
    counts = {
        "members.csv": write_columns(
            out / "members.csv", (*PERSON_COLUMNS, *MEMBER_EXTRA), mrows.cols
        ),
        "applications.csv": write_columns(
            out / "applications.csv", (*PERSON_COLUMNS, *APPLICATION_EXTRA), arows.cols
        ),
        "reference/candidates.csv": write_columns(
            out / "reference" / "candidates.csv", DC_COLUMNS, dc
        ),
        "reference/party_members.csv": write_columns(
            out / "reference" / "party_members.csv",
            (*PERSON_COLUMNS, "party", "role", "event_date"),
            prows.cols,
        ),
        "reference/expelled.csv": write_columns(
            out / "reference" / "expelled.csv", (*PERSON_COLUMNS, "event_date"), xrows.cols
        ),
        "reference/register.csv": write_columns(
            out / "reference" / "register.csv", REGISTER_COLUMNS, reg.cols
        ),
        "truth.csv": write_rows(out / "truth.csv", TRUTH_COLUMNS, truth),
    }
    step(len(STEPS))
    planted = Counter(plan.kind)
    planted["namesake_people"] = sz.namesakes
    planted["household_people"] = sz.households
    planted["coordinated_clusters"] = len(clusters)
    return SynthSummary(
        out=out,
        counts=counts,
        truth=dict(sorted(Counter(t[1] for t in truth).items())),
        seconds=time.perf_counter() - t_begin,
        planted=dict(sorted(planted.items())),
    )


def _side(name: str, rows: Rows, district: np.ndarray, id_col: str = "id") -> Side:
    return Side(
        name,
        rows.cols[id_col],
        rows.pid,
        rows.hh,
        rows.cols["first_name"],
        rows.cols["last_name"],
        rows.cols.get("email", [""] * len(rows)),
        rows.ops,
        district[rows.hh],
    )

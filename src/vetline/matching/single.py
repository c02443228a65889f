"""One applicant screened at once: against stored indexes and against other applications.

`screen_single` looks the applicant up in each `SingleIndex` (vetline.matching.lookup) by its
blocking keys, pairs it with the other applications a blocking rule pairs it with (as
`dedupe_frame` would), computes the level codes (vetline.matching.pair_levels for a handful
of pairs, else the level SQL on DuckDB) and scores them as `score_levels` does, so the hits
are those of the batch path.

Most applicants match nothing: when no pair's own log2 odds reach the threshold (the
one-person-one-entry competition can only lower a score), the hits are known to be empty
from the level codes alone, and the frames, the scoring and the explanations are skipped.
For the others, a handful of pairs is scored on small arrays (`score_rows`: the same numpy
operations on the same values as `levels_frame` and `score_levels`, pandas' compensated group
sums mirrored) and only the hits become frames; `screen_single_tables` is the frame path it
is tested against, and the one taken for many pairs or values it does not mirror.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from vetline.matching.api import HIT_COLUMNS, LIST_COLUMN, keep_bits_for, score_levels
from vetline.matching.bands import REVIEW_THRESHOLD
from vetline.matching.comparisons import FIELDS
from vetline.matching.engine_duckdb import levels_query
from vetline.matching.features import FEATURE_COLUMNS
from vetline.matching.lookup import (
    SEP,
    Found,
    SingleIndex,
    _connection,
    _hashes,
    applicant_features,
    applicant_keys,
    feature_schema,
)
from vetline.matching.model import (
    Model,
    shipped_model,
)
from vetline.matching.row_scoring import PLAIN_TYPES, _hit_frames, _shown_record, score_rows

_PERSON = ("first_name", "last_name", "date_of_birth", "postcode", "address", "email", "phone")
_FEATURES = tuple(FEATURE_COLUMNS)


def _plain(value: Any) -> Any:
    """None for a missing value (None, NaN, NaT, NA), else the value (cheaper than pd.isna)."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    return None if isinstance(value, float) and value != value else value


def _person_key(record: Mapping[str, Any]) -> tuple[Any, ...]:
    """The person fields `applicant_features` reads, as a hashable key (missing: None)."""
    values = tuple(map(record.get, _PERSON))
    if PLAIN_TYPES.issuperset(map(type, values)):  # the usual record: nothing to clean
        return values
    return tuple(_plain(value) for value in values)


# types `_plain` returns unchanged (exactly these: pd.NaT is a datetime, NaN a float)


@lru_cache(maxsize=16_384)
def _other_features(
    person: tuple[Any, ...],
) -> tuple[dict[str, Any], frozenset[tuple[str, str]]]:
    """Features and blocking keys of another applicant's person fields.

    The same earlier applications are candidate double sign-ups of many submissions (they
    share a postcode, a surname, a date of birth), so their features are kept: a pure function
    of the fields. Callers copy the dict before changing it.
    """
    f = applicant_features(dict(zip(_PERSON, person, strict=True)))
    return f, frozenset(applicant_keys(f))


class KnownFeatures:
    """Features of records compared before, by id, kept with a digest of the person fields
    they came from.

    Candidate double sign-ups are stored applications: featurising the ~55 of a submission
    cost ~2 ms of its CPU. `vetline.instant` fills one of these with every stored application
    when it warms up, and `screen_single` adds each applicant it screens. A record whose
    person fields are not those kept (changed since, or another record under a reused id) is
    featurised again (`_other_features`): an entry is a cache, never stale.
    """

    def __init__(self) -> None:
        self._rows: dict[str, tuple[bytes, tuple[Any, ...]]] = {}
        self._shared: dict[Any, Any] = {}  # one object per distinct string or list of strings

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, record: Mapping[str, Any], features: Mapping[str, Any] | None = None) -> None:
        """Keep the features of `record` (id and person fields; `features` if computed)."""
        person = _person_key(record)
        if features is None:
            features = applicant_features(dict(zip(_PERSON, person, strict=True)))
        shared = self._shared
        values = tuple(
            shared.setdefault(_shared_key(v), v) if c in _REPEATED else v
            for c, v in zip(_FEATURES, map(features.__getitem__, _FEATURES), strict=True)
        )
        self._rows[str(record["id"])] = (_digest(person), values)

    def get(self, record: Mapping[str, Any], person: tuple[Any, ...]) -> dict[str, Any] | None:
        """The features of `record` (`person`: its `_person_key`), if kept for these fields."""
        kept = self._rows.get(str(record.get("id")))
        if kept is None or kept[0] != _digest(person):
            return None
        return dict(zip(_FEATURES, kept[1], strict=True))


# features whose values repeat among people (names, dates, postcode parts, their lists):
# kept once each, so 128,000 applications cost ~100 MB rather than ~200
_REPEATED = frozenset(_FEATURES) - {"idx", "addr", "addr_key", "email", "phone", "has_other"}


def _shared_key(value: Any) -> Any:
    return ("list", *value) if type(value) is list else value


def _digest(person: tuple[Any, ...]) -> bytes:
    """A collision-free stand-in for the person fields (strings, dates and None)."""
    return hashlib.blake2b(repr(person).encode(), digest_size=16).digest()


def _features_of(
    record: Mapping[str, Any], known: KnownFeatures | None
) -> tuple[Mapping[str, Any], frozenset[tuple[str, str]] | None]:
    """Features and blocking keys of another applicant's record (None: not made, kept
    features are; `_Meets` makes the ones it needs)."""
    person = _person_key(record)
    if known is not None:
        f = known.get(record, person)
        if f is not None:
            return f, None
    return _other_features(person)


def _reverse_keys(
    f: Mapping[str, Any], keys: list[tuple[str, str]] | None = None
) -> set[tuple[str, str]]:
    """The keys under which a record is filed on the right-hand side of the rules.

    Every blocking rule comes with its mirror image (tests check this on synthetic data), so
    a record's right-hand keys are its own applicant keys with each rule mirrored.
    """
    mirror = {"lv": "ln_fn", "ln_fn": "lv", "ln_init": "ln_init1", "ln_init1": "ln_init"}
    out = set()
    for table, key in applicant_keys(f) if keys is None else keys:
        if table == "ln_fn_whole":  # filed as (surname, first name); looked up swapped
            first, last = key.split(SEP)
            out.add((table, f"{last}{SEP}{first}"))
        else:
            out.add((mirror.get(table, table), key))
    return out


# Up to this many pairs the level codes are computed in Python (vetline.matching.pair_levels,
# ~10 us a pair with its row taken out of arrow); beyond it DuckDB's per-pair speed wins over
# its fixed cost. Measured (28 Nov, 600k-member bench, the largest applicant of 300 with its
# 449 candidate double sign-ups replicated up to 1,796): screen_single 48-56 ms with DuckDB's
# levels, 17-28 ms with Python's, which also knows before any frame is built that most such
# applicants match nothing; 4,000 is that line extrapolated. (It was 1,000.)
PYTHON_LEVELS_MAX_PAIRS = 4_000


def pair_levels(
    applicant: Mapping[str, Any], parts: Sequence[pa.Table | list[dict[str, Any]]]
) -> pd.DataFrame:
    """`levels_query()`'s rows for the applicant (l = 0) against the feature rows of `parts`
    (tables or lists of rows) in order (r = position), computed in Python for a handful of
    pairs, else by DuckDB."""
    from vetline.matching import pair_levels as py

    n = sum(len(p) for p in parts)
    if n <= PYTHON_LEVELS_MAX_PAIRS:
        rows = [r for p in parts for r in (p if isinstance(p, list) else p.to_pylist())]
        if py.usable(rows):
            return py.levels_frame(applicant, rows)
    schema = feature_schema()
    tables = [pa.Table.from_pylist(p, schema=schema) if isinstance(p, list) else p for p in parts]
    allr = pa.concat_tables([t.cast(schema) for t in tables])
    allr = allr.set_column(0, "idx", pa.array(np.arange(n, dtype=np.int64)))
    con = _connection()
    con.register("L", pa.Table.from_pylist([applicant], schema=schema))
    con.register("R", allr)
    con.register(
        "pairs", pa.table({"l": np.zeros(n, dtype=np.int64), "r": np.arange(n, dtype=np.int64)})
    )
    try:
        return con.execute(levels_query()).df()
    finally:
        for name in ("L", "R", "pairs"):
            con.unregister(name)


def _records(others: pd.DataFrame | Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    if isinstance(others, pd.DataFrame):
        records: list[Mapping[str, Any]] = others.to_dict("records")
        return records
    return list(others)


def _others_frame(others: pd.DataFrame | Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """`others` as a person frame (id and person fields, the columns `person_frame` gives)."""
    if isinstance(others, pd.DataFrame):
        return others
    return pd.DataFrame.from_records(list(others), columns=["id", *_PERSON])


def may_score(
    applicant: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    doubles_from: int,
    threshold: float,
    model: Model | None = None,
) -> bool:
    """Whether any pair (applicant, row) can score `threshold`: its own log2 odds (level codes
    in Python, the name counted as `score_levels` will count it) reach `keep_bits_for`.

    A pair's score is probability(own odds + competition) and competition is never positive,
    so when this is False no pair is a hit. Rows from `doubles_from` on are other
    applications: their name count leaves the left record out, as `dedupe_frame`'s does.
    """
    from vetline.matching import pair_levels as py

    codes = (py.pair_levels(applicant, row) for row in rows)
    return _may_score_codes(rows, codes, doubles_from, threshold, model)


def _may_score_codes(
    rows: Sequence[Mapping[str, Any]],
    codes: Iterable[Sequence[int]],
    doubles_from: int,
    threshold: float,
    model: Model | None = None,
) -> bool:
    """`may_score` given each row's level codes (`pair_levels.pair_levels`)."""
    floor = keep_bits_for(threshold)
    if floor is None:
        return True
    model = model or shipped_model()
    for i, (row, levels) in enumerate(zip(rows, codes, strict=True)):
        count = int(row["name_n"])
        if i >= doubles_from:
            count = max(count - 1, 1)
        if model.pair_log2_odds(levels, count) >= floor:
            return True
    return False


_NO_HITS = pd.DataFrame(columns=HIT_COLUMNS)  # copied: building an empty frame costs 30x more


def screen_single(
    record: Mapping[str, Any],
    indexes: Sequence[SingleIndex],
    *,
    others: pd.DataFrame | Sequence[Mapping[str, Any]] | None = None,
    threshold: float = REVIEW_THRESHOLD,
    known_features: KnownFeatures | None = None,
) -> list[pd.DataFrame]:
    """Screen one applicant against several indexes, and for double sign-ups against
    `others` (a person frame, or its records: id and person fields), with one level query
    for all of them. `known_features`: features of the `others` computed before, by id (the
    applicant's are added to it when `record` has an id).

    Returns the hits against each index (as `screen_frames` against that index's reference),
    then, if `others` is given, the hits `dedupe_frame` finds between the applicant and
    `others` in a frame of the applicant followed by `others` (applicant's `id` from
    `record`, else "applicant").

    A handful of pairs is compared and scored in Python (`_screen_rows`, without a pandas
    frame until the hits); else, or for values it does not mirror, `_screen_tables` (the
    level frame, DuckDB for many pairs, `score_levels`). Both give the same frames (tests).
    """
    applicant = applicant_features(record)
    if known_features is not None and record.get("id") is not None:
        known_features.add(record, applicant)
    wanted = applicant_keys(applicant)
    hashes = _hashes(_connection(), [k for _t, k in wanted])
    other_rows: list[int] = []
    paired: list[dict[str, Any]] = []
    records: list[Mapping[str, Any]] = []
    if others is not None and len(others):
        records = _records(others)
        other_rows, paired = _paired_others(applicant, wanted, records, known_features)
    found = [index.match_rows(wanted, hashes) for index in indexes]
    if all(f is not None for f in found):
        done = _screen_rows(
            record,
            applicant,
            [f for f in found if f is not None],
            others,
            records,
            other_rows,
            paired,
            threshold,
        )
        if done is not None:
            return done
    tables = [index._matches(wanted, hashes) for index in indexes]
    return _screen_tables(record, applicant, tables, others, other_rows, paired, threshold)


def screen_single_tables(
    record: Mapping[str, Any],
    indexes: Sequence[SingleIndex],
    *,
    others: pd.DataFrame | Sequence[Mapping[str, Any]] | None = None,
    threshold: float = REVIEW_THRESHOLD,
) -> list[pd.DataFrame]:
    """`screen_single` by `_screen_tables` always (the reference its Python scoring is
    tested against; no `known_features`)."""
    applicant = applicant_features(record)
    wanted = applicant_keys(applicant)
    hashes = _hashes(_connection(), [k for _t, k in wanted])
    other_rows: list[int] = []
    paired: list[dict[str, Any]] = []
    if others is not None and len(others):
        other_rows, paired = _paired_others(applicant, wanted, _records(others), None)
    tables = [index._matches(wanted, hashes) for index in indexes]
    return _screen_tables(record, applicant, tables, others, other_rows, paired, threshold)


def _paired_others(
    applicant: Mapping[str, Any],
    wanted: list[tuple[str, str]],
    records: Sequence[Mapping[str, Any]],
    known_features: KnownFeatures | None,
) -> tuple[list[int], list[dict[str, Any]]]:
    """The positions of the `records` a blocking rule pairs with the applicant, and their
    feature rows with their name counts (dedupe_frame's view: features of the applicant and
    the others as one frame, names counted in it; a pair is compared when a blocking rule
    holds either way round)."""
    known = [_features_of(r, known_features) for r in records]
    names: dict[tuple[str, str], int] = {(applicant["fn"], applicant["ln"]): 1}
    for f, _keys in known:
        names[(f["fn"], f["ln"])] = names.get((f["fn"], f["ln"]), 0) + 1
    # "a rule holds either way round": the applicant's keys meet the other's right-hand
    # keys (its keys mirrored), or the other's keys meet the applicant's right-hand keys.
    # Mirroring is its own inverse (tests/test_matching_single.py), so the first is the
    # second: mine ∩ mirror(theirs) ≠ ∅ ⇔ mirror(mine) ∩ theirs ≠ ∅; one test per other.
    meets = _Meets(_reverse_keys(applicant, wanted))
    other_rows: list[int] = []
    paired: list[dict[str, Any]] = []
    for i, (f, keys) in enumerate(known):
        if meets(f) if keys is None else not meets.back.isdisjoint(keys):
            other_rows.append(i)
            paired.append({**f, "name_n": names[(f["fn"], f["ln"])]})
    return other_rows, paired


# the blocking tables whose keys are a surname key, SEP and a first-name part; a postcode,
# SEP and another part (vetline.matching.lookup.applicant_keys)
_SURNAME_TABLES = frozenset({"lv", "ln_fn", "ln_init", "ln_init1", "ln_fsx"})
_POSTCODE_TABLES = frozenset({"pc_init", "pc_no", "pc_lsx"})


class _Meets:
    """Whether `back` (a set of (table, key)) meets a record's `applicant_keys`, without
    making every key: each key is made and looked up as `applicant_keys` would make it, in
    an order that answers early, and the surname and postcode keys are made only when their
    head (the text up to and including a SEP) begins a key of `back` in their tables, which
    any key equal to one of `back` must. tests/test_matching_single_rows.py checks it equals
    `not back.isdisjoint(applicant_keys(f))`."""

    def __init__(self, back: set[tuple[str, str]]):
        self.back = back
        self.surname_heads = _heads(back, _SURNAME_TABLES)
        self.postcode_heads = _heads(back, _POSTCODE_TABLES)

    def __call__(self, f: Mapping[str, Any]) -> bool:
        back = self.back
        if f["dob_key"] and ("dob", str(f["dob_key"])) in back:
            return True
        for name in ("email", "phone"):
            if f[name] and (name, str(f[name])) in back:
                return True
        fn, ln, fn_init, fn_sx, ln_sx = (
            str(f[c]) for c in ("fn", "ln", "fn_init", "fn_sx", "ln_sx")
        )
        if fn and ln:
            heads = self.surname_heads
            for lnk in f["ln_keys"]:
                head = f"{lnk}{SEP}"
                if head not in heads:
                    continue
                if ("lv", f"{head}{fn}") in back:
                    return True
                if any(("ln_fn", f"{head}{v}") in back for v in f["fn_keys"]):
                    return True
                if len(fn) == 1 and ("ln_init", f"{head}{fn_init}") in back:
                    return True
                if ("ln_init1", f"{head}{fn_init}") in back:
                    return True
                if fn_sx and ("ln_fsx", f"{head}{fn_sx}") in back:
                    return True
            if ("ln_fn_whole", f"{fn}{SEP}{ln}") in back:
                return True
        if fn and ln_sx and ("fn_lsx", f"{fn}{SEP}{ln_sx}") in back:
            return True
        pcode = str(f["pc"])
        if pcode and f"{pcode}{SEP}" in self.postcode_heads:
            head, addr_no = f"{pcode}{SEP}", str(f["addr_no"])
            if ("pc_init", f"{head}{fn_init}") in back:
                return True
            if addr_no and ("pc_no", f"{head}{addr_no}") in back:
                return True
            if ln_sx and ("pc_lsx", f"{head}{ln_sx}") in back:
                return True
        return False


def _heads(keys: Iterable[tuple[str, str]], tables: frozenset[str]) -> set[str]:
    """Every prefix ending in SEP of the keys of `tables`."""
    out = set()
    for table, key in keys:
        if table in tables:
            at = key.find(SEP)
            while at >= 0:
                out.add(key[: at + 1])
                at = key.find(SEP, at + 1)
    return out


def _empty_parts(n: int) -> list[pd.DataFrame]:
    return [_NO_HITS.copy() for _ in range(n)]


def _screen_rows(
    record: Mapping[str, Any],
    applicant: Mapping[str, Any],
    found: Sequence[Found],
    others: pd.DataFrame | Sequence[Mapping[str, Any]] | None,
    records: Sequence[Mapping[str, Any]],
    other_rows: list[int],
    paired: list[dict[str, Any]],
    threshold: float,
) -> list[pd.DataFrame] | None:
    """`_screen_tables` for a handful of pairs, in Python: the level codes, the early answer,
    then (for the few applicants with a pair near the threshold) `score_levels`' sums on
    small arrays and `explain_pairs`, with a pandas frame only for the hits. None where it
    does not mirror `_screen_tables` exactly (too many pairs, a NULL feature, a shown value
    pandas would convert): the caller then takes that path."""
    from vetline.matching import pair_levels as py

    n_out = len(found) + (others is not None)
    rows = [r for f in found for r in f.rows]
    doubles_from = len(rows)
    rows += paired
    if not rows:
        return _empty_parts(n_out)
    if len(rows) > PYTHON_LEVELS_MAX_PAIRS or not py.usable(paired):
        return None
    codes = py.levels_of(applicant, rows)
    if not _may_score_codes(rows, codes, doubles_from, threshold):
        return _empty_parts(n_out)  # the usual applicant: nothing near the threshold
    # the parts' lists (one-person-one-entry groups), as _screen_tables labels them
    lists: list[str] = []
    for k, f in enumerate(found):
        names = f.list_names()
        lists += [f"{k}{SEP}"] * len(f.rows) if names is None else [f"{k}{SEP}{v}" for v in names]
    lists += [f"{len(found)}{SEP}"] * len(paired)
    scored = score_rows(codes, rows, lists, doubles_from, threshold)
    if scored is None:  # no pair at the threshold: as _screen_tables splits an empty frame
        return _split_hits(pd.DataFrame(columns=HIT_COLUMNS), n_out)
    keep, scores, bands, explain = scored
    # the hits' records: (part, id, shown values)
    left = _shown_record(record)
    if left is None:
        return None
    # the left frame's id: the record's, else "applicant" (as _screen_tables' frame has it)
    left_id = "applicant" if record.get("id") is None else str(record["id"])
    parts: list[int] = []
    ids: list[str] = []
    shown: list[dict[str, str]] = []
    starts = np.cumsum([0, *(len(f.rows) for f in found)]).tolist()
    for i in keep.tolist():
        right: Mapping[str, Any]
        if i >= doubles_from:
            k, right = len(found), records[other_rows[i - doubles_from]]
        else:
            k = int(np.searchsorted(starts, i, side="right")) - 1
            right = found[k].records([i - starts[k]])[0]
        got = _shown_record(right)
        if got is None:
            return None
        parts.append(k)
        ids.append(str(right.get("id")))
        shown.append(got)
    explanations = explain(left, shown)
    return _hit_frames(left_id, parts, ids, scores, bands, explanations, n_out)


def _screen_tables(
    record: Mapping[str, Any],
    applicant: Mapping[str, Any],
    found: Sequence[tuple[pa.Table, Callable[[], pa.Table]]],
    others: pd.DataFrame | Sequence[Mapping[str, Any]] | None,
    other_rows: list[int],
    paired: list[dict[str, Any]],
    threshold: float,
) -> list[pd.DataFrame]:
    """`screen_single` on arrow tables and a level frame (the reference for `_screen_rows`;
    DuckDB's levels beyond PYTHON_LEVELS_MAX_PAIRS pairs): `found` holds each index's
    `_matches`, `other_rows` and `paired` the `others` a rule pairs with the applicant."""
    from vetline.matching import pair_levels as py

    tables: list[pa.Table | list[dict[str, Any]]] = [cand for cand, _right in found]
    if others is not None and len(others):
        tables.append(paired)
    sizes = [len(t) for t in tables]
    out = _empty_parts(len(found) + (others is not None))
    if not sum(sizes):
        return out
    levels: pd.DataFrame | None = None
    if sum(sizes) <= PYTHON_LEVELS_MAX_PAIRS and all(
        py.usable(t) if isinstance(t, list) else py.usable_table(t) for t in tables
    ):
        rows = [r for t in tables for r in (t if isinstance(t, list) else t.to_pylist())]
        # each pair's level codes once: for the early answer, then for the frame
        codes = [py.pair_levels(applicant, r) for r in rows]
        if not _may_score_codes(rows, codes, sum(sizes[: len(found)]), threshold):
            return out  # the usual applicant: nothing near the threshold
        # what pair_levels would do with these rows, without taking them out of arrow again
        levels = py.levels_frame(applicant, rows, codes=codes, code_dtype=np.int8)
    # every row found satisfies a blocking rule: each is one pair (applicant, row)
    if levels is None:
        levels = pair_levels(applicant, tables)
    for field_ in FIELDS:
        if levels[field_.name].dtype != np.int8:
            levels[field_.name] = levels[field_.name].astype(np.int8)
    left = pd.DataFrame([{"id": "applicant", **{k: v for k, v in record.items() if v is not None}}])
    # one scoring for every part (its fixed cost dominates): right rows carry their part in
    # id and list, so each part's records compete only among themselves, as in their own call
    rights = []
    for k, (cand, records) in enumerate(found):
        if not len(cand):  # no rows of this part (left out of the concat below anyway)
            continue
        frame = records().to_pandas()
        lists = frame[LIST_COLUMN].astype(str) if LIST_COLUMN in frame.columns else ""
        rights.append(
            frame.assign(id=f"{k}{SEP}" + frame["id"].astype(str), list=f"{k}{SEP}" + lists)
        )
    if other_rows and others is not None:
        k = len(found)
        frame = _others_frame(others).iloc[other_rows]
        rights.append(frame.assign(id=f"{k}{SEP}" + frame["id"].astype(str), list=f"{k}{SEP}"))
    right_all = pd.concat([r for r in rights if len(r)], ignore_index=True)
    levels["r_list"] = right_all[LIST_COLUMN].to_numpy()[levels["r"].to_numpy()]
    if other_rows and others is not None:
        # as dedupe_frame: the other records sharing the name, and no competition
        # (on the arrays: .loc assignment costs ~1 ms of pandas per submission)
        doubles = levels["r"].to_numpy() >= sum(sizes[: len(found)])
        name_n = levels["r_name_n"].to_numpy().copy()
        name_n[doubles] = np.maximum(name_n[doubles] - 1, 1)
        compete = levels["r_compete"].to_numpy().copy()
        compete[doubles] = False
        levels["r_name_n"] = name_n
        levels["r_compete"] = compete
    hits = score_levels(levels, left, right_all, threshold=threshold)
    return _split_hits(hits, len(out))


def _split_hits(hits: pd.DataFrame, n_out: int) -> list[pd.DataFrame]:
    """The hits of each part (its number before SEP in right_id), right_id without it."""
    split = [str(i).split(SEP, 1) for i in hits["right_id"]]
    part = np.asarray([int(p) for p, _i in split], dtype=np.int64)
    hits["right_id"] = [i for _p, i in split]
    return [hits[part == k].reset_index(drop=True) for k in range(n_out)]

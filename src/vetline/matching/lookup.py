"""One applicant against a stored reference index, in memory: blocking keys -> row positions.

`SingleIndex.load(directory)` reads a `ReferenceIndex` directory once (features, records and
one sorted hash array per blocking key) and keeps it in memory. Screening one applicant
(vetline.matching.single) is then a handful of binary searches, the candidate rows taken by
position, their level codes (the level SQL of vetline.matching.comparisons; for a handful of
pairs its Python mirror, vetline.matching.pair_levels, else on a persistent in-memory DuckDB
connection per thread), and `score_levels` scores them. The lookups only have to find a
superset of the blocked rows (the rules' SQL drops the rest), so the hits are exactly those
of `screen_frames` against the whole reference.

A `Delta` (records added since the index was built, records removed from it) is screened
together with the index, with name counts and one-person-one-entry competition taken over
the reference as it is now, so a new member or list version needs no rebuild before the
next application is screened.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from vetline.errors import InputError, NotFound
from vetline.matching.api import LIST_COLUMN
from vetline.matching.bands import REVIEW_THRESHOLD
from vetline.matching.blocking import key_views
from vetline.matching.features import build_features
from vetline.matching.row_store import LEVEL_COLUMNS, _Stores
from vetline.people import normalise_email, normalise_phone

SEP = "\x1f"  # joins the parts of a composite key (never inside a normalised value)
_SQL_SEP = "chr(31)"

# The right-hand side of every blocking rule as an exact-match key: name -> (stored table,
# key expression, rows that can match). The applicant's side is `applicant_keys`. Together
# they must find every row a rule of vetline.matching.blocking would pair with the applicant
# (tests/test_matching_index.py checks this against the rules' SQL on synthetic data).
KEY_SPECS: dict[str, tuple[str, str, str]] = {
    "lv": ("R_lv", f"lnk || {_SQL_SEP} || fnk", "TRUE"),  # surname + name variant
    "ln_fn": ("R_ln", f"lnk || {_SQL_SEP} || fn", "TRUE"),  # ... (reverse)
    "ln_init": ("R_ln", f"lnk || {_SQL_SEP} || fn_init", "TRUE"),  # surname + my initial
    "ln_init1": ("R_ln", f"lnk || {_SQL_SEP} || fn_init", "length(fn) = 1"),  # your initial
    "ln_fsx": ("R_ln", f"lnk || {_SQL_SEP} || fn_sx", "fn_sx <> ''"),  # first-name sound
    "fn_lsx": ("R", f"fn || {_SQL_SEP} || ln_sx", "fn <> '' AND ln_sx <> ''"),  # surname sound
    "ln_fn_whole": ("R", f"ln || {_SQL_SEP} || fn", "fn <> '' AND ln <> ''"),  # swapped names
    "dob": ("R", "dob_key", "dob_key <> ''"),
    "pc_init": ("R", f"pc || {_SQL_SEP} || fn_init", "pc <> ''"),
    "pc_no": ("R", f"pc || {_SQL_SEP} || addr_no", "pc <> '' AND addr_no <> ''"),
    "pc_lsx": ("R", f"pc || {_SQL_SEP} || ln_sx", "pc <> '' AND ln_sx <> ''"),
    "email": ("R", "email", "email <> ''"),
    "phone": ("R", "phone", "phone <> ''"),
}


def applicant_keys(f: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key table, key) pairs under which the applicant's blocked rows are filed."""
    fn, ln, fn_init, fn_sx, ln_sx = (str(f[c]) for c in ("fn", "ln", "fn_init", "fn_sx", "ln_sx"))
    pcode, addr_no = str(f["pc"]), str(f["addr_no"])
    out: list[tuple[str, str]] = []
    if fn and ln:  # the applicant has surname-key rows (L_ln)
        for lnk in f["ln_keys"]:
            out.append(("lv", f"{lnk}{SEP}{fn}"))
            out += [("ln_fn", f"{lnk}{SEP}{v}") for v in f["fn_keys"]]
            if len(fn) == 1:
                out.append(("ln_init", f"{lnk}{SEP}{fn_init}"))
            out.append(("ln_init1", f"{lnk}{SEP}{fn_init}"))
            if fn_sx:
                out.append(("ln_fsx", f"{lnk}{SEP}{fn_sx}"))
        out.append(("ln_fn_whole", f"{fn}{SEP}{ln}"))
    if fn and ln_sx:
        out.append(("fn_lsx", f"{fn}{SEP}{ln_sx}"))
    if f["dob_key"]:
        out.append(("dob", str(f["dob_key"])))
    if pcode:
        out.append(("pc_init", f"{pcode}{SEP}{fn_init}"))
        if addr_no:
            out.append(("pc_no", f"{pcode}{SEP}{addr_no}"))
        if ln_sx:
            out.append(("pc_lsx", f"{pcode}{SEP}{ln_sx}"))
    for name in ("email", "phone"):
        if f[name]:
            out.append((name, str(f[name])))
    return out


@dataclass
class _Keys:
    """One blocking key: DuckDB hashes of the key, sorted, and the row position of each."""

    hashes: np.ndarray  # uint64, ascending
    positions: np.ndarray  # int32

    def find(self, wanted: np.ndarray) -> np.ndarray:
        lo = np.searchsorted(self.hashes, wanted, "left")
        hi = np.searchsorted(self.hashes, wanted, "right")
        return np.concatenate([self.positions[a:b] for a, b in zip(lo, hi, strict=True)])


def _build_keys(con: duckdb.DuckDBPyConnection) -> dict[str, _Keys]:
    """Every key of KEY_SPECS over tables R, R_ln and R_lv of `con`."""
    keys = {}
    for name, (table, expr, where) in KEY_SPECS.items():
        got = con.execute(
            f"SELECT hash({expr}) AS h, idx::INTEGER AS p FROM {table} WHERE {where} ORDER BY h"
        ).fetchnumpy()
        keys[name] = _Keys(np.asarray(got["h"]), np.asarray(got["p"], dtype=np.int32))
    return keys


def _find(keys: dict[str, _Keys], wanted: list[tuple[str, str]], hashes: np.ndarray) -> np.ndarray:
    if not wanted:
        return np.zeros(0, dtype=np.int64)
    found = []
    for (t, _k), h in zip(wanted, hashes, strict=True):  # `_Keys.find` of each, unwrapped
        table = keys[t]
        sorted_ = table.hashes
        found.append(
            table.positions[sorted_.searchsorted(h, "left") : sorted_.searchsorted(h, "right")]
        )
    return np.unique(np.concatenate(found)).astype(np.int64)


_LOCAL = threading.local()


@lru_cache(maxsize=1)
def feature_schema() -> pa.Schema:
    """The arrow types of build_features' columns, from a row that has every field (a stored
    index whose rows all lack a field stores that column untyped)."""
    sample = {
        "id": "x",
        "first_name": "Ann Marie",
        "last_name": "Lee-Hall",
        "date_of_birth": "1980-01-02",
        "postcode": "S1 1AA",
        "address": "1 High Street",
        "email": "ann@example.org",
        "phone": "07700 900000",
    }
    return pa.Table.from_pandas(build_features(pd.DataFrame([sample])), preserve_index=False).schema


def _connection() -> duckdb.DuckDBPyConnection:
    """This thread's in-memory DuckDB connection (connecting costs more than a screening)."""
    con: duckdb.DuckDBPyConnection | None = getattr(_LOCAL, "con", None)
    if con is None:
        con = duckdb.connect(":memory:")
        con.execute("SET threads = 1")
        _LOCAL.con = con
    return con


def _hashes(con: duckdb.DuckDBPyConnection, keys: Sequence[str]) -> np.ndarray:
    """DuckDB's hash of each key, as the stored keys were hashed.

    Computed in Python when `_python_hash_agrees()` (a DuckDB query costs ~1 ms of CPU per
    submission, the Python mirror ~2 us per key), else asked of DuckDB."""
    if not keys:
        return np.zeros(0, dtype=np.uint64)
    if _python_hash_agrees():
        return np.fromiter((duckdb_hash(k) for k in keys), dtype=np.uint64, count=len(keys))
    return _duckdb_hashes(con, keys)


def _duckdb_hashes(con: duckdb.DuckDBPyConnection, keys: Sequence[str]) -> np.ndarray:
    rows = con.execute(
        "SELECT list_transform(?::VARCHAR[], lambda k: hash(k))", [list(keys)]
    ).fetchall()
    return np.asarray(rows[0][0], dtype=np.uint64)


_M64 = (1 << 64) - 1
_MUL = 0xD6E8FEB86659FD93


def duckdb_hash(key: str) -> int:
    """DuckDB's `hash(key)` of a VARCHAR (its HashBytes: 8-byte blocks folded by multiply,
    then MurmurHash64's finaliser), in Python.

    DuckDB does not promise this function across versions, so it is only used after
    `_python_hash_agrees()` has checked it against the installed DuckDB."""
    data = key.encode("utf-8")
    n = len(data)
    h = 0xE17A1465 ^ ((n * 0xC6A4A7935BD1E995) & _M64)
    for i in range(0, n, 8):  # the last block zero-padded, as DuckDB's memcpy into 0
        h = ((h ^ int.from_bytes(data[i : i + 8], "little")) * _MUL) & _M64
    h ^= h >> 32
    h = (h * _MUL) & _M64
    h ^= h >> 32
    h = (h * _MUL) & _M64
    return h ^ (h >> 32)


# keys of every length class (empty, under, at and over 8 and 16 bytes, multi-byte UTF-8)
_HASH_SAMPLES = (
    "",
    "a",
    "smith\x1fj",
    "1980-1-12",
    "ann.lee@example.org",
    "S11AA\x1fa",
    "o'brien\x1fseán",
    "ñandú",
    "12345678",
    "1234567890123456",
    "12345678901234567",
    "x" * 64,
)


@lru_cache(maxsize=1)
def _python_hash_agrees() -> bool:
    """Whether `duckdb_hash` gives the installed DuckDB's hashes (checked once a process)."""
    con = duckdb.connect(":memory:")
    try:
        want = _duckdb_hashes(con, _HASH_SAMPLES).tolist()
    finally:
        con.close()
    return bool(want == [duckdb_hash(k) for k in _HASH_SAMPLES])


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, str):  # the usual values: never NA (pd.isna is slow)
        return value
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):  # list-like values are not NA
        return value


def applicant_features(record: Mapping[str, Any]) -> dict[str, Any]:
    """`build_features` of a one-row frame, without a frame (pandas costs 15 ms per row).

    Calls the same per-value normalisers; tests/test_matching_index.py checks it gives
    `build_features`'s row on synthetic applicants.
    """
    from vetline.matching import features as feat

    def text(name: str) -> str:
        value = _scalar(record.get(name))
        return "" if value is None else str(value)

    fn, fn_init, fn_mid, fn_mid_init, fn_keys, fn_sx = feat._first(text("first_name"))
    ln, ln_keys, ln_sx = feat._last(text("last_name"))
    try:
        dob, dob_y, dob_m, dob_d, dob_key = feat._dob_parts(_scalar(record.get("date_of_birth")))
    except ValueError as exc:
        raise InputError(f"row 1: date_of_birth: {exc}") from exc
    pcode, sector, district, area = feat._postcode(text("postcode"))
    addr, addr_no, addr_key = feat._address(text("address"))
    email, phone = normalise_email(text("email")), normalise_phone(text("phone"))
    return {
        "idx": 0,
        "fn": fn,
        "fn_init": fn_init,
        "fn_mid": fn_mid,
        "fn_mid_init": fn_mid_init,
        "fn_keys": fn_keys,
        "fn_sx": fn_sx,
        "ln": ln,
        "ln_keys": ln_keys,
        "ln_sx": ln_sx,
        "dob": dob,
        "dob_y": dob_y,
        "dob_m": dob_m,
        "dob_d": dob_d,
        "dob_key": dob_key,
        "pc": pcode,
        "pc_sector": sector,
        "pc_district": district,
        "pc_area": area,
        "addr": addr,
        "addr_no": addr_no,
        "addr_key": addr_key,
        "email": email,
        "phone": phone,
        "has_other": bool(dob is not None or pcode or addr or email or phone),
        "name_n": 1,
    }


@dataclass
class Found:
    """What an index's keys found for an applicant: feature rows (as `to_pylist` gives them)
    and where they came from, in order (the index's store and positions, then the delta's)."""

    rows: list[dict[str, Any]]
    sources: list[tuple[_Stores, np.ndarray]]

    def list_names(self) -> list[str] | None:
        """Each row's list as `astype(str)` gives it (None: the records have no list)."""
        out: list[str] = []
        for store, rows in self.sources:
            names = store.list_names(rows)
            if names is None:
                return None
            out += names
        return out

    def records(self, positions: Sequence[int]) -> list[dict[str, Any]]:
        """The records of the rows at `positions` (of `rows`), in that order."""
        out = []
        for p in positions:
            for store, rows in self.sources:
                if p < len(rows):
                    out.append(store.record_rows(rows[p : p + 1])[0])
                    break
                p -= len(rows)
        return out


@dataclass
class Delta:
    """Records added to the reference since the index was built, and records taken off it.

    `added` is a person frame like the index's (id, person fields, optional `list`); a changed
    record is both removed (its old id) and added. `removed_lists` takes whole lists off.
    """

    added: pd.DataFrame
    removed_ids: frozenset[str] = frozenset()
    removed_lists: frozenset[str] = frozenset()


@dataclass
class _Prepared:
    """A delta made ready against one index: its own keys, and name-count shifts."""

    features: pa.Table
    records: pa.Table
    keys: dict[str, _Keys]
    removed: np.ndarray  # index positions taken off
    name_shift: dict[tuple[str, str], int]

    @cached_property
    def store(self) -> _Stores:
        return _Stores(self.features, self.records)


class SingleIndex:
    """A stored reference index held in memory for single-applicant screening."""

    def __init__(
        self,
        features: pa.Table,
        records: pa.Table,
        keys: dict[str, _Keys],
        meta: dict[str, Any],
        delta: _Prepared | None = None,
        store: _Stores | None = None,
    ):
        self.features = features
        self.records = records
        self.keys = keys
        self.meta = meta
        self.delta = delta
        self._names = (
            features.column("fn").to_numpy(zero_copy_only=False),
            features.column("ln").to_numpy(zero_copy_only=False),
        )
        self._store = store

    @property
    def store(self) -> _Stores:
        """The index's rows for `match_rows` (made on first use, shared with `with_delta`'s)."""
        if self._store is None:
            self._store = _Stores(self.features, self.records)
        return self._store

    @classmethod
    def load(cls, directory: str | Path) -> SingleIndex:
        """Read the index in `directory` (built by `ReferenceIndex.build`) into memory."""
        folder = Path(directory)
        path = folder / "index.duckdb"
        if not path.exists():
            raise NotFound(f"no reference index in {folder} (build one first)")
        meta = json.loads((folder / "index.json").read_text("utf-8"))
        con = duckdb.connect(str(path), read_only=True)
        try:
            return cls.read(con, meta)
        finally:
            con.close()

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection, meta: dict[str, Any]) -> SingleIndex:
        """Read an open index database (tables R, R_ln, R_lv, records) into memory."""
        features = con.sql("SELECT * FROM R ORDER BY idx").to_arrow_table()
        records = con.sql("SELECT * FROM records ORDER BY idx").to_arrow_table()
        keys = _build_keys(con)
        idx = features.column("idx").to_numpy()
        if not np.array_equal(idx, np.arange(len(idx))):
            raise InputError("reference index: row numbers are not 0..n-1")
        # one chunk per column: `take` over DuckDB's many small batches is 100x slower
        features = features.cast(feature_schema()).combine_chunks()
        records = records.drop_columns(["idx"])
        # stored as text (ReferenceIndex.build); a column with no value at all comes back untyped
        text = pa.schema([pa.field(name, pa.string()) for name in records.column_names])
        index = cls(features, records.cast(text).combine_chunks(), keys, meta)
        index.store  # noqa: B018  (made now: the first screening should not wait for it)
        return index

    @property
    def rows(self) -> int:
        return len(self.features)

    @property
    def delta_rows(self) -> int:
        return 0 if self.delta is None else len(self.delta.records)

    def with_delta(self, delta: Delta) -> SingleIndex:
        """This index plus `delta` (the index's arrays are shared, not copied)."""
        removed = np.zeros(len(self.records), dtype=bool)
        if delta.removed_ids:
            wanted = pa.array(sorted(delta.removed_ids), pa.string())
            removed |= pc.is_in(self.records.column("id"), wanted).to_numpy(zero_copy_only=False)
        if delta.removed_lists and LIST_COLUMN in self.records.column_names:
            lists = pa.array(sorted(delta.removed_lists), pa.string())
            removed |= pc.is_in(self.records.column(LIST_COLUMN), lists).to_numpy(
                zero_copy_only=False
            )
        if "id" not in delta.added.columns:
            raise InputError("delta: no 'id' column")
        added = delta.added.reset_index(drop=True).reindex(columns=self.records.column_names)
        added = added.astype(object)
        added = added.where(added.notna(), None).astype(str).where(added.notna(), None)
        features = build_features(added)
        shift: dict[tuple[str, str], int] = {}
        fn, ln = self._names
        positions = np.flatnonzero(removed)
        for i in positions:
            shift[(fn[i], ln[i])] = shift.get((fn[i], ln[i]), 0) - 1
        names = list(zip(features["fn"], features["ln"], strict=True))
        for key in names:
            shift[key] = shift.get(key, 0) + 1
        shift = {k: v for k, v in shift.items() if v}
        # a name's count over the reference as it is now: the index's count, shifted
        features["name_n"] = np.asarray(
            [n + shift.get(k, 0) for n, k in zip(self._name_counts(names), names, strict=True)],
            dtype=np.int64,
        )
        table = pa.Table.from_pandas(features, preserve_index=False).cast(self.features.schema)
        con = duckdb.connect(":memory:")
        try:
            con.register("R", table)
            for stmt in key_views("R", "unnest"):
                con.execute(stmt)
            keys = _build_keys(con)
        finally:
            con.close()
        records = pa.Table.from_pandas(added, preserve_index=False).cast(self.records.schema)
        prepared = _Prepared(table, records, keys, positions, shift)
        return SingleIndex(
            self.features, self.records, self.keys, self.meta, prepared, store=self.store
        )

    def _name_counts(self, names: Sequence[tuple[str, str]]) -> list[int]:
        """How many rows of the index carry each folded (first, last) name.

        Name counts weigh only pairs whose first and last names agree exactly, so a record
        without both names gets 1 (its count never enters a score or an explanation).
        """
        full = sorted({(f, n) for f, n in names if f and n})
        hashes = _hashes(_connection(), [f"{n}{SEP}{f}" for f, n in full])
        fn, ln = self._names
        counts = {}
        for (f, n), h in zip(full, hashes, strict=True):
            found = self.keys["ln_fn_whole"].find(np.asarray([h], dtype=np.uint64))
            counts[(f, n)] = int(((fn[found] == f) & (ln[found] == n)).sum())
        return [counts.get(k, 1) for k in names]

    def candidates(self, applicant: Mapping[str, Any]) -> np.ndarray:
        """Positions of every index row a blocking rule pairs with `applicant` (features)."""
        wanted = applicant_keys(applicant)
        rows = _find(self.keys, wanted, _hashes(_connection(), [k for _t, k in wanted]))
        if self.delta is not None and len(self.delta.removed):
            rows = rows[~np.isin(rows, self.delta.removed)]
        return rows

    def _matches(
        self, wanted: list[tuple[str, str]], hashes: np.ndarray
    ) -> tuple[pa.Table, Callable[[], pa.Table]]:
        """Features of the rows the applicant's keys find, delta applied, and a function
        giving their records (most applicants match nothing: their records are never read)."""
        rows = _find(self.keys, wanted, hashes)
        delta = self.delta
        if delta is not None and len(delta.removed):
            rows = rows[~np.isin(rows, delta.removed)]
        taken = pa.array(rows)
        cand = self.features.take(taken)
        if delta is None:
            return cand, lambda: self.records.take(taken)
        if delta.name_shift and len(cand):
            names = zip(cand.column("fn").to_pylist(), cand.column("ln").to_pylist(), strict=True)
            counts = cand.column("name_n").to_numpy() + np.asarray(
                [delta.name_shift.get(k, 0) for k in names], dtype=np.int64
            )
            cand = cand.set_column(
                cand.schema.get_field_index("name_n"), "name_n", pa.array(counts)
            )
        more = pa.array(_find(delta.keys, wanted, hashes))

        def records() -> pa.Table:
            return pa.concat_tables([self.records.take(taken), delta.records.take(more)])

        return pa.concat_tables([cand, delta.features.take(more)]), records

    def match_rows(self, wanted: list[tuple[str, str]], hashes: np.ndarray) -> Found | None:
        """`_matches` as Python rows: the feature rows of what the applicant's keys find
        (`_matches`' table `to_pylist()`, delta applied; the LEVEL_COLUMNS only) and their
        records on demand; None when a row cannot be read from the row store (the caller then
        uses `_matches`)."""
        rows = _find(self.keys, wanted, hashes)
        delta = self.delta
        if delta is not None and len(delta.removed):
            rows = rows[~np.isin(rows, delta.removed)]
        store = self.store
        if not store.features.readable(rows):
            return None
        got = store.features.rows(rows, LEVEL_COLUMNS)
        if delta is None:
            return Found(got, [(store, rows)])
        if delta.name_shift:
            shift = delta.name_shift
            for r in got:
                r["name_n"] += shift.get((r["fn"], r["ln"]), 0)
        more = _find(delta.keys, wanted, hashes)
        extra = delta.store
        if not extra.features.readable(more):
            return None
        return Found(got + extra.features.rows(more, LEVEL_COLUMNS), [(store, rows), (extra, more)])

    def screen_one(
        self, record: Mapping[str, Any], *, threshold: float = REVIEW_THRESHOLD
    ) -> pd.DataFrame:
        """Hits of one applicant (person fields; `id` optional), as `screen_frames` gives them
        against the whole reference (with the delta applied)."""
        from vetline.matching.single import screen_single

        return screen_single(record, [self], threshold=threshold)[0]

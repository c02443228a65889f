"""A stored reference index: screen a day's intake, or one applicant, without redoing the
reference side.

`ReferenceIndex.build(frame, directory)` normalises the reference once and stores its
comparison features and blocking keys in a DuckDB file (`directory/index.duckdb`, with
`index.json` naming the model version and size). `ReferenceIndex.open(directory)` then
screens new applications against it with the same blocking, levels and weights as
`screen_frames`, so the hits are identical.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pandas as pd

from vetline.errors import InputError, NotFound
from vetline.matching.api import HIT_COLUMNS, LIST_COLUMN, keep_bits_for, score_levels
from vetline.matching.bands import REVIEW_THRESHOLD
from vetline.matching.blocking import key_views
from vetline.matching.engine_duckdb import _arrow, compare_registered
from vetline.matching.features import PERSON_FIELDS, build_features
from vetline.matching.model import shipped_model

if TYPE_CHECKING:
    from vetline.matching.lookup import SingleIndex

INDEX_FILE = "index.duckdb"
META_FILE = "index.json"


class ReferenceIndex:
    """Reference features and keys stored once; screening reads them."""

    def __init__(self, directory: Path, con: duckdb.DuckDBPyConnection, meta: dict[str, Any]):
        self.directory = directory
        self.con = con
        self.meta = meta
        self._single: SingleIndex | None = None

    @classmethod
    def build(cls, frame: pd.DataFrame, directory: str | Path) -> ReferenceIndex:
        """Normalise `frame` (person columns, optional `list`) and store it in `directory`."""
        if "id" not in frame.columns:
            raise InputError("reference: no 'id' column")
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / INDEX_FILE
        for stale in (path, folder / f"{INDEX_FILE}.wal"):
            stale.unlink(missing_ok=True)
        features = build_features(frame)
        cols = ["id", *[c for c in (*PERSON_FIELDS, LIST_COLUMN) if c in frame.columns]]
        records = frame[cols].reset_index(drop=True).astype(object)
        records = records.where(records.notna(), None).astype(str).where(records.notna(), None)
        records.insert(0, "idx", np.arange(len(records), dtype=np.int64))
        con = duckdb.connect(str(path))
        con.register("features_in", _arrow(features))
        con.register("records_in", records)
        con.execute("CREATE TABLE R AS SELECT * FROM features_in")
        con.execute("CREATE TABLE records AS SELECT * FROM records_in")
        for stmt in key_views("R", "unnest"):
            # stored as tables: the keys are computed once, not on every screening
            con.execute(stmt.replace("CREATE OR REPLACE TEMP VIEW", "CREATE TABLE"))
        con.unregister("features_in")
        con.unregister("records_in")
        con.execute("CHECKPOINT")
        meta = {
            "rows": len(frame),
            "model_version": shipped_model().version,
            "built_at": dt.datetime.now(dt.UTC).isoformat(),
            "columns": cols,
        }
        (folder / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", "utf-8")
        return cls(folder, con, meta)

    @classmethod
    def open(cls, directory: str | Path) -> ReferenceIndex:
        folder = Path(directory)
        if not (folder / INDEX_FILE).exists():
            raise NotFound(f"no reference index in {folder} (build one first)")
        meta = json.loads((folder / META_FILE).read_text("utf-8"))
        return cls(folder, duckdb.connect(str(folder / INDEX_FILE), read_only=True), meta)

    def close(self) -> None:
        self.con.close()

    def screen(
        self, applicants: pd.DataFrame, *, threshold: float = REVIEW_THRESHOLD
    ) -> pd.DataFrame:
        """Hits of `applicants` against the stored reference, as `screen_frames` gives them."""
        if "id" not in applicants.columns:
            raise InputError("applicants: no 'id' column")
        if applicants.empty or not self.meta["rows"]:
            return pd.DataFrame(columns=HIT_COLUMNS)
        left = applicants.reset_index(drop=True)
        con = self.con.cursor()
        try:
            con.register("L", _arrow(build_features(left)))
            for stmt in key_views("L", "unnest"):
                con.execute(stmt)
            levels = compare_registered(con, dedupe=False, keep_bits=keep_bits_for(threshold))
            if levels.empty:
                return pd.DataFrame(columns=HIT_COLUMNS)
            # the stored rows these pairs need, in idx order; `inverse` numbers them 0..n-1
            wanted_idx, inverse = np.unique(levels["r"].to_numpy(), return_inverse=True)
            con.register("wanted", pd.DataFrame({"idx": wanted_idx}))
            right = con.execute(
                "SELECT r.* FROM records r JOIN wanted w USING (idx) ORDER BY r.idx"
            ).df()
        finally:
            con.close()
        levels["r"] = inverse.astype(np.int64)
        if LIST_COLUMN in right.columns:
            lists = pd.factorize(right[LIST_COLUMN].astype(str))[0]  # codes group as names do
            levels["r_list"] = lists[levels["r"].to_numpy()]
        return score_levels(levels, left, right.drop(columns=["idx"]), threshold=threshold)

    def screen_one(
        self, record: Mapping[str, Any], *, threshold: float = REVIEW_THRESHOLD
    ) -> pd.DataFrame:
        """One applicant (a mapping of person fields; `id` optional) against the index.

        The same hits as `screen`, from the index held in memory (vetline.matching.lookup);
        the first call loads it (seconds for a million rows), later calls take milliseconds.
        """
        from vetline.matching.lookup import SingleIndex

        if self._single is None:
            con = self.con.cursor()
            try:
                self._single = SingleIndex.read(con, self.meta)
            finally:
                con.close()
        return self._single.screen_one(record, threshold=threshold)

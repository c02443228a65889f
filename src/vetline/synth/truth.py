"""Ground truth, derived from who each record really is rather than from what was planted.

Every record carries the person id it was rendered from, so `match` rows are every pair of
records that are the same person (including unplanned overlaps such as an applicant's own
entry on the register); `namesake` and `household` rows are every pair with the same folded
name, or the same surname at the same address, that are different people.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vetline.synth.names import fold

TRUTH_COLUMNS = ("applicant_id", "relation", "target_file", "target_id", "corruption")


@dataclass
class Side:
    """One file's records as truth needs them."""

    name: str
    ids: list[str]
    pid: np.ndarray
    hh: np.ndarray  # -1 where the file has no address
    first: list[str]
    last: list[str]
    email: list[str]
    ops: dict[int, list[str]]
    district: np.ndarray | None = None  # postcode district per row (namesake scoping)


class _Keys:
    """Folded first-name and surname keys, interned as integers (0: empty) for fast joins."""

    def __init__(self) -> None:
        self.raw: dict[str, tuple[int, int]] = {}
        self.ids: dict[str, int] = {"": 0}

    def _id(self, key: str) -> int:
        got = self.ids.get(key)
        if got is None:
            got = self.ids[key] = len(self.ids)
        return got

    def of(self, text: str) -> tuple[int, int]:
        """(first-token key, whole-name key) of a name."""
        got = self.raw.get(text)
        if got is None:
            k = fold(text)
            got = self.raw[text] = (self._id(k.split(" ")[0] if k else ""), self._id(k))
        return got

    def column(self, values: list[str], which: int) -> np.ndarray:
        """Keys for a column: fold each distinct value once (names repeat a lot)."""
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
        codes, uniques = pd.factorize(arr)
        keys = np.array([self.of(u)[which] for u in uniques.tolist()], dtype=np.int64)
        return keys[codes] if len(codes) else np.zeros(0, dtype=np.int64)

    def frame(self, side: Side) -> pd.DataFrame:
        fk = self.column(side.first, 0)
        lk = self.column(side.last, 1)
        dist = side.district if side.district is not None else np.full(len(side.ids), -1)
        return pd.DataFrame(
            {
                "row": np.arange(len(side.ids)),
                "pid": side.pid,
                "hh": side.hh,
                "fk": fk,
                "lk": lk,
                "dist": dist,
            }
        )


def _namesakes(a: pd.DataFrame, b: pd.DataFrame, scoped: bool, planted: set[int]) -> pd.DataFrame:
    """Same-name pairs; when `scoped`, only within a district or involving a planted person
    (joining on the district first keeps a big register from exploding the join)."""
    if not scoped:
        n = a.merge(b, on=["fk", "lk"], suffixes=("_a", "_b"))
        n["dist_a"], n["dist_b"] = -1, -1
    else:
        near = a.merge(b, on=["fk", "lk", "dist"], suffixes=("_a", "_b"))
        near["dist_a"] = near["dist_b"] = near["dist"]
        far = pd.concat(
            [
                a[a["pid"].isin(planted)].merge(b, on=["fk", "lk"], suffixes=("_a", "_b")),
                a.merge(b[b["pid"].isin(planted)], on=["fk", "lk"], suffixes=("_a", "_b")),
            ]
        )
        n = pd.concat([near.drop(columns="dist"), far]).drop_duplicates(["row_a", "row_b"])
    return n[(n["pid_a"] != n["pid_b"]) & (n["fk"] != 0)]


def truth_rows(
    apps: Side, targets: list[Side], planted: set[int]
) -> list[tuple[str, str, str, str, str]]:
    """Relations from each applicant to records of the other files (and earlier applications).

    Every same-person pair and every same-surname-same-address pair is listed. Namesakes are
    listed for name-only lists (candidates) and, for lists with addresses, when they live in
    the same postcode district or were planted: all same-name pairs in a large register would
    be millions of rows, and a namesake far away is not a hard case.
    """
    keys = _Keys()
    a = keys.frame(apps)
    a = a[a["lk"] != 0]
    out: list[tuple[str, str, str, str, str]] = []
    for t in targets:
        same_file = t is apps
        b = a if same_file else keys.frame(t)
        b = b[b["lk"] != 0]
        # same person
        m = a[["row", "pid"]].merge(b[["row", "pid"]], on="pid", suffixes=("_a", "_b"))
        if same_file:
            m = m[m["row_b"] < m["row_a"]]
        for ra, rb in zip(m["row_a"].tolist(), m["row_b"].tolist(), strict=True):
            ops = sorted(set(apps.ops.get(ra, [])) | set(t.ops.get(rb, [])))
            out.append((apps.ids[ra], "match", t.name, t.ids[rb], "+".join(ops)))
        # same name, different person
        n = _namesakes(a, b, scoped=t.district is not None, planted=planted)
        if same_file:
            n = n[n["row_b"] < n["row_a"]]
        for ra, rb, ha, hb, da, db in zip(
            n["row_a"].tolist(),
            n["row_b"].tolist(),
            n["hh_a"].tolist(),
            n["hh_b"].tolist(),
            n["dist_a"].tolist(),
            n["dist_b"].tolist(),
            strict=True,
        ):
            note = "same_address" if ha == hb and ha >= 0 else ""
            if not note and t.district is not None and da == db:
                note = "same_district"
            out.append((apps.ids[ra], "namesake", t.name, t.ids[rb], note))
        # same surname and address, different person (and not a namesake)
        h = a[a["hh"] >= 0].merge(b[b["hh"] >= 0], on=["hh", "lk"], suffixes=("_a", "_b"))
        h = h[(h["pid_a"] != h["pid_b"]) & (h["fk_a"] != h["fk_b"])]
        if same_file:
            h = h[h["row_b"] < h["row_a"]]
        for ra, rb in zip(h["row_a"].tolist(), h["row_b"].tolist(), strict=True):
            shared = apps.email[ra] and apps.email[ra].lower() == t.email[rb].lower()
            out.append(
                (apps.ids[ra], "household", t.name, t.ids[rb], "shared_email" if shared else "")
            )
    return sorted(set(out))
